"""A plain-text progress bar for jobs on a terminal (quiet when not a TTY)."""
from __future__ import annotations

import sys
import time

from ..jobs import Progress


class ProgressBar:
    def __init__(self, label: str, stream=None, enabled: bool | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
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

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
