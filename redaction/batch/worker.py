"""What a worker does with one clip, the same in a local worker process and in a Ray actor:
build the detector once per process, run :func:`redaction.detect.job.detect_job` (its
per-clip cache resumes a clip a killed worker had started), and hand back an :class:`Event`.

Workers only read the clip (from storage every worker can see) and write the per-clip
detection cache of the machine they run on; projects and the store are written by the
machine driving the batch (:mod:`redaction.batch`).
"""
from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..errors import BwvError
from ..jobs import CancelToken, run_job

PROGRESS_EVERY_S = 0.5          # a worker reports a clip's progress at most this often

_detectors: dict = {}


@dataclass(frozen=True)
class BatchItem:
    """One clip of a batch. ``path`` is absolute, as every worker sees it (shared storage)."""
    index: int
    path: str
    name: str
    size: int = 0
    mtime_ns: int = 0
    sha256: Optional[str] = None        # known for a store clip; else the worker hashes it
    clip_id: Optional[int] = None       # the store's clip
    project: Optional[str] = None       # where the driver writes the project


@dataclass
class Event:
    """start | progress | done | failed, for the clip ``index`` (pickled across processes)."""
    kind: str
    index: int
    worker: str = ""
    done: int = 0
    total: int = 0
    sha256: Optional[str] = None
    result: object = None               # DetectResult when done
    error: str = ""
    extra: dict = field(default_factory=dict)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def detector_for(kinds, preset: str):
    """The detector of this process, built on first use (once per worker)."""
    key = (tuple(kinds), preset)
    if key not in _detectors:
        from ..detect.factory import build_detector
        _detectors.clear()
        _detectors[key] = build_detector(tuple(kinds), preset, candidates=True)
    return _detectors[key]


def describe_error(e: BaseException) -> str:
    if isinstance(e, BwvError):
        return str(e)
    if isinstance(e, OSError) and e.filename:
        from ..fsutil import describe_os_error
        return f"{e.filename}: {describe_os_error(e)}"
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def detect_clip(item: BatchItem, settings, report: Callable[[Event], None],
                cancel: Optional[CancelToken] = None) -> Event:
    """Detect on one clip; returns the final event (done with the DetectResult, or failed
    with the error). ``report`` receives start and progress events."""
    from ..detect.job import detect_job
    from ..fsutil import sha256_file
    who = worker_name()
    report(Event("start", item.index, who))
    try:
        # the file is hashed even when the store gave its sha256: evidence that changed
        # since import is refused, never detected and recorded under the old hash
        sha = sha256_file(item.path)
        if item.sha256 and sha != item.sha256:
            from ..errors import IntegrityError
            raise IntegrityError(f"sha256 {sha[:12]}... does not match the "
                                 f"{item.sha256[:12]}... recorded for this clip (changed)",
                                 item.path)
        det = detector_for(settings.kinds, settings.preset)
        last = [0.0]

        def on_progress(p) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or p.done >= p.total:
                last[0] = now
                report(Event("progress", item.index, who, p.done, p.total, sha256=sha,
                             extra={"tracks": p.extra.get("tracks", 0)}))

        res = run_job(detect_job(item.path, settings, cancel, detector=det, sha256=sha),
                      on_progress)
        return Event("done", item.index, who, res.frames, res.frames, sha256=sha, result=res)
    except Exception as e:  # noqa: BLE001 - one clip's failure is recorded, the batch goes on
        return Event("failed", item.index, who, sha256=item.sha256, error=describe_error(e))
