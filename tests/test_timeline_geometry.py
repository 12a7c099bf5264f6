"""The timeline's geometry and hit testing without Qt (app/timeline/geometry.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.timeline.geometry import EDGE, GUTTER, TimelineGeometry, keyframe_ticks
from redaction.model import Annotation, AudioRange, Keyframe, Track

REPO = Path(__file__).resolve().parents[1]


def _geo(n_tracks=3, frames=100, width=GUTTER + 8 + 400, height=400):
    g = TimelineGeometry(width, height, 16, frames, n_tracks)
    g.update_fit()
    return g


def test_geometry_imports_no_qt():
    code = ("import sys, app.timeline.geometry; "
            "sys.exit(any(m.startswith('PySide6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_lanes_stack_and_fill_the_height():
    g = _geo()
    L = g.lanes()
    order = ["thumbs", "ruler", "density", "tracks", "audio", "words", "notes"]
    ys = [L[k][0] for k in order]
    assert ys == sorted(ys) and ys[0] == 0
    assert abs(L["notes"][0] + L["notes"][1] - 400) < 1e-6
    assert L["lane"][0] == L["tracks"][0] and 4 <= L["lane"][1] <= 16 * 1.3
    assert g.zone(L["audio"][0] + 1) == "audio" and g.zone(-5) == "none"


def test_frame_axis_fit_zoom_scroll():
    g = _geo()
    assert g.ppf == 4.0 and g.x_of(0) == GUTTER and g.frame_at(GUTTER + 4 * 10 + 2) == 10
    assert g.frame_at(-100) == 0 and g.frame_at(10 ** 6) == 99
    g.zoom(4, around_x=g.x_of(50))
    assert not g.fit and g.ppf == 16.0 and abs(g.frame_at(g.x_of(50.5)) - 50) <= 1
    before = g.offset
    g.scroll(-1)
    assert g.offset > before
    assert g.ensure_visible(0) and g.offset == 0.0 and not g.ensure_visible(1)
    g.zoom(0.001)
    assert g.fit and g.ppf == 4.0


def test_hit_tests():
    g = _geo()
    y0, h = g.lanes()["lane"]
    tracks = [Track(id="a", keyframes=[Keyframe(10, (0, 0, 1, 1))], end_frame=30),
              Track(id="b", keyframes=[Keyframe(50, (0, 0, 1, 1))], end_frame=60)]
    assert g.track_at(g.x_of(20), y0 + h / 2, tracks).id == "a"
    assert g.track_at(g.x_of(55), y0 + h * 1.5, tracks).id == "b"
    assert g.track_at(g.x_of(80), y0 + h / 2, tracks) is None
    assert g.track_at(g.x_of(20), y0 + h * 2.5, tracks) is None      # no third track
    ranges = [AudioRange(1.0, 2.0, "mute", "r", id="r1")]
    at = lambda t: int(t * 25)                                         # noqa: E731
    assert g.audio_at(g.x_of(25), ranges, at)[1] == "start"
    assert g.audio_at(g.x_of(50) + EDGE - 1, ranges, at)[1] == "end"   # 2.0 s: frame 50 is clear
    assert g.audio_at(g.x_of(38), ranges, at)[1] == "inside"
    assert g.audio_at(g.x_of(80), ranges, at) == (None, None)
    notes = [Annotation("n1", 70, None, "Note", "", "u")]
    assert g.note_at(g.x_of(70.5), notes).id == "n1" and g.note_at(g.x_of(90), notes) is None


def test_keyframe_ticks_thinned_and_off_the_label():
    xs = [float(x) for x in range(100, 200)]
    t = keyframe_ticks(xs, min_gap=4, skip=(100, 130))
    assert t[0] > 131 and all(b - a >= 4 for a, b in zip(t, t[1:]))
    assert keyframe_ticks([1.0, 10.0, 20.0]) == [1.0, 10.0, 20.0]


def test_many_tracks_keep_rows_at_the_label_height():
    """With many tracks the audio lane gives way first, and rows never drop below the
    font's height (the panel scrolls past min_height instead)."""
    roomy = _geo(n_tracks=2, height=400).lanes()
    g = _geo(n_tracks=8, height=260)
    L = g.lanes()
    assert L["lane"][1] >= g.row_min() == 16 + 2
    assert L["audio"][1] < roomy["audio"][1] and L["audio"][1] >= g.audio_heights()[1]
    assert L["tracks"][1] >= 8 * L["lane"][1]
    assert g.min_height() > 260            # taller than given: the panel scrolls
    g.height = g.min_height()
    L = g.lanes()
    assert abs(L["notes"][0] + L["notes"][1] - g.height) < 1e-6
    assert L["lane"][1] >= g.row_min()
    assert g.track_at(g.x_of(50), L["lane"][0] + 7.5 * L["lane"][1],
                      [Track(id=f"t{i}", keyframes=[Keyframe(0, (0, 0, 1, 1))], end_frame=99)
                       for i in range(8)]).id == "t7"


def test_a_click_on_a_frames_first_pixel_is_that_frame():
    """Frame k is drawn over [x_of(k), x_of(k + 1)): a click on its first pixel seeks to k
    (round(f - 0.5) rounded half to even: every odd frame's first pixel gave the frame before)."""
    g = _geo()
    assert [g.frame_at(g.x_of(k)) for k in range(10, 16)] == list(range(10, 16))
    assert [g.frame_at(g.x_of(k + 1) - 0.01) for k in range(10, 16)] == list(range(10, 16))
