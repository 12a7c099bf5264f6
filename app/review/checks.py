"""The review panel's "Checks before export" list (redaction/review_checks.py).

Each row is a place in the footage the proposals may not cover: an automatic track lost
while in view, a low-confidence proposal, or dark footage (where the detectors miss more). Clicking a row selects its track and goes to
the first frame to look at; "Mark checked…" records, with a note, that the officer looked
(an edit: logged and undoable). Open checks are listed first, in red.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QToolButton, QVBoxLayout, QWidget)

from ..themes import alert_color

TITLES = {"lost_in_view": "Lost in view", "low_confidence": "Low confidence", "dark": "Dark footage",
          "not_detected": "No automatic detection"}


class ChecksBox(QGroupBox):
    jumpRequested = Signal(str, int)        # track id, frame
    doneRequested = Signal(list)            # check keys

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Checks before export", parent)
        self.setAccessibleName("Checks before export")
        self.setToolTip("Places the proposals may not cover: frames no detection covered, a "
                        "tracked object lost while still in view, a low-confidence proposal, or "
                        "dark footage. Look at each before export.")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.done_btn = QToolButton(self)
        self.done_btn.setText("Mark checked…")
        self.done_btn.setAccessibleName("Mark the selected check as done")
        self.done_btn.clicked.connect(self._done)
        top.addWidget(self.done_btn)
        lay.addLayout(top)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Checks")
        self.list.setWordWrap(True)
        self.list.setMaximumHeight(120)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self.list.currentItemChanged.connect(lambda *_: self._update_button())
        lay.addWidget(self.list)
        self.checks: list = []
        self.set_allowed(None)

    def set_allowed(self, why) -> None:
        """``why``: the reason the role may not mark a check done (None: it may)."""
        self._why_not = why         # greys the button whatever is selected
        self.done_btn.setToolTip("Record that you looked at the selected check (with a note; "
                                 "logged)" if why is None else f"Not allowed: {why}")
        self._update_button()

    def set_checks(self, checks: list) -> None:
        current = self.list.currentItem().data(Qt.UserRole) if self.list.currentItem() else None
        self.checks = sorted(checks, key=lambda c: (c.done, c.first_frame, c.key))
        self.list.clear()
        n_open = sum(not c.done for c in self.checks)
        if not self.checks:
            self.summary.setText("None: detection covered the clip, no tracked object was lost "
                                 "in view, no low-confidence proposal, no dark footage")
        else:
            self.summary.setText(f"<b>{n_open} open</b> of {len(self.checks)}" if n_open
                                 else f"All {len(self.checks)} checked")
        for c in self.checks:
            state = f"checked by {c.done_by}" if c.done else "OPEN"
            it = QListWidgetItem(f"[{state}] {TITLES.get(c.kind, c.kind)}: frames "
                                 f"{c.first_frame}–{c.last_frame}" + (f" · {c.track_id}" if c.track_id else ""))
            it.setToolTip(c.message + (f"\nChecked by {c.done_by} at {c.done_at}: {c.note}"
                                       if c.done else ""))
            it.setData(Qt.UserRole, c.key)
            if not c.done:
                it.setForeground(QBrush(alert_color()))
            self.list.addItem(it)
            if c.key == current:
                self.list.setCurrentItem(it)
        self.setVisible(True)
        self._update_button()

    def _check(self, key):
        return next((c for c in self.checks if c.key == key), None)

    def _clicked(self, item: QListWidgetItem) -> None:
        c = self._check(item.data(Qt.UserRole))
        if c is not None:
            self.jumpRequested.emit(c.track_id, c.frame if c.frame >= 0 else c.first_frame)

    def _update_button(self) -> None:
        it = self.list.currentItem()
        c = self._check(it.data(Qt.UserRole)) if it else None
        self.done_btn.setEnabled(c is not None and not c.done and self._why_not is None)

    def _done(self) -> None:
        it = self.list.currentItem()
        c = self._check(it.data(Qt.UserRole)) if it else None
        if c is not None and not c.done:
            self.doneRequested.emit([c.key])
