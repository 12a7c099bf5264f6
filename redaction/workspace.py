"""The open project as a reviewer works on it, without Qt.

:class:`Workspace` holds the session, the clip, the current frame, view mode, selection,
coverage and the back-stepping frame cache, and builds the reviewer's edits; around it
are the default-project rules (:func:`open_session`), autosave recovery and the rules the
review panel follows (the reason for a kind, a track outside the clip). The window's
``app/document.py`` ``Document`` is a thin Qt adapter (signals, the autosave timer) over a
Workspace; everything here is testable headless.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Optional

import numpy as np

from .model import Track
from .render import to_rect

log = logging.getLogger("bwv.workspace")

# words that mark a stock reason as meant for a kind of object (case-insensitive)
KIND_WORDS = {
    "face": ("face",),
    "plate": ("registration", "plate", "vehicle"),
    "person": ("body", "whole figure"),     # "young person" and "Personal data" are not
    "screen": ("screen", "document"),
    "other": (),
}


def _kinds_of(reason: str) -> set[str]:
    low = reason.lower()
    return {k for k, words in KIND_WORDS.items() if any(w in low for w in words)}


def reason_for_kind(kind: str, reasons: Iterable[str]) -> Optional[str]:
    """The first stock reason written for ``kind`` (a face, a plate...), or None."""
    for r in reasons:
        if kind in _kinds_of(r):
            return r
    return None


def default_reason(current: str, kind: Optional[str], reasons: list[str]) -> str:
    """The reason to offer for a decision on a ``kind`` of track: the reviewer's own words
    (or an emptied field) are kept, and so is a stock reason that fits the kind (or fits no kind at all); a stock
    reason written for another kind ("Third party face" for a plate) gives way to the stock
    reason for this kind, where there is one."""
    current = (current or "").strip()
    if kind is None or not current or current not in reasons:
        return current          # typed (or cleared) by the reviewer: never replaced
    kinds = _kinds_of(current)
    if not kinds or kind in kinds:
        return current
    return reason_for_kind(kind, reasons) or current


def focus_kind(tracks: list[Track], selected: Optional[Track] = None) -> Optional[str]:
    """The kind the next decision is most likely about: the selected track's, else the most
    common kind among the pending tracks (the first such track's on a tie), else among all
    tracks (a fully decided plates-only project still offers the plate reason), else None."""
    if selected is not None:
        return selected.kind
    pend = sorted((t for t in tracks if t.status == "pending"), key=lambda t: t.first_frame) \
        or sorted(tracks, key=lambda t: t.first_frame)
    if not pend:
        return None
    counts = Counter(t.kind for t in pend)
    top = max(counts.values())
    return next(t.kind for t in pend if counts[t.kind] == top)


def frame_to_show(track: Track, current: int, width: int, height: int) -> int:
    """The frame to show ``track`` on when the reviewer goes to it (a click in the list, Next
    pending): ``current`` if the track's box is on the picture there, else the frame that
    shows the object best (``Track.best_frame``: its surest detection). Its first frame is
    often a pre-held box, over nothing yet or off the picture (a car's plate box waiting
    above the top edge), which showed the reviewer empty road and no box."""
    box = track.box_at(current)
    if box is not None and to_rect(box, width, height) is not None:
        return current
    best = track.best_frame()
    return track.first_frame if best is None else best


def span_problem(track: Track, frame_count: int) -> Optional[str]:
    """Why a track's frames do not lie in the clip, or None. Edits are validated against the
    clip (``edit_checks``), but a project written before that may hold such a track: the
    table flags it, since the timeline (one frame axis, the clip's) cannot show it."""
    if not track.keyframes or frame_count <= 0:
        return None
    last = frame_count - 1
    if track.first_frame > last or track.last_frame < 0:
        return f"outside the clip (frames 0–{last}): not shown on the timeline"
    if track.last_frame > last:
        return f"ends after the clip (frames 0–{last})"
    if track.first_frame < 0:
        return f"starts before the clip (frames 0–{last})"
    return None


# -- the open workspace ------------------------------------------------------------------
MODES = ("edit", "preview", "original")
BACK_CACHE = 16  # frames kept when stepping backwards (about 100 MB at 1080p RGB)


def is_project_path(path) -> bool:
    from .project_io import PROJECT_SUFFIX
    return str(path).endswith(PROJECT_SUFFIX)


def looks_like_project(path) -> bool:
    """A file whose first bytes are a project's JSON header, whatever its name (projects
    named without ``.bwvproj.json`` by an older ``bwv detect --project``). Autosaves
    (``*.recovery.json``, the same header, no edit log) are not projects."""
    import re
    from .project_io import FORMAT
    if str(path).endswith(".recovery.json"):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"{") and re.search(rb'"format"\s*:\s*"' + FORMAT.encode() + rb'"', head) is not None


def open_session(path, user: str, lock: Optional[str] = None, sha256: Optional[str] = None):
    """Open a project, or the default project of a clip (created in the data dir): the
    default-project rules. A bad clip fails with a clear MediaError before any project is
    made; a default project of that name made for another clip is refused.

    ``lock``: the program name under which the project's lock is taken before it is read
    and held by the session (``session.lock``) until :meth:`Workspace.close`; a project
    another program is writing is refused (ProjectLocked naming it; ADR 0015).
    ``sha256``: the clip's hash when the caller has just verified it (a held clip the
    library opened), so a new default project does not hash it again."""
    from .media import MediaSource
    from .project_io import default_project_path
    path = Path(path)
    if is_project_path(path) or looks_like_project(path):
        return _locked_open(path, None, user, lock)
    MediaSource(path).close()
    return _locked_open(default_project_path(path), path, user, lock, sha256)


def _locked_open(proj: Path, clip: Optional[Path], user: str, lock: Optional[str],
                 sha256: Optional[str] = None):
    from .errors import ProjectError
    from .projlock import WINDOW_WAIT_S, ProjectLock
    from .session import ProjectSession
    held = ProjectLock(proj, lock, user, WINDOW_WAIT_S).acquire() if lock else None
    try:
        if clip is None or proj.exists():
            s = ProjectSession.open(proj, user)
            if clip is not None and s.source_path.resolve() != clip.resolve():
                raise ProjectError(f"a project of this name already exists for another clip "
                                   f"({s.source_path}); open the project file directly", proj)
        else:
            s = ProjectSession.create(clip, proj, user, sha256=sha256)
    except BaseException:
        if held is not None:
            held.release()
        raise
    s.lock = held
    return s


def recovery_path(project_path: Path) -> Path:
    """The autosave file of a project: in the data dir, never beside the clip or project."""
    from .paths import data_dir
    from .project_io import PROJECT_SUFFIX
    key = hashlib.sha256(str(project_path.resolve()).encode()).hexdigest()[:12]
    folder = data_dir() / "recovery"
    from .fsutil import private_dir
    private_dir(folder)
    stem = (project_path.name[:-len(PROJECT_SUFFIX)] if is_project_path(project_path)
            else project_path.stem)
    return folder / f"{stem}-{key}.recovery.json"


def coverage_path(project_path: Path) -> Path:
    r = recovery_path(project_path)
    return r.with_name(r.name.replace(".recovery.json", ".coverage.json"))


def pending_recovery(project_path: Path) -> Optional[Path]:
    """A recovery file newer than the project, if a previous session crashed."""
    p = recovery_path(project_path)
    try:
        if p.stat().st_mtime > project_path.stat().st_mtime:
            return p
    except FileNotFoundError:
        return None
    return None


def _recovered_project(recovery: Path):
    from .project_io import project_from_dict
    doc = json.loads(recovery.read_text(encoding="utf-8"))
    doc.pop("recovery_of", None)
    return project_from_dict(doc, str(recovery))


def apply_recovery(session, recovery: Path) -> None:
    """Replace the session's model with the recovered one (logged; needs a save)."""
    from .errors import ProjectError
    project = _recovered_project(recovery)
    if project.source.sha256 != session.project.source.sha256:
        raise ProjectError("recovery file is for another clip", recovery)
    # logged as one change (values before and after) so the log still rebuilds the project
    session.replace(project, "recover_autosave", {"file": str(recovery),
                                                  "tracks": len(project.tracks)})


def same_state(session, recovery: Path) -> bool:
    from . import projstate
    from .errors import ProjectError
    try:
        return projstate.project_hash(_recovered_project(recovery)) == session.state_sha256
    except (OSError, ValueError, ProjectError):
        return False


def resolve_recovery(session, ask_recover: Callable[[Path], bool]) -> None:
    """On opening: an autosave left by a crashed session. Edits logged after the last save
    were restored from the edit log when the session opened (the log is the truth,
    attributed edit by edit), so the autosave copy is then redundant; it is offered only
    for a log that cannot be replayed (written by an earlier version)."""
    rec = pending_recovery(session.path)
    if rec is None:
        return
    if session.recovered_edits or same_state(session, rec):
        rec.unlink(missing_ok=True)
    elif ask_recover(rec):
        apply_recovery(session, rec)
    else:
        rec.unlink(missing_ok=True)


class FrameCache:
    """``media.frame`` plus a small cache filled when stepping backwards: one seek decodes
    the frames before ``i`` anyway, so keep them and the next steps back are free."""

    def __init__(self, media, size: int = BACK_CACHE):
        self.media, self.size = media, size
        self._back: dict = {}
        self._last: Optional[int] = None

    def __call__(self, i: int, fmt: str) -> np.ndarray:
        key = (i, fmt)
        hit = self._back.get(key)
        if hit is not None:
            return hit
        last, self._last = self._last, i
        if last is None or i != last - 1:
            return self.media.frame(i, fmt)
        start = max(self.media.index.keyframe_before(i), i - self.size + 1)
        arr = None
        for j, a in self.media.iter_frames(start, i, fmt):
            self._back[(j, fmt)] = arr = a
        while len(self._back) > self.size:
            self._back.pop(next(iter(self._back)))
        return arr if arr is not None else self.media.frame(i, fmt)


class Coverage:
    """Which frames were watched in the redacted preview, kept beside the recovery file."""

    def __init__(self, project_path: Path, frame_count: int):
        self.path = coverage_path(project_path)
        self.watched = np.zeros(frame_count, dtype=bool)
        try:
            doc = json.loads(self.path.read_text())
            for a, b in doc.get("watched", []):
                self.watched[max(0, a):b + 1] = True
        except (OSError, ValueError, TypeError):
            pass

    def mark(self, frame: int) -> bool:
        """True if ``frame`` was not watched before."""
        if self.watched[frame]:
            return False
        self.watched[frame] = True
        return True

    def fraction(self) -> float:
        return float(self.watched.mean()) if self.watched.size else 0.0

    def runs(self) -> list[list[int]]:
        idx = np.flatnonzero(np.diff(np.concatenate([[0], self.watched.astype(np.int8), [0]])))
        return [[int(a), int(b) - 1] for a, b in zip(idx[::2], idx[1::2])]

    def save(self) -> None:
        from .fsutil import atomic_write_text
        try:
            atomic_write_text(self.path, json.dumps({"watched": self.runs()}))
        except Exception as e:  # coverage is a convenience, never block on it
            log.warning("cannot save coverage: %s", e)


class Workspace:
    """One open project over its clip: the session, the clip (one MediaSource for this
    thread), the current frame, view mode, selection, coverage and the back-stepping frame
    cache; the edits a reviewer makes are built here as command objects and applied through
    the service layer (``services.edit``: role check, log, undo). Qt-free: the window's
    ``Document`` turns its results into signals."""

    def __init__(self, session, media=None):
        from .media import MediaSource
        self.session = session
        self.media = media or MediaSource(session.source_path,
                                          sha256=session.project.source.sha256)
        info = self.media.info   # every edit is validated against the clip (edit_checks)
        session.bounds = (self.media.frame_count, info.width, info.height, info.duration_s)
        self.frame = 0
        self.mode = "edit"
        self.selected: Optional[str] = None
        self.coverage_state = Coverage(session.path, self.media.frame_count)
        self.fetch = FrameCache(self.media)
        self.recovery_written = 0.0

    # -- basic facts ---------------------------------------------------------------------
    @property
    def project(self):
        return self.session.project

    @property
    def user(self) -> str:
        return self.session.user

    @property
    def frame_count(self) -> int:
        return self.media.frame_count

    @property
    def size(self) -> tuple[int, int]:
        return self.media.info.width, self.media.info.height

    @property
    def watched(self) -> np.ndarray:
        return self.coverage_state.watched

    def timecode(self, frame: Optional[int] = None) -> str:
        from .timebase import timecode
        return timecode(self.frame if frame is None else frame, self.media.fps)

    def title(self) -> str:
        return f"{Path(self.session.source_path).name} ({self.session.path.name})" + \
            (" *" if self.session.dirty else "")

    # -- navigation (each returns whether something changed) -------------------------------
    def seek(self, frame: int) -> bool:
        frame = max(0, min(self.frame_count - 1, int(frame)))
        changed = frame != self.frame
        self.frame = frame
        return changed

    def set_mode(self, mode: str) -> bool:
        if mode not in MODES:
            raise ValueError(mode)
        changed = mode != self.mode
        self.mode = mode
        return changed

    def next_mode(self) -> str:
        return MODES[(MODES.index(self.mode) + 1) % len(MODES)]

    def select(self, track_id: Optional[str]) -> bool:
        changed = track_id != self.selected
        self.selected = track_id
        return changed

    def selected_track(self) -> Optional[Track]:
        if self.selected is None:
            return None
        try:
            return self.project.track(self.selected)
        except KeyError:
            return None

    def mark_watched(self) -> bool:
        """The current frame counts as watched in the redacted preview; True if new."""
        return self.mode == "preview" and self.coverage_state.mark(self.frame)

    def coverage(self) -> float:
        return self.coverage_state.fraction()

    def save_coverage(self) -> None:
        self.coverage_state.save()

    # -- pixels --------------------------------------------------------------------------
    def image(self, frame: Optional[int] = None, mode: Optional[str] = None,
              media=None) -> np.ndarray:
        """RGB pixels for ``frame`` in ``mode``: the exact decoded frame, or the export render."""
        from .render import frame_rects, preview_rgb
        frame = self.frame if frame is None else frame
        mode = mode or self.mode
        fetch = media.frame if media is not None and media is not self.media else self.fetch
        if mode == "preview":
            w, h = self.size
            rects = frame_rects(self.project, frame, w, h, accept_pending=True)
            return preview_rgb(fetch(frame, "yuv420p"), rects, self.project.style)
        return fetch(frame, "rgb24")

    # -- edits: applied through the service layer ----------------------------------------
    def apply(self, cmd) -> None:
        """services.edit: PermissionDenied, or ValueError/KeyError for an invalid edit."""
        from . import services
        services.edit(self.session, cmd, self.user)

    def add_box_command(self, box, kind: str = "face"):
        """A manual track from this frame to the end of the clip (fail-secure: over-redaction
        is visible in the preview and trimmed with "End here"), accepted by the reviewer
        who drew it. Returns (track id, command)."""
        from .edits import AddTrack
        from .model import Keyframe
        tid = self.project.new_track_id("m")
        end = self.frame_count - 1
        t = Track(id=tid, kind=kind, origin="manual", status="accepted",
                  reason="Drawn by reviewer", keyframes=[Keyframe(self.frame, box)],
                  end_frame=end if end > self.frame else None, decided_by=self.user)
        return tid, AddTrack(t)

    def set_box_command(self, track_id: str, box):
        """Move/resize a box on the current frame: a keyframe there (extends the span)."""
        from . import edits
        t = self.project.track(track_id)
        if t.covers(self.frame) or self.frame > t.last_frame:
            return edits.SetKeyframe(track_id, self.frame, box)
        return edits.Batch([edits.SetSpan(track_id, self.frame, t.last_frame),   # extend first
                            edits.SetKeyframe(track_id, self.frame, box)], "move box")

    def decide_command(self, status: str, reason: str, ids: Optional[list[str]] = None):
        from .edits import SetStatus
        ids = ids or ([self.selected] if self.selected else [])
        return SetStatus(list(ids), status, reason, self.user) if ids else None

    def set_start_command(self):
        """"Start here". ValueError on a frame after the track's end: the track would become
        one frame here, and its whole span go unredacted."""
        from .edits import SetSpan
        t = self.selected_track()
        if t is not None and self.frame > t.last_frame:
            raise ValueError(f"Start here: frame {self.frame} is after track {t.id}'s end "
                             f"(frame {t.last_frame}); use End here to extend it")
        return None if t is None else SetSpan(t.id, self.frame, t.last_frame)

    def set_end_command(self):
        """"End here". ValueError on a frame before the track's start (as Start here)."""
        from .edits import SetSpan
        t = self.selected_track()
        if t is not None and self.frame < t.first_frame:
            raise ValueError(f"End here: frame {self.frame} is before track {t.id}'s start "
                             f"(frame {t.first_frame}); use Start here to extend it")
        return None if t is None else SetSpan(t.id, t.first_frame, self.frame)

    def split_command(self):
        from .edits import SplitTrack
        t = self.selected_track()
        return None if t is None else SplitTrack(t.id, self.frame,
                                                 self.project.new_track_id(t.id + "s"))

    def merge_candidates(self) -> list[Track]:
        t = self.selected_track()
        if t is None:
            return []
        return sorted((o for o in self.project.tracks if o.id != t.id and o.kind == t.kind),
                      key=lambda o: min(abs(o.first_frame - t.last_frame),
                                        abs(t.first_frame - o.last_frame)))

    def merge_command(self, other_id: Optional[str] = None):
        from .edits import MergeTracks
        t, cands = self.selected_track(), self.merge_candidates()
        if t is None or not cands:
            return None
        return MergeTracks(t.id, other_id or cands[0].id)

    def delete_command(self):
        from .edits import DeleteTrack
        t = self.selected_track()
        return None if t is None else DeleteTrack(t.id)

    def accept_all_command(self, kind: str, reason: str):
        """(one undoable Batch or None, how many tracks)."""
        from .edits import Batch, SetStatus
        ids = [t.id for t in self.project.tracks if t.kind == kind and t.status == "pending"]
        cmd = Batch([SetStatus(ids, "accepted", reason, self.user)],
                    f"accept all {kind} tracks") if ids else None
        return cmd, len(ids)

    def reject_short_command(self, frames: int, reason: str):
        from .edits import Batch, SetStatus
        ids = [t.id for t in self.project.tracks
               if t.status == "pending" and t.last_frame - t.first_frame + 1 < frames]
        cmd = Batch([SetStatus(ids, "rejected", reason, self.user)],
                    f"reject tracks shorter than {frames} frames") if ids else None
        return cmd, len(ids)

    def checks(self) -> list:
        """The checks before export (redaction/review_checks.py), with those already done."""
        from .review_checks import review_checks
        w, h = self.size
        return review_checks(self.project, self.frame_count, w, h, float(self.media.fps))

    def mark_checks_command(self, keys: list[str], note: str):
        """ValueError for an empty note or a check already done."""
        from .review_checks import mark_done
        return mark_done(keys, self.user, note, self.project)

    def next_pending(self) -> Optional[Track]:
        """The pending track after the current place, in the order (first frame, place in the
        project), wrapping round: the selected track, when it starts on this frame, is the
        place, so tracks starting on one frame are each visited; else a track starting on
        this frame comes first."""
        order = {t.id: (t.first_frame, i) for i, t in enumerate(self.project.tracks)}
        pend = sorted(self.project.pending(), key=lambda t: order[t.id])
        sel = self.selected_track()
        here = order[sel.id] if sel is not None and sel.first_frame == self.frame \
            else (self.frame, -1)
        after = [t for t in pend if order[t.id] > here] or pend
        return after[0] if after else None

    # -- saving, autosave, recovery ----------------------------------------------------------
    def save(self) -> None:
        from . import services
        services.save(self.session, self.user)   # PermissionDenied if the role may not
        self.save_coverage()
        self.clear_recovery()

    def write_recovery(self) -> Optional[Path]:
        """Atomic snapshot of unsaved edits in the data dir (never beside the clip)."""
        from .fsutil import atomic_write_text
        from .project_io import project_to_dict
        if not self.session.dirty:
            return None
        p = recovery_path(self.session.path)
        doc = project_to_dict(self.project)
        doc["recovery_of"] = str(self.session.path.resolve())
        atomic_write_text(p, json.dumps(doc, indent=1, ensure_ascii=False))
        self.recovery_written = time.time()
        return p

    def close(self) -> None:
        """Let go of the project: its lock is released (another program may write it)."""
        lock = getattr(self.session, "lock", None)
        if lock is not None:
            lock.release()

    def clear_recovery(self) -> None:
        try:
            recovery_path(self.session.path).unlink()
        except FileNotFoundError:
            pass


def open_workspace(path, user: str, ask_recover: Callable[[Path], bool] = lambda p: False,
                   media=None, sha256: Optional[str] = None) -> Workspace:
    """Open a project or a clip's default project, settle a crashed session's autosave
    (``resolve_recovery``), and open the clip once (``sha256``: see :func:`open_session`)."""
    session = open_session(path, user, lock="the window", sha256=sha256)
    try:
        resolve_recovery(session, ask_recover)
        return Workspace(session, media)
    except BaseException:
        session.lock.release()
        raise
