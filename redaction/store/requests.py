"""Requests for footage: subject access, FOI, CPS/court, police internal, other."""
from __future__ import annotations

import calendar
import datetime as dt
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .clips import get_clip
from .errors import Conflict, NotFound, StoreError
from .models import REQUEST_TYPES, Clip, Request, RequestExtension, utcnow

SAR_MAX_EXTENSION_MONTHS = 2
FOI_WORKING_DAYS = 20


def add_months(d: dt.date, months: int) -> dt.date:
    """Same day ``months`` later; if that month is shorter, its last day (ICO guidance:
    a request received on 31 January is due on 28/29 February)."""
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def add_working_days(d: dt.date, n: int) -> dt.date:
    """Monday-Friday only (bank holidays are not known offline: set --due to adjust)."""
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def normalise_type(t: str) -> str:
    v = t.strip().lower().replace("-", "_").replace(" ", "_").replace("/", "_")
    aliases = {"sar": "subject_access", "dsar": "subject_access", "cps": "cps_court",
               "court": "cps_court", "internal": "police_internal", "police": "police_internal"}
    v = aliases.get(v, v)
    if v not in REQUEST_TYPES:
        raise StoreError(f"unknown request type {t!r} ({', '.join(REQUEST_TYPES)}, or sar/cps)")
    return v


def default_due(rtype: str, received: dt.date) -> dt.date | None:
    if rtype == "subject_access":
        return add_months(received, 1)
    if rtype == "foi":
        return add_working_days(received, FOI_WORKING_DAYS)
    return None


def create_request(s: Session, rtype: str, requester: str, user: str,
                   received: dt.date | None = None, due: dt.date | None = None,
                   notes: str = "") -> Request:
    rtype = normalise_type(rtype)
    if not requester.strip():
        raise StoreError("the requester is empty")
    received = received or utcnow().date()
    due = due or default_due(rtype, received)
    if due is not None and due < received:
        raise StoreError("the due date is before the received date")
    r = Request(type=rtype, requester=requester, received=received, due=due, notes=notes,
                created_by=user)
    s.add(r)
    s.flush()
    audit.append(s, user, "collection", "request.create", {
        "request": r.id, "type": rtype, "received": received.isoformat(),
        "due": due.isoformat() if due else None})
    return r


def request_number(request_id) -> int:
    text = str(request_id).strip().upper().removeprefix("REQ-").removeprefix("REQ")
    if not text.isdigit():
        raise StoreError(f"bad request number {request_id!r}")
    return int(text)


def get_request(s: Session, request_id: int | str, *, lock: bool = False) -> Request:
    """The request; ``lock``: its row locked for this transaction (``SELECT ... FOR
    UPDATE`` on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises) and read afresh,
    its clip list included, so that linking clips and approving or closing run one after
    the other (linking adds rows to another table: the request's version does not move)."""
    n = request_number(request_id)
    if lock:
        r = s.execute(select(Request).where(Request.id == n).with_for_update()
                      .execution_options(populate_existing=True)).scalar_one_or_none()
        if r is not None:
            s.expire(r, ["clips"])
    else:
        r = s.get(Request, n)
    if r is None:
        raise NotFound(f"no such request {request_id}")
    return r


def list_requests(s: Session, status: str | None = None) -> list[Request]:
    q = select(Request).order_by(Request.due.is_(None), Request.due, Request.id)
    if status:
        q = q.where(Request.status == status)
    return list(s.execute(q).scalars())


def _open(r: Request) -> None:
    if r.status != "open":
        raise StoreError(f"request {r.id} is closed")


def extend(s: Session, request_id: int, months: int, reason: str, user: str) -> Request:
    """Extend a subject access request by up to two further months in total (recorded)."""
    r = get_request(s, request_id)
    _open(r)
    if r.type != "subject_access":
        raise StoreError(f"request {r.id} is {r.type}: only subject access requests are extended "
                         "(set a new due date with --due instead)")
    if not reason.strip():
        raise StoreError("give the reason for the extension")
    used = sum(e.months for e in r.extensions)
    if months < 1 or used + months > SAR_MAX_EXTENSION_MONTHS:
        raise StoreError(f"a subject access request can be extended by at most "
                         f"{SAR_MAX_EXTENSION_MONTHS} months in all ({used} used)")
    old = r.due
    r.due = add_months(r.received, 1 + used + months)
    r.extensions.append(RequestExtension(months=months, reason=reason, old_due=old,
                                         new_due=r.due, extended_by=user))
    s.flush()
    audit.append(s, user, "alteration", "request.extend", {
        "request": r.id, "months": months, "reason": reason,
        "old_due": old.isoformat() if old else None, "new_due": r.due.isoformat()})
    return r


def link_clips(s: Session, request_id: int, clip_ids: list[int], user: str) -> Request:
    r = get_request(s, request_id, lock=True)
    _open(r)
    added = []
    for cid in clip_ids:
        # the clip's row is locked (as a retention run's erasure locks it), so a clip is
        # either linked before the run checks it, or refused once it is being erased
        c = s.execute(select(Clip).where(Clip.id == cid).with_for_update()
                      .execution_options(populate_existing=True)).scalar_one_or_none() \
            or get_clip(s, cid)
        if c.state != "present":
            raise StoreError(f"clip {c.id} has been erased" if c.state == "erased"
                             else f"clip {c.id} is being erased")
        if c not in r.clips:
            r.clips.append(c)
            added.append(c.id)
    withdrawn = None
    if added and r.approved_by:   # the approval covered the clips listed when it was given
        withdrawn, r.approved_by, r.approved_at = r.approved_by, None, None
    s.flush()
    audit.append(s, user, "combination", "request.link",
                 {"request": r.id, "clips": added,
                  **({"approval_withdrawn": withdrawn} if withdrawn else {})})
    return r


def approve(s: Session, request_id: int, user: str,
            expected_clips: Iterable[int] | None = None) -> Request:
    """A supervisor approves disclosure under this request (four-eyes). The approval covers
    the clips the request lists now (recorded in the audit row); ``expected_clips``: the
    clips the approver was shown (the window): a request that lists others by now is
    refused (Conflict), since linking after an approval withdraws it for the same reason."""
    r = get_request(s, request_id, lock=True)
    _open(r)
    if r.approved_by:
        raise StoreError(f"request {r.id} is already approved (by {r.approved_by}, "
                         f"{r.approved_at:%Y-%m-%d %H:%M} UTC)")
    listed = sorted(c.id for c in r.clips)
    if expected_clips is not None and sorted(expected_clips) != listed:
        raise Conflict(f"request {r.id} now lists clips {_ids(listed)}, not the "
                       f"{_ids(expected_clips)} shown when you chose to approve it (linked by "
                       "someone else meanwhile): look at it again, then approve")
    r.approved_by, r.approved_at = user, utcnow()
    s.flush()
    audit.append(s, user, "alteration", "request.approve", {"request": r.id, "clips": listed})
    return r


def _ids(ids) -> str:
    return ", ".join(str(i) for i in sorted(ids)) or "(none)"


def close(s: Session, request_id: int, outcome: str, user: str) -> Request:
    r = get_request(s, request_id, lock=True)
    _open(r)
    if not outcome.strip():
        raise StoreError("give the outcome (e.g. disclosed, refused, withdrawn)")
    r.status, r.outcome, r.closed_at, r.closed_by = "closed", outcome, utcnow(), user
    s.flush()
    audit.append(s, user, "alteration", "request.close", {"request": r.id, "outcome": outcome})
    return r


def days_left(r: Request, today: dt.date | None = None) -> int | None:
    if r.due is None:
        return None
    return (r.due - (today or utcnow().date())).days
