"""Retention: erase non-evidential clips, list MoPI reviews, flag unclassified clips.

Days are whole UTC calendar days: a clip captured on UTC date C (capture times are
stored in UTC) is erased by a run on or after C + ``non_evidential_days`` (default
31: kept on day 30, erased on day 31). Evidential clips are never erased unless a
supervisor recorded a "dispose" review decision.

Erasure is crash-safe: (1) a transaction marks the clip ``erasing``; (2) the
evidence file and every derived file the store holds are deleted; (3) a second
transaction marks it ``erased`` and appends the erasure record to the audit trail.
A clip left ``erasing`` by a crash is finished by the next run, so each clip ends up
either fully present or fully erased and recorded.

A clip whose capture time was only guessed (the file's modification time) is never
erased by the clock: it is reported as held until a supervisor confirms or corrects the
time (``bwv case capture-time``).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import paths
from . import audit, policy
from .cases import stored_path
from .clips import clip_path, get_clip, review_due_for
from .errors import StoreError
from .models import Annotation, Clip, RetentionReview, StoredFile, utcnow

FAULT_ENV = "BWV_FAULT_INJECT"  # tests: "retention:after_mark" / "retention:after_files"


def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def parse_as_of(text: str | None) -> dt.date:
    """A date (YYYY-MM-DD, a UTC day) or a zoned ISO time (converted to its UTC date)."""
    if not text:
        return today_utc()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    from .clips import parse_time
    return parse_time(text, "--as-of").date()


def capture_day(c: Clip) -> dt.date:
    return c.captured_at.astimezone(dt.timezone.utc).date()


def age_days(c: Clip, as_of: dt.date) -> int:
    return (as_of - capture_day(c)).days


def erase_on(c: Clip, days: int) -> dt.date:
    try:
        return capture_day(c) + dt.timedelta(days=days)
    except OverflowError:    # a capture time near year 9999 (set before times were checked)
        return dt.date.max


@dataclass
class Plan:
    as_of: dt.date
    erase: list[tuple[int, str]] = field(default_factory=list)     # (clip id, rule)
    unfinished: list[int] = field(default_factory=list)            # left 'erasing' by a crash
    review_due: list[int] = field(default_factory=list)            # evidential, review date reached
    unclassified: list[int] = field(default_factory=list)          # flagged
    held: list[tuple[int, str]] = field(default_factory=list)      # due, but kept: (id, why)
    capture_guessed: list[int] = field(default_factory=list)       # capture time not confirmed


HELD_GUESSED = "held: capture time not confirmed"


def _on_open_requests(s: Session) -> dict[int, list[int]]:
    """clip id -> the open requests that list it (a clip someone asked for is kept)."""
    from .models import Request
    out: dict[int, list[int]] = {}
    for r in s.execute(select(Request).where(Request.status == "open")).scalars():
        for c in r.clips:
            out.setdefault(c.id, []).append(r.id)
    return out


def plan(s: Session, as_of: dt.date) -> Plan:
    settings = policy.all_settings(s)
    days = settings["non_evidential_days"]
    flag = settings["unclassified_flag_days"]
    p = Plan(as_of)
    requested = _on_open_requests(s)
    for c in s.execute(select(Clip).where(Clip.state != "erased").order_by(Clip.id)).scalars():
        if c.state == "present" and c.capture_guessed:
            p.capture_guessed.append(c.id)
        if c.state == "erasing":
            p.unfinished.append(c.id)
        elif c.classification == "non_evidential" and as_of >= erase_on(c, days):
            if c.capture_guessed:  # the clock may have started from a file's mtime
                p.held.append((c.id, HELD_GUESSED))
            elif c.id in requested:
                p.held.append((c.id, "held: on open request " +
                               ", ".join(str(r) for r in requested[c.id])))
            else:
                p.erase.append((c.id, f"non-evidential: {days} days after capture"))
        elif c.classification == "evidential" and c.dispose_approved:
            if c.id in requested:
                p.held.append((c.id, "held: on open request " +
                               ", ".join(str(r) for r in requested[c.id])))
            else:
                p.erase.append((c.id, "MoPI review decision: dispose"))
        elif c.classification == "evidential" and c.review_due and c.review_due <= as_of:
            p.review_due.append(c.id)
        elif c.classification == "unclassified" and age_days(c, as_of) >= flag:
            p.unclassified.append(c.id)
    return p


def _fault(point: str) -> None:
    if os.environ.get(FAULT_ENV) == f"retention:{point}":
        os._exit(99)


clip_cache_dir = paths.clip_cache_dir  # per-clip caches (detections, thumbnails): purged with the clip


def _targets(s: Session, c: Clip) -> list[tuple[str, Path]]:
    out = [("media", clip_path(c))]
    for f in s.execute(select(StoredFile).where(StoredFile.clip_id == c.id)).scalars():
        if f.in_store:
            out.append((f.kind, stored_path(f)))
    out.append(("cache", clip_cache_dir(c.sha256)))
    return out


def _remove(p: Path) -> bool:
    try:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as e:
        raise StoreError(f"cannot erase: {e.strerror or e}", p) from e


def erase_clip(store, clip_id: int, rule: str, user: str) -> bool:
    """Erase one clip (three steps, see module doc). Returns False if already erased."""
    with store.session() as s:
        c = get_clip(s, clip_id)
        if c.state == "erased":
            return False
        if c.state == "present":
            c.state, c.erasure_rule, c.erased_by = "erasing", rule, user
    _fault("after_mark")
    with store.session() as s:
        c = get_clip(s, clip_id)
        targets = _targets(s, c)
    removed = []
    for kind, p in targets:
        if _remove(p):
            removed.append(kind)
    _fault("after_files")
    with store.session() as s:
        c = get_clip(s, clip_id)
        if c.state == "erased":
            return False
        held = list(s.execute(select(StoredFile).where(StoredFile.clip_id == c.id)).scalars())
        kinds = [f.kind for f in held if f.in_store]
        outside = [{"kind": f.kind, "sha256": f.sha256} for f in held if not f.in_store]
        s.execute(delete(StoredFile).where(StoredFile.clip_id == c.id))
        n_notes = len(s.execute(select(Annotation.id).where(Annotation.clip_id == c.id)).all())
        s.execute(delete(Annotation).where(Annotation.clip_id == c.id))
        c.state, c.live_sha256, c.erased_at = "erased", None, utcnow()
        audit.append(s, c.erased_by or user, "erasure", "clip.erase", {
            "clip": c.id, "sha256": c.sha256, "incident": c.case.incident_ref,
            "exhibit": c.exhibit_ref, "classification": c.classification,
            "captured": c.captured_at.isoformat(), "rule": c.erasure_rule or rule,
            "derived_files": sorted(kinds), "annotations": n_notes,
            "outside_store_not_erased": outside,
            "removed_now": sorted(set(removed))})
    return True


def run(store, user: str, as_of: dt.date | None = None, dry_run: bool = False) -> Plan:
    """Apply the policy as of ``as_of`` (a UTC date; not later than today unless dry run)."""
    as_of = as_of or today_utc()
    if as_of > today_utc() and not dry_run:
        raise StoreError(f"--as-of {as_of} is in the future: only a --dry-run may look ahead")
    with store.session() as s:
        p = plan(s, as_of)
    if dry_run:
        return p
    for cid in p.unfinished:
        erase_clip(store, cid, "completing an interrupted erasure", user)
    for cid, rule in p.erase:
        erase_clip(store, cid, rule, user)
    with store.session() as s:
        audit.append(s, user, "erasure", "retention.run", {
            "as_of": as_of.isoformat(), "erased": [c for c, _ in p.erase],
            "completed": p.unfinished, "review_due": p.review_due,
            "unclassified_flagged": p.unclassified,
            "held": [{"clip": c, "reason": r} for c, r in p.held]})
    return p


def record_review(s: Session, clip_id: int, decision: str, reason: str, user: str,
                  next_review: dt.date | None = None) -> RetentionReview:
    """A supervisor's MoPI review: ``retain`` (sets the next review) or ``dispose``."""
    c = get_clip(s, clip_id)
    if c.state != "present":
        raise StoreError(f"clip {clip_id} has been erased")
    if c.classification != "evidential":
        raise StoreError(f"clip {clip_id} is {c.classification.replace('_', '-')}: "
                         "only evidential clips get MoPI reviews")
    if decision not in ("retain", "dispose"):
        raise StoreError("decision must be retain or dispose")
    if not reason.strip():
        raise StoreError("give the reason for the decision")
    if decision == "retain":
        if next_review is None:
            next_review = review_due_for(utcnow(), policy.get(s, "mopi_review_years"))
        c.review_due, c.dispose_approved = next_review, False
    else:
        next_review, c.dispose_approved = None, True
    r = RetentionReview(clip_id=c.id, decision=decision, reason=reason,
                        next_review=next_review, decided_by=user)
    s.add(r)
    s.flush()
    audit.append(s, user, "alteration", "retention.review", {
        "clip": c.id, "decision": decision, "reason": reason,
        "next_review": next_review.isoformat() if next_review else None})
    return r
