"""The case store: the Library and Account menus, the library window, opening a held clip,
the open requests for an export, and the account: switch user, log out."""
from __future__ import annotations

import dataclasses
import logging
from typing import Optional

from PySide6.QtGui import QAction, QKeySequence

from redaction.errors import BwvError

from . import Controller
from .files import StoreClip

log = logging.getLogger("bwv.gui")

OPEN_JOB = "open clip"     # the user-job runner's name for opening a held clip


def store_exists() -> bool:
    from redaction.store.db import existing_store
    try:
        return existing_store() is not None
    except Exception:  # noqa: BLE001 - reported when the library is opened
        return False


def menu_action(win, menu, name, text, key, tip, fn) -> QAction:
    """A menu action outside the shortcut table (``app/actions.py``), owned by ``win``."""
    a = QAction(text, win)
    a.setObjectName(f"action_{name}")
    if key:
        a.setShortcut(QKeySequence(key))
    a.setToolTip(tip)
    a.setStatusTip(tip)
    a.triggered.connect(win.gate.guard(name, fn, win.show_error))  # a store down: one line
    menu.addAction(a)
    win.addAction(a)
    return a


class StoreController(Controller):
    """Holds the window (its user, ``open_path``, ``close_document``, user label), the role
    ``Gate`` (updated in place on a switch, so every guarded action follows), the user-job
    runner and the library window once opened."""

    def __init__(self, win, gate, runner):
        super().__init__(win)
        self.gate, self.runner = gate, runner
        self.library = None
        self.login_dialog = None
        self._opening: Optional[StoreClip] = None    # the held clip the open job verifies
        self._opened: Optional[bool] = None
        runner.finished.connect(self._open_verified)

    def build_menus(self, mb) -> None:
        win, lib = self.win, mb.addMenu("&Library")
        self.a_library = menu_action(win, lib, "library", "&Library browser…", "Ctrl+L",
                                     "Cases, clips and retention, requests, disclosure register",
                                     lambda: self.open_library(0))
        self.a_requests = menu_action(win, lib, "requests", "&Requests…", "Ctrl+Shift+R",
                                      "Disclosure requests: create, link clips, extend, approve, "
                                      "close", lambda: self.open_library(1))
        self.a_register = menu_action(win, lib, "register", "Disclosure re&gister…", None,
                                      "Every export entered for a request",
                                      lambda: self.open_library(2))
        self.a_retention = menu_action(win, lib, "retention", "Re&tention review…", None,
                                       "Clips due for erasure, MoPI reviews, guessed capture "
                                       "times; run retention", lambda: self.open_library(3))
        self.a_import = menu_action(win, lib, "import", "&Import clips…", None,
                                    "Import clips into a case (a job with progress and cancel)",
                                    lambda: self.import_clips())
        if not store_exists():
            for a in (self.a_library, self.a_requests, self.a_register, self.a_retention,
                      self.a_import):
                a.setEnabled(False)
                a.setToolTip("No case store is set up on this workstation (bwv user setup)")
        acct = mb.addMenu("&Account")
        self.a_switch_user = menu_action(win, acct, "switch_user", "&Switch user…", None,
                                         "Log in as someone else (the open clip is closed "
                                         "first)", lambda: self.switch_user())
        self.a_logout = menu_action(win, acct, "logout", "&Log out", None,
                                    "Close the clip, end your session and show the login",
                                    lambda: self.log_out())
        if not self.gate.enforced:
            for a in (self.a_switch_user, self.a_logout):
                a.setEnabled(False)
                a.setToolTip("Standalone: no user accounts to log in to")

    def show_status(self) -> None:
        """The user label (user, role, mode) and what the role leaves greyed in the review."""
        win, gate = self.win, self.gate
        win.user_label.setText(gate.status_text())
        if gate.enforced:
            win.user_label.setToolTip("Account > Switch user or Log out")
        if not gate.enforced:
            win.user_label.setToolTip("No case store with user accounts: every action is allowed "
                                      "and attributed to this user; not for evidence")
            win.statusBar().showMessage("Standalone (no case store set up), not for evidence")
        elif gate.label:
            win.user_label.setToolTip("No machine policy names the case store: standalone, "
                                      "not for evidence")
        win.review.set_redact_allowed(gate.why_not("redact"))

    # -- library -------------------------------------------------------------------------------
    def open_library(self, tab: int = 0):
        from redaction.store.db import existing_store
        if existing_store() is None:       # a store gone mid-session: StoreUnavailable
            self.win.show_error("No case store is set up on this workstation")
            return None
        from ..library.window import LibraryWindow
        if self.library is None:
            self.library = LibraryWindow(self.win, self.win.user, self.open_store_clip,
                                         self.win.show_error, self.gate)
        if not self.library.refresh():
            return self.library
        self.library.tabs.setCurrentIndex(tab)
        self.library.show()
        self.library.raise_()
        return self.library

    def refresh_library(self) -> None:
        """The library window, if open, re-reads the store (after the window changed it:
        an export entered in the register)."""
        if self.library is not None and self.library.isVisible():
            self.library.refresh()

    def import_clips(self, paths=None):
        """The library's import form (Library > Import clips…)."""
        lib = self.open_library(0)
        return lib.import_dialog(paths) if lib is not None else None

    def open_store_clip(self, clip_id: int, name: Optional[str] = None, clip=None,
                        wait: bool = False) -> bool:
        """Open a held clip: a job in the window's runner (progress and Cancel in the status
        bar) re-hashes it outside any store transaction and logs the consultation
        (``api.open_clip_job``); the window opens it when the job ends, a refusal is shown
        in one line. ``clip`` (the library's ClipRow) gives the window the store's record:
        its original name for the title and exports, its capture time (and whether it is
        guessed). False if it could not start; ``wait`` (tests, scripts): process events
        until it ended, True if the clip was opened."""
        from redaction.store import api
        if self.runner.busy:
            self.win.show_error("A job is running: wait for it to finish or cancel it first")
            return False
        user = self.win.user
        self._opening = StoreClip(
            clip_id, name or (clip.name if clip is not None else None),
            clip.captured if clip is not None else None,
            bool(clip.capture_guessed) if clip is not None else False)
        self._opened = None
        if not self.runner.start(OPEN_JOB, lambda cancel: api.open_clip_job(
                clip_id, user, cancel=cancel)):
            return False
        if not wait:
            return True
        self.runner.wait(600_000)
        return bool(self._opened)

    def _open_verified(self, result) -> None:
        """The open job ended: open the verified evidence file in the window."""
        if self.runner.name != OPEN_JOB or result is None:
            return
        path, sha256 = result
        self._opened = self.win.files.open_path(
            path, store_clip=dataclasses.replace(self._opening, sha256=sha256))

    def open_requests(self, source_sha256: str) -> list:
        """The open requests the clip (by its sha256) is linked to, for the export dialog's
        selector ([] without a store): an export can answer no other request. A store gone
        mid-session raises StoreUnavailable (the export is refused in one line)."""
        from redaction import services
        from redaction.store.db import existing_store
        from redaction.store.errors import StoreUnavailable
        if existing_store() is None:
            return []
        try:
            return services.requests(self.win.user, source_sha256=source_sha256)
        except StoreUnavailable:
            raise
        except BwvError as e:
            log.warning("requests not listed: %s", e)
            return []

    def busy(self) -> bool:
        return self.runner.busy or (self.library is not None and self.library.runner.busy)

    def shutdown(self) -> None:
        if self.library is not None:
            self.library.shutdown()

    # -- log out, switch user ------------------------------------------------------------------
    def switch_user(self):
        """Ask for another login; on success the open clip is closed and the window acts for
        the new user (roles re-applied). Cancel changes nothing."""
        if not self.gate.enforced:
            self.win.show_error("Standalone: there are no user accounts to switch to")
            return None
        if self.busy():
            self.win.show_error("A job is running: wait for it to finish or cancel it first")
            return None
        return self._login_dialog(switch=True)

    def log_out(self):
        """Close the clip and the library, end the session (audited), then ask for a login;
        cancelling it closes the window (nothing is left on screen for the next person)."""
        win = self.win
        if not self.gate.enforced:
            win.show_error("Standalone: there are no user accounts to log out of")
            return None
        if not self._leave_user():
            return None
        from redaction import services
        services.log_out(win.user)
        win.user_label.setText(f"Logged out ({win.user})")
        self.status(f"{win.user} logged out", 5000)
        return self._login_dialog(switch=False)

    def _leave_user(self) -> bool:
        """Before another user acts: no job running, the clip closed, the library closed."""
        if self.busy():
            self.win.show_error("A job is running: wait for it to finish or cancel it first")
            return False
        if not self.win.close_document():
            return False
        if self.library is not None:
            self.library.shutdown()
            self.library.close()
            self.library.deleteLater()
            self.library = None
        return True

    def _login_dialog(self, switch: bool):
        from ..dialogs.login import LoginDialog
        win = self.win
        d = LoginDialog(win, "")
        d.setWindowTitle("BWV Workstation: switch user" if switch else "BWV Workstation: log in")
        self.login_dialog = d

        def done(ok: int) -> None:
            if ok and d.user is not None:
                self._become(d.user, switch)
            elif not switch:
                win.interactive = False     # nothing to save: the clip is already closed
                win.close()
        d.finished.connect(done)
        if win.interactive:
            d.exec()
        else:
            d.show()
        return d

    def _become(self, user: str, switch: bool) -> None:
        from redaction import services
        win, old = self.win, self.win.user
        if switch:
            if not self._leave_user():
                return
            if old != user:
                services.log_out(old)
        win.user = user
        self.gate.user = user          # the actions' guards hold this Gate: update it in place
        self.gate.refresh()
        self.show_status()
        win.setWindowTitle(win.title_text())
        win.update_actions()
        if win.doc is not None:
            win.player.mode_changed(win.doc.mode)
        self.status(f"Logged in as {user}" + (f" (was {old})" if switch and old != user else ""),
                    8000)
