"""The library's "Batch detection" column follows a running batch without Refresh: a light
poll while the window is visible and some clip's job is queued or running; it stops when
none is (or the window is hidden)."""
from __future__ import annotations

import pytest

from .test_library_batch import library_with_a_queued_job
from .test_store_gui import held_clip, team  # noqa: F401

pytestmark = pytest.mark.gui


def test_the_batch_column_follows_the_batch_without_refresh(qtbot, team, held_clip):  # noqa: F811
    from redaction.store import batchjobs, db
    w, lib, job = library_with_a_queued_job(qtbot, held_clip, "local")
    poll = lib.batch_poll
    assert poll.timer.isActive()                      # a job is queued: it polls
    poll.timer.setInterval(50)
    col = [lib.tree.headerItem().text(i) for i in range(lib.tree.columnCount())].index(
        "Batch detection")
    assert lib.select_clip(held_clip["id"])
    item = lib.tree.currentItem()
    assert item.text(col) == "queued"
    with db.open_store().session() as s:             # a worker picks it up
        batchjobs.update(s, job, started=True, worker="node2:1")
    qtbot.waitUntil(lambda: item.text(col) == "running", timeout=5000)
    assert "Worker node2:1" in item.toolTip(col)
    with db.open_store().session() as s:
        batchjobs.update(s, job, "done", tracks=3)
    qtbot.waitUntil(lambda: item.text(col) == "done: 3 track(s)", timeout=5000)
    assert lib.clip(held_clip["id"]).batch.status == "done"
    qtbot.waitUntil(lambda: not poll.timer.isActive(), timeout=5000)   # nothing runs: stops
    assert lib.tree.currentItem() is item                              # selection kept
    # a new batch: Refresh starts the poll again; hiding the window stops it
    with db.open_store().session() as s:
        batchjobs.queue(s, "b2", [{"path": "/share/clip.mp4", "clip_id": held_clip["id"]}],
                        settings_key="k2", executor="local", user="dora")
    lib.refresh()
    assert poll.timer.isActive()
    lib.hide()
    assert not poll.timer.isActive()
    w.shutdown()
