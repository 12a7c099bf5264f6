"""Open a clip, step and seek: the displayed frame index and pixels are exact."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from redaction.media import MediaSource
from redaction.render import frame_rects, preview_rgb


def _shown(win) -> int:
    return win.view.frame_index


def test_step_and_seek_show_the_exact_frame(qtbot, win, clip):
    ref = MediaSource(clip)
    view = win.view
    view.setFocus()
    assert _shown(win) == 0 and np.array_equal(view.rgb, ref.frame(0))
    qtbot.keyClick(view, Qt.Key_Right)
    assert win.doc.frame == 1 and _shown(win) == 1
    qtbot.keyClick(view, Qt.Key_Right, Qt.ShiftModifier)      # one second at 25 fps
    assert _shown(win) == 26
    qtbot.keyClick(view, Qt.Key_Left)
    assert _shown(win) == 25
    assert np.array_equal(view.rgb, ref.frame(25))
    qtbot.keyClick(view, Qt.Key_End)
    assert _shown(win) == 39 and np.array_equal(view.rgb, ref.frame(39))
    qtbot.keyClick(view, Qt.Key_Right)                        # clamps at the end
    assert _shown(win) == 39
    qtbot.keyClick(view, Qt.Key_Left, Qt.ShiftModifier)
    assert _shown(win) == 14
    qtbot.keyClick(view, Qt.Key_Home)
    assert _shown(win) == 0
    win.transport.frame.setValue(17)                          # the frame box seeks
    assert _shown(win) == 17 and np.array_equal(view.rgb, ref.frame(17))
    assert win.transport.tc.text() == "00:00:00:17"
    assert "2024-03-01 10:00:00.680" in win.transport.captured.text()
    win.timeline.view.seekRequested.emit(33)                  # click on the timeline
    assert _shown(win) == 33 and win.transport.frame.value() == 33


def test_painted_pixels_equal_decoded_frame(qtbot, clip):
    """At 1:1 the widget's painted pixels are the decoded frame, bit for bit."""
    from app.player.frame_view import FrameView
    ref = MediaSource(clip)
    v = FrameView()
    qtbot.addWidget(v)
    v.setFixedSize(320, 240)
    v.show()
    qtbot.waitExposed(v)
    v.show_overlays = False
    v.set_frame(7, ref.frame(7))
    img = v.grab().toImage().convertToFormat(QImage.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    arr = arr[:, :img.width() * 3].reshape(img.height(), img.width(), 3)
    assert arr.shape == (240, 320, 3)
    assert np.array_equal(arr, ref.frame(7))


def test_modes_preview_is_the_export_render(qtbot, win, clip):
    doc = win.doc
    doc.add_box((100, 80, 60, 50))
    ref = MediaSource(clip)
    qtbot.keyClick(win.view, Qt.Key_2)
    assert doc.mode == "preview"
    rects = frame_rects(doc.project, 0, 320, 240)
    assert rects
    assert np.array_equal(win.view.rgb, preview_rgb(ref.frame(0, "yuv420p"), rects, doc.project.style))
    assert win.view.tracks == [] and not win.view.editable
    qtbot.keyClick(win.view, Qt.Key_M)                     # M cycles: preview -> original
    assert doc.mode == "original" and np.array_equal(win.view.rgb, ref.frame(0))
    qtbot.keyClick(win.view, Qt.Key_M)
    assert doc.mode == "edit" and win.view.tracks


def test_coverage_counts_frames_watched_in_preview(qtbot, win):
    doc = win.doc
    assert doc.coverage() == 0
    qtbot.keyClick(win.view, Qt.Key_Right)   # edit mode does not count
    assert doc.coverage() == 0
    doc.set_mode("preview")
    for _ in range(9):
        qtbot.keyClick(win.view, Qt.Key_Right)
    assert doc.watched.sum() == 10            # frames 1..10
    assert win.review.coverage.value() == 250


def test_playback_advances_and_pauses(qtbot, win):
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key_Space)
    assert win.playback.playing
    qtbot.waitUntil(lambda: win.doc.frame >= 5, timeout=10000)
    qtbot.keyClick(win.view, Qt.Key_K)
    assert not win.playback.playing
    f = win.doc.frame
    assert win.view.frame_index == f
    qtbot.keyClick(win.view, Qt.Key_L)
    qtbot.keyClick(win.view, Qt.Key_L)                       # faster
    assert win.playback.speed == 1.5 and win.playback.direction == 1
    qtbot.keyClick(win.view, Qt.Key_K)
    qtbot.keyClick(win.view, Qt.Key_J)
    assert win.playback.direction == -1 and win.playback.playing
    qtbot.keyClick(win.view, Qt.Key_K)
    assert not win.playback.playing


def test_libvlc_status_is_said_plainly(win):
    # offscreen: VLC cannot embed; the window says so and plays decoded frames
    assert win.vlc is None
    assert "No sound" in win.transport.playback_note.text()
    assert not win.a["play_sound"].isEnabled()


def test_decoded_playback_audio_is_redacted_in_preview(clip):
    """The samples the decoded-path player would send to the sound card: from the start
    position, with the project's mute ranges applied (the export's own function)."""
    from app.player.audio_out import RATE, pcm_chunks
    from redaction.model import AudioRange
    x = np.concatenate(list(pcm_chunks(str(clip), 0.4)), axis=1)
    assert x.shape[0] == 2 and abs(x.shape[1] / RATE - 1.2) < 0.05     # 1.6 s clip from 0.4 s
    assert np.abs(x[:, 4800:9600]).max() > 0.1                          # the tone is there
    y = np.concatenate(list(pcm_chunks(str(clip), 0.4, [AudioRange(0.5, 0.7, "mute", id="r")])), axis=1)
    a, b = int(0.1 * RATE), int(0.3 * RATE)
    assert np.abs(y[:, a:b]).max() == 0 and np.abs(y[:, b + 100:b + 4800]).max() > 0.1


def test_sound_status_is_said(win):
    assert "decoded playback" in win.vlc_label.text()


HIDPI_SCRIPT = """
import sys, numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from app.player.frame_view import FrameView
from redaction.media import MediaSource
app = QApplication([])
ref = MediaSource(sys.argv[1]).frame(7)
v = FrameView()
v.setFixedSize(ref.shape[1] // 2, ref.shape[0] // 2)
v.show_overlays = False
v.show()
app.processEvents()
v.set_frame(7, ref)
pm = v.grab()
img = pm.toImage().convertToFormat(QImage.Format_RGB888)
a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
a = a[:, :img.width() * 3].reshape(img.height(), img.width(), 3)
print(pm.devicePixelRatio(), a.shape == ref.shape and bool(np.array_equal(a, ref)))
"""


def test_hidpi_screen_shows_the_frame_at_its_own_resolution(clip):
    """At 200 % (QT_SCALE_FACTOR=2) a 320x240 frame in a 160x120 (logical) view fills
    320x240 device pixels with the frame's own pixels; it was scaled to 160x120 and drawn
    magnified again, half the resolution a small plate needs."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    r = subprocess.run([sys.executable, "-c", HIDPI_SCRIPT, str(clip)], capture_output=True,
                       text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["2.0", "True"], r.stdout


def _goto(monkeypatch, win, text):
    from PySide6.QtWidgets import QInputDialog
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: (text, True)))
    win.a["goto"].trigger()


def test_go_to_a_time_on_a_variable_frame_rate_clip_lands_on_the_frame_shown_then(
        qtbot, monkeypatch, tmp_path):
    """1 s at 10 fps, 1 s at 30 fps, again (80 frames in 4 s, 20 fps on average): 2.5 s is
    frame 45 by the clip's timestamps; Go to took it as 2.5 x 20 = frame 50 (0.5 s later)."""
    from fractions import Fraction
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from redaction.synth import ClipSpec, write_clip
    path = write_clip(tmp_path / "vfr.mp4", ClipSpec(frames=80, time_base=Fraction(1, 90000),
                                                      vfr_pattern=[9000] * 10 + [3000] * 30))
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    assert w.open_path(path)
    media = w.doc.media
    assert media.info.vfr
    for text in ("2.5", "00:00:02.500", "0:2.5"):
        _goto(monkeypatch, w, text)
        assert w.doc.frame == media.index_at_time(2.5) == 45, text
        assert abs(media.time_of(w.doc.frame) - 2.5) < 0.1
    _goto(monkeypatch, w, "#12")                    # a frame index stays a frame index
    assert w.doc.frame == 12
    w.shutdown()


@pytest.mark.parametrize("text", ["abc", "1:2:x", "inf", "1e999"])
def test_go_to_text_naming_no_frame_says_so_in_one_line(qtbot, monkeypatch, win, text):
    """It was ignored without a word ('inf' and '1e999' raised OverflowError in the slot)."""
    win.doc.seek(7)
    _goto(monkeypatch, win, text)
    assert win.doc.frame == 7
    msg = win.statusBar().currentMessage()
    assert msg.startswith("Go to: not a frame index or timecode") and text in msg, msg
