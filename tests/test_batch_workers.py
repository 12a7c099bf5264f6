"""The local executor when a worker process is lost (killed, out of memory, a decoder crash):
only the clips it was running are affected, they are tried again on a fresh worker, and the
clips not yet started are never charged for it."""
from __future__ import annotations

import os
from pathlib import Path

from redaction.batch.local import LocalExecutor
from redaction.batch.worker import BatchItem, Event
from redaction.detect.job import DetectSettings

from test_batch import make_clips

FAST = DetectSettings(kinds=("face",), preset="fast")


def crash_on_poison(item: BatchItem, settings) -> Event:
    """A worker task that kills its own process on any clip named ``poison*`` (as a decoder
    crash or the out-of-memory killer would), and otherwise does the real work."""
    from redaction.batch import local
    if item.name.startswith("poison"):
        local._q.put(Event("start", item.index, "w"))
        import time
        time.sleep(0.5)              # the start event reaches the driver first
        os._exit(9)
    return local._run(item, settings)


def _items(paths: list[Path]) -> list[BatchItem]:
    return [BatchItem(i, str(p), p.name, p.stat().st_size, p.stat().st_mtime_ns)
            for i, p in enumerate(paths)]


def test_a_clip_that_kills_its_worker_fails_alone_and_the_others_run(tmp_path):
    clips = make_clips(tmp_path / "clips", 3, frames=20)
    poison = clips[1].with_name("poison.mp4")
    clips[1].rename(poison)
    items = _items([clips[0], poison, clips[2]])
    events = list(LocalExecutor(1, task=crash_on_poison).run(items, FAST))
    final = {e.index: e for e in events if e.kind in ("done", "failed")}
    assert sorted(final) == [0, 1, 2]
    assert final[0].kind == "done" and final[2].kind == "done", final
    assert final[1].kind == "failed" and "worker process was lost" in final[1].error
    starts = [e.index for e in events if e.kind == "start"]
    assert starts.count(1) == LocalExecutor.RETRIES + 1      # tried again, then given up
    assert starts.count(0) == 1 and starts.count(2) == 1


def test_workers_that_cannot_start_fail_every_clip_once_with_the_reason(tmp_path):
    clips = make_clips(tmp_path / "clips", 2, frames=10)
    bad = DetectSettings(kinds=("no-such-kind",), preset="fast")
    events = list(LocalExecutor(1).run(_items(clips), bad))
    assert [e.kind for e in events] == ["failed", "failed"]
    assert all("worker" in e.error for e in events), events


def test_a_clip_running_beside_one_that_kills_its_worker_is_not_charged(tmp_path):
    """Two workers: the pool breaks for both clips running; each is tried again alone, so
    only the clip that kills its worker while alone fails (the healthy one running beside it
    was charged the same losses and failed with it)."""
    clips = make_clips(tmp_path / "clips", 3, frames=150)
    poison = clips[0].with_name("poison.mp4")
    clips[0].rename(poison)
    items = _items([poison, clips[1], clips[2]])
    events = list(LocalExecutor(2, task=crash_on_poison).run(items, FAST))
    final = {e.index: e for e in events if e.kind in ("done", "failed")}
    assert final[0].kind == "failed" and "worker process was lost" in final[0].error
    assert final[1].kind == "done" and final[2].kind == "done", final
