"""The Ray executor: the same batch on a Ray cluster (a force server or several PCs).

Each clip is one Ray task, a call of :meth:`DetectActor.detect` on one of the batch's
actors; an actor builds the detector once (one actor per CPU of the cluster by default)
and runs :func:`redaction.batch.worker.detect_clip`, the function the local workers run.
Ray's own :class:`~ray.util.actor_pool.ActorPool` hands the clips to idle actors, and a
:class:`ray.util.queue.Queue` carries start and progress events back; nothing here
schedules or queues work itself. A lost worker (process killed, node gone) is Ray's to
recover: the actor is restarted (``max_restarts``) and the clip's task retried on it
(``max_task_retries``); the clip resumes from the per-clip cache when the retry lands on
the same machine. A clip that outlives its actor's restarts fails (named by the batch), and
the pool, which leaves a dead actor out, is given a fresh one so the other clips still run. Results come back to the driver as the task's return value and go
through the same code as the local executor's (:class:`redaction.batch.BatchRun`).

Shared storage: every node must read the clips at the same path (an SMB/NFS share of the
force network mounted alike everywhere); nothing is uploaded, the driver sends paths.
"""
from __future__ import annotations

import time
from typing import Iterator, Optional

from .worker import BatchItem, Event, describe_error, detect_clip, detector_for

RETRIES = 3                     # restarts of a lost actor, and retries of its clip


class DetectActor:
    """One per worker slot: the detector is built once, in the constructor."""

    def __init__(self, kinds, preset, events):
        self.events = events
        detector_for(kinds, preset)

    def _report(self, ev: Event) -> None:
        try:
            self.events.put_nowait(ev)
        except Exception:  # noqa: BLE001 - progress is best effort; the result is not
            pass

    def detect(self, item: BatchItem, settings) -> Event:
        return detect_clip(item, settings, self._report)

    def pid(self) -> int:
        import os
        return os.getpid()


class RayExecutor:
    def __init__(self, address: str, workers: Optional[int] = None, retries: int = RETRIES):
        self.address, self.workers, self.retries = address, workers, retries
        self.name = f"ray {address}"
        self.actors: list = []

    def run(self, items: list[BatchItem], settings) -> Iterator[Event]:
        if not items:
            return
        try:
            import ray
            from ray.util.actor_pool import ActorPool
            from ray.util.queue import Queue
        except ImportError:
            from ..errors import BwvError
            raise BwvError("the Ray executor needs the 'ray' package (pip install "
                           "'bwv-workstation[cluster]')") from None
        own = not ray.is_initialized()
        if own:
            ray.init(address=self.address, log_to_driver=False, logging_level="WARNING",
                     configure_logging=False)
        events = Queue(actor_options={"num_cpus": 0})
        try:
            n = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            n = min(n, len(items))
            actor = ray.remote(num_cpus=1, max_restarts=self.retries,
                               max_task_retries=self.retries)(DetectActor)
            def new_actor():
                return actor.remote(tuple(settings.kinds), settings.preset, events)
            self.actors = [new_actor() for _ in range(n)]
            pool = ActorPool(self.actors)
            for it in items:
                pool.submit(lambda a, v: a.detect.remote(v, settings), it)
            finished: set[int] = set()
            lost: list[str] = []
            while pool.has_next():
                ev = None
                try:
                    ev = pool.get_next_unordered(timeout=0.2)
                except TimeoutError:
                    pass
                except ray.exceptions.RayError as e:      # retries used up: which clip is
                    lost.append(describe_error(e).splitlines()[0])   # known at the end
                    if isinstance(e, ray.exceptions.ActorDiedError):
                        # the pool leaves a dead actor out: a fresh one keeps the batch's
                        # slots (with none left, the clips not yet started never would)
                        self.actors.append(new_actor())
                        pool.push(self.actors[-1])
                yield from _drain(events)
                if ev is not None:
                    finished.add(ev.index)
                    yield ev
            time.sleep(0.1)
            yield from _drain(events)
            for it in items:
                if it.index not in finished:
                    yield Event("failed", it.index,
                                error=f"the Ray worker was lost {self.retries + 1} times: "
                                      + ("; ".join(lost) or "no result"))
        finally:
            for a in self.actors:
                ray.kill(a, no_restart=True)
            self.actors = []
            try:
                events.shutdown()
            except Exception:  # noqa: BLE001
                pass
            if own:
                ray.shutdown()


def _drain(q) -> Iterator[Event]:
    n = q.qsize()
    if n:
        yield from q.get_nowait_batch(n)
