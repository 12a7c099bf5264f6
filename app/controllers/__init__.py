"""The main window's behaviour, one small controller per area (ADR 0004).

Each controller is a plain QObject built by :class:`app.main_window.MainWindow` with explicit
references to what it works on (the window, the widgets it drives, the job runner, the
preferences) and owns the slots of its actions: ``slots()`` maps action names (``app/actions.py``)
to its methods and the window wires them. The open :class:`~app.document.Document` changes
while the window lives, so a controller reads it from the window (``self.doc``) rather than
keeping its own copy. Controllers never call each other's private methods; what they share
(show an error, update the actions, seek) goes through the window's public methods or another
controller's public ones.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject


class Controller(QObject):
    def __init__(self, win):
        super().__init__(win)
        self.win = win

    @property
    def doc(self):
        """The window's open Document (None when no clip is open)."""
        return self.win.doc

    def slots(self) -> dict[str, Callable]:
        """Action name -> slot, wired by the window (through the role gate)."""
        return {}

    def update_actions(self, has_doc: bool) -> None:
        """Enable this controller's actions for the open clip (``has_doc``); the window's
        role gate greys out what the role does not allow afterwards."""

    def status(self, text: str, ms: int = 4000) -> None:
        self.win.statusBar().showMessage(text, ms)

    def with_doc(self, fn: Callable) -> Callable[[], None]:
        """A slot that calls ``fn()`` only while a clip is open."""
        def slot(*_):
            if self.win.doc is not None:
                fn()
        return slot
