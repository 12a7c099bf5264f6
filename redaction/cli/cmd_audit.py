"""`bwv audit`: verify the hash chain; export rows to CSV."""
from __future__ import annotations

import datetime as dt

from .. import access
from ..errors import BwvError, IntegrityError
from ..store import audit
from ..store.clips import parse_time
from ..store.db import open_store
from .storeutil import claimed_user


def register(sub) -> None:
    p = sub.add_parser("audit", help="the audit trail (append-only, hash-chained)")
    a = p.add_subparsers(dest="audit_cmd", metavar="ACTION", required=True)
    q = a.add_parser("verify", help="check that no row was edited, deleted or reordered")
    q.set_defaults(func=_verify)
    q = a.add_parser("export", help="write rows to CSV")
    q.add_argument("--from", dest="start", help="first day (YYYY-MM-DD, UTC) or ISO time")
    q.add_argument("--to", dest="end", help="last day, inclusive (YYYY-MM-DD, UTC) or ISO time")
    q.add_argument("-o", "--output", required=True, help="CSV file to write (must not exist)")
    q.set_defaults(func=_export)


def _bound(text: str | None, end: bool) -> dt.datetime | None:
    if not text:
        return None
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        return parse_time(text, "--to" if end else "--from")
    t = dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc)
    return t + dt.timedelta(days=1) if end else t


def _verify(args) -> int:
    who = access.check("audit", claimed_user(args))
    st = open_store()
    with st.session() as s:
        r = audit.verify(s)
        if r.ok:
            audit.append(s, who, "consultation", "audit.verify", {"rows": r.rows, "ok": True})
    if not r.ok:
        with st.session() as s:
            audit.append(s, who, "consultation", "audit.verify",
                         {"rows": r.rows, "ok": False, "problems": r.problems[:20]})
        for p in r.problems:
            print(p)
        raise IntegrityError(f"audit trail broken: {len(r.problems)} problem(s)")
    print(f"audit trail intact: {r.rows} rows, head {r.head_hash}")
    return 0


def _export(args) -> int:
    who = access.check("audit", claimed_user(args))
    start, end = _bound(args.start, False), _bound(args.end, True)
    if start and end and end <= start:
        raise BwvError("--to is before --from")
    with open_store().session() as s:
        n = audit.export_csv(s, args.output, start, end)
        audit.append(s, who, "disclosure", "audit.export",
                     {"rows": n, "from": args.start, "to": args.end, "output": args.output})
    print(f"{n} rows written to {args.output}")
    return 0
