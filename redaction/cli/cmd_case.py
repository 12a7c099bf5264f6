"""`bwv case`: import clips into the evidence store; list, show and classify them."""
from __future__ import annotations

from .. import services
from ..jobs import run_job
from ..store import api, clips
from ..store.retention import HELD_GUESSED
from .storeutil import claimed_user, print_json, table


def register(sub) -> None:
    p = sub.add_parser("case", help="cases and clips in the evidence store")
    cs = p.add_subparsers(dest="case_cmd", metavar="ACTION", required=True)

    q = cs.add_parser("create", help="create a case for an incident")
    q.add_argument("incident", help="incident reference")
    q.add_argument("--title", default="")
    q.set_defaults(func=_create)

    q = cs.add_parser("import", help="hash and store a clip (the source is never changed)")
    q.add_argument("clip")
    q.add_argument("--incident", required=True, help="incident reference (case created if new)")
    q.add_argument("--exhibit")
    q.add_argument("--officer", help="officer ID")
    q.add_argument("--device", help="camera/device ID")
    q.add_argument("--captured", help="capture time, ISO 8601 with zone (default: from the "
                                      "file's metadata; else the file's modification time, "
                                      "marked as guessed)")
    q.add_argument("--accept-truncated", action="store_true",
                   help="import a clip cut short (fewer frames than its header declares) "
                        "anyway; logged and shown on the clip")
    q.set_defaults(func=_import)

    q = cs.add_parser("capture-time", help="confirm or correct a clip's capture time "
                                           "(supervisor; retention holds a guessed one)")
    q.add_argument("clip_id", type=int)
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--confirm", action="store_true",
                     help="the stored (guessed) capture time is right")
    how.add_argument("--set", metavar="TIME", dest="set_time",
                     help="the right capture time, ISO 8601 with zone")
    q.add_argument("--reason", required=True, help="how the capture time was established")
    q.set_defaults(func=_capture_time)

    q = cs.add_parser("list", help="list cases")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_list)

    q = cs.add_parser("show", help="a case's clips, files and notes")
    q.add_argument("case", help="incident reference or case number")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_show)

    q = cs.add_parser("classify", help="evidential, non-evidential or unclassified (supervisor)")
    q.add_argument("clip_id", type=int)
    q.add_argument("classification",
                   choices=["evidential", "non-evidential", "unclassified"])
    q.add_argument("--reason", default="", help="why (required, audited; declassifying an "
                                                "evidential clip starts its retention clock)")
    q.set_defaults(func=_classify)

    q = cs.add_parser("verify", help="re-check a clip's hash against the one recorded at import; "
                                      "say whether it matched and print its evidence path")
    q.add_argument("clip_id", type=int)
    q.set_defaults(func=_verify)

    q = cs.add_parser("note", help="add an annotation to a case (or a clip at a time)")
    q.add_argument("case")
    q.add_argument("text")
    q.add_argument("--clip", type=int)
    q.add_argument("--at", type=float, help="seconds into the clip")
    q.set_defaults(func=_note)

    q = cs.add_parser("attach", help="add a project or export file to a case")
    q.add_argument("case")
    q.add_argument("file")
    q.add_argument("--kind", choices=["project", "export", "other"], required=True)
    q.add_argument("--clip", type=int, help="the clip it derives from")
    q.add_argument("--no-copy", action="store_true",
                   help="record the file where it is instead of copying it into the store")
    q.set_defaults(func=_attach)


def _create(args) -> int:
    c = services.create_case(args.incident, claimed_user(args), args.title)
    print(f"case {c.id} created for incident {c.incident}")
    return 0


def _import(args) -> int:
    captured = clips.parse_time(args.captured, "--captured") if args.captured else None
    job = services.import_job([args.clip], args.incident, claimed_user(args),
                              exhibit=args.exhibit, officer=args.officer, device=args.device,
                              captured=captured, accept_truncated=args.accept_truncated)
    [info] = run_job(job)
    print(f"imported clip {info.id} into case {info.case}: sha256 {info.sha256}")
    if info.truncated:
        print(f"warning: clip {info.id} is marked truncated: {info.truncated}")
    if info.capture_guessed:
        print(f"warning: clip {info.id}: capture time {info.captured[:19]} UTC is a guess: "
              f"{info.guess_reason} (retention holds the clip until a supervisor runs "
              f"`bwv case capture-time {info.id} ...`)")
    return 0


def _capture_time(args) -> int:
    captured = clips.parse_time(args.set_time, "--set") if args.set_time else None
    info = api.set_capture_time(args.clip_id, claimed_user(args), reason=args.reason,
                                confirm=args.confirm, captured=captured)
    verb = "confirmed" if args.confirm else "corrected to"
    print(f"clip {info['id']}: capture time {verb} {info['captured'][:19]} UTC")
    return 0


def _captured_cell(c: dict) -> str:
    return c["captured"][:19] + (" (guessed)" if c.get("capture_guessed") else "")


def _erase_cell(c: dict) -> str:
    if c["erase_in_days"] is None:
        return ""
    if c["erase_in_days"] == 0 and c.get("retention_hold"):
        return "held"
    return f"{c['erase_in_days']} d"


def _list(args) -> int:
    rows = api.list_cases(claimed_user(args))
    if args.json:
        print_json(rows)
    else:
        table([[r["id"], r["incident"], r["present"], r["clips"], r["status"], r["title"]]
               for r in rows], ["CASE", "INCIDENT", "CLIPS", "IMPORTED", "STATUS", "TITLE"])
    return 0


def _show(args) -> int:
    info = api.case_summary(args.case, claimed_user(args))
    if args.json:
        print_json(info)
        return 0
    print(f"case {info['id']}: incident {info['incident']}  {info['title']}".rstrip())
    print(f"created {info['created'][:19]} by {info['created_by']}; {info['status']}")
    table([[c["id"], c["name"], c["exhibit"], _captured_cell(c), c["classification"],
            c["state"], _erase_cell(c),
            c["review_due"], c["sha256"][:12]] for c in info["clips"]],
          ["CLIP", "FILE", "EXHIBIT", "CAPTURED (UTC)", "CLASS", "STATE", "ERASED IN",
           "REVIEW", "SHA256"])
    for c in info["clips"]:
        if c.get("truncated"):
            print(f"clip {c['id']}: TRUNCATED (imported with --accept-truncated): "
                  f"{c['truncated']}")
        if c.get("retention_hold") and c["retention_hold"] != HELD_GUESSED:
            print(f"clip {c['id']}: erasure due, {c['retention_hold']} (kept while it is open)")
        if c.get("capture_guessed") and c["state"] == "present":
            from ..store.clips import guess_reason
            print(f"clip {c['id']}: capture time is a guess, not confirmed (retention holds "
                  f"it): {guess_reason(c.get('captured_from'))}")
    for f in info["files"]:
        print(f"file {f['id']}: {f['kind']} {f['path']}{'' if f['in_store'] else ' (outside store)'}")
    for a in info["annotations"]:
        at = f" @{a['at_ms'] / 1000:.1f}s" if a["at_ms"] is not None else ""
        print(f"note {a['id']} ({a['by']}, clip {a['clip']}{at}): {a['text']}")
    return 0


def _classify(args) -> int:
    info = services.classify(args.clip_id, args.classification, claimed_user(args), args.reason)
    extra = f"; MoPI review due {info['review_due']}" if info["review_due"] else ""
    print(f"clip {info['id']} is now {info['classification'].replace('_', '-')}{extra}")
    return 0


def _verify(args) -> int:
    # open_clip refuses (one line, non-zero exit) a missing, erased or changed file
    path = services.open_clip(args.clip_id, claimed_user(args), purpose="verify")
    from ..store import clips
    from ..store.db import open_store
    with open_store().session() as s:
        sha = clips.get_clip(s, args.clip_id).sha256
    print(f"clip {args.clip_id}: OK, the evidence file's sha256 matches the hash recorded at "
          f"import ({sha})")
    print(f"evidence {path}")
    return 0


def _note(args) -> int:
    n = services.annotate_case(args.case, args.text, claimed_user(args), args.clip, args.at)
    print(f"note {n.id} added to case {n.case}")
    return 0


def _attach(args) -> int:
    f = services.add_case_file(args.case, args.kind, args.file, claimed_user(args), args.clip,
                               copy=not args.no_copy)
    print(f"file {f.id} ({f.kind}) attached to case {f.case}")
    return 0
