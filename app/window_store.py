"""The main window's case-store and help commands: role gate, Library, Account and Help
menus, opening a clip from the library, the request list for exports, log out and switch
user, About and Self-test.

A mixin of :class:`app.main_window.MainWindow`; it uses the window's ``gate``, ``user``,
``a`` (actions), ``open_path`` and ``show_error``.
"""
from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtGui import QAction, QKeySequence
from redaction.errors import BwvError

from .dialogs.about import about_box
from .dialogs.selftest import SelfTestDialog

log = logging.getLogger("bwv.gui")


def store_exists() -> bool:
    from redaction.store.db import existing_store
    try:
        return existing_store() is not None
    except Exception:  # noqa: BLE001 - reported when the library is opened
        return False


class StoreMixin:
    library = None
    store_clip_name: Optional[str] = None   # the held clip's original name (exports are named by it)

    def _build_store_menus(self) -> None:
        mb = self.menuBar()
        lib = mb.addMenu("&Library")
        self.a_library = self._menu_action(lib, "library", "&Library browser…", "Ctrl+L",
                                           "Cases, clips and retention, requests, disclosure register",
                                           lambda: self.open_library(0))
        self.a_requests = self._menu_action(lib, "requests", "&Requests…", "Ctrl+Shift+R",
                                            "Disclosure requests: create, link clips, extend, "
                                            "approve, close",
                                            lambda: self.open_library(1))
        self.a_register = self._menu_action(lib, "register", "Disclosure re&gister…", None,
                                            "Every export entered for a request",
                                            lambda: self.open_library(2))
        self.a_retention = self._menu_action(lib, "retention", "Re&tention review…", None,
                                             "Clips due for erasure, MoPI reviews, guessed "
                                             "capture times; run retention",
                                             lambda: self.open_library(3))
        self.a_import = self._menu_action(lib, "import", "&Import clips…", None,
                                          "Import clips into a case (a job with progress and "
                                          "cancel)", self.import_clips)
        if not store_exists():
            for a in (self.a_library, self.a_requests, self.a_register, self.a_retention,
                      self.a_import):
                a.setEnabled(False)
                a.setToolTip("No case store is set up on this workstation (bwv user setup)")
        acct = mb.addMenu("&Account")
        self.a_switch_user = self._menu_action(acct, "switch_user", "&Switch user…", None,
                                               "Log in as someone else (the open clip is "
                                               "closed first)", lambda: self.switch_user())
        self.a_logout = self._menu_action(acct, "logout", "&Log out", None,
                                          "Close the clip, end your session and show the "
                                          "login", lambda: self.log_out())
        if not self.gate.enforced:
            for a in (self.a_switch_user, self.a_logout):
                a.setEnabled(False)
                a.setToolTip("Standalone: no user accounts to log in to")
        help_menu = mb.addMenu("&Help")
        help_menu.addAction(self.a["help"])
        self._menu_action(help_menu, "selftest", "&Self-test…", None,
                          "Check models, encoders, libvlc, a tiny export and the folders",
                          lambda: self.show_selftest())
        self._menu_action(help_menu, "about", "&About…", None,
                          "Version and the machine policy in force", self.show_about)

    def _menu_action(self, menu, name, text, key, tip, fn) -> QAction:
        a = QAction(text, self)
        a.setObjectName(f"action_{name}")
        if key:
            a.setShortcut(QKeySequence(key))
        a.setToolTip(tip)
        a.setStatusTip(tip)
        a.triggered.connect(fn)
        menu.addAction(a)
        self.addAction(a)
        return a

    def _build_store_status(self) -> None:
        self.user_label.setText(self.gate.status_text())
        if self.gate.enforced:
            self.user_label.setToolTip("Account > Switch user or Log out")
        if not self.gate.enforced:
            self.user_label.setToolTip("No case store with user accounts: every action is allowed "
                                       "and attributed to this user; not for evidence")
            self.statusBar().showMessage("Standalone (no case store set up), not for evidence")
        elif self.gate.label:
            self.user_label.setToolTip("No machine policy names the case store: standalone, "
                                       "not for evidence")
        why = self.gate.why_not("redact")
        from PySide6.QtWidgets import QGroupBox
        for box in self.review.findChildren(QGroupBox):   # bulk decisions are redaction decisions
            if box.title().startswith("Bulk"):
                box.setEnabled(why is None)
                box.setToolTip("" if why is None else f"Not allowed: {why}")

    def title_text(self, doc_title: Optional[str] = None) -> str:
        """The window title; "standalone, not for evidence" unless an enforced store under a
        machine policy (environment variables could otherwise point anywhere)."""
        text = "BWV Workstation" + (f" — {doc_title}" if doc_title else "")
        return f"{text} [{self.gate.label}]" if self.gate.label else text

    # -- library -------------------------------------------------------------------------
    def open_library(self, tab: int = 0):
        if not store_exists():
            self.show_error("No case store is set up on this workstation")
            return None
        from .library.window import LibraryWindow
        if self.library is None:
            self.library = LibraryWindow(self, self.user, self.open_store_clip, self.show_error,
                                         self.gate)
        if not self.library.refresh():
            return self.library
        self.library.tabs.setCurrentIndex(tab)
        self.library.show()
        self.library.raise_()
        return self.library

    def import_clips(self, paths=None):
        """The library's import form (Library > Import clips…)."""
        lib = self.open_library(0)
        return lib.import_dialog(paths) if lib is not None else None

    # -- log out, switch user ----------------------------------------------------------------
    def switch_user(self):
        """Ask for another login; on success the open clip is closed and the window acts for
        the new user (roles re-applied). Cancel changes nothing."""
        if not self.gate.enforced:
            self.show_error("Standalone: there are no user accounts to switch to")
            return None
        if self.runner.busy or (self.library is not None and self.library.runner.busy):
            self.show_error("A job is running: wait for it to finish or cancel it first")
            return None
        return self._login_dialog(switch=True)

    def log_out(self):
        """Close the clip and the library, end the session (audited), then ask for a login;
        cancelling it closes the window (nothing is left on screen for the next person)."""
        if not self.gate.enforced:
            self.show_error("Standalone: there are no user accounts to log out of")
            return None
        if not self._leave_user():
            return None
        from redaction import services
        services.log_out(self.user)
        self.user_label.setText(f"Logged out ({self.user})")
        self.statusBar().showMessage(f"{self.user} logged out", 5000)
        return self._login_dialog(switch=False)

    def _leave_user(self) -> bool:
        """Before another user acts: no job running, the clip closed, the library closed."""
        if self.runner.busy or (self.library is not None and self.library.runner.busy):
            self.show_error("A job is running: wait for it to finish or cancel it first")
            return False
        if not self.close_document():
            return False
        if self.library is not None:
            self.library.close()
            self.library.deleteLater()
            self.library = None
        return True

    def _login_dialog(self, switch: bool):
        from .dialogs.login import LoginDialog
        d = LoginDialog(self, "")
        d.setWindowTitle("BWV Workstation: switch user" if switch else "BWV Workstation: log in")
        self.login_dialog = d

        def done(ok: int) -> None:
            if ok and d.user is not None:
                self._become(d.user, switch)
            elif not switch:
                self.interactive = False     # nothing to save: the clip is already closed
                self.close()
        d.finished.connect(done)
        if self.interactive:
            d.exec()
        else:
            d.show()
        return d

    def _become(self, user: str, switch: bool) -> None:
        from redaction import services
        old = self.user
        if switch:
            if not self._leave_user():
                return
            if old != user:
                services.log_out(old)
        self.user = user
        self.gate.user = user          # the actions' guards hold this Gate: update it in place
        self.gate.refresh()
        self._build_store_status()
        self.setWindowTitle(self.title_text())
        self._update_actions()
        self._mode_changed(self.doc.mode) if self.doc is not None else None
        self.statusBar().showMessage(f"Logged in as {user}"
                                     + (f" (was {old})" if switch and old != user else ""), 8000)

    def open_store_clip(self, clip_id: int, name: Optional[str] = None) -> bool:
        """Open a held clip: api.open_clip re-verifies its sha256 (and logs the consultation)."""
        from redaction.store import api
        try:
            path = api.open_clip(clip_id, self.user)
        except BwvError as e:
            self.show_error(str(e))
            return False
        if not self.open_path(path):
            return False
        self.store_clip_id, self.store_clip_name = clip_id, name
        return True

    def open_requests(self) -> list[dict]:
        """Open requests for the export dialog's selector ([] without a store)."""
        if not store_exists():
            return []
        from redaction.store import api
        try:
            return api.list_requests(self.user)
        except BwvError as e:
            log.warning("requests not listed: %s", e)
            return []

    # -- help ----------------------------------------------------------------------------
    def show_about(self):
        box = about_box(self)
        if self.interactive:
            box.exec()
        return box

    def show_selftest(self, only: Optional[list[str]] = None) -> SelfTestDialog:
        d = SelfTestDialog(self, only)
        if self.interactive:
            d.exec()
        else:
            d.show()
        return d
