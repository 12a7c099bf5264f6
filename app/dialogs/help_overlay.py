"""The shortcuts overlay (F1 or ?): every action and its keys, grouped, over the window."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ..actions import TABLE

GROUPS = ("Playback", "View", "Review", "Edit", "File")


class HelpOverlay(QWidget):
    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAccessibleName("Keyboard shortcuts")
        self.setFocusPolicy(Qt.StrongFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 30)
        title = QLabel("<h2>Keyboard shortcuts</h2>Press Esc, F1 or ? to close. "
                       "Mouse: drag on the picture to draw a box; drag a box or its corners to move "
                       "or resize it (sets a keyframe); drag on the audio lane to mute a range. "
                       "Magnifier (Z): the frame's own pixels under the pointer; the mouse wheel "
                       "changes its power (2–8×).", self)
        title.setWordWrap(True)
        outer.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        for col, group in enumerate(GROUPS):
            rows = [f"<b>{group}</b>"] + [
                f"<tt>{' / '.join(keys)}</tt>&nbsp;&nbsp;{text.replace('&', '').rstrip('…')}"
                for _, text, keys, g, _ in TABLE if g == group]
            lab = QLabel("<br>".join(rows), self)
            lab.setTextFormat(Qt.RichText)
            lab.setAlignment(Qt.AlignTop | Qt.AlignLeft)
            grid.addWidget(lab, 0, col)
        outer.addLayout(grid)
        outer.addStretch(1)
        self.setStyleSheet("QLabel { color: #ffffff; }")
        self.hide()
        parent.installEventFilter(self)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.setGeometry(self.parentWidget().rect())
            self.show()
            self.raise_()
            self.setFocus()

    def eventFilter(self, obj, e) -> bool:
        if e.type() == QEvent.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, e) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(0, 0, 0, 215))
        p.end()

    def keyPressEvent(self, e) -> None:
        if e.key() in (Qt.Key_Escape, Qt.Key_F1, Qt.Key_Question):
            self.hide()
        else:
            super().keyPressEvent(e)

    def mousePressEvent(self, e) -> None:
        self.hide()
