"""Retention as a job (progress per clip, cancel between clips) and MoPI reviews.

The erasure of one clip is the store's crash-safe three steps
(:func:`redaction.store.retention.erase_clip`); a cancelled run stops before the next clip,
records what it did in the audit trail, and the next run picks up the rest.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..errors import Cancelled
from ..jobs import CancelToken, Job, Progress
from .gate import authorise


@dataclass
class RetentionResult:
    as_of: dt.date
    dry_run: bool
    erase: list = field(default_factory=list)          # [(clip id, rule)] (done or planned)
    unfinished: list = field(default_factory=list)     # interrupted erasures completed
    review_due: list = field(default_factory=list)
    unclassified: list = field(default_factory=list)
    cancelled: bool = False
    plan: object = None                                 # the store's Plan (all its lists)
    skipped: list = field(default_factory=list)        # [(clip id, why)]: planned, not erased
    removed: dict = field(default_factory=dict)        # clip id -> [(kind, path)] deleted

    @property
    def to_confirm(self) -> list[int]:
        """The clip ids a run would erase (interrupted erasures first): what the user
        confirms before a real run (``retention_job(..., confirmed=)``)."""
        return list(self.unfinished) + [c for c, _ in self.erase]


def retention_job(user: Optional[str] = None, as_of: Optional[dt.date] = None,
                  dry_run: bool = False, cancel: Optional[CancelToken] = None,
                  confirmed: Optional[Sequence[int]] = None) -> Job:
    """Apply the retention policy (``retention_run``); returns :class:`RetentionResult`.

    ``confirmed``: the clip ids the user agreed to erase (the window shows a dry run's
    :attr:`RetentionResult.to_confirm` first); a clip the fresh plan adds is then skipped,
    not erased. Every clip is checked again inside its erasure's transaction
    (:func:`redaction.store.retention.erase_clip`): one no longer due is skipped and
    reported ("no longer due: ...")."""
    who = authorise("retention_run", user, dry_run=dry_run)
    from ..store import audit, retention
    from ..store.db import open_store
    from ..store.errors import StoreError
    st = open_store()
    as_of = as_of or retention.today_utc()
    if as_of > retention.today_utc() and not dry_run:
        raise StoreError(f"--as-of {as_of} is in the future: only a --dry-run may look ahead")
    with st.session() as s:
        p = retention.plan(s, as_of)
    res = RetentionResult(as_of, dry_run, review_due=list(p.review_due),
                          unclassified=list(p.unclassified), plan=p)
    if dry_run:
        res.erase, res.unfinished = list(p.erase), list(p.unfinished)
        return res
    ok = None if confirmed is None else {int(c) for c in confirmed}
    work = [(cid, "completing an interrupted erasure", True) for cid in p.unfinished] + \
           [(cid, rule, False) for cid, rule in p.erase]
    for cid, _, _ in work:
        if ok is not None and cid not in ok:
            res.skipped.append((cid, "due since the list was confirmed: not erased now (the "
                                     "next run lists it)"))
    work = [w for w in work if ok is None or w[0] in ok]
    try:
        for i, (cid, rule, unfinished) in enumerate(work):
            if cancel is not None:
                cancel.check()
            yield Progress(i, len(work), f"erasing clip {cid}")
            e = retention.erase_clip(st, cid, rule, who, as_of)
            if e.removed:
                res.removed[cid] = list(e.removed)
            if not e.erased:
                res.skipped.append((cid, e.skipped))
            elif unfinished:
                res.unfinished.append(cid)
            else:
                res.erase.append((cid, e.rule))
    except Cancelled:
        res.cancelled = True
    if ok is not None:      # confirmed clips the fresh plan no longer has
        planned = {cid for cid, _, _ in work} | {c for c, _ in res.skipped}
        for cid in sorted(ok - planned):
            res.skipped.append((cid, "no longer due: " + _why_not_due(st, cid, as_of)))
    yield Progress(len(work), len(work), "done")
    with st.session() as s:
        audit.append(s, who, "erasure", "retention.run", {
            "as_of": as_of.isoformat(), "erased": [c for c, _ in res.erase],
            "completed": res.unfinished, "review_due": res.review_due,
            "unclassified_flagged": res.unclassified,
            "held": [{"clip": c, "reason": r} for c, r in getattr(p, "held", [])],
            "skipped": [{"clip": c, "reason": r} for c, r in res.skipped],
            **({"confirmed": sorted(ok)} if ok is not None else {}),
            "cancelled": res.cancelled})
    if res.cancelled:
        raise Cancelled()
    return res


def _why_not_due(st, clip_id: int, as_of: dt.date) -> str:
    from ..store import policy, retention
    from ..store.models import Clip
    with st.session() as s:
        c = s.get(Clip, clip_id)
        if c is None:
            return "no such clip"
        if c.state != "present":
            return f"already {c.state}"
        kind, why = retention.verdict(c, as_of, policy.all_settings(s),
                                      retention.on_open_requests(s, c.id))
        return why or c.classification.replace("_", "-")


def record_review(clip_id: int, decision: str, reason: str, user: Optional[str] = None,
                  next_review: Optional[dt.date] = None):
    """A supervisor's MoPI review decision (``retain`` or ``dispose``)."""
    who = authorise("retention_review", user, clip=clip_id)
    from ..store import retention
    from ..store.db import open_store
    with open_store().session() as s:
        r = retention.record_review(s, clip_id, decision, reason, who, next_review)
        return r.decision, r.next_review


# --- the retention review (what the window's Retention view shows and records) -----------

@dataclass(frozen=True)
class RetentionClip:
    """One clip in the retention review, with what concerns it (``note``)."""
    id: int
    case: str
    name: str
    captured: str                 # ISO, UTC
    capture_guessed: bool
    classification: str
    review_due: Optional[str]     # ISO date (evidential)
    note: str = ""                # the erasure rule, why it is held, ...
    version: int = 0
    captured_from: Optional[str] = None   # file_mtime | container | given

    @property
    def guess_reason(self) -> str:
        from ..store.clips import guess_reason
        return guess_reason(self.captured_from)


@dataclass(frozen=True)
class RetentionOverview:
    """What a retention run would do now, clip by clip (no change; ``view`` right)."""
    as_of: dt.date
    erase: tuple = ()             # due for erasure now
    held: tuple = ()              # due, but kept (capture time not confirmed)
    unfinished: tuple = ()        # an erasure interrupted: the next run completes it
    review_due: tuple = ()        # evidential, MoPI review date reached
    unclassified: tuple = ()      # flagged: classify them
    capture_guessed: tuple = ()   # capture time to confirm or correct
    next_review: Optional[dt.date] = None   # a retain decision's default (and latest) next
                                            # review: today + the policy's mopi_review_years


def retention_overview(user: Optional[str] = None,
                       as_of: Optional[dt.date] = None) -> RetentionOverview:
    """The retention review for the acting user (anyone who may view the library)."""
    authorise("view", user, retention="overview")
    from ..store import clips, retention
    from ..store.db import open_store
    with open_store().session() as s:
        p = retention.plan(s, as_of or retention.today_utc())

        def rows(items):
            out = []
            for x in items:
                cid, note = (x if isinstance(x, (tuple, list)) else (x, ""))
                c = clips.get_clip(s, cid)
                out.append(RetentionClip(
                    c.id, c.case.incident_ref, c.original_name, c.captured_at.isoformat(),
                    bool(c.capture_guessed), c.classification,
                    c.review_due.isoformat() if c.review_due else None, note, c.version,
                    c.captured_from))
            return tuple(out)
        return RetentionOverview(p.as_of, rows(p.erase), rows(p.held), rows(p.unfinished),
                                 rows(p.review_due), rows(p.unclassified),
                                 rows(p.capture_guessed), retention.latest_next_review(s))


@dataclass(frozen=True)
class CaptureTime:
    """A clip's capture time after a supervisor confirmed or corrected it."""
    clip_id: int
    captured: str
    capture_guessed: bool
    captured_from: Optional[str]


def set_capture_time(clip_id: int, reason: str, user: Optional[str] = None,
                     confirm: bool = False, captured: Optional[dt.datetime] = None,
                     expected_version: Optional[int] = None) -> CaptureTime:
    """A supervisor confirms a guessed capture time or corrects one (``retention_review``;
    audited; the retention clock then runs from it)."""
    from ..store import api
    info = api.set_capture_time(clip_id, user, reason=reason, confirm=confirm,
                                captured=captured, expected_version=expected_version)
    return CaptureTime(info["id"], info["captured"], bool(info["capture_guessed"]),
                       info.get("captured_from"))
