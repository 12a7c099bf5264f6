"""The preferences file as it may be found: corrupt, or with values out of range or of the
wrong type. The window opens with the defaults for what it cannot use and says so in one
line; nothing crashes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from redaction.paths import config_dir

REPO = Path(__file__).resolve().parents[2]


def _write(text: str) -> Path:
    p = config_dir() / "gui-preferences.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_corrupt_file_gives_defaults_and_a_one_line_notice_in_the_window(qtbot, clip):
    from app.main_window import MainWindow
    from app.prefs import DEFAULT_REASONS, Preferences
    p = _write('{"theme": "high-contrast", "reasons": ["Bystander"')    # cut short
    prefs = Preferences.load()
    assert prefs.reasons == DEFAULT_REASONS and prefs.theme == "dark"
    w = MainWindow("alice", prefs, interactive=False)
    qtbot.addWidget(w)
    assert w.open_path(clip)      # as `bwv gui CLIP` starts: open, then show
    w.show()
    msg = w.statusBar().currentMessage()
    assert "\n" not in msg and str(p) in msg and "defaults" in msg, msg
    w.shutdown()


@pytest.mark.parametrize("doc, key", [
    ({"autosave_seconds": 99999999999}, "autosave_seconds"),   # crashed the window (overflow)
    ({"autosave_seconds": 0}, "autosave_seconds"),
    ({"short_track_frames": -4}, "short_track_frames"),
    ({"reasons": [1, 2]}, "reasons"),                          # not text: garbled the list
    ({"theme": "light"}, "theme"),
    ({"playback": "mpv"}, "playback"),
])
def test_bad_values_fall_back_to_their_defaults_and_are_named(doc, key):
    from app.prefs import Preferences
    _write(json.dumps({**doc, "organisation": "Wessex Police"}))
    prefs = Preferences.load()
    assert getattr(prefs, key) == getattr(Preferences(), key)
    assert prefs.organisation == "Wessex Police"            # the good values are kept
    assert key in prefs.notice and "\n" not in prefs.notice


def test_gui_starts_with_an_out_of_range_autosave(gui_clip, tmp_path):
    """`bwv gui` with autosave_seconds 99999999999 stopped with 'internal error: OverflowError'."""
    _write('{"autosave_seconds": 99999999999}')
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-m", "app", "gui", str(gui_clip), "--size", "1366x768",
                        "--screenshot", str(out)], capture_output=True, text=True, timeout=240,
                       cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.exists()
