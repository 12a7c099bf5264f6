"""GUI tests: pytest-qt, offscreen. Every test here is marked ``gui``."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from redaction.synth import ClipSpec, write_clip  # noqa: E402


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/gui" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session")
def gui_clip(tmp_path_factory):
    """320x240, 40 frames at 25 fps, stereo tone, with a capture time."""
    d = tmp_path_factory.mktemp("guiclips")
    return write_clip(d / "gui.mp4", ClipSpec(frames=40, width=320, height=240,
                                              metadata={"creation_time": "2024-03-01T10:00:00.000000Z"}))


@pytest.fixture
def clip(gui_clip, tmp_path):
    dst = tmp_path / "clip.mp4"
    dst.write_bytes(open(gui_clip, "rb").read())
    return dst


@pytest.fixture
def win(qtbot, clip):
    from app.main_window import MainWindow
    from app.prefs import Preferences
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    assert w.open_path(clip)
    qtbot.waitExposed(w)
    yield w
    w.shutdown()
