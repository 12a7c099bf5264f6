"""Transport icons drawn in the palette's button-text colour, so they stay visible in every
theme (the style's standard media icons are dark glyphs, invisible on a black theme)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF

S = 32


def _tri(p, x0, x1, left=False):
    a, b = (x1, x0) if left else (x0, x1)
    p.drawPolygon(QPolygonF([QPointF(a, 6), QPointF(b, S / 2), QPointF(a, S - 6)]))


def _bar(p, x, w=4):
    p.drawRect(QRectF(x, 6, w, S - 12))


SHAPES = {
    "play": lambda p: _tri(p, 9, 26),
    "pause": lambda p: (_bar(p, 9, 5), _bar(p, 18, 5)),
    "step_forward": lambda p: (_tri(p, 8, 21), _bar(p, 22)),
    "step_back": lambda p: (_bar(p, 6), _tri(p, 11, 24, left=True)),
    "forward_second": lambda p: (_tri(p, 4, 16), _tri(p, 16, 28)),
    "back_second": lambda p: (_tri(p, 4, 16, left=True), _tri(p, 16, 28, left=True)),
    "go_end": lambda p: (_tri(p, 5, 15), _tri(p, 14, 24), _bar(p, 24)),
    "go_start": lambda p: (_bar(p, 4), _tri(p, 8, 18, left=True), _tri(p, 17, 27, left=True)),
}


def icon(name: str, color: QColor) -> QIcon:
    pm = QPixmap(S, S)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(color)
    SHAPES[name](p)
    p.end()
    return QIcon(pm)
