"""The library window shows each clip's latest `bwv batch detect` job (column and tip)."""
from __future__ import annotations

import pytest

from redaction import access

from .test_store_gui import PASSWORDS, held_clip, make_window, team  # noqa: F401

pytestmark = pytest.mark.gui


def library_with_a_queued_job(qtbot, held_clip, executor: str):
    """A batch job queued for the held clip, and dora's library open on the clips tab:
    (window, library, job id)."""
    from redaction.store import batchjobs, db
    with db.open_store().session() as s:
        job = batchjobs.queue(s, "b1", [{"path": "/share/clip.mp4", "clip_id": held_clip["id"]}],
                              settings_key="k", executor=executor, user="dora")[0]
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    return w, w.store.open_library(0), job


def test_library_shows_each_clips_batch_job(qtbot, team, held_clip):  # noqa: F811
    from redaction.store import batchjobs, db
    w, lib, job = library_with_a_queued_job(qtbot, held_clip, "ray head:6379")
    clip = lib.tree.topLevelItem(0).child(0)
    col = [lib.tree.headerItem().text(i) for i in range(lib.tree.columnCount())].index("Batch detection")
    assert clip.text(col) == "queued"
    with db.open_store().session() as s:
        batchjobs.update(s, job, started=True, worker="node2:4242")
        batchjobs.update(s, job, started=True, worker="node3:77")
    lib.refresh()
    clip = lib.tree.topLevelItem(0).child(0)
    assert clip.text(col) == "running (attempt 2)"
    with db.open_store().session() as s:
        batchjobs.update(s, job, "failed", error="MediaError: not a video\nmore")
    lib.refresh()
    clip = lib.tree.topLevelItem(0).child(0)
    assert clip.text(col) == "failed: MediaError: not a video"
    assert "Worker node3:77, attempt(s) 2" in clip.toolTip(col)
    assert "ray head:6379" in clip.toolTip(col)
    w.shutdown()
