"""The open project: session + media + current frame, view mode, selection, coverage.

Every change to the project goes through :meth:`Document.do` with a command object
from :mod:`redaction.edits` (so it is undoable and logged with the user), which hands it
to the engine's service layer (:func:`redaction.services.edit`: the role check for the
command, a refusal audited, the project unchanged). The widgets listen to the signals and
never edit the model themselves.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from redaction import edits, services
from redaction.errors import PermissionDenied, ProjectError
from redaction.fsutil import atomic_write_text
from redaction.media import MediaSource
from redaction.model import Box, Keyframe, Track
from redaction.paths import data_dir
from redaction.project_io import PROJECT_SUFFIX, default_project_path, load_project, project_to_dict
from redaction.render import frame_rects, preview_rgb
from redaction.session import ProjectSession
from redaction.timebase import timecode

log = logging.getLogger("bwv.gui.document")

MODES = ("edit", "preview", "original")
BACK_CACHE = 16  # frames kept when stepping backwards (about 100 MB at 1080p RGB)
MODE_LABELS = {"edit": "Edit", "preview": "Redacted preview", "original": "Original"}


def is_project_path(path: str | os.PathLike) -> bool:
    return str(path).endswith(PROJECT_SUFFIX)


def open_session(path: str | os.PathLike, user: str) -> ProjectSession:
    """Open a project, or the default project of a clip (created in the data dir)."""
    path = Path(path)
    if is_project_path(path):
        return ProjectSession.open(path, user)
    MediaSource(path).close()  # a clear MediaError for a bad clip before any project is made
    proj = default_project_path(path)
    if proj.exists():
        s = ProjectSession.open(proj, user)
        if s.source_path.resolve() != path.resolve():
            raise ProjectError(f"a project of this name already exists for another clip "
                               f"({s.source_path}); open the project file directly", proj)
        return s
    return ProjectSession.create(path, proj, user)


def recovery_path(project_path: Path) -> Path:
    key = hashlib.sha256(str(project_path.resolve()).encode()).hexdigest()[:12]
    folder = data_dir() / "recovery"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{project_path.name[:-len(PROJECT_SUFFIX)] if is_project_path(project_path) else project_path.stem}-{key}.recovery.json"


def coverage_path(project_path: Path) -> Path:
    return recovery_path(project_path).with_name(
        recovery_path(project_path).name.replace(".recovery.json", ".coverage.json"))


class Document(QObject):
    frameChanged = Signal(int)
    projectChanged = Signal()
    selectionChanged = Signal(object)
    modeChanged = Signal(str)
    coverageChanged = Signal(float)
    message = Signal(str)
    error = Signal(str)

    def __init__(self, session: ProjectSession, media: Optional[MediaSource] = None,
                 autosave_seconds: int = 5, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.session = session
        self.media = media or MediaSource(session.source_path, sha256=session.project.source.sha256)
        info = self.media.info   # every edit is validated against the clip (edit_checks)
        session.bounds = (self.media.frame_count, info.width, info.height, info.duration_s)
        self.frame = 0
        self.mode = "edit"
        self.selected: Optional[str] = None
        self.watched = np.zeros(self.media.frame_count, dtype=bool)
        self._back: dict = {}          # frames kept from the last backward seek
        self._last_fetch: Optional[int] = None
        self._load_coverage()
        session.listeners.append(self._on_session_change)
        self.autosave = QTimer(self)
        self.autosave.setInterval(max(1, autosave_seconds) * 1000)
        self.autosave.timeout.connect(self.write_recovery)
        self.autosave.start()
        self.recovery_written = 0.0

    # -- basic facts ---------------------------------------------------------------
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

    def timecode(self, frame: Optional[int] = None) -> str:
        return timecode(self.frame if frame is None else frame, self.media.fps)

    def title(self) -> str:
        return f"{Path(self.session.source_path).name} ({self.session.path.name})" + \
            (" *" if self.session.dirty else "")

    # -- navigation ----------------------------------------------------------------
    def seek(self, frame: int) -> None:
        frame = max(0, min(self.frame_count - 1, int(frame)))
        changed = frame != self.frame
        self.frame = frame
        self._mark_watched()
        if changed:
            self.frameChanged.emit(frame)

    def step(self, n: int) -> None:
        self.seek(self.frame + n)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        if mode != self.mode:
            self.mode = mode
            self._mark_watched()
            self.modeChanged.emit(mode)

    def cycle_mode(self) -> None:
        self.set_mode(MODES[(MODES.index(self.mode) + 1) % len(MODES)])

    def select(self, track_id: Optional[str]) -> None:
        if track_id != self.selected:
            self.selected = track_id
            self.selectionChanged.emit(track_id)

    def selected_track(self) -> Optional[Track]:
        if self.selected is None:
            return None
        try:
            return self.project.track(self.selected)
        except KeyError:
            return None

    # -- pixels ----------------------------------------------------------------------
    def image(self, frame: Optional[int] = None, mode: Optional[str] = None,
              media: Optional[MediaSource] = None) -> np.ndarray:
        """RGB pixels for ``frame`` in ``mode``: the exact decoded frame, or the export render."""
        frame = self.frame if frame is None else frame
        mode = mode or self.mode
        if media is not None and media is not self.media:
            fetch = media.frame
        else:
            fetch = self._fetch
        if mode == "preview":
            w, h = self.size
            rects = frame_rects(self.project, frame, w, h, accept_pending=True)
            return preview_rgb(fetch(frame, "yuv420p"), rects, self.project.style)
        return fetch(frame, "rgb24")

    def _fetch(self, i: int, fmt: str) -> np.ndarray:
        """``media.frame`` plus a small cache filled when stepping backwards: one seek decodes
        the frames before ``i`` anyway, so keep them and the next steps back are free."""
        key = (i, fmt)
        hit = self._back.get(key)
        if hit is not None:
            return hit
        last, self._last_fetch = self._last_fetch, i
        if last is None or i != last - 1:
            return self.media.frame(i, fmt)
        start = max(self.media.index.keyframe_before(i), i - BACK_CACHE + 1)
        arr = None
        for j, a in self.media.iter_frames(start, i, fmt):
            self._back[(j, fmt)] = arr = a
        while len(self._back) > BACK_CACHE:
            self._back.pop(next(iter(self._back)))
        return arr if arr is not None else self.media.frame(i, fmt)

    # -- coverage --------------------------------------------------------------------
    def _mark_watched(self) -> None:
        if self.mode == "preview" and not self.watched[self.frame]:
            self.watched[self.frame] = True
            self.coverageChanged.emit(self.coverage())

    def coverage(self) -> float:
        return float(self.watched.mean()) if self.watched.size else 0.0

    def _load_coverage(self) -> None:
        try:
            doc = json.loads(coverage_path(self.session.path).read_text())
            for a, b in doc.get("watched", []):
                self.watched[max(0, a):b + 1] = True
        except (OSError, ValueError, TypeError):
            pass

    def save_coverage(self) -> None:
        runs, w = [], self.watched
        idx = np.flatnonzero(np.diff(np.concatenate([[0], w.astype(np.int8), [0]])))
        for a, b in zip(idx[::2], idx[1::2]):
            runs.append([int(a), int(b) - 1])
        try:
            atomic_write_text(coverage_path(self.session.path), json.dumps({"watched": runs}))
        except Exception as e:  # coverage is a convenience, never block on it
            log.warning("cannot save coverage: %s", e)

    # -- editing ---------------------------------------------------------------------
    def do(self, cmd: edits.Command) -> bool:
        """Apply ``cmd`` through the service layer; False (and a message) if refused/invalid."""
        try:
            services.edit(self.session, cmd, self.user)
        except PermissionDenied as e:
            self.error.emit(str(e))
            return False
        except (ValueError, KeyError) as e:
            self.error.emit(f"{cmd.describe()}: {e}")
            return False
        return True

    def undo(self) -> None:
        try:
            cmd = services.undo(self.session, self.user).command
        except PermissionDenied as e:
            self.error.emit(str(e))
            return
        self.message.emit(f"Undid {cmd.describe()}" if cmd else "Nothing to undo")

    def redo(self) -> None:
        try:
            cmd = services.redo(self.session, self.user).command
        except PermissionDenied as e:
            self.error.emit(str(e))
            return
        self.message.emit(f"Redid {cmd.describe()}" if cmd else "Nothing to redo")

    def _on_session_change(self, action, cmd) -> None:
        if self.selected is not None and self.selected_track() is None:
            self.select(None)
        self.projectChanged.emit()

    def add_box(self, box: Box, kind: str = "face") -> str:
        """A manual track from this frame to the end of the clip (fail-secure: over-redaction is
        visible in the preview and trimmed with "End here"), accepted by the reviewer who drew it."""
        tid = self.project.new_track_id("m")
        end = self.frame_count - 1
        t = Track(id=tid, kind=kind, origin="manual", status="accepted",
                  reason="Drawn by reviewer", keyframes=[Keyframe(self.frame, box)],
                  end_frame=end if end > self.frame else None, decided_by=self.user)
        if self.do(edits.AddTrack(t)):
            self.select(tid)
        return tid

    def set_box(self, track_id: str, box: Box) -> bool:
        """Move/resize a box on the current frame: a keyframe there (extends the span)."""
        t = self.project.track(track_id)
        if t.covers(self.frame) or self.frame > t.last_frame:
            cmd = edits.SetKeyframe(track_id, self.frame, box)
        else:  # before the first keyframe: extend the start, then key
            cmd = edits.Batch([edits.SetSpan(track_id, self.frame, t.last_frame),
                               edits.SetKeyframe(track_id, self.frame, box)], "move box")
        return self.do(cmd)

    def decide(self, status: str, reason: str, ids: Optional[list[str]] = None) -> bool:
        ids = ids or ([self.selected] if self.selected else [])
        if not ids:
            self.message.emit("Select a track first")
            return False
        return self.do(edits.SetStatus(list(ids), status, reason, self.user))

    def set_start(self) -> bool:
        t = self.selected_track()
        if t is None:
            return False
        return self.do(edits.SetSpan(t.id, self.frame, max(self.frame, t.last_frame)))

    def set_end(self) -> bool:
        t = self.selected_track()
        if t is None:
            return False
        return self.do(edits.SetSpan(t.id, min(self.frame, t.first_frame), self.frame))

    def split(self) -> bool:
        t = self.selected_track()
        if t is None:
            return False
        return self.do(edits.SplitTrack(t.id, self.frame, self.project.new_track_id(t.id + "s")))

    def merge_candidates(self) -> list[Track]:
        t = self.selected_track()
        if t is None:
            return []
        return sorted((o for o in self.project.tracks if o.id != t.id and o.kind == t.kind),
                      key=lambda o: min(abs(o.first_frame - t.last_frame),
                                        abs(t.first_frame - o.last_frame)))

    def merge(self, other_id: Optional[str] = None) -> bool:
        t = self.selected_track()
        cands = self.merge_candidates()
        if t is None or not cands:
            self.message.emit("Nothing to merge with: select a track with another of its kind")
            return False
        return self.do(edits.MergeTracks(t.id, other_id or cands[0].id))

    def delete_selected(self) -> bool:
        t = self.selected_track()
        return bool(t) and self.do(edits.DeleteTrack(t.id))

    def accept_all(self, kind: str, reason: str) -> int:
        ids = [t.id for t in self.project.tracks if t.kind == kind and t.status == "pending"]
        if ids and not self.do(edits.Batch([edits.SetStatus(ids, "accepted", reason, self.user)],
                                           f"accept all {kind} tracks")):
            return 0
        return len(ids)

    def reject_short(self, frames: int, reason: str) -> int:
        ids = [t.id for t in self.project.tracks
               if t.status == "pending" and t.last_frame - t.first_frame + 1 < frames]
        if ids and not self.do(edits.Batch([edits.SetStatus(ids, "rejected", reason, self.user)],
                                           f"reject tracks shorter than {frames} frames")):
            return 0
        return len(ids)

    def checks(self) -> list:
        """The checks before export (redaction/review_checks.py), with those already done."""
        from redaction.review_checks import review_checks
        w, h = self.size
        return review_checks(self.project, self.frame_count, w, h, float(self.media.fps))

    def mark_checks_done(self, keys: list[str], note: str) -> bool:
        from redaction.review_checks import mark_done
        try:
            cmd = mark_done(keys, self.user, note, self.project)
        except ValueError as e:
            self.error.emit(str(e))
            return False
        return self.do(cmd)

    def next_pending(self) -> Optional[Track]:
        pend = sorted(self.project.pending(), key=lambda t: t.first_frame)
        after = [t for t in pend if t.first_frame > self.frame] or pend
        return after[0] if after else None

    # -- saving, autosave, recovery ------------------------------------------------------
    def save(self) -> None:
        services.save(self.session, self.user)   # PermissionDenied if the role may not
        self.save_coverage()
        self.clear_recovery()
        self.projectChanged.emit()

    def write_recovery(self) -> Optional[Path]:
        """Atomic snapshot of unsaved edits in the data dir (never beside the clip)."""
        if not self.session.dirty:
            return None
        p = recovery_path(self.session.path)
        doc = project_to_dict(self.project)
        doc["recovery_of"] = str(self.session.path.resolve())
        atomic_write_text(p, json.dumps(doc, indent=1, ensure_ascii=False))
        self.recovery_written = time.time()
        return p

    def clear_recovery(self) -> None:
        try:
            recovery_path(self.session.path).unlink()
        except FileNotFoundError:
            pass



def pending_recovery(project_path: Path) -> Optional[Path]:
    """A recovery file newer than the project, if a previous session crashed."""
    p = recovery_path(project_path)
    try:
        if p.stat().st_mtime > project_path.stat().st_mtime:
            return p
    except FileNotFoundError:
        return None
    return None


def apply_recovery(session: ProjectSession, recovery: Path) -> None:
    """Replace the session's model with the recovered one (logged; needs a save)."""
    doc = json.loads(recovery.read_text(encoding="utf-8"))
    doc.pop("recovery_of", None)
    from redaction.project_io import project_from_dict
    project = project_from_dict(doc, str(recovery))
    if project.source.sha256 != session.project.source.sha256:
        raise ProjectError("recovery file is for another clip", recovery)
    # logged as one change (values before and after) so the log still rebuilds the project
    session.replace(project, "recover_autosave", {"file": str(recovery),
                                                  "tracks": len(project.tracks)})


def open_document(path, user: str, ask_recover: Callable[[Path], bool] = lambda p: False,
                  autosave_seconds: int = 5) -> Document:
    session = open_session(path, user)
    rec = pending_recovery(session.path)
    if rec is not None:
        # Edits logged after the last save were restored from the edit log when the
        # session opened (the log is the truth, attributed edit by edit): the autosave
        # copy is then redundant. It is offered only for a log that cannot be replayed
        # (written by an earlier version).
        if session.recovered_edits or _same_state(session, rec):
            rec.unlink(missing_ok=True)
        elif ask_recover(rec):
            apply_recovery(session, rec)
        else:
            rec.unlink(missing_ok=True)
    return Document(session, autosave_seconds=autosave_seconds)


def _same_state(session: ProjectSession, recovery: Path) -> bool:
    from redaction import projstate
    from redaction.project_io import project_from_dict
    try:
        doc = json.loads(recovery.read_text(encoding="utf-8"))
        doc.pop("recovery_of", None)
        return projstate.project_hash(project_from_dict(doc, str(recovery))) == \
            session.state_sha256
    except (OSError, ValueError, ProjectError):
        return False


__all__ = ["Document", "open_document", "open_session", "MODES", "MODE_LABELS",
           "pending_recovery", "apply_recovery", "recovery_path", "load_project"]
