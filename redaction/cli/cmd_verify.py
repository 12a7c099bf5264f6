"""``bwv verify PROJECT``: check the edit log chain, the source and every export."""
from __future__ import annotations

from .. import services
from ..verify import verify_project
from . import current_user


def register(sub) -> None:
    p = sub.add_parser("verify", help="check a project's edit log, source hash and exports",
                       description="Verify the hash chain of the project's edit log, that the "
                                   "source clip is unchanged and that every recorded export "
                                   "still has its recorded sha256. Exit 0 only if all hold.")
    p.add_argument("project", help="redaction project (.bwvproj.json)")
    p.add_argument("--no-record", action="store_true",
                   help="do not append the verification to the edit log")
    p.set_defaults(func=run)


def run(args) -> int:
    user = current_user(args)
    services.authorise("view", user)
    rep = verify_project(args.project, user, record=not args.no_record)
    for w in rep.warnings:
        print(f"warning: {w}")
    print(f"ok: {rep.entries} log entries chain correctly, source unchanged, "
          f"{rep.exports_checked} export(s) match")
    return 0
