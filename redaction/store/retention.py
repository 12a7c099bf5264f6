"""Retention: erase non-evidential clips, list MoPI reviews, flag unclassified clips.

Days are whole UTC calendar days: a clip captured on UTC date C (capture times are
stored in UTC) is erased by a run on or after C + ``non_evidential_days`` (default
31: kept on day 30, erased on day 31); for a clip that was evidential, C is the later of
its capture day and the day it was declassified. Evidential clips are never erased unless a
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


def clock_start(c: Clip) -> dt.date:
    """The UTC day the non-evidential clock runs from: the capture day, or for a clip that
    was evidential the day it was declassified, whichever is later."""
    start = capture_day(c)
    if c.declassified_at is not None:
        start = max(start, c.declassified_at.astimezone(dt.timezone.utc).date())
    return start


def declassified_clock(c: Clip) -> bool:
    return c.declassified_at is not None and clock_start(c) > capture_day(c)


def erase_on(c: Clip, days: int) -> dt.date:
    try:
        return clock_start(c) + dt.timedelta(days=days)
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
    skipped: list[tuple[int, str]] = field(default_factory=list)   # planned, no longer due


HELD_GUESSED = "held: capture time not confirmed"


def on_open_requests(s: Session, clip_id: int | None = None) -> dict[int, list[int]]:
    """clip id -> the open requests that list it (a clip someone asked for is kept)."""
    from .models import Request, request_clips
    q = (select(request_clips.c.clip_id, Request.id)
         .join(Request, Request.id == request_clips.c.request_id)
         .where(Request.status == "open").order_by(Request.id))
    if clip_id is not None:
        q = q.where(request_clips.c.clip_id == clip_id)
    out: dict[int, list[int]] = {}
    for cid, rid in s.execute(q).all():
        out.setdefault(cid, []).append(rid)
    return out


def verdict(c: Clip, as_of: dt.date, settings: dict,
            requested: dict[int, list[int]]) -> tuple[str, str]:
    """What a run as of ``as_of`` does with a present clip, and why: ``("erase", rule)``,
    ``("held", why)`` (due, but kept), ``("review", "")`` (MoPI review due), ``("flag", "")``
    (unclassified too long) or ``("keep", why)``. The plan and the re-check made inside each
    erasure's transaction use this one rule."""
    days = settings["non_evidential_days"]
    on_request = ("held: on open request " + ", ".join(str(r) for r in requested[c.id])
                  if c.id in requested else None)
    if c.classification == "non_evidential":
        due = erase_on(c, days)
        if as_of < due:
            return "keep", f"non-evidential, due for erasure on {due}"
        if c.capture_guessed:  # the clock may have started from a file's mtime
            return "held", HELD_GUESSED
        if on_request:
            return "held", on_request
        return "erase", (f"non-evidential: {days} days after declassification"
                         if declassified_clock(c) else f"non-evidential: {days} days after capture")
    if c.classification == "evidential":
        if c.dispose_approved:
            if on_request:
                return "held", on_request
            return "erase", "MoPI review decision: dispose"
        if c.review_due and c.review_due <= as_of:
            return "review", ""
        return "keep", "evidential, no MoPI decision to dispose of it"
    if age_days(c, as_of) >= settings["unclassified_flag_days"]:
        return "flag", ""
    return "keep", "unclassified"


def plan(s: Session, as_of: dt.date) -> Plan:
    settings = policy.all_settings(s)
    p = Plan(as_of)
    requested = on_open_requests(s)
    for c in s.execute(select(Clip).where(Clip.state != "erased").order_by(Clip.id)).scalars():
        if c.state == "present" and c.capture_guessed:
            p.capture_guessed.append(c.id)
        if c.state == "erasing":
            p.unfinished.append(c.id)
            continue
        kind, why = verdict(c, as_of, settings, requested)
        if kind == "erase":
            p.erase.append((c.id, why))
        elif kind == "held":
            p.held.append((c.id, why))
        elif kind == "review":
            p.review_due.append(c.id)
        elif kind == "flag":
            p.unclassified.append(c.id)
    return p


def _fault(point: str) -> None:
    if os.environ.get(FAULT_ENV) == f"retention:{point}":
        os._exit(99)


clip_cache_dir = paths.clip_cache_dir  # per-clip caches (detections, thumbnails): purged with the clip


def derived_targets(c: Clip) -> list[tuple[str, Path]]:
    """The files the program derives from a clip outside the store's own records, found by
    its sha256: the window's project and edit log (in this account's project folder, or
    beside the evidence file where a batch wrote them), their autosave and coverage files,
    the frame index and the per-clip cache folder (detections, transcripts, thumbnails).
    Only this account's folders on this workstation can be reached (ADR 0007)."""
    sha = c.sha256
    data = paths.data_dir()
    out: list[tuple[str, Path]] = []
    for folder in (data / "projects", clip_path(c).parent):
        out.append(("project", folder / f"{sha}.bwvproj.json"))
        out.append(("edit_log", folder / f"{sha}.editlog.jsonl"))
        out.append(("project_lock", folder / f"{sha}.bwvproj.json.lock"))
    rec = data / "recovery"
    if rec.is_dir():
        out += [("autosave", x) for x in sorted(rec.glob(f"{sha}-*.recovery.json"))]
        out += [("coverage", x) for x in sorted(rec.glob(f"{sha}-*.coverage.json"))]
    out.append(("frame_index", paths.cache_dir() / "frameindex" / f"{sha}.json"))
    out.append(("cache", clip_cache_dir(sha)))
    return out


def _targets(s: Session, c: Clip) -> list[tuple[str, Path]]:
    out = [("media", clip_path(c))]
    for f in s.execute(select(StoredFile).where(StoredFile.clip_id == c.id)).scalars():
        if f.in_store:
            out.append((f.kind, stored_path(f)))
    return out + derived_targets(c)


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


@dataclass
class Erasure:
    """What :func:`erase_clip` did with one clip."""
    clip: int
    erased: bool = False                 # erased now (by this call)
    skipped: str | None = None           # why it was not erased ("no longer due: ...")
    rule: str = ""
    removed: list[tuple[str, str]] = field(default_factory=list)   # (kind, path) deleted now


def _lock_clip(s: Session, clip_id: int) -> Clip:
    """The clip's row, locked until the transaction ends (``SELECT ... FOR UPDATE`` on
    PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already holds the database's write lock), so
    no classification, review, capture time or request link changes it under the check."""
    c = s.execute(select(Clip).where(Clip.id == clip_id).with_for_update()
                  .execution_options(populate_existing=True)).scalar_one_or_none()
    if c is None:
        from .errors import NotFound
        raise NotFound(f"no such clip {clip_id}")
    return c


def erase_clip(store, clip_id: int, rule: str, user: str, as_of: dt.date | None = None,
               *, recheck: bool = True) -> Erasure:
    """Erase one clip (three steps, see module doc).

    With ``recheck`` (every retention run) the clip's eligibility is decided again inside
    the transaction that marks it ``erasing``, on the locked row, as of ``as_of``: a clip
    that became evidential, lost its dispose decision, was put on an open request, had its
    capture time changed (or is no longer old enough) since the run planned is skipped,
    with the reason (``Erasure.skipped``: "no longer due: ..."). A clip already ``erasing``
    (an interrupted erasure) is completed.
    """
    res = Erasure(clip_id, rule=rule)
    locks: list = []
    try:
        return _erase_locked(store, clip_id, rule, user, as_of, recheck, res, locks)
    finally:
        for lk in locks:
            lk.release()                  # removes its file (POSIX)
            if os.name == "nt":
                try:
                    lk.path.unlink()
                except OSError:
                    pass


def _lock_projects(c: Clip, locks: list) -> str | None:
    """Take the lock of each project derived from the clip (ADR 0015) without waiting, so
    that no window or command writes it back while it is erased; the reason it cannot be
    erased now if one is held."""
    from ..errors import ProjectError
    from ..projlock import ProjectLock, ProjectLocked, describe_holder
    for kind, p in derived_targets(c):
        if kind != "project" or not p.parent.is_dir():
            continue
        try:
            locks.append(ProjectLock(p, "bwv retention", reentrant=False).acquire())
        except ProjectLocked:
            return (f"its project {p} is open in {describe_holder(p)}: not erased now; "
                    "a later run erases it once the project is closed")
        except ProjectError as e:
            if p.exists():     # fail closed: a project that cannot be locked is not erased
                return f"cannot lock its project: {e}"
    return None


def _erase_locked(store, clip_id: int, rule: str, user: str, as_of, recheck: bool,
                  res: Erasure, locks: list) -> Erasure:
    with store.session() as s:
        c = _lock_clip(s, clip_id)
        if c.state == "erased":
            res.skipped = "already erased"
            return res
        if c.state == "present":
            if recheck:
                kind, why = verdict(c, as_of or today_utc(), policy.all_settings(s),
                                    on_open_requests(s, c.id))
                if kind != "erase":
                    res.skipped = f"no longer due: {why or _describe_kind(kind, c)}"
                    return res
                rule = why
        held = _lock_projects(c, locks)     # before marking it: nothing to write it back
        if held is not None:
            res.skipped = held
            return res
        if c.state == "present":
            c.state, c.erasure_rule, c.erased_by = "erasing", rule, user
        res.rule = c.erasure_rule or rule
    _fault("after_mark")
    with store.session() as s:
        c = get_clip(s, clip_id)
        targets = _targets(s, c)
    mine = {os.path.abspath(lk.path) for lk in locks}    # removed as they are released
    for kind, p in targets:
        if os.path.abspath(p) not in mine and _remove(p):
            res.removed.append((kind, str(p)))
    _fault("after_files")
    with store.session() as s:
        c = _lock_clip(s, clip_id)
        if c.state == "erased":
            res.skipped = "already erased"
            return res
        held = list(s.execute(select(StoredFile).where(StoredFile.clip_id == c.id)).scalars())
        outside = [{"kind": f.kind, "sha256": f.sha256} for f in held if not f.in_store]
        s.execute(delete(StoredFile).where(StoredFile.clip_id == c.id))
        n_notes = len(s.execute(select(Annotation.id).where(Annotation.clip_id == c.id)).all())
        s.execute(delete(Annotation).where(Annotation.clip_id == c.id))
        c.state, c.live_sha256, c.erased_at = "erased", None, utcnow()
        # kinds of what was derived from the clip (no file names: see ADR 0007); files
        # removed by an interrupted run's first try are not known here, those now are
        derived = sorted({k for k, _ in res.removed if k != "media"}
                         | {f.kind for f in held if f.in_store})
        audit.append(s, c.erased_by or user, "erasure", "clip.erase", {
            "clip": c.id, "sha256": c.sha256, "incident": c.case.incident_ref,
            "exhibit": c.exhibit_ref, "classification": c.classification,
            "captured": c.captured_at.isoformat(), "rule": c.erasure_rule or rule,
            "derived_files": derived, "annotations": n_notes,
            "outside_store_not_erased": outside,
            "removed_now": sorted({k for k, _ in res.removed})})
    res.erased = True
    return res


def _describe_kind(kind: str, c: Clip) -> str:
    if kind == "review":
        return "evidential, MoPI review due (no dispose decision)"
    if kind == "flag":
        return "unclassified"
    return c.classification.replace("_", "-")


def run(store, user: str, as_of: dt.date | None = None, dry_run: bool = False) -> Plan:
    """Apply the policy as of ``as_of`` (a UTC date; not later than today unless dry run).

    Each clip is checked again as it is erased (:func:`erase_clip`); the returned plan's
    ``erase`` lists what was erased, ``skipped`` what was no longer due."""
    as_of = as_of or today_utc()
    if as_of > today_utc() and not dry_run:
        raise StoreError(f"--as-of {as_of} is in the future: only a --dry-run may look ahead")
    with store.session() as s:
        p = plan(s, as_of)
    if dry_run:
        return p
    for cid in p.unfinished:
        erase_clip(store, cid, "completing an interrupted erasure", user, as_of)
    erased, skipped = [], []
    for cid, rule in p.erase:
        e = erase_clip(store, cid, rule, user, as_of)
        if e.erased:
            erased.append((cid, e.rule))
        else:
            skipped.append((cid, e.skipped))
    p.erase, p.skipped = erased, skipped
    with store.session() as s:
        audit.append(s, user, "erasure", "retention.run", {
            "as_of": as_of.isoformat(), "erased": [c for c, _ in p.erase],
            "completed": p.unfinished, "review_due": p.review_due,
            "unclassified_flagged": p.unclassified,
            "held": [{"clip": c, "reason": r} for c, r in p.held],
            "skipped": [{"clip": c, "reason": r} for c, r in skipped]})
    return p


def latest_next_review(s: Session) -> dt.date:
    """The default and the latest next MoPI review: today plus the policy's
    ``mopi_review_years``."""
    return review_due_for(utcnow(), policy.get(s, "mopi_review_years"))


def check_next_review(next_review: dt.date, latest: dt.date) -> None:
    """A retain decision's next review: after today (UTC) and not beyond the policy's review
    period from today."""
    today = today_utc()
    if next_review <= today:
        raise StoreError(f"next review date {next_review} is not in the future: give a date "
                         f"after {today}")
    if next_review > latest:
        raise StoreError(f"next review date {next_review} is beyond the policy's review "
                         f"period: give a date no later than {latest}")


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
        latest = latest_next_review(s)
        if next_review is None:
            next_review = latest
        check_next_review(next_review, latest)
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
