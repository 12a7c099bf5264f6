"""One JobRunner: runs any :mod:`redaction.jobs` generator on a QThread.

The job is created *inside* the worker thread by a factory ``factory(cancel)`` so
that engine objects that are not thread-safe (MediaSource) belong to that thread.
Signals are delivered on the GUI thread: ``progress(Progress)``, ``finished(result)``,
``failed(message)`` (one line; the traceback goes to the log) and ``cancelled()``.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal, Slot

from redaction.errors import BwvError, Cancelled
from redaction.jobs import CancelToken, Job

log = logging.getLogger("bwv.gui.worker")

JobFactory = Callable[[CancelToken], Job]


class _Worker(QObject):
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, name: str, factory: JobFactory, cancel: CancelToken, min_interval: float):
        super().__init__()
        self.name, self.factory, self.cancel = name, factory, cancel
        self.min_interval = min_interval

    @Slot()
    def run(self) -> None:
        last = 0.0
        try:
            job = self.factory(self.cancel)
            while True:
                try:
                    p = next(job)
                except StopIteration as stop:
                    self.finished.emit(stop.value)
                    return
                now = time.monotonic()
                if now - last >= self.min_interval or p.done >= p.total:
                    last = now
                    self.progress.emit(p)
                if self.cancel.cancelled:
                    job.close()
                    raise Cancelled()
        except Cancelled:
            self.cancelled.emit()
        except BwvError as e:
            log.warning("job %s failed: %s", self.name, e)
            self.failed.emit(str(e))
        except Exception as e:  # a bug: full traceback in the log, one line for the user
            log.exception("job %s crashed", self.name)
            self.failed.emit(f"{self.name} failed: {type(e).__name__}: {e}")


class JobRunner(QObject):
    """Runs one job at a time off the GUI thread."""
    started = Signal(str)
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    idle = Signal()

    def __init__(self, parent: Optional[QObject] = None, min_interval: float = 0.05):
        super().__init__(parent)
        self.min_interval = min_interval
        self._thread: Optional[QThread] = None
        self._worker: Optional[_Worker] = None
        self._cancel: Optional[CancelToken] = None
        self.name = ""
        self.last_result: Any = None
        self.last_error: Optional[str] = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, name: str, factory: JobFactory) -> bool:
        """Start ``factory(cancel)`` in the worker thread; False if a job is running."""
        if self.busy:
            return False
        self.name = name
        self.last_result, self.last_error = None, None
        self._cancel = CancelToken()
        thread = QThread()
        thread.setObjectName(f"job:{name}")
        worker = _Worker(name, factory, self._cancel, self.min_interval)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self.progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self._thread, self._worker = thread, worker
        thread.start()
        self.started.emit(name)
        return True

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def wait(self, ms: int = 30000) -> bool:
        """Process events until the job has ended and its signals were delivered (tests,
        screenshots, shutdown). True if it ended within ``ms``."""
        deadline = time.monotonic() + ms / 1000
        while self.busy and time.monotonic() < deadline:
            t = self._thread
            if t is not None:
                t.wait(20)
            QCoreApplication.processEvents(QEventLoop.AllEvents, 20)
            # the worker's queued finished/failed signals are posted events: deliver them
            # explicitly (a frozen build was seen not to within processEvents(flags, ms))
            QCoreApplication.sendPostedEvents()
        return not self.busy

    def _end(self) -> None:
        thread = self._thread
        self._thread, self._worker, self._cancel = None, None, None
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()
        self.idle.emit()

    def _on_finished(self, result: Any) -> None:
        self.last_result = result
        self._end()
        self.finished.emit(result)

    def _on_failed(self, msg: str) -> None:
        self.last_error = msg
        self._end()
        self.failed.emit(msg)

    def _on_cancelled(self) -> None:
        self.last_error = "cancelled"
        self._end()
        self.cancelled.emit()

    def shutdown(self) -> None:
        """Cancel and join the job (its result is dropped)."""
        self.cancel()
        t = self._thread
        if t is not None:
            self.wait(10000)
        t = self._thread
        if t is not None:  # the job ignored cancellation: stop its thread's event loop
            t.quit()
            t.wait(10000)
