"""An anamorphic clip (pixels not square) in the window: shown as players show it, and a box
drawn on the screen lands on the stored pixels the detectors and the export use."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from helpers import round_disc_clip


def _grab(view) -> np.ndarray:
    img = view.grab().toImage().convertToFormat(QImage.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return a[:, :img.width() * 3].reshape(img.height(), img.width(), 3)


def _bright_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 (exclusive) of the white disc."""
    ys, xs = np.nonzero(rgb.min(axis=2) > 200)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


@pytest.fixture
def open_clip(qtbot, tmp_path):
    from app.main_window import MainWindow
    from app.prefs import Preferences
    wins = []

    def _open(path):
        w = MainWindow("alice", Preferences(), interactive=False)
        qtbot.addWidget(w)
        w.resize(1280, 800)
        w.show()
        assert w.open_path(path)
        qtbot.waitExposed(w)
        wins.append(w)
        return w
    yield _open
    for w in wins:
        w.shutdown()


@pytest.mark.parametrize("rotation", [0, 90])
def test_an_anamorphic_clip_is_shown_stretched_and_boxes_land_on_stored_pixels(
        qtbot, tmp_path, open_clip, rotation):
    """A 240x180 clip of pixels 4/3 as wide as tall (shown 320x180, 16:9) was painted with
    square pixels: a disc round for the recipient was an upright ellipse in the window
    (three quarters of its width), so was every face. The view now stretches it; drawing
    over the disc on screen gives the box of its stored pixels; the loupe's blocks are
    4/3 as wide as tall."""
    clip = round_disc_clip(tmp_path / "hdv.mp4", 240, 180, Fraction(4, 3), rotation)
    win = open_clip(clip)
    view = win.view
    assert view.pixel_aspect == pytest.approx(4 / 3 if rotation == 0 else 3 / 4)
    fx0, fy0, fx1, fy1 = _bright_box(view.rgb)            # the disc in stored pixels
    sx0, sy0, sx1, sy1 = _bright_box(_grab(view))         # ... on the screen
    shown = (sx1 - sx0) / (sy1 - sy0)
    assert shown == pytest.approx(1.0, abs=0.04), shown   # round, as players show it
    # the picture keeps its shape as shown: 16:9 (9:16 turned)
    sx, sy, _, _ = view._fit()
    h, w = view.rgb.shape[:2]
    assert (w * sx) / (h * sy) == pytest.approx(16 / 9 if rotation == 0 else 9 / 16, rel=0.01)

    # draw a box round the disc as seen on the screen
    qtbot.mousePress(view, Qt.LeftButton, pos=QPoint(sx0, sy0))
    qtbot.mouseMove(view, pos=QPoint((sx0 + sx1) // 2, (sy0 + sy1) // 2))
    qtbot.mouseMove(view, pos=QPoint(sx1, sy1))
    qtbot.mouseRelease(view, Qt.LeftButton, pos=QPoint(sx1, sy1))
    assert len(win.doc.project.tracks) == 1
    x, y, bw, bh = win.doc.project.tracks[0].keyframes[0].box
    tol = 2.5
    assert abs(x - fx0) < tol and abs(y - fy0) < tol, (x, y, fx0, fy0)
    assert abs(x + bw - fx1) < tol and abs(y + bh - fy1) < tol, (x + bw, y + bh, fx1, fy1)

    # the drawn box's outline is on the disc's edge on the screen too
    r = view.to_widget((x, y, bw, bh))
    assert abs(r.left() - sx0) < 3 and abs(r.right() - sx1) < 3
    assert abs(r.top() - sy0) < 3 and abs(r.bottom() - sy1) < 3

    # the loupe: each stored pixel a block as wide (to tall) as it is shown
    view.set_magnifier(True)
    at = QPoint((sx0 + sx1) // 2, (sy0 + sy1) // 2)
    QApplication.sendEvent(view, QMouseEvent(QEvent.MouseMove, QPointF(at), QPointF(view.mapToGlobal(at)),
                                             Qt.NoButton, Qt.NoButton, Qt.NoModifier))
    lp = view.loupe()
    bx, by = lp["block"]
    assert bx / by == pytest.approx(view.pixel_aspect, rel=0.2)
    assert lp["pixel"] == (int((at.x() - view._fit()[2]) / sx), int((at.y() - view._fit()[3]) / sy))


def test_square_pixels_are_painted_as_before(qtbot, tmp_path, open_clip):
    """An ordinary clip: one scale both ways, the disc round on the screen."""
    win = open_clip(round_disc_clip(tmp_path / "sq.mp4", 240, 180))
    view = win.view
    assert view.pixel_aspect == 1.0
    sx, sy, _, _ = view._fit()
    assert sx == sy
    sx0, sy0, sx1, sy1 = _bright_box(_grab(view))
    assert (sx1 - sx0) / (sy1 - sy0) == pytest.approx(1.0, abs=0.04)
