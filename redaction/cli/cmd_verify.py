"""``bwv verify PROJECT``: check the edit log chain, rebuild the project from its log and
compare it with the file, check the source and every export (and given manifests)."""
from __future__ import annotations

from contextlib import ExitStack

from .. import services
from ..errors import ProjectError
from ..projlock import ProjectLocked, hold
from ..verify import verify_project
from . import current_user


def register(sub) -> None:
    p = sub.add_parser("verify", help="check a project's edit log, source hash and exports",
                       description="Verify the hash chain of the project's edit log, rebuild "
                                   "the project from the log and compare it with the project "
                                   "file (any difference is named: track, field, frame), check "
                                   "that the source clip is unchanged, that every recorded "
                                   "export still has its recorded sha256 and that its manifest "
                                   "still names the log entry. Exit 0 only if all hold.")
    p.add_argument("project", help="redaction project (.bwvproj.json)")
    p.add_argument("--manifest", action="append", default=[], metavar="M",
                   help="also check this export manifest against the project's edit log "
                        "(repeatable; e.g. a manifest kept with a disclosure)")
    p.add_argument("--no-record", action="store_true",
                   help="do not append the verification to the edit log")
    p.set_defaults(func=run)


def _lock(stack: ExitStack, project, user: str) -> None:
    try:
        stack.enter_context(hold(project, "bwv verify", user))
    except ProjectLocked as e:
        e.message += " (bwv verify --no-record checks it without recording)"
        e.args = (str(e),)
        raise
    except ProjectError:
        pass     # a folder nothing can be written in: recording fails, and says so


def run(args) -> int:
    user = current_user(args)
    services.authorise("view", user)
    with ExitStack() as stack:
        if not args.no_record:       # recording writes the log: one writer at a time
            _lock(stack, args.project, user)
        rep = verify_project(args.project, user, record=not args.no_record,
                             manifests=args.manifest)
    for w in rep.warnings:
        print(f"warning: {w}")
    print(f"ok: {rep.entries} log entries chain correctly, {rep.edits_replayed} edit(s) replayed "
          f"rebuild the project file exactly (state {rep.state_sha256[:12]}...), source "
          f"unchanged, {rep.exports_checked} export(s) match"
          + (f", {len(args.manifest)} given manifest(s) match" if args.manifest else ""))
    return 0
