"""The timeline ruler: its time labels are where the clip shows that time."""
from __future__ import annotations


def test_ruler_seconds_sit_on_the_frame_shown_then_on_a_variable_frame_rate_clip(
        qtbot, tmp_path):
    """1 s at 10 fps, 1 s at 30 fps, again (20 fps on average): '00:00:01' belongs over frame
    10, the frame shown at 1 s (where Go to, the capture time and the audio lane put 1 s);
    the ruler put it at 1 x 20 = frame 20 (shown at 1.33 s), '00:00:03' at frame 60 (2.67 s)."""
    from fractions import Fraction
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from app.timeline.painters import ruler_ticks
    from redaction.synth import ClipSpec, write_clip
    path = write_clip(tmp_path / "vfr.mp4", ClipSpec(frames=80, time_base=Fraction(1, 90000),
                                                      vfr_pattern=[9000] * 10 + [3000] * 30))
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.resize(1600, 900)
    w.show()
    assert w.open_path(path)
    tv, media = w.timeline.view, w.doc.media
    # labels as wide as 1 s at 10 fps less a little: whole seconds, not frame numbers
    ticks = dict((label, x) for x, label in ruler_ticks(tv, 10 * tv.ppf - 8))
    assert set(ticks) >= {"00:00:00", "00:00:01", "00:00:02", "00:00:03"}
    for s in (1, 2, 3):
        assert abs(ticks[f"00:00:0{s}"] - tv.x_of(media.index_at_time(s))) < 0.5
    assert media.index_at_time(1) == 10
    w.shutdown()
