"""`bwv request`: subject access, FOI, CPS/court and other requests; the disclosure register."""
from __future__ import annotations

from .. import services
from ..store import api, requests
from ..store.db import open_store
from ..store.models import REQUEST_TYPES
from .storeutil import claimed_user, parse_date, print_json, table


def register(sub) -> None:
    p = sub.add_parser("request", help="requests for footage and the disclosure register")
    rs = p.add_subparsers(dest="request_cmd", metavar="ACTION", required=True)

    q = rs.add_parser("create", help="record a request")
    q.add_argument("--type", required=True,
                   help=f"{', '.join(t.replace('_', '-') for t in REQUEST_TYPES)} (or sar, cps)")
    q.add_argument("--requester", required=True)
    q.add_argument("--received", help="YYYY-MM-DD (default today, UTC)")
    q.add_argument("--due", help="YYYY-MM-DD (default: one calendar month for subject access, "
                                 "20 working days for FOI)")
    q.add_argument("--notes", default="")
    q.set_defaults(func=_create)

    q = rs.add_parser("list", help="requests by due date")
    q.add_argument("--all", action="store_true", help="include closed requests")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_list)

    q = rs.add_parser("show", help="one request with its clips, extensions and disclosures")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_show)

    q = rs.add_parser("extend", help="extend a subject access request (up to 2 months)")
    q.add_argument("id", type=int)
    q.add_argument("--months", type=int, required=True)
    q.add_argument("--reason", required=True)
    q.set_defaults(func=_extend)

    q = rs.add_parser("link", help="link clips to a request")
    q.add_argument("id", type=int)
    q.add_argument("clips", type=int, nargs="+")
    q.set_defaults(func=_link)

    q = rs.add_parser("approve", help="approve disclosure under a request (supervisor; "
                                      "needed when four-eyes export approval is on)")
    q.add_argument("id", type=int)
    q.set_defaults(func=_approve)

    q = rs.add_parser("close", help="close a request with its outcome")
    q.add_argument("id", type=int)
    q.add_argument("--outcome", required=True, help="e.g. disclosed, refused, withdrawn")
    q.set_defaults(func=_close)

    q = rs.add_parser("disclose", help="record an export in the disclosure register")
    q.add_argument("id", type=int)
    q.add_argument("--manifest", required=True, help="the export's manifest JSON")
    q.set_defaults(func=_disclose)

    q = rs.add_parser("register", help="the disclosure register")
    q.add_argument("--request", type=int)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_register)


def _create(args) -> int:
    r = services.create_request(args.type, args.requester, claimed_user(args),
                                parse_date(args.received, "--received"),
                                parse_date(args.due, "--due"), args.notes)
    due = f", due {r.due}" if r.due else ""
    print(f"request {r.id} ({r.type.replace('_', ' ')}) recorded{due}")
    return 0


def _list(args) -> int:
    rows = api.list_requests(claimed_user(args), include_closed=args.all)
    if args.json:
        print_json(rows)
    else:
        table([[r["id"], r["type"], r["requester"], r["received"], r["due"],
                "" if r["days_left"] is None else r["days_left"], r["status"], len(r["clips"])]
               for r in rows],
              ["REQ", "TYPE", "REQUESTER", "RECEIVED", "DUE", "DAYS LEFT", "STATUS", "CLIPS"])
    return 0


def _show(args) -> int:
    who = services.authorise("view", claimed_user(args), request=args.id)
    with open_store().session() as s:
        info = api.request_info(requests.get_request(s, args.id))
        from ..store import audit
        audit.append(s, who, "consultation", "request.show", {"request": args.id})
    if args.json:
        print_json(info)
        return 0
    for k in ("id", "type", "requester", "received", "due", "days_left", "status", "outcome",
              "notes", "created_by", "approved_by", "clips"):
        print(f"{k}: {info[k]}")
    for e in info["extensions"]:
        print(f"extended {e['months']} month(s) to {e['new_due']} by {e['by']}: {e['reason']}")
    for d in info["disclosures"]:
        print(f"disclosed {d['date'][:19]} to {d['recipient']} ({d['organisation']}), "
              f"basis: {d['basis']}, sha256 {d['export_sha256']}")
    return 0


def _extend(args) -> int:
    r = services.extend_request(args.id, args.months, args.reason, claimed_user(args))
    print(f"request {r.id} now due {r.due}")
    return 0


def _link(args) -> int:
    r = services.link_clips(args.id, args.clips, claimed_user(args))
    print(f"request {r.id} clips: {', '.join(str(c) for c in r.clips)}")
    return 0


def _approve(args) -> int:
    r = services.approve_request(args.id, claimed_user(args))
    clips = ", ".join(str(c) for c in sorted(r.clips)) or "none yet"
    print(f"request {r.id} approved for disclosure by {r.approved_by} (clips: {clips}; "
          "linking another withdraws the approval)")
    return 0


def _close(args) -> int:
    r = services.close_request(args.id, args.outcome, claimed_user(args))
    print(f"request {r.id} closed: {r.outcome}")
    return 0


def _disclose(args) -> int:
    n = services.record_disclosure(args.id, args.manifest, claimed_user(args))
    print(f"disclosure {n} recorded against request {args.id}")
    return 0


def _register(args) -> int:
    rows = api.disclosure_register(claimed_user(args), args.request)
    if args.json:
        print_json(rows)
    else:
        table([[d["id"], d["date"][:19], d["request"], d["recipient"], d["organisation"],
                d["basis"], d["export_sha256"][:16]] for d in rows],
              ["NO", "DATE (UTC)", "REQ", "RECIPIENT", "ORGANISATION", "BASIS", "SHA256"])
    return 0
