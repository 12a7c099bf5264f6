"""The library window shows a guessed capture time, a clip imported truncated, and what
retention holds (issue 13, attacks 6 and 7)."""
from __future__ import annotations

import datetime as dt
import os

import pytest

from redaction import access

from .test_store_gui import PASSWORDS, make_window, team  # noqa: F401

pytestmark = pytest.mark.gui


def test_library_shows_guessed_capture_time_and_held_clip(qtbot, team, tmp_path):  # noqa: F811
    from redaction.store import api
    from redaction.synth import ClipSpec, write_clip
    clip = write_clip(tmp_path / "untagged.mp4", ClipSpec(frames=10))
    t = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)).timestamp()
    os.utime(clip, (t, t))  # no capture time in the file: the file's mtime, 40 days ago
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    info = api.import_clip(clip, "INC-9", "dora")
    assert info["capture_guessed"]
    api.classify(info["id"], "non_evidential", "sam", reason="nothing of note")
    w = make_window(qtbot, "dora")
    lib = w.store.open_library()
    item = lib.tree.topLevelItem(0).child(0)
    assert item.text(2).endswith("(guessed)") and "modification time" in item.toolTip(2)
    assert item.text(4) == "held: capture time not confirmed"
    text = lib.retention.toPlainText()
    assert f"Held (due, but not erased): {info['id']} (capture time not confirmed)" in text
    w.shutdown()
