"""The audit trail: one append-only, hash-chained table (DPA 2018 s.62 categories).

Rows are chained with :mod:`redaction.hashchain` (the same chain as the project edit
log). A version-2 row (``v = 2``) hashes the canonical JSON of
``{"v", "chain", "seq", "ts", "user", "category", "action", "details", "prev"}``: ``hash``
is its plain SHA-256 (anyone can check the chain, e.g. on a CSV export) and ``mac`` its
HMAC-SHA256 under the audit key, a file held outside the database
(:mod:`redaction.store.auditkey`), so someone who can write to the database but does not
hold the key cannot rewrite a row, even recomputing every hash after it. Rows written
before (``v`` NULL) keep the old rule (:func:`row_hash`) and carry no MAC.

Once a row carries a MAC every later row must; while the key file exists the newest row
must carry one; and with MAC'd rows in the trail and the key missing or unreadable,
appending and verifying are refused (fail closed).

``audit_head`` holds the last (seq, hash). The database advances it, not the program: a
trigger on INSERT checks that the new row follows the head and moves the head (on
PostgreSQL a SECURITY DEFINER function, so the application's role needs no UPDATE right
on it; migration 0005). Appending takes the writers' lock first (an advisory lock on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so two workstations never fork the chain, and
deleting the newest rows is detected.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .. import hashchain
from ..errors import IntegrityError
from . import audit_local
from .auditkey import AuditKeyError, load_key, require_key
from .models import AuditEntry, AuditHead

CATEGORIES = ("collection", "alteration", "consultation", "disclosure", "combination",
              "erasure", "login", "refusal", "administration")
GENESIS = hashchain.GENESIS
VERSION = hashchain.VERSION
CHAIN = "bwv-audit"
LOCK_ID = 4242013  # pg_advisory_xact_lock key of the audit writers' lock

_UNSET = object()


def _ts(now: dt.datetime | None = None) -> str:
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(obj) -> str:
    """How ``details`` is stored (and hashed): canonical JSON text; values that are not
    JSON (paths, times) are written as text first."""
    return hashchain.canonical(json.loads(json.dumps(obj, default=str))).decode("utf-8")


def row_hash(seq: int, ts: str, username: str, category: str, action: str, details: str,
             prev_hash: str) -> str:
    """The hash of a row written before version 2 (``v`` NULL)."""
    return hashchain.legacy_audit_hash(seq, ts, username, category, action, details, prev_hash)


def row_body(seq: int, ts: str, username: str, category: str, action: str, details: str,
             prev_hash: str) -> dict:
    """What a version-2 row's hash and MAC cover."""
    return {"v": VERSION, "chain": CHAIN, "seq": seq, "ts": ts, "user": username,
            "category": category, "action": action, "details": details, "prev": prev_hash}


def _body_of(e: AuditEntry) -> dict:
    return row_body(e.seq, e.ts, e.username, e.category, e.action, e.details, e.prev_hash)


def lock(s: Session) -> None:
    """Take the audit writers' lock for this transaction (SQLite: BEGIN IMMEDIATE has)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_ID})


def head(s: Session) -> dict:
    """The chain's head ``{"seq", "hash"}`` as the database holds it."""
    row = s.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return {"seq": row.seq, "hash": row.hash} if row else {"seq": 0, "hash": GENESIS}


def _row_hash(s: Session, seq: int) -> Optional[str]:
    e = s.get(AuditEntry, seq)
    return None if e is None else e.hash


def _check_newest(s: Session, h: dict, key: Optional[bytes]) -> None:
    """Refuse when the newest row is under HMAC and the key is missing or does not verify
    it (fail closed), when it is not the row the head names, or when the trail no longer
    holds the row this workstation last wrote or verified (:mod:`.audit_local`)."""
    why = audit_local.problem(s, lambda seq: _row_hash(s, seq))
    if why:
        raise IntegrityError(f"audit trail cut: {why}; run `bwv audit verify`")
    if not h["seq"]:
        return
    last = s.get(AuditEntry, h["seq"])
    if last is None or last.hash != h["hash"]:
        raise IntegrityError(f"the audit trail's newest row ({h['seq']}) is not the one its "
                             "head names; run `bwv audit verify`")
    if last.mac is None:
        return
    if key is None:
        require_key()  # raises: the trail is under HMAC and the key is missing
    if not hashchain.same(hashchain.entry_hash(_body_of(last), key), last.mac):
        from .auditkey import key_path
        raise AuditKeyError(f"the audit key does not verify the newest row ({last.seq}): "
                            "a different key, or the row was edited; run `bwv audit verify`",
                            key_path())


def check_ready(s: Session) -> None:
    """Raise unless a row could be appended now: the key verifies the newest row (when the
    trail is under HMAC) and the trail still holds this workstation's anchor."""
    _check_newest(s, head(s), load_key())


def anchor(s: Session) -> dict:
    """The head ``{"seq", "hash"}`` to record outside the database (export manifests),
    after checking that the newest row is the head's and verifies under the key."""
    h = head(s)
    _check_newest(s, h, load_key())
    return h


def append(s: Session, user: str, category: str, action: str, details: dict | None = None,
           *, now: dt.datetime | None = None) -> AuditEntry:
    """Append one row in the caller's transaction (it is committed with the change it logs).

    Under the audit key when its file exists; refused (:class:`AuditKeyError`) when the
    trail is under HMAC and the key is missing, unreadable, or does not verify the newest row.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown audit category {category!r}")
    key = load_key()
    lock(s)
    h = head(s)
    last = s.get(AuditEntry, h["seq"]) if h["seq"] else None
    if last is not None and last.mac is not None:
        _check_newest(s, h, key)
    else:
        why = audit_local.problem(s, lambda seq: _row_hash(s, seq))
        if why:
            raise IntegrityError(f"audit trail cut: {why}; run `bwv audit verify`")
    seq = h["seq"] + 1
    ts = _ts(now)
    det = canonical(details or {})
    body = row_body(seq, ts, user, category, action, det, h["hash"])
    entry = AuditEntry(seq=seq, ts=ts, username=user, category=category, action=action,
                       details=det, prev_hash=h["hash"], hash=hashchain.entry_hash(body),
                       v=VERSION, mac=hashchain.entry_hash(body, key) if key else None)
    s.add(entry)
    s.flush()  # the database's trigger checks the link and advances audit_head
    audit_local.note_written(s, seq, entry.hash)
    return entry


@dataclass
class VerifyResult:
    ok: bool
    rows: int
    head_hash: str
    problems: list[str]
    head_seq: int = 0
    macs: int = 0          # rows under HMAC (all checked against the key)
    first_bad: Optional[int] = None   # the first row named in a problem


_MESSAGES = {
    hashchain.SEQ: "row {seq}: expected row {expected} (rows deleted or renumbered)",
    hashchain.PREV: "row {seq}: does not follow the previous row (deleted, inserted or "
                    "reordered)",
    hashchain.RULE: "row {seq}: unknown row version",
    hashchain.HASH: "row {seq}: content does not match its hash (edited)",
    hashchain.MAC: "row {seq}: HMAC does not match (edited in the database, even if its "
                   "hash was recomputed, or a different audit key)",
    hashchain.MAC_MISSING: "row {seq}: no HMAC although earlier rows have one (rewritten "
                           "without the audit key)",
}


def verify(s: Session, key=_UNSET) -> VerifyResult:
    """Recompute the chain and the HMACs; report edited, deleted, inserted or reordered rows.

    ``key`` defaults to the audit key file's. Raises :class:`AuditKeyError` (fail closed)
    when a row carries a MAC and the key is missing or unreadable.
    """
    if key is _UNSET:
        key = load_key()

    def link(e: AuditEntry) -> hashchain.Link:
        if e.v is None:
            expected = row_hash(e.seq, e.ts, e.username, e.category, e.action, e.details,
                                e.prev_hash)
        elif e.v == VERSION:
            expected = hashchain.entry_hash(_body_of(e))
        else:
            expected = None
        emac = None
        if e.mac is not None:
            if key is None:
                require_key()
            emac = hashchain.entry_hash(_body_of(e), key) if e.v == VERSION else ""
        return hashchain.Link(e.seq, e.prev_hash, e.hash, expected, e.mac, emac)

    rows = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    r = hashchain.walk(rows, link, mac_once_started=True)
    problems = [_MESSAGES[b.kind].format(seq=b.seq, expected=b.expected_seq)
                for b in r.breaks]
    first_bad = r.first.seq if r.first else None
    last = r.head_seq
    hd = s.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if hd is not None and (hd.seq != last or hd.hash != r.head_hash):
        problems.append(f"the trail ends at row {last} but row {hd.seq} was written "
                        "(newest rows deleted or edited)")
    if hd is None and r.count:
        problems.append("the chain head is missing")
    if key is not None and r.count and not _has_mac(s, last):
        problems.append(f"row {last} (the newest) has no HMAC although the audit key exists "
                        "(trail rewritten without the key, or the key was installed after "
                        "it: `bwv audit init-key` appends a keyed row)")
    why = audit_local.problem(s, lambda seq: _row_hash(s, seq))
    if why:
        problems.append(why)
    for g in missing_guards(s):
        problems.append(f"the audit table's guard {g} (a trigger) is missing or disabled: the "
                        "database's owner removed what keeps the trail append-only")
    if not r.count:
        from .models import User
        users = s.execute(select(func.count()).select_from(User)).scalar() or 0
        if key is not None or users:
            problems.append("the trail is empty although "
                            + ("the audit key exists" if key is not None else f"the store holds {users} user account(s)")
                            + " (every row deleted)")
    if first_bad is None and problems:
        first_bad = last
    if not problems and r.count:
        audit_local.write(s, last, r.head_hash)   # verified: the tripwire moves on
    return VerifyResult(not problems, r.count, r.head_hash, problems, last, r.macs, first_bad)


# the triggers that keep the table append-only and advance the head (migrations 0002, 0005)
GUARDS = {"sqlite": ("audit_no_update", "audit_no_delete", "audit_follow_head",
                     "audit_advance_head"),
          "postgresql": ("audit_append_only", "audit_advance_head")}


def missing_guards(s: Session) -> list[str]:
    """The append-only guards that are gone (dropped, or disabled on PostgreSQL): only the
    database's owner can do that, and the trail then proves less."""
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite":
        have = set(s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                  "AND tbl_name = 'audit'")).scalars())
    elif dialect == "postgresql":
        have = set(s.execute(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit'::regclass "
                                  "AND NOT tgisinternal AND tgenabled <> 'D'")).scalars())
    else:
        return []
    return [g for g in GUARDS.get(dialect, ()) if g not in have]


def _has_mac(s: Session, seq: int) -> bool:
    e = s.get(AuditEntry, seq)
    return e is not None and e.mac is not None


def check_anchor(s: Session, seq: int, hash_: str) -> Optional[str]:
    """None if row ``seq`` is still in the trail with ``hash_`` (an audit head recorded
    outside the database, e.g. in an export manifest); else why not, in one line."""
    e = s.get(AuditEntry, seq)
    if e is None:
        return (f"audit row {seq} recorded there is no longer in the trail (rows deleted or "
                "the trail replaced)")
    if not hashchain.same(e.hash, hash_):
        return (f"audit row {seq} no longer has the hash recorded there (the trail was "
                "rewritten at or before that row)")
    return None


def check(s: Session) -> VerifyResult:
    r = verify(s)
    if not r.ok:
        raise IntegrityError("audit trail broken: " + "; ".join(r.problems[:3]))
    return r


def entries(s: Session, start: dt.datetime | None = None, end: dt.datetime | None = None,
            category: str | None = None):
    q = select(AuditEntry).order_by(AuditEntry.seq)
    if start is not None:
        q = q.where(AuditEntry.ts >= _ts(start))
    if end is not None:
        q = q.where(AuditEntry.ts < _ts(end))
    if category:
        q = q.where(AuditEntry.category == category)
    return list(s.execute(q).scalars())


FIELDS = ("seq", "ts", "username", "category", "action", "details", "prev_hash", "hash")


def export_csv(s: Session, out: str | Path, start=None, end=None) -> int:
    """Write rows with ``start <= ts < end`` to CSV (atomically); returns the row count."""
    import io

    from ..fsutil import atomic_write_text
    rows = entries(s, start, end)
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(FIELDS)
    for e in rows:
        w.writerow([getattr(e, f) for f in FIELDS])
    atomic_write_text(out, buf.getvalue(), overwrite=False)
    return len(rows)
