"""The audit trail: one append-only, hash-chained table (DPA 2018 s.62 categories).

Each row's ``hash`` is sha256 over the canonical JSON of (seq, ts, username,
category, action, details, prev_hash); ``prev_hash`` is the previous row's hash
(64 zeros for the first). ``audit_head`` holds the last (seq, hash): appending
locks it (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two
workstations never fork the chain, and deleting the newest rows is detected.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import IntegrityError
from .models import AuditEntry, AuditHead

CATEGORIES = ("collection", "alteration", "consultation", "disclosure", "combination",
              "erasure", "login", "refusal", "administration")
GENESIS = "0" * 64


def _ts(now: dt.datetime | None = None) -> str:
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def row_hash(seq: int, ts: str, username: str, category: str, action: str, details: str,
             prev_hash: str) -> str:
    payload = canonical([seq, ts, username, category, action, details, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(s: Session, user: str, category: str, action: str, details: dict | None = None,
           *, now: dt.datetime | None = None) -> AuditEntry:
    """Append one row in the caller's transaction (it is committed with the change it logs)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown audit category {category!r}")
    head = s.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        s.add(head)
    seq = head.seq + 1
    ts = _ts(now)
    det = canonical(details or {})
    h = row_hash(seq, ts, user, category, action, det, head.hash)
    entry = AuditEntry(seq=seq, ts=ts, username=user, category=category, action=action,
                       details=det, prev_hash=head.hash, hash=h)
    s.add(entry)
    head.seq, head.hash = seq, h
    s.flush()
    return entry


@dataclass
class VerifyResult:
    ok: bool
    rows: int
    head_hash: str
    problems: list[str]


def verify(s: Session) -> VerifyResult:
    """Recompute the chain; report edited, deleted, inserted or reordered rows."""
    problems: list[str] = []
    prev = GENESIS
    expected = 1
    n = 0
    for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        n += 1
        if e.seq != expected:
            problems.append(f"row {e.seq}: expected row {expected} (rows deleted or renumbered)")
        if e.prev_hash != prev:
            problems.append(f"row {e.seq}: does not follow the previous row "
                            "(deleted, inserted or reordered)")
        if row_hash(e.seq, e.ts, e.username, e.category, e.action, e.details,
                    e.prev_hash) != e.hash:
            problems.append(f"row {e.seq}: content does not match its hash (edited)")
        prev = e.hash
        expected = e.seq + 1
    head = s.get(AuditHead, 1)
    if head is not None and (head.seq != expected - 1 or head.hash != prev):
        problems.append(f"the trail ends at row {expected - 1} but row {head.seq} was written "
                        "(newest rows deleted or edited)")
    if head is None and n:
        problems.append("the chain head is missing")
    return VerifyResult(not problems, n, prev, problems)


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
