"""A clip's first audio stream decoded once to 16 kHz mono float32, on the clip's timeline.

Sample 0 is the time of the first video frame (the project's time base), so a word's time
in the transcript is a time on the same axis as audio ranges (seconds from frame 0).
"""
from __future__ import annotations

import os
from typing import Optional

import av
import numpy as np

from ..errors import MediaError
from ..jobs import CancelToken, Job, Progress
from ..media import open_container, timeline_origin

RATE = 16000


def decode_job(path: str | os.PathLike, cancel: Optional[CancelToken] = None) -> Job:
    """Yield Progress (milliseconds read); return float32 samples at :data:`RATE`, or None
    when the clip has no audio stream."""
    cancel = cancel or CancelToken()
    c = open_container(path)
    try:
        if not c.streams.audio:
            return None
        a = c.streams.audio[0]
        v0 = timeline_origin(path)   # frame 0, as the export places the sound
        dur = float(c.duration / av.time_base) if c.duration else 0.0
        res = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        chunks: list[np.ndarray] = []
        pos: Optional[int] = None
        drop = 0          # samples still to drop: audio before the first frame is not on
                          # the timeline (across as many resampled chunks as it takes)

        def put(rf) -> None:
            nonlocal pos, drop
            x = rf.to_ndarray().reshape(-1).astype(np.float32)
            if pos is None:
                t = float(rf.pts * rf.time_base) - v0 if rf.pts is not None else 0.0
                pos = int(round(t * RATE))
                if pos > 0:      # audio starts after the first frame: silence first
                    chunks.append(np.zeros(pos, np.float32))
                elif pos < 0:
                    drop = -pos
            if drop:
                cut = min(drop, x.size)
                x = x[cut:]
                drop -= cut
            if x.size:
                chunks.append(x)

        k = 0
        try:
            for frame in c.decode(a):
                for rf in res.resample(frame):
                    put(rf)
                k += 1
                if k % 200 == 0:
                    cancel.check()
                    t = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
                    yield Progress(int(t * 1000), int(dur * 1000) or 1, "reading audio")
            for rf in res.resample(None):
                put(rf)
        except av.error.FFmpegError as e:
            raise MediaError(f"cannot decode audio ({e})", path) from None
        return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    finally:
        c.close()
