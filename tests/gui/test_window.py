"""Window state, the `bwv gui --screenshot` command, libvlc missing, bad input."""
from __future__ import annotations

import builtins
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]


def test_geometry_and_docks_persist(qtbot, clip):
    from app.main_window import MainWindow, settings
    from app.prefs import Preferences
    from redaction.paths import config_dir
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.resize(1400, 700)
    w.show()
    w.open_path(clip)
    w.dock_review.hide()
    w.close()
    ini = config_dir() / "gui-window.ini"
    assert ini.exists() and settings().value("geometry") is not None
    w2 = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w2)
    w2.show()
    assert (w2.width(), w2.height()) == (1400, 700)
    assert not w2.dock_review.isVisible()
    w2.close()


def test_gui_command_screenshot(gui_clip, tmp_path):
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-m", "app", "gui", str(gui_clip), "--frame", "20",
                        "--mode", "preview", "--size", "1366x768", "--screenshot", str(out)],
                       capture_output=True, text=True, timeout=240, cwd=REPO,
                       env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr[-2000:]
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1366, 768)


def test_gui_command_bad_clip_is_one_line(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    r = subprocess.run([sys.executable, "-m", "app", "gui", str(bad), "--screenshot",
                        str(tmp_path / "x.png")], capture_output=True, text=True, timeout=120,
                       cwd=REPO, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode != 0
    err = [line for line in r.stderr.splitlines() if line.startswith("bwv gui: error:")]
    assert len(err) == 1 and "broken.mp4" in err[0]
    assert not (tmp_path / "x.png").exists()


def test_window_opens_and_says_so_when_libvlc_is_missing(qtbot, monkeypatch, clip):
    real_import = builtins.__import__

    def no_vlc(name, *a, **kw):
        if name == "vlc":
            raise ImportError("No module named 'vlc'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_vlc)
    from app.main_window import MainWindow
    from app.prefs import Preferences
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(clip)
    assert w.vlc is None and "libvlc not found" in w.vlc_status
    assert "libvlc not found" in w.vlc_label.text()
    assert not w.a["play_sound"].isEnabled()
    w.a["play"].trigger()                                # decoded playback still works
    assert w.playback.playing and not w.playback.using_vlc
    w.a["play"].trigger()
    w.shutdown()


def test_changed_source_clip_is_flagged(qtbot, clip):
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from redaction.session import ProjectSession
    from redaction.project_io import default_project_path
    s = ProjectSession.create(clip, default_project_path(clip), "alice", sha256="0" * 64)
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(s.path)
    w.wait_idle()
    assert w.source_changed and "SOURCE CLIP HAS CHANGED" in w.view.banner
    w.shutdown()


CRASHER = r"""
import os, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.main_window import MainWindow
from app.prefs import Preferences
w = MainWindow("alice", Preferences(autosave_seconds=1), interactive=False)
w.show()
assert w.open_path(sys.argv[1])
w.doc.add_box((10, 10, 40, 40))
w.doc.add_box((100, 50, 30, 30))
from PySide6.QtCore import QElapsedTimer
t = QElapsedTimer(); t.start()
while t.elapsed() < 2500:
    app.processEvents()
os._exit(3)   # a crash: no save, no clean shutdown
"""


def test_crash_then_reopen_offers_recovery(qtbot, clip, tmp_path):
    import os
    script = tmp_path / "crash.py"
    script.write_text(CRASHER)
    r = subprocess.run([sys.executable, str(script), str(clip)], capture_output=True, text=True,
                       timeout=120, cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                                   "PYTHONPATH": str(REPO)})
    assert r.returncode == 3, r.stderr[-1500:]
    from app.main_window import MainWindow
    from app.prefs import Preferences
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    offered = []
    assert w.open_path(clip, ask_recover=lambda p: offered.append(p) or True)
    # every edit was logged before the crash: reopening rebuilds them from the edit log,
    # without asking and without losing the last seconds
    assert offered == [] and len(w.doc.project.tracks) == 2
    assert w.doc.session.recovered_edits == 2
    acts = [e["action"] for e in w.doc.session.log.verify()]
    assert acts.count("apply") == 2 and "recover_autosave" not in acts
    w.shutdown()
