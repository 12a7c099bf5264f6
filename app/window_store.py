"""The main window's case-store and help commands: role gate, Library and Help menus,
opening a clip from the library, the request list for exports, About and Self-test.

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
                                            "Disclosure requests with due dates and details",
                                            lambda: self.open_library(1))
        if not store_exists():
            for a in (self.a_library, self.a_requests):
                a.setEnabled(False)
                a.setToolTip("No case store is set up on this workstation (bwv user setup)")
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
        if not self.gate.enforced:
            self.user_label.setToolTip("No case store with user accounts: every action is allowed "
                                       "and attributed to this user; not for evidence")
            self.statusBar().showMessage("Standalone (no case store set up), not for evidence")
        elif self.gate.label:
            self.user_label.setToolTip("No machine policy names the case store: standalone, "
                                       "not for evidence")
        why = self.gate.why_not("redact")
        if why is not None:   # the review panel's bulk decisions are redaction decisions
            from PySide6.QtWidgets import QGroupBox
            for box in self.review.findChildren(QGroupBox):
                if box.title().startswith("Bulk"):
                    box.setEnabled(False)
                    box.setToolTip(f"Not allowed: {why}")

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
