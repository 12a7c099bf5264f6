"""Layout at small screens (issue 15 screenshots): many tracks keep readable rows on the
timeline (the lanes scroll), and the status bar's message is not pushed out by the
permanent widgets at 1366 px."""
from __future__ import annotations

from redaction import edits
from redaction.model import Keyframe, Track


def _tracks(n):
    return [Track(id=f"t{i + 1}", kind="plate", origin="auto", end_frame=39,
                  keyframes=[Keyframe(f, (10.0, 10.0, 30.0, 20.0)) for f in range(i, 40, 2)])
            for i in range(n)]


def test_eight_tracks_keep_rows_at_the_label_font_height(qtbot, win):
    win.resize(1366, 768)
    assert win.doc.do(edits.Batch([edits.AddTrack(t) for t in _tracks(8)], "tracks"))
    qtbot.wait(50)
    tv, panel = win.timeline.view, win.timeline
    fh = tv.fontMetrics().height()
    y0, h = tv.lanes()["lane"]
    assert h >= fh
    tv.grab()                                       # paint: the labels are drawn at full size
    assert set(tv.label_rects) == {f"t{i + 1}" for i in range(8)}
    assert all(r.height() >= fh - 2 for r in tv.label_rects.values())
    # the lanes are taller than the dock: they scroll, and a selection scrolls into view
    assert tv.height() >= tv.minimumSizeHint().height() > panel.area.viewport().height()
    bar = panel.area.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    win.doc.select("t1")
    top = bar.value()
    assert top <= y0 + 1 and y0 + h <= top + panel.area.viewport().height()


def test_status_message_fits_beside_the_permanent_widgets_at_1366(qtbot, win):
    win.resize(1366, 768)
    qtbot.wait(50)
    assert win.width() == 1366 and win.minimumSizeHint().width() <= 1366
    win.player.set_mode("preview")
    sb = win.statusBar()
    msg = sb.currentMessage()
    assert msg == "View: Redacted preview"
    right = min(w.x() for w in (win.vlc_label, win.user_label) if w.isVisible())
    assert sb.fontMetrics().horizontalAdvance(msg) + 12 < right
    assert "decoded playback" in win.vlc_label.text()             # the whole text is kept
    assert win.vlc_label.width() < win.vlc_label.fontMetrics().horizontalAdvance(win.vlc_label.text())


def test_window_fits_a_1280_screen_with_a_clip_open(qtbot, win):
    """A 1280x720 screen (or 2560x1440 at 200 %): with a clip and its capture time open, the
    window's least width fits it; the transport's capture time and view mode give way (the
    whole capture time stays in the label's text and tooltip). It was 1311 px wide at least,
    so the Review dock ran off the screen."""
    win.transport.show_position(0, "00:00:00:00", "2024-03-01 10:00:00.000 UTC (guessed)")
    win.resize(1280, 720)
    qtbot.wait(50)
    assert win.minimumSizeHint().width() <= 1280
    assert win.width() == 1280
    assert win.transport.captured.text() == "2024-03-01 10:00:00.000 UTC (guessed)"
    win.resize(1920, 1080)         # with room, nothing is cut
    qtbot.wait(50)
    assert not win.transport.captured.elided()
    assert win.transport.mode.width() >= win.transport.mode.sizeHint().width()
