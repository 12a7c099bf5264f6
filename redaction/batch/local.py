"""The default executor: a pool of worker processes on this PC (every core by default).

Each worker process builds the detector once (the pool's initializer) and runs
:func:`redaction.batch.worker.detect_clip` on the clips it is given; start and progress
events come back over a multiprocessing queue, the final event as the task's result.
Worker processes are started with ``spawn`` (as on Windows; no fork after the detectors'
threads) and stop by themselves when the process driving the batch dies: a watchdog
cancels the clip's job, whose per-clip cache is then flushed, so the next run resumes it.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator, Optional

from .worker import BatchItem, Event, detect_clip, detector_for

_q = None
_cancel = None


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.2)
        if os.getppid() != parent:
            _cancel.cancel()             # the job flushes its cache and stops
            time.sleep(5)
            os._exit(3)


def _init(kinds, preset, q, parent: int) -> None:
    global _q, _cancel
    from ..jobs import CancelToken
    _q, _cancel = q, CancelToken()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="bwv-batch-watchdog").start()
    detector_for(kinds, preset)          # once per worker process


def _run(item: BatchItem, settings) -> Event:
    return detect_clip(item, settings, _q.put, _cancel)


class LocalExecutor:
    """``workers`` processes (default: every core of this PC). A worker process that is
    lost (killed, out of memory, a crash in a decoder) breaks the whole pool: the clips
    that were running then are tried again one at a time, each alone in a fresh pool
    (resuming from its per-clip cache), so only a clip that loses its worker while running
    alone is charged for it (``RETRIES`` more times, then it fails); the clips running
    beside it and those not yet started are never charged, so one bad clip cannot fail the
    batch. ``task`` is what a worker runs per clip (tests replace it)."""

    RETRIES = 2                  # fresh attempts of a clip whose worker process was lost

    def __init__(self, workers: Optional[int] = None, task=None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.name = f"local ({self.workers} worker{'s' if self.workers != 1 else ''})"
        self.task = task or _run

    def run(self, items: list[BatchItem], settings) -> Iterator[Event]:
        if not items:
            return
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        lost: dict[int, int] = {}      # clip -> times its worker was lost while it ran alone
        suspects: set[int] = set()     # running when a shared pool broke: run alone next
        idle_breaks = 0                # pools broken with no clip started (cannot start)
        todo = list(items)
        try:
            while todo:
                alone = [it for it in todo if it.index in suspects][:1]
                batch = alone or todo
                started: set[int] = set()
                ended: set[int] = set()
                again: list[BatchItem] = []
                broke = None
                for ev in self._pool(batch, settings, ctx, q, 1 if alone else self.workers):
                    if isinstance(ev, tuple):                  # (item, BrokenProcessPool)
                        it, broke = ev
                        if it.index in started and (alone or len(started - ended) == 1):
                            lost[it.index] = lost.get(it.index, 0) + 1
                            if lost[it.index] > self.RETRIES:
                                suspects.discard(it.index)
                                yield Event("failed", it.index, error=(
                                    f"the worker process was lost {lost[it.index]} times "
                                    f"while running it (killed, out of memory or a crash)"))
                                continue
                        elif it.index in started:
                            suspects.add(it.index)             # which clip broke it is unknown
                        again.append(it)
                        continue
                    if ev.kind == "start":
                        started.add(ev.index)
                    elif ev.kind in ("done", "failed"):
                        suspects.discard(ev.index)
                        ended.add(ev.index)
                    yield ev
                if again and not started:
                    idle_breaks += 1
                    if idle_breaks > self.RETRIES:             # workers die before any clip
                        from .worker import describe_error
                        why = describe_error(broke) if broke else "no reason given"
                        for it in again:
                            yield Event("failed", it.index,
                                        error=f"the worker processes could not start: {why}")
                        return
                rest = [it for it in todo if it not in batch]
                todo = sorted(again + rest, key=lambda it: it.index)
        finally:
            q.close()

    def _pool(self, items: list[BatchItem], settings, ctx, q, workers: int) -> Iterator:
        """One pool over ``items``: their events, and ``(item, error)`` for each clip left
        unfinished when the pool broke."""
        pool = ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=ctx,
                                   initializer=_init,
                                   initargs=(settings.kinds, settings.preset, q, os.getpid()))
        futures = {pool.submit(self.task, it, settings): it for it in items}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                yield from _drain(q)
                for f in sorted(done, key=lambda f: futures[f].index):
                    it = futures[f]
                    try:
                        yield f.result()
                    except BrokenProcessPool as e:
                        yield (it, e)
                    except Exception as e:  # noqa: BLE001
                        from .worker import describe_error
                        yield Event("failed", it.index, error=describe_error(e))
            yield from _drain(q)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _drain(q) -> Iterator[Event]:
    while True:
        try:
            yield q.get_nowait()
        except queue_mod.Empty:
            return
