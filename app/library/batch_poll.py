"""The library follows a running batch: while the window is visible and some clip's batch
job is queued or running, the "Batch detection" cells of those clips are re-read every few
seconds (only their newest jobs, in a JobRunner of its own so a slow store never holds the
UI thread); polling stops when none is queued or running, or when the window is hidden."""
from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import QObject, QTimer

from ..worker import JobRunner

log = logging.getLogger("bwv.gui.library")

ACTIVE = ("queued", "running")
POLL_MS = 3000


def read_job(clip_ids: list, user: str):
    """A job (the runner drives generators): the clips' newest batch jobs."""
    from redaction import services
    return services.batch_states(clip_ids, user)
    yield  # noqa: unreachable - makes this a generator


class BatchPoll(QObject):
    def __init__(self, lib, interval_ms: int = POLL_MS):
        super().__init__(lib)
        self.lib = lib
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._read)
        self.runner.failed.connect(self._failed)

    def active(self) -> list[int]:
        """The clips whose batch job is queued or running, as last read."""
        return [x.id for c in self.lib.cases for x in c.clips
                if x.batch is not None and x.batch.status in ACTIVE]

    def follow(self) -> None:
        """Poll while the library is visible and a batch job is queued or running."""
        if self.lib.isVisible() and self.active():
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()

    def poll(self) -> None:
        ids = self.active()
        if not (self.lib.isVisible() and ids):
            self.timer.stop()
            return
        if not self.runner.busy:          # the last read has not come back: skip this tick
            user = self.lib.user
            self.runner.start("batch status", lambda cancel: read_job(ids, user))

    def _read(self, states) -> None:
        if states:
            cases = [dataclasses.replace(c, clips=tuple(
                dataclasses.replace(x, batch=states[x.id]) if x.id in states else x
                for x in c.clips)) for c in self.lib.cases]
            self.lib.cases = cases
            self.lib.clips_view.show_batch({x.id: x for c in cases for x in c.clips
                                            if x.id in states})
        self.follow()

    def _failed(self, msg: str) -> None:
        self.timer.stop()                 # Refresh reads it again (and restarts the poll)
        log.warning("batch status not read: %s", msg)
        self.lib.say(f"Batch status not updated: {msg}")

    def shutdown(self) -> None:
        self.timer.stop()
        self.runner.shutdown()
