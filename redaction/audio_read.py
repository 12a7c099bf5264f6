"""Decoded audio as a peak envelope for the GUI's waveform lane (a cancellable job)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import av
import numpy as np

from .errors import MediaError
from .jobs import CancelToken, Job, Progress
from .media import open_container, timeline_origin


@dataclass
class Envelope:
    """Per bucket of ``bucket_s`` seconds (from the first video frame): min and max of mono samples."""
    peaks: np.ndarray      # n x 2 float32 in [-1, 1]
    bucket_s: float
    duration_s: float


def envelope_job(path: str | os.PathLike, bucket_s: float = 0.02,
                 cancel: Optional[CancelToken] = None) -> Job:
    """Decode the first audio stream once; return an :class:`Envelope` (None if no audio)."""
    cancel = cancel or CancelToken()
    c = open_container(path)
    try:
        if not c.streams.audio:
            return None
        a = c.streams.audio[0]
        v0 = timeline_origin(path)   # frame 0, as the export places the sound
        dur = float(c.duration / av.time_base) if c.duration else 0.0
        rate = 8000
        res = av.AudioResampler(format="flt", layout="mono", rate=rate)
        per = max(1, int(round(bucket_s * rate)))
        n = max(1, int(dur / bucket_s) + 2)
        lo = np.zeros(n, np.float32)
        hi = np.zeros(n, np.float32)
        pos = None
        k = 0
        try:
            for frame in c.decode(a):
                for rf in res.resample(frame):
                    x = rf.to_ndarray().reshape(-1)
                    if pos is None:
                        pos = int(round((float(rf.pts * rf.time_base) - v0) * rate)) if rf.pts is not None else 0
                    _accumulate(lo, hi, x, pos, per)
                    pos += x.size
                k += 1
                if k % 200 == 0:
                    cancel.check()
                    t = float(frame.pts * frame.time_base) if frame.pts is not None else 0
                    yield Progress(int(t * 1000), int(dur * 1000) or 1, "reading audio")
        except av.error.FFmpegError as e:
            raise MediaError(f"cannot decode audio ({e})", path) from None
        used = max(1, -(-(pos or 0) // per))
        return Envelope(np.stack([lo[:used], hi[:used]], axis=1), per / rate, (pos or 0) / rate)
    finally:
        c.close()


def _accumulate(lo: np.ndarray, hi: np.ndarray, x: np.ndarray, pos: int, per: int) -> None:
    if pos < 0:
        x = x[-pos:]
        pos = 0
    if not x.size:
        return
    b = pos // per
    idx = (np.arange(x.size) + pos) // per
    last = min(int(idx[-1]), lo.size - 1)
    keep = idx <= last
    x, idx = x[keep], idx[keep]
    np.minimum.at(lo, idx, x)
    np.maximum.at(hi, idx, x)
    del b
