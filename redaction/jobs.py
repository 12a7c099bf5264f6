"""Long jobs are generators that yield :class:`Progress` and honour a :class:`CancelToken`.

The CLI iterates a job with a progress bar; the GUI iterates the very same generator
in its single worker thread. The job's result is the generator's return value
(``StopIteration.value``), which :func:`run_job` hands back.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Optional

from .errors import Cancelled


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    message: str = ""
    extra: dict = field(default_factory=dict)
    eta_s: Optional[float] = None

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


Job = Generator[Progress, None, Any]


class CancelToken:
    """Thread-safe cooperative cancellation flag."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class EtaClock:
    """Estimates the remaining time of a job from its rate so far."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.t0 = time.monotonic()

    def eta(self, done: int) -> Optional[float]:
        if done <= 0 or self.total <= 0:
            return None
        elapsed = time.monotonic() - self.t0
        return elapsed / done * max(0, self.total - done)


def run_job(job: Job, on_progress: Optional[Callable[[Progress], None]] = None) -> Any:
    """Drive a job to completion and return its result."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(p)
