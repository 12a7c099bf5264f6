"""Preferences, theme and the Help menu (shortcuts overlay, Self-test, About)."""
from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtWidgets import QApplication

from redaction.errors import BwvError

from ..dialogs.about import about_box
from ..dialogs.preferences import PreferencesDialog
from ..dialogs.selftest import SelfTestDialog
from ..themes import THEMES, apply_theme
from . import Controller
from .editing import policy_reasons
from .store import menu_action

log = logging.getLogger("bwv.gui")


class SettingsController(Controller):
    """Holds the window, the preferences (saved on change), the review panel (its reason
    list follows the preferences) and the playback controller (icons follow the theme)."""

    def __init__(self, win, prefs, review, player):
        super().__init__(win)
        self.prefs, self.review, self.player = prefs, review, player

    def slots(self):
        return {"preferences": self.show_preferences, "theme": self.cycle_theme}

    def build_help_menu(self, mb, help_action) -> None:
        m = mb.addMenu("&Help")
        m.addAction(help_action)
        menu_action(self.win, m, "selftest", "&Self-test…", None,
                    "Check models, encoders, libvlc, a tiny export and the folders",
                    lambda: self.show_selftest())
        menu_action(self.win, m, "about", "&About…", None,
                    "Version and the machine policy in force", lambda: self.show_about())

    def show_preferences(self) -> Optional[PreferencesDialog]:
        d = PreferencesDialog(self.win, self.prefs)
        if self.win.interactive and d.exec():
            self.apply_preferences(d)
        return d

    def apply_preferences(self, d: PreferencesDialog) -> None:
        try:
            d.apply()
        except BwvError as e:
            self.win.show_error(str(e))
            return
        apply_theme(QApplication.instance(), self.prefs.theme)
        self.player.set_icons()
        self.review.refresh()            # its red text follows the theme's base
        current = self.review.reason.currentText()
        self.review.reason.clear()
        self.review.reason.addItems(policy_reasons(self.prefs))
        self.review.reason.setCurrentText(current)
        if self.doc is not None:
            self.doc.autosave.setInterval(self.prefs.autosave_seconds * 1000)

    def cycle_theme(self) -> None:
        i = THEMES.index(self.prefs.theme) if self.prefs.theme in THEMES else 0
        self.prefs.theme = apply_theme(QApplication.instance(), THEMES[(i + 1) % len(THEMES)])
        self.player.set_icons()
        self.review.refresh()
        self.status(f"Theme: {self.prefs.theme}", 3000)
        try:
            self.prefs.save()
        except BwvError as e:
            log.warning("cannot save preferences: %s", e)

    def show_about(self):
        box = about_box(self.win)
        if self.win.interactive:
            box.exec()
        return box

    def show_selftest(self, only: Optional[list[str]] = None) -> SelfTestDialog:
        d = SelfTestDialog(self.win, only)
        if self.win.interactive:
            d.exec()
        else:
            d.show()
        return d
