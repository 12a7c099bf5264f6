"""A one-line label that gives way in a tight row (the status bar's permanent widgets): it
asks for at most ``max_chars`` average characters and makes do with ``min_chars``, draws its
text elided (…) to the width it gets, and shows the whole text in its tooltip when elided.
``text()`` stays the whole text."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QToolTip


class ElidedLabel(QLabel):
    def __init__(self, text: str, parent=None, max_chars: int = 48, min_chars: int = 8):
        super().__init__(text, parent)
        self.max_chars, self.min_chars = max_chars, min_chars

    def _chars(self, n: int) -> int:
        return self.fontMetrics().averageCharWidth() * n + self.margin() * 2

    def sizeHint(self) -> QSize:
        s = super().sizeHint()
        return QSize(min(s.width(), self._chars(self.max_chars)), s.height())

    def minimumSizeHint(self) -> QSize:
        s = super().minimumSizeHint()
        return QSize(min(s.width(), self._chars(self.min_chars)), s.height())

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(self.text(), Qt.ElideRight, self.contentsRect().width())

    def elided(self) -> bool:
        return self.shown_text() != self.text()

    def paintEvent(self, e) -> None:
        p = QPainter(self)
        self.style().drawItemText(p, self.contentsRect(), int(self.alignment() | Qt.AlignVCenter),
                                  self.palette(), self.isEnabled(), self.shown_text(),
                                  self.foregroundRole())
        p.end()

    def event(self, e) -> bool:
        if e.type() == QEvent.ToolTip and self.elided():
            tip = self.text() + (f"\n\n{self.toolTip()}" if self.toolTip() else "")
            QToolTip.showText(e.globalPos(), tip, self)
            return True
        return super().event(e)
