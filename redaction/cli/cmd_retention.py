"""`bwv retention`: apply the retention policy, record MoPI reviews, set the policy."""
from __future__ import annotations

from .. import services
from ..jobs import run_job
from ..store import policy, retention
from ..store.db import open_store
from .storeutil import claimed_user, parse_date, print_json


def register(sub) -> None:
    p = sub.add_parser("retention", help="retention policy: erase, review, flag")
    rs = p.add_subparsers(dest="retention_cmd", metavar="ACTION", required=True)

    q = rs.add_parser("run", help="erase clips past retention; list reviews and flags")
    q.add_argument("--dry-run", action="store_true", help="only say what would happen")
    q.add_argument("--as-of", help="UTC date YYYY-MM-DD (default today; future only with "
                                   "--dry-run)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_run)

    q = rs.add_parser("review", help="record a MoPI review decision (supervisor)")
    q.add_argument("clip_id", type=int)
    q.add_argument("--decision", choices=["retain", "dispose"], required=True)
    q.add_argument("--reason", required=True)
    q.add_argument("--next", help="next review date YYYY-MM-DD (retain): after today and "
                                  "within the policy's mopi_review_years from today (the "
                                  "default)")
    q.set_defaults(func=_review)

    q = rs.add_parser("policy", help="show or set a policy value (administrator)")
    q.add_argument("key", nargs="?", choices=sorted(policy.DEFAULTS))
    q.add_argument("value", nargs="?")
    q.set_defaults(func=_policy)


def _run(args) -> int:
    as_of = retention.parse_as_of(args.as_of)
    # a job (progress per clip, cancel between clips), as the GUI would run it; what it
    # reports is what it did: each clip is checked again as it is erased
    res = run_job(services.retention_job(claimed_user(args), as_of, dry_run=args.dry_run))
    p = res.plan
    verb = "would erase" if args.dry_run else "erased"
    out = {"as_of": p.as_of.isoformat(), "dry_run": args.dry_run,
           "erase": [{"clip": c, "rule": r,
                      "derived_files": [{"kind": k, "path": f}
                                        for k, f in res.removed.get(c, []) if k != "media"]}
                     for c, r in res.erase],
           "interrupted_completed": res.unfinished, "review_due": p.review_due,
           "unclassified_flagged": p.unclassified,
           "held": [{"clip": c, "reason": r} for c, r in p.held],
           "skipped": [{"clip": c, "reason": r} for c, r in res.skipped],
           "capture_guessed": p.capture_guessed}
    if args.json:
        print_json(out)
        return 0
    print(f"retention as of {p.as_of} (UTC)")
    for c, r in res.erase:
        print(f"  {verb} clip {c}: {r}")
        for k, f in res.removed.get(c, []):
            if k != "media":
                print(f"    removed {k.replace('_', ' ')}: {f}")
    for c in res.unfinished:
        print(f"  {'would complete' if args.dry_run else 'completed'} interrupted erasure of clip {c}")
        for k, f in res.removed.get(c, []):
            if k != "media":
                print(f"    removed {k.replace('_', ' ')}: {f}")
    for c, r in res.skipped:
        print(f"  not erased: clip {c}: {r}")
    for c in p.review_due:
        print(f"  MoPI review due: clip {c} (`bwv retention review {c} ...`)")
    for c in p.unclassified:
        print(f"  unclassified for too long: clip {c}")
    for c, r in p.held:
        if r == retention.HELD_GUESSED:
            print(f"  {r}: clip {c} (a supervisor runs `bwv case capture-time {c} --confirm "
                  "| --set TIME --reason ...`)")
        else:
            print(f"  {r}: clip {c}")
    held = {c for c, _ in p.held}
    for c in p.capture_guessed:
        if c not in held:
            print(f"  capture time guessed, not confirmed: clip {c}")
    if not (res.erase or res.unfinished or res.skipped or p.review_due or p.unclassified
            or p.held or p.capture_guessed):
        print("  nothing to do")
    return 0


def _review(args) -> int:
    decision, next_review = services.record_review(args.clip_id, args.decision, args.reason,
                                                   claimed_user(args),
                                                   parse_date(args.next, "--next"))
    tail = (f"next review {next_review}" if decision == "retain"
            else "the next `bwv retention run` erases it")
    print(f"clip {args.clip_id}: {decision} recorded; {tail}")
    return 0


def _policy(args) -> int:
    st = open_store()
    if args.value is None:
        services.authorise_user(claimed_user(args))
        with st.session() as s:
            vals = policy.all_settings(s)
        if args.key:
            print(vals[args.key])
        else:
            print_json(vals)
        return 0
    who = services.authorise("administer", claimed_user(args), key=args.key)
    value = policy.parse_value(args.key, args.value)
    with st.session() as s:
        policy.set_value(s, args.key, value, who)
    print(f"{args.key} = {value}")
    return 0
