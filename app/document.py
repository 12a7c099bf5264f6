"""The open project for the window: a thin Qt adapter over the engine's
:class:`redaction.workspace.Workspace` (session, clip, current frame, view mode, selection,
coverage, the frame cache, recovery, default-project rules all live there, Qt-free).

``Document`` adds what needs Qt: signals for every change the views repaint from, the
autosave timer, and errors turned into messages. Every change to the project goes through
:meth:`Document.do` with a command object from :mod:`redaction.edits` (undoable, logged with
the user), which the workspace hands to the engine's service layer
(:func:`redaction.services.edit`: the role check for the command, a refusal audited, the
project unchanged). The widgets listen to the signals and never edit the model themselves.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QObject, QTimer, Signal

from redaction import edits, services
from redaction.errors import BwvError, IntegrityError, PermissionDenied
from redaction.media import MediaSource
from redaction.model import Box, Track
from redaction.project_io import load_project
from redaction.workspace import (MODES, Workspace, apply_recovery, is_project_path,  # noqa: F401
                                 open_session, open_workspace, pending_recovery, recovery_path)

MODE_LABELS = {"edit": "Edit", "preview": "Redacted preview", "original": "Original"}


class Document(QObject):
    frameChanged = Signal(int)
    projectChanged = Signal()
    selectionChanged = Signal(object)
    modeChanged = Signal(str)
    coverageChanged = Signal(float)
    message = Signal(str)
    error = Signal(str)

    def __init__(self, session_or_workspace, media: Optional[MediaSource] = None,
                 autosave_seconds: int = 5, parent: Optional[QObject] = None):
        super().__init__(parent)
        ws = session_or_workspace
        self.ws = ws if isinstance(ws, Workspace) else Workspace(ws, media)
        self.ws.session.listeners.append(self._on_session_change)
        self.autosave = QTimer(self)
        self.autosave.setInterval(max(1, autosave_seconds) * 1000)
        self.autosave.timeout.connect(self.write_recovery)
        self.autosave.start()

    def __getattr__(self, name: str):
        """Facts and queries of the workspace (session, media, project, frame, mode,
        selected, frame_count, size, timecode, checks, merge_candidates, next_pending...)."""
        ws = self.__dict__.get("ws")
        if ws is None:
            raise AttributeError(name)
        return getattr(ws, name)

    # -- navigation ----------------------------------------------------------------
    def seek(self, frame: int) -> None:
        changed = self.ws.seek(frame)
        self._mark_watched()
        if changed:
            self.frameChanged.emit(self.ws.frame)

    def step(self, n: int) -> None:
        self.seek(self.ws.frame + n)

    def set_mode(self, mode: str) -> None:
        if self.ws.set_mode(mode):
            self._mark_watched()
            self.modeChanged.emit(mode)

    def cycle_mode(self) -> None:
        self.set_mode(self.ws.next_mode())

    def select(self, track_id: Optional[str]) -> None:
        if self.ws.select(track_id):
            self.selectionChanged.emit(track_id)

    def _mark_watched(self) -> None:
        if self.ws.mark_watched():
            self.coverageChanged.emit(self.ws.coverage())

    # -- editing ---------------------------------------------------------------------
    def do(self, cmd: Optional[edits.Command]) -> bool:
        """Apply ``cmd`` through the service layer; False (and a message) if refused/invalid."""
        if cmd is None:
            return False
        try:
            self.ws.apply(cmd)
        except (PermissionDenied, IntegrityError) as e:   # refused: role, or a log that
            self.error.emit(str(e))                       # cannot be replayed / differs
            return False
        except (ValueError, KeyError) as e:
            self.error.emit(f"{cmd.describe()}: {e}")
            return False
        except BwvError as e:   # the log refused the entry (a full disk, another writer):
            self.error.emit(str(e))   # the edit was put back (session._step)
            return False
        return True

    def undo(self) -> None:
        try:
            cmd = services.undo(self.ws.session, self.ws.user).command
        except BwvError as e:      # refused: role, a log that differs, a full disk
            self.error.emit(str(e))
            return
        self.message.emit(f"Undid {cmd.describe()}" if cmd else "Nothing to undo")

    def redo(self) -> None:
        try:
            cmd = services.redo(self.ws.session, self.ws.user).command
        except BwvError as e:      # refused: role, a log that differs, a full disk
            self.error.emit(str(e))
            return
        self.message.emit(f"Redid {cmd.describe()}" if cmd else "Nothing to redo")

    def _on_session_change(self, action, cmd) -> None:
        if self.ws.selected is not None and self.ws.selected_track() is None:
            self.select(None)
        self.projectChanged.emit()

    def add_box(self, box: Box, kind: str = "face") -> str:
        tid, cmd = self.ws.add_box_command(box, kind)
        if self.do(cmd):
            self.select(tid)
        return tid

    def set_box(self, track_id: str, box: Box) -> bool:
        return self.do(self.ws.set_box_command(track_id, box))

    def decide(self, status: str, reason: str, ids: Optional[list[str]] = None) -> bool:
        cmd = self.ws.decide_command(status, reason, ids)
        if cmd is None:
            self.message.emit("Select a track first")
            return False
        return self.do(cmd)

    def set_start(self) -> bool:
        return self._do_built(self.ws.set_start_command)

    def set_end(self) -> bool:
        return self._do_built(self.ws.set_end_command)

    def _do_built(self, build) -> bool:
        """Build the edit (ValueError: refused, said) and apply it."""
        try:
            cmd = build()
        except ValueError as e:
            self.error.emit(str(e))
            return False
        return self.do(cmd)

    def split(self) -> bool:
        """Split at this frame; the part from here on (the one on screen) is selected, so
        the next decision is about what the officer sees."""
        cmd = self.ws.split_command()
        if not self.do(cmd):
            return False
        self.select(cmd.new_id)
        return True

    def merge(self, other_id: Optional[str] = None) -> bool:
        cmd = self.ws.merge_command(other_id)
        if cmd is None:
            self.message.emit("Nothing to merge with: select a track with another of its kind")
            return False
        return self.do(cmd)

    def delete_selected(self) -> bool:
        return self.do(self.ws.delete_command())

    def accept_all(self, kind: str, reason: str) -> int:
        cmd, n = self.ws.accept_all_command(kind, reason)
        return 0 if cmd is not None and not self.do(cmd) else n

    def reject_short(self, frames: int, reason: str) -> int:
        cmd, n = self.ws.reject_short_command(frames, reason)
        return 0 if cmd is not None and not self.do(cmd) else n

    def mark_checks_done(self, keys: list[str], note: str) -> bool:
        try:
            cmd = self.ws.mark_checks_command(keys, note)
        except ValueError as e:
            self.error.emit(str(e))
            return False
        return self.do(cmd)

    def selected_track(self) -> Optional[Track]:
        return self.ws.selected_track()

    # -- saving ------------------------------------------------------------------------------
    def save(self) -> None:
        self.ws.save()                  # PermissionDenied if the role may not
        self.projectChanged.emit()

    def write_recovery(self) -> Optional[Path]:
        return self.ws.write_recovery()

    def close(self) -> None:
        """The window is done with the project: its lock goes (ADR 0015)."""
        self.autosave.stop()
        self.ws.close()


def open_document(path: str | os.PathLike, user: str,
                  ask_recover: Callable[[Path], bool] = lambda p: False,
                  autosave_seconds: int = 5, logged: bool = False,
                  sha256: Optional[str] = None) -> Document:
    """Open for review through the service (the ``view`` right, the consultation audited;
    ``logged``: the library's open already recorded it; ``sha256``: the hash it verified)."""
    return Document(services.open_for_review(path, user, ask_recover, logged=logged,
                                             sha256=sha256),
                    autosave_seconds=autosave_seconds)


__all__ = ["Document", "open_document", "open_session", "MODES", "MODE_LABELS",
           "pending_recovery", "apply_recovery", "recovery_path", "load_project",
           "is_project_path"]
