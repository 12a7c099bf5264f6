"""`bwv gui` without a display (issue 15): one line naming the screenshot command instead of
Qt's abort (exit 134); `--screenshot` renders offscreen by itself."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.launcher import no_display
from redaction.synth import ClipSpec, write_clip

from helpers import REPO


def _env(**kw):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(kw)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X/Wayland check is Linux's")
def test_no_display_reasons():
    assert "not set" in no_display({})
    assert "no X server on display :87" in no_display({"DISPLAY": ":87"}) \
        or os.path.exists("/tmp/.X11-unix/X87")
    assert no_display({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert no_display({"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert no_display({"DISPLAY": "remotehost:10.0"}) is None      # cannot tell: let Qt try


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X/Wayland check is Linux's")
def test_gui_without_display_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "app", "gui", str(tmp_path / "c.mp4")],
                       capture_output=True, text=True, timeout=60, cwd=REPO, env=_env())
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "no display" in lines[0] and f"bwv gui {tmp_path / 'c.mp4'} --screenshot" in lines[0]


@pytest.mark.gui
def test_screenshot_needs_no_display_setting(tmp_path):
    clip = tmp_path / "c.mp4"
    write_clip(clip, ClipSpec(width=320, height=240, frames=10))
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-m", "app", "gui", str(clip), "--size", "800x600",
                        "--screenshot", str(out)], capture_output=True, text=True, timeout=240,
                       cwd=REPO, env=_env())
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.stat().st_size > 1000
