"""`bwv audit`: verify the hash chain and HMACs (and heads recorded in export manifests);
export rows to CSV; create the audit key for a store set up before it existed."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import services
from ..errors import BwvError, IntegrityError
from ..store import audit
from ..store.clips import parse_time
from ..store.db import open_store
from .storeutil import claimed_user


def register(sub) -> None:
    p = sub.add_parser("audit", help="the audit trail (append-only, hash-chained)")
    a = p.add_subparsers(dest="audit_cmd", metavar="ACTION", required=True)
    q = a.add_parser("verify", help="check that no row was edited, deleted or reordered "
                                    "(hashes, HMACs under the audit key, the chain head)")
    q.add_argument("--manifest", action="append", default=[], metavar="M",
                   help="also check that the audit head recorded in this export manifest is "
                        "still in the trail with the same hash (repeatable)")
    q.set_defaults(func=_verify)
    q = a.add_parser("init-key", help="create the audit key file and append a keyed row "
                                      "(administrator; stores set up before the key existed)")
    q.set_defaults(func=_init_key)
    q = a.add_parser("reset-anchor", help="forget this workstation's anchor of the trail "
                                          "(after restoring the database from a backup, or "
                                          "recreating it); audited with the reason",
                     description="Each workstation remembers the newest audit row it wrote or "
                                 "verified and refuses to append when the trail no longer holds "
                                 "it (a cut trail). When the database was restored from a backup "
                                 "or recreated on purpose, an administrator resets that anchor "
                                 "here: the old and new heads and the reason are audited.")
    q.add_argument("--reason", required=True, help="why (e.g. the restore's ticket number)")
    q.set_defaults(func=_reset_anchor)
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


def _manifest_anchor(path: str) -> tuple[int, str]:
    try:
        m = json.loads(Path(path).read_text("utf-8"))
    except OSError as e:
        raise BwvError(f"cannot read the manifest: {e.strerror or e}", path) from None
    except ValueError:
        raise BwvError("the manifest is not valid JSON", path) from None
    a = m.get("audit") if isinstance(m, dict) else None
    if not isinstance(a, dict) or not isinstance(a.get("seq"), int) or not a.get("hash"):
        raise BwvError("the manifest records no audit head (exported without a case store, "
                       "or by a version before the audit head was recorded)", path)
    return a["seq"], str(a["hash"])


def _verify(args) -> int:
    who = services.authorise("audit", claimed_user(args))
    anchors = [(m, *_manifest_anchor(m)) for m in args.manifest]
    st = open_store()
    with st.session() as s:
        r = audit.verify(s)
        for m, seq, h in anchors:
            why = audit.check_anchor(s, seq, h)
            if why:
                r.problems.append(f"{m}: {why}")
        r.ok = not r.problems
        if r.ok:
            audit.append(s, who, "consultation", "audit.verify",
                         {"rows": r.rows, "ok": True, "manifests": args.manifest})
    if not r.ok:
        try:
            with st.session() as s:
                audit.append(s, who, "consultation", "audit.verify",
                             {"rows": r.rows, "ok": False, "problems": r.problems[:20],
                              "manifests": args.manifest})
        except BwvError as e:  # e.g. the newest row no longer verifies under the key
            print(f"(this verification could not be recorded in the audit trail: {e})")
        for p in r.problems:
            print(p)
        raise IntegrityError(f"audit trail broken: {len(r.problems)} problem(s), first: "
                             f"{r.problems[0]}")
    keyed = f", {r.macs} under HMAC" if r.macs else ", none under HMAC"
    print(f"audit trail intact: {r.rows} rows{keyed}, head {r.head_seq} {r.head_hash}")
    for m, seq, _h in anchors:
        print(f"{m}: audit row {seq} still has the recorded hash")
    return 0


def _reset_anchor(args) -> int:
    from ..store import audit_local
    if not args.reason.strip():
        raise BwvError("give the reason for resetting the anchor")
    who = services.authorise("audit", claimed_user(args))
    with open_store().session() as s:
        old = audit_local.reset(s)
        h = audit.head(s)
        audit.append(s, who, "administration", "audit.anchor_reset",
                     {"previous_anchor": old, "head": h, "reason": args.reason})
    was = f"row {old['seq']}" if isinstance(old, dict) else (old or "none")
    print(f"this workstation's audit anchor reset (was {was}; the trail's head is row {h['seq']})")
    return 0


def _init_key(args) -> int:
    who = services.authorise("administer", claimed_user(args))
    from ..store.auditkey import create_key, key_path, load_key
    st = open_store()
    with st.session() as s:
        hd = audit.head(s)
        last = s.get(audit.AuditEntry, hd["seq"]) if hd["seq"] else None
        if last is not None and last.mac is not None and load_key() is None:
            raise IntegrityError("the audit trail is already under HMAC and its key file is "
                                 "missing: restore it from the backup (a new key would not "
                                 "verify the trail)", key_path())
    path, created = create_key()
    with st.session() as s:
        audit.append(s, who, "administration",
                     "audit.key_created" if created else "audit.key_in_use",
                     {"key_file": str(path)})
    print(f"audit key {'created' if created else 'already present'}: {path} (keep a backup: "
          "without it the trail can no longer be appended to or verified)")
    return 0


def _export(args) -> int:
    who = services.authorise("audit", claimed_user(args))
    start, end = _bound(args.start, False), _bound(args.end, True)
    if start and end and end <= start:
        raise BwvError("--to is before --from")
    with open_store().session() as s:
        n = audit.export_csv(s, args.output, start, end)
        audit.append(s, who, "disclosure", "audit.export",
                     {"rows": n, "from": args.start, "to": args.end, "output": args.output})
    print(f"{n} rows written to {args.output}")
    return 0
