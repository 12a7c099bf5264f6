"""Files: opening a clip or project (the dialog, errors, the recovery question), saving,
and the Save / Discard / Cancel question before the open clip is closed."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtWidgets import QFileDialog, QMessageBox

from redaction.errors import BwvError

from ..document import open_document
from . import Controller


@dataclass(frozen=True)
class StoreClip:
    """A held clip as the case store records it (the window shows these, not the file's)."""
    id: int
    name: Optional[str]
    captured: Optional[str] = None      # ISO UTC
    capture_guessed: bool = False
    sha256: Optional[str] = None        # as the open job verified it just now


class FilesController(Controller):
    """Holds the window (its user, ``set_document``, ``show_error``) and the preferences
    (the autosave interval of a document it opens)."""

    def __init__(self, win, prefs):
        super().__init__(win)
        self.prefs = prefs

    def slots(self):
        return {"open": self.open_dialog, "save": self.save}

    def update_actions(self, has: bool) -> None:
        self.win.a["save"].setEnabled(has)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.win, "Open clip or project", "",
                                              "Video or project (*.mp4 *.mov *.mkv *.avi *.bwvproj.json *.bwvproj);;All files (*)")
        if path:
            self.open_path(path)

    def open_path(self, path, ask_recover: Optional[Callable[[Path], bool]] = None,
                  ask_migrate: Optional[Callable[[], bool]] = None,
                  store_clip: Optional[StoreClip] = None) -> bool:
        """Open a clip or project: the ``view`` right is checked and the consultation audited
        by the service (``store_clip``: a held clip the library opened, already audited)."""
        win = self.win
        ask = ask_recover or (self.ask_recover if win.interactive else (lambda p: False))
        try:
            doc = open_document(path, win.user, ask, self.prefs.autosave_seconds,
                                logged=store_clip is not None,
                                sha256=store_clip.sha256 if store_clip else None)
        except BwvError as e:
            win.show_error(str(e))
            return False
        win.store_clip = store_clip
        win.store_clip_id = store_clip.id if store_clip else None
        win.store_clip_name = store_clip.name if store_clip else None
        win.set_document(doc)
        if doc.media.info.truncated:
            win.show_error(f"{doc.media.path}: truncated: {doc.media.info.truncated}. Only the "
                           "readable frames can be reviewed and exported.")
        self._offer_migration(doc, ask_migrate)
        if doc.session.recovered_edits:
            self.status(f"Restored {doc.session.recovered_edits} unsaved edit(s) from the edit log "
                        "(the last session did not close cleanly)", 10000)
        return True

    def _offer_migration(self, doc, ask: Optional[Callable[[], bool]]) -> None:
        """A project from an earlier version cannot be replayed from its edit log: editing
        and export are refused until the user records its current state as the base
        (``migrate_log``, attributed), exactly as ``bwv project migrate`` does."""
        from redaction import services
        from redaction.session import LEGACY_MESSAGE
        if doc.session.consistency().kind != "legacy":
            return
        ask = ask or (self.ask_migrate if self.win.interactive else (lambda: False))
        if not ask():
            self.win.show_error(f"{doc.session.path}: {LEGACY_MESSAGE}")
            return
        try:
            services.authorise("redact", self.win.user, project=str(doc.session.path))
            doc.session.migrate()
            doc.save()
        except BwvError as e:
            self.win.show_error(str(e))
            return
        self.status("Project migrated: its edit log now replays from this state "
                    "(recorded as migrate_log)", 10000)

    def ask_migrate(self) -> bool:
        return QMessageBox.question(
            self.win, "Project from an earlier version",
            "This project's edit log was written by an earlier version and cannot be replayed."
            "\nRecord its current state as the base of the log (attributed to you, logged)?\n"
            "Until then it can be viewed but not edited or exported.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes) == QMessageBox.Yes

    def ask_recover(self, rec: Path) -> bool:
        return QMessageBox.question(
            self.win, "Recover unsaved edits?",
            f"The last session on this project did not close cleanly.\nAutosaved edits were found "
            f"({rec.name}). Recover them?", QMessageBox.Yes | QMessageBox.No,
            QMessageBox.Yes) == QMessageBox.Yes

    def save(self) -> None:
        if self.doc is None:
            return
        try:
            self.doc.save()
            self.status(f"Saved {self.doc.session.path}", 4000)
        except BwvError as e:
            self.win.show_error(str(e))

    def may_close(self, what: str, discard: bool = False) -> bool:
        """Before the open clip is closed: unsaved edits are asked about when interactive
        (they are in the edit log either way): Save, Discard (``discard``: drop the recovery
        file too) or Cancel (False)."""
        doc = self.doc
        if doc is None or not doc.session.dirty or not self.win.interactive:
            return True
        from redaction import services
        why = self.win.gate.why_not(services.save_right(doc.session))
        if why is not None:   # the menu's Save is greyed for this role: so is this one
            r = QMessageBox.question(
                self.win, "Unsaved edits",
                f"You cannot save these edits ({why}). They stay in the edit log and are "
                f"restored when someone allowed to save opens the clip. Close without saving?",
                QMessageBox.Discard | QMessageBox.Cancel)
            return r != QMessageBox.Cancel
        r = QMessageBox.question(self.win, "Unsaved edits", f"Save the project before {what}?",
                                 QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
        if r == QMessageBox.Cancel:
            return False
        if r == QMessageBox.Save:
            self.save()
        elif discard:
            doc.clear_recovery()
        return True
