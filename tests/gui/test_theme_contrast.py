"""Theme contrast: the review panel's red text (open checks, low-confidence and out-of-clip
tracks) is readable on every theme's base (WCAG AA, 4.5:1)."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from redaction import edits
from redaction.model import Keyframe, Track


def _luminance(c) -> float:
    def lin(v):
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture
def restore_theme():
    app = QApplication.instance()
    pal, sheet = app.palette(), app.styleSheet()
    yield
    app.setPalette(pal)
    app.setStyleSheet(sheet)


@pytest.mark.parametrize("theme", ["dark", "high-contrast", "system"])
def test_red_review_text_is_readable_on_each_theme(qtbot, win, theme, restore_theme):
    """#c62828 everywhere: 3.0:1 on the dark theme's base, 3.7:1 on high contrast's black."""
    low = Track("t1", "face", "auto", "pending", keyframes=[Keyframe(3, (10, 10, 40, 40))],
                end_frame=9, scores={3: 0.2}, flags=["low_confidence"])
    assert win.doc.do(edits.AddTrack(low))
    win.settings.cycle_theme()              # Ctrl+T until the theme is on (tests start none)
    while win.prefs.theme != theme:
        win.settings.cycle_theme()
    base = QApplication.palette().base().color()
    checks = win.review.checks.list
    open_items = [checks.item(i) for i in range(checks.count()) if "[OPEN]" in checks.item(i).text()]
    assert open_items
    for it in open_items:
        assert contrast(it.foreground().color(), base) >= 4.5, (theme, it.text())
    conf = win.review.table.item(0, 4)
    assert "low" in conf.text()
    assert contrast(conf.foreground().color(), base) >= 4.5
