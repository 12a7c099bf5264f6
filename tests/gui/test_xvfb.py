"""A real X window (Xvfb): the workstation opens, renders, and its screenshot is kept
as a test artefact under artifacts/ (git-ignored)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


def _free_display() -> int:
    for n in range(91, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    pytest.skip("no free X display number")


@pytest.fixture
def xserver():
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0)")
    n = _free_display()
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.skip("Xvfb did not start")
    yield f":{n}"
    proc.terminate()
    proc.wait(10)


def test_real_window_screenshot(xserver, gui_clip, tmp_path):
    out = REPO / "artifacts" / "gui-xvfb-1366x768.png"
    out.unlink(missing_ok=True)
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb"}
    r = subprocess.run([sys.executable, "-m", "app", "gui", str(gui_clip), "--frame", "12",
                        "--mode", "edit", "--size", "1366x768", "--screenshot", str(out)],
                       capture_output=True, text=True, env=env, timeout=240, cwd=REPO)
    if r.returncode != 0 and "could not connect to display" in r.stderr + r.stdout:
        pytest.skip("Qt cannot use the xcb platform here (missing libxcb packages)")
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.exists() and out.stat().st_size > 10_000
    from PySide6.QtGui import QImage
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1366, 768)


def test_disclosure_flow_in_a_real_x_window(xserver):
    """The whole disclosure flow (requests, four-eyes approval, export for a request, the
    register, retention review, import, switch user, log out) driven through the real
    widgets on a real X server, not only Qt's offscreen platform."""
    if os.environ.get("BWV_IN_XVFB_FLOW"):
        pytest.skip("already inside the X-window run")
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "BWV_IN_XVFB_FLOW": "1"}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/gui/test_disclosure_flow.py"],
                       capture_output=True, text=True, env=env, timeout=300, cwd=REPO)
    if r.returncode != 0 and "could not connect to display" in r.stderr + r.stdout:
        pytest.skip("Qt cannot use the xcb platform here (missing libxcb packages)")
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert " passed" in r.stdout and "failed" not in r.stdout
