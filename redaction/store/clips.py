"""Clips: content-addressed, read-only evidence copies; re-verified on every open."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import IntegrityError, MediaError
from ..fsutil import (CHUNK, EVIDENCE_FILE_MODE, describe_os_error, fsync_dir, private_dir,
                      sha256_file, unlink_quiet)
from . import audit, policy
from .cases import get_or_create_case
from .db import evidence_dir
from .errors import Conflict, NotFound, StoreError
from .models import CLASSIFICATIONS, Case, Clip, RetentionReview, utcnow

if TYPE_CHECKING:
    from ..media import ClipInfo


def parse_time(text: str, what: str = "time") -> dt.datetime:
    """ISO 8601 with a zone (Z or +01:00) -> aware UTC. A time without a zone is refused."""
    try:
        t = dt.datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise StoreError(f"bad {what} {text!r}: use ISO 8601, e.g. 2026-03-01T14:05:00Z") from None
    if t.tzinfo is None:
        raise StoreError(f"{what} {text!r} has no time zone: add Z (UTC) or an offset like +01:00")
    return t.astimezone(dt.timezone.utc)


def media_creation_time(path: Path) -> dt.datetime | None:
    """The container's creation_time tag (most BWV cameras write it), if any."""
    try:
        import av
        with av.open(str(path)) as c:
            tag = c.metadata.get("creation_time")
        return parse_time(tag) if tag else None
    except Exception:
        return None


def stored_file(sha: str, suffix: str) -> Path:
    """Relative path of a clip in the evidence folder: ab/abcdef....mp4"""
    return Path(sha[:2]) / f"{sha}{suffix.lower()}"


def _copy_verified(src: Path, dest: Path, sha: str) -> None:
    """Copy src to dest (temp + fsync + rename, then read-only), checking the hash of the copy."""
    private_dir(dest.parent)
    if dest.exists():  # left by an interrupted import, or a concurrent one
        if sha256_file(dest) == sha:
            return
        raise IntegrityError("evidence file exists with different content", dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != sha:
            raise MediaError("the clip changed while it was being copied", src)
        os.chmod(tmp, EVIDENCE_FILE_MODE)  # 0440: owner and the service group only
        try:
            os.link(tmp, dest)  # never replaces an existing file
        except FileExistsError:
            pass  # another import won the race with the same content
        except OSError:  # no hard links (some network shares): check, then rename
            if not dest.exists():
                os.replace(tmp, dest)
        unlink_quiet(tmp)
        fsync_dir(dest.parent)
    except OSError as e:
        unlink_quiet(tmp)
        raise StoreError(f"cannot store the clip: {describe_os_error(e)}", dest) from e
    except BaseException:
        unlink_quiet(tmp)
        raise



def describe(c: Clip) -> str:
    ex = f", exhibit {c.exhibit_ref}" if c.exhibit_ref else ""
    return f"clip {c.id} ({c.original_name}, incident {c.case.incident_ref}{ex})"


def find_live(s: Session, sha: str) -> Clip | None:
    return s.execute(select(Clip).where(Clip.live_sha256 == sha)).scalar_one_or_none()


def prepare_import(src: str | os.PathLike, *, accept_truncated: bool = False
                   ) -> tuple[Path, str, "ClipInfo"]:
    """Check and hash the source (outside any transaction: hashing is slow).

    The same media validation as ``bwv probe`` (:func:`redaction.media.probe`: it must
    open, index and decode as a video); a clip cut short (far fewer frames readable than
    its header declares) is refused unless ``accept_truncated``. MediaError names the file.
    """
    from ..media import probe
    src = Path(src)
    if not src.is_file():
        raise MediaError("no such file", src)
    if src.stat().st_size == 0:
        raise MediaError("empty file", src)
    info = probe(src)  # MediaError: not a readable video, no video stream, corrupt...
    if info.truncated and not accept_truncated:
        raise MediaError(f"truncated ({info.truncated}); not imported (pass "
                         "--accept-truncated to import it anyway, marked as truncated)", src)
    return src, info.sha256, info


def check_exhibit_free(s: Session, incident: str, exhibit: str, src: Path | None = None) -> None:
    """An exhibit reference names one item of a case: a second clip under the same one
    (compared without case or spacing) is refused, naming the clip that has it."""
    def norm(x: str) -> str:
        return "".join(x.split()).upper()
    # the clips as the database holds them now (not a case's clip list loaded earlier in
    # this session: an import re-checks after taking the writers' lock)
    taken = s.execute(select(Clip).join(Case).where(Case.incident_ref == incident)
                      .order_by(Clip.id)).scalars()
    for c in taken:
        if c.exhibit_ref and norm(c.exhibit_ref) == norm(exhibit):
            raise Conflict(f"exhibit {exhibit} is already clip {c.id} ({c.original_name}) in "
                           f"case {incident}: give this clip its own exhibit reference", src)


def _check_free(s: Session, src: Path, sha: str, incident: str, exhibit: str | None) -> None:
    """Refuse a clip the store already holds, or an exhibit reference its case has given."""
    dup = find_live(s, sha)
    if dup is not None:
        raise Conflict(f"already imported as {describe(dup)}", src)
    if exhibit is not None:
        check_exhibit_free(s, incident, exhibit, src)


def guess_reason(captured_from: str | None) -> str:
    """Why a clip's capture time is held as a guess, in words (``captured_from`` as the
    store records it: ``file_mtime``, ``container``, ``given``)."""
    if captured_from == "container":
        return ("the camera's recorded time is older than the non-evidential retention "
                "period (a camera clock reset or never set?)")
    if captured_from == "file_mtime":
        return "the file carries no usable capture time, so its modification time was used"
    return "the capture time has not been confirmed"


def import_clip(s: Session, src: Path, sha: str, *, incident: str, user: str,
                exhibit: str | None = None, officer: str | None = None,
                device: str | None = None, captured: dt.datetime | None = None,
                truncated: str | None = None) -> Clip:
    """Store one clip (the source is only read). Duplicates raise Conflict naming the entry.

    Without a given capture time it comes from the container's creation_time tag, else
    from the file's modification time: then it is marked *guessed* (shown everywhere,
    and retention holds the clip until a supervisor confirms or corrects it).
    ``truncated`` is the reason a clip imported with --accept-truncated looks cut short.
    """
    exhibit = (exhibit or "").strip() or None
    _check_free(s, src, sha, incident, exhibit)    # before copying: refused cheaply
    captured_from, source = "given", "given"
    if captured is not None:
        check_capture_time(captured)          # a time someone typed: refused if implausible
    else:
        captured = media_creation_time(src)
        captured_from, source = "container creation_time", "container"
        if captured is not None and not _plausible(captured):
            captured_from = f"file modification time (the camera's {captured.isoformat()} is implausible)"
            captured = None
    if captured is None:
        captured = dt.datetime.fromtimestamp(src.stat().st_mtime, dt.timezone.utc)
        captured_from, source = (captured_from if captured_from.startswith("file")
                                 else "file modification time"), "file_mtime"
    # a camera clock that was reset (or never set) would start the retention clock long
    # ago: a container time older than the non-evidential period at import is held as a
    # guess until a supervisor confirms it
    from . import policy as store_policy
    stale = source == "container" and captured < dt.datetime.now(dt.timezone.utc) - dt.timedelta(
        days=int(store_policy.get(s, "non_evidential_days")))
    rel = stored_file(sha, src.suffix)
    _copy_verified(src, evidence_dir() / rel, sha)
    # one import at a time from here to the commit (the audit writers' lock, which the
    # import's audit row takes anyway): another workstation's import of the same clip,
    # exhibit or new incident committed since the checks above is seen now (PostgreSQL
    # reads each statement afresh), instead of a second clip under the exhibit or a
    # unique-key error
    audit.lock(s)
    _check_free(s, src, sha, incident, exhibit)
    case = get_or_create_case(s, incident, user)
    clip = Clip(case=case, sha256=sha, live_sha256=sha, original_name=src.name,
                source_path=str(src.resolve()), stored_path=rel.as_posix(),
                size=src.stat().st_size, exhibit_ref=exhibit, officer_id=officer,
                device_id=device, captured_at=captured, imported_by=user,
                captured_from=source, capture_guessed=source == "file_mtime" or stale,
                truncated=truncated)
    s.add(clip)
    s.flush()
    details = {
        "clip": clip.id, "sha256": sha, "incident": incident, "exhibit": exhibit,
        "officer": officer, "device": device, "captured": captured.isoformat(),
        "captured_from": captured_from, "capture_guessed": clip.capture_guessed,
        "source": clip.source_path}
    if truncated:
        details["accepted_truncated"] = truncated
    audit.append(s, user, "collection", "clip.import", details)
    return clip


EARLIEST_CAPTURE = dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)


def _plausible(captured: dt.datetime) -> bool:
    try:
        check_capture_time(captured)
        return True
    except StoreError:
        return False


def check_capture_time(captured: dt.datetime) -> None:
    """A capture time the retention clock can run from: not before 1990 (no body-worn
    camera) and not more than a day in the future (a camera clock slightly ahead)."""
    t = captured if captured.tzinfo else captured.replace(tzinfo=dt.timezone.utc)
    latest = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    if not EARLIEST_CAPTURE <= t <= latest:
        raise StoreError(f"capture time {t.isoformat()} is not plausible: give a time between "
                         f"{EARLIEST_CAPTURE:%Y-%m-%d} and now")


def set_capture_time(s: Session, clip_id: int, user: str, *, reason: str,
                     confirm: bool = False, captured: dt.datetime | None = None,
                     expected_version: int | None = None) -> Clip:
    """A supervisor confirms a guessed capture time, or corrects a capture time (audited).

    Either ``confirm`` (the stored time is right) or ``captured`` (the right time) is given,
    with a reason (how it was established). The retention clock then runs from it.
    """
    if confirm == (captured is not None):
        raise StoreError("give either --confirm or --set TIME")
    if not reason.strip():
        raise StoreError("give the reason (how the capture time was established)")
    c = get_clip(s, clip_id)
    if expected_version is not None and c.version != expected_version:
        raise Conflict(f"clip {clip_id} was changed by someone else; reload and try again")
    if c.state != "present":
        raise StoreError(f"clip {clip_id} has been erased")
    if confirm and not c.capture_guessed:
        raise StoreError(f"clip {clip_id}'s capture time is not a guess "
                         f"(from {c.captured_from or 'import'}); use --set to correct it")
    old, was_guessed = c.captured_at, c.capture_guessed
    if captured is not None:
        check_capture_time(captured)
        c.captured_at, c.captured_from = captured, "corrected"
        if c.classification == "evidential" and c.review_due is not None and not s.execute(
                select(RetentionReview.id).where(RetentionReview.clip_id == c.id)).first():
            c.review_due = review_due_for(captured, policy.get(s, "mopi_review_years"))
    else:
        c.captured_from = "confirmed"
    c.capture_guessed = False
    s.flush()
    audit.append(s, user, "alteration", "clip.capture_time", {
        "clip": c.id, "action": "confirm" if confirm else "correct",
        "old": old.isoformat(), "new": c.captured_at.isoformat(),
        "was_guessed": was_guessed, "reason": reason})
    return c


def get_clip(s: Session, clip_id: int) -> Clip:
    c = s.get(Clip, clip_id)
    if c is None:
        raise NotFound(f"no such clip {clip_id}")
    return c


def clip_path(c: Clip) -> Path:
    return evidence_dir() / c.stored_path


def present_file(c: Clip) -> Path:
    """The evidence file's path after checking the clip is held and its file is there (no
    hashing: :func:`record_open` compares the hash taken outside any transaction)."""
    if c.state != "present":
        raise IntegrityError(f"clip {c.id} was erased ({c.erasure_rule})"
                             if c.state == "erased" else f"clip {c.id} is being erased")
    p = clip_path(c)
    if not p.is_file():
        raise IntegrityError("evidence file is missing", p)
    return p


def changed_error(c: Clip, p: Path) -> IntegrityError:
    return IntegrityError(f"evidence file has changed since import (clip {c.id}); "
                          "refusing to use it", p)


def verify_clip(c: Clip) -> Path:
    """The evidence file's path after checking it is present and unchanged (hashes it: keep
    it out of a transaction; :func:`redaction.store.api.open_clip_job` does)."""
    p = present_file(c)
    if sha256_file(p) != c.sha256:
        raise changed_error(c, p)
    return p


def refuse_open(s: Session, c: Clip, user: str, e: IntegrityError) -> None:
    audit.append(s, user, "consultation", "clip.open.refused", {"clip": c.id, "reason": str(e)})


def record_open(s: Session, clip_id: int, user: str, digest: str, hashed: Path,
                purpose: str = "open") -> Path:
    """A short transaction after the file was hashed outside it: compare ``digest`` (of the
    file at ``hashed``) with the stored sha256 and log the consultation; a clip erased
    meanwhile or a hash that differs is refused (IntegrityError) and the refusal logged."""
    c = get_clip(s, clip_id)
    try:
        p = present_file(c)
        if p != hashed or digest != c.sha256:
            raise changed_error(c, p)
    except IntegrityError as e:
        refuse_open(s, c, user, e)
        raise
    audit.append(s, user, "consultation", f"clip.{purpose}", {"clip": c.id, "sha256": c.sha256})
    return p


def review_due_for(captured: dt.datetime, years: int) -> dt.date:
    d = captured.astimezone(dt.timezone.utc).date()
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def normalise_classification(value: str) -> str:
    v = value.strip().lower().replace("-", "_").replace(" ", "_")
    if v not in CLASSIFICATIONS:
        raise StoreError(f"unknown classification {value!r} "
                         "(evidential, non-evidential or unclassified)")
    return v


def is_declassification(old: str, new: str) -> bool:
    return old == "evidential" and new != "evidential"


def classify(s: Session, clip_id: int, value: str, user: str, *, may_declassify: bool,
             reason: str = "", expected_version: int | None = None) -> Clip:
    """Set the classification, recording who, when and why (evidential -> other needs a
    supervisor). Every change needs a reason (audited with it): declassifying overrides the
    MoPI review and starts the non-evidential retention clock (``declassified_at``)."""
    new = normalise_classification(value)
    if not (reason or "").strip():
        raise StoreError(f"give the reason for classifying clip {clip_id} "
                         f"{new.replace('_', '-')} (--reason; it is audited)")
    reason = reason.strip()
    c = get_clip(s, clip_id)
    if expected_version is not None and c.version != expected_version:
        raise Conflict(f"clip {clip_id} was changed by someone else; reload and try again")
    if c.state != "present":
        raise StoreError(f"clip {clip_id} has been erased")
    old = c.classification
    if is_declassification(old, new) and not may_declassify:
        from ..errors import PermissionDenied
        raise PermissionDenied("only a supervisor may change an evidential clip to "
                               f"{new.replace('_', '-')}")
    c.classification, c.classified_by, c.classified_at = new, user, utcnow()
    if is_declassification(old, new):
        c.declassified_at = c.classified_at
    if new == "evidential":
        if c.review_due is None:
            c.review_due = review_due_for(c.captured_at, policy.get(s, "mopi_review_years"))
    else:
        c.review_due = None
    c.dispose_approved = False
    s.flush()
    details = {"clip": c.id, "old": old, "new": new, "reason": reason}
    if is_declassification(old, new):
        details["declassified_at"] = c.declassified_at.isoformat()
    audit.append(s, user, "alteration", "clip.classify", details)
    return c
