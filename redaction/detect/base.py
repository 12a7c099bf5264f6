"""The detector protocol. A detector is a callable; a combined detector is a detector too."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..model import Box


@dataclass(frozen=True)
class Detection:
    kind: str          # "face" | "plate" | ...
    box: Box           # tight (x, y, w, h) in image pixels, no redaction margin
    score: float       # 0..1
    # False for a *candidate*: scored below the detector's own threshold, reported only by a
    # detector built for video (``candidates=True``), where the tracker keeps it only when
    # it recurs over several detection frames (ADR 0008)
    sure: bool = True


@runtime_checkable
class Detector(Protocol):
    name: str
    kinds: tuple[str, ...]

    def __call__(self, image: np.ndarray) -> list[Detection]:
        """``image``: HxWx3 uint8 **RGB**. Returns detections in image pixels."""
        ...

    def models(self) -> list[dict]:
        """``[{"name": ..., "file": ..., "sha256": ...}]`` for the export manifest."""
        ...


def merged_models(members) -> list[dict]:
    """The ``models()`` of several detectors, each model once (a combined detector's list)."""
    seen, out = set(), []
    for m in members:
        for e in m.models():
            if e["name"] not in seen:
                seen.add(e["name"])
                out.append(e)
    return out


def tell_frame(detector, frame: int, fps: float, faces=None, cut: bool = False,
               plates=None) -> None:
    """Tell a video detector which frame its next call is on (and, on resume, which cached
    frames it was called on), for members that run only now and then (a periodic pass,
    :class:`~redaction.detect.extd.Periodic`, a full plan between lite ones).
    ``faces`` / ``plates``: the boxes ``(x, y, w, h)`` of the faces / plates the tracker
    follows now, for a lite plan that must not lose the small ones; ``cut``: the frame
    starts a new shot (a lite plan runs its full plan there). A detector without ``at_frame`` ignores it. The hint is for
    the next call only; a detector that takes hints is used by one thread at a time."""
    f = getattr(detector, "at_frame", None)
    if f is not None:
        f(int(frame), float(fps), faces=faces, cut=bool(cut), plates=plates)


def forget_hints(detector) -> None:
    """Drop a hint given by :func:`tell_frame` that no call used: the job replays a resumed
    run's cached frames through :func:`tell_frame` without calling the detector, and the
    last one must not reach the next call (a look's crop, in other coordinates)."""
    f = getattr(detector, "forget_hints", None)
    if f is not None:
        f()


class EveryPeriod:
    """Which detection frames are "due" for something run once every ``period_s`` seconds of
    video (a periodic pass, a full plan between lite ones). :meth:`due` is given each
    detection frame in order (the job's :func:`tell_frame`, also for cached frames on
    resume, so a resumed run picks the same frames): the first frame is due, then the first
    one at least a period after the last due one; a frame number not above the last due one
    (the next clip, for a detector reused across clips) starts again."""

    def __init__(self, period_s: float):
        self.period_s = float(period_s)
        self._last: int | None = None

    def due(self, frame: int, fps: float, force: bool = False) -> bool:
        """Whether ``frame`` is due (``force``: it is, e.g. a cut; the period restarts there).
        Frame numbers only increase within a clip, so one not above the last due one is
        another clip's (a detector reused by a batch worker)."""
        period = max(1, round(self.period_s * fps)) if fps > 0 else 1
        due = force or self._last is None or frame <= self._last or frame - self._last >= period
        if due:
            self._last = frame
        return due
