"""Progress of a job on the CLI: a bar redrawn in place on a terminal; when stderr is piped
or redirected (a log, CI, ``2>&1 | tee``), a plain line every few seconds instead
(``BWV_PROGRESS_INTERVAL_S``, default 5), and a closing line if any was written, so a
short job stays silent and a long one visibly moves."""
from __future__ import annotations

import os
import sys
import time

from ..jobs import Progress


def _interval() -> float:
    try:
        return max(0.0, float(os.environ.get("BWV_PROGRESS_INTERVAL_S", "5")))
    except ValueError:
        return 5.0


class ProgressBar:
    def __init__(self, label: str, stream=None, enabled: bool | None = None,
                 interval_s: float | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self.enabled = True if enabled is None else enabled
        self.interval = _interval() if interval_s is None else interval_s
        self._last = 0.0
        self._start = time.monotonic()
        self._lines = 0
        self._final: Progress | None = None
        self._written = -1

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        if not self.tty:
            self._line(p)
            return
        now = time.monotonic()
        if now - self._last < 0.1 and p.done < p.total:
            return
        self._last = now
        width = 30
        filled = int(width * p.fraction)
        eta = f" ETA {p.eta_s:5.0f}s" if p.eta_s is not None else ""
        msg = f" {p.message}" if p.message else ""
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                          f"{p.done}/{p.total}{eta}{msg}\x1b[K")
        self.stream.flush()

    def _line(self, p: Progress) -> None:
        self._final = p
        now = time.monotonic()
        if now - max(self._last, self._start) < self.interval:
            return
        self._last = now
        self._write(p)

    def _write(self, p: Progress) -> None:
        eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
        msg = f" {p.message}" if p.message else ""
        self.stream.write(f"{self.label}: {p.done}/{p.total} ({p.fraction * 100:.0f} %{eta})"
                          f"{msg}\n")
        self.stream.flush()
        self._lines += 1
        self._written = p.done

    def close(self) -> None:
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        elif self._lines and self._final is not None and self._final.done != self._written:
            self._write(self._final)
