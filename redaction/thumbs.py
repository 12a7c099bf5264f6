"""Small thumbnails for the GUI: a strip along the clip and crops of tracks (cancellable jobs).

Each job opens its own :class:`MediaSource` (one per thread). Strip thumbnails are
taken at keyframes (one decode each, no decoding forward), labelled with their exact
frame index. Both are shown as players show the clip: an anamorphic clip's pixels (not
square) are stretched across by its sample aspect ratio.
"""
from __future__ import annotations

import os
from typing import Iterable, Optional

import cv2
import numpy as np

from .jobs import CancelToken, Job, Progress
from .media import MediaSource
from .model import Box


def _small(rgb: np.ndarray, height: int, sar: float = 1.0) -> np.ndarray:
    """``rgb`` ``height`` pixels high, as wide as its pixels' aspect ``sar`` shows it."""
    h, w = rgb.shape[:2]
    tw = max(1, round(w * float(sar) * height / h))
    return cv2.resize(rgb, (tw, height), interpolation=cv2.INTER_AREA)


def strip_job(path: str | os.PathLike, count: int, height: int = 48,
              cancel: Optional[CancelToken] = None) -> Job:
    """Up to ``count`` thumbnails spread over the clip: returns [(frame_index, rgb)]."""
    cancel = cancel or CancelToken()
    src = MediaSource(path)
    try:
        n = src.frame_count
        wanted = sorted({src.index.keyframe_before(int(i)) for i in
                         np.linspace(0, n - 1, max(1, count))})
        out = []
        for k, i in enumerate(wanted):
            cancel.check()
            out.append((i, _small(src.frame(i), height, src.sample_aspect_ratio)))
            yield Progress(k + 1, len(wanted), "thumbnails")
        return out
    finally:
        src.close()


def crop(rgb: np.ndarray, box: Box, size: int = 48, sar: float = 1.0) -> np.ndarray:
    """A square-ish crop around ``box`` (with context, square as shown: ``sar`` is the
    pixels' aspect), ``size`` pixels high."""
    h, w = rgb.shape[:2]
    sar = float(sar)
    x, y, bw, bh = box
    cx, cy = x + bw / 2, y + bh / 2
    side = max(bw * sar, bh) * 1.3 + 4                  # in rows (shown pixels)
    x0, y0 = int(max(0, cx - side / sar / 2)), int(max(0, cy - side / 2))
    x1, y1 = int(min(w, cx + side / sar / 2)), int(min(h, cy + side / 2))
    if x1 <= x0 or y1 <= y0:
        return np.zeros((size, size, 3), np.uint8)
    return _small(np.ascontiguousarray(rgb[y0:y1, x0:x1]), size, sar)


def track_thumbs_job(path: str | os.PathLike, items: Iterable[tuple[str, int, Box]],
                     size: int = 48, cancel: Optional[CancelToken] = None) -> Job:
    """Crops for ``(key, frame, box)`` items: returns {key: rgb}."""
    cancel = cancel or CancelToken()
    items = sorted(items, key=lambda it: it[1])
    src = MediaSource(path)
    try:
        out = {}
        for k, (key, frame, box) in enumerate(items):
            cancel.check()
            out[key] = crop(src.frame(frame), box, size, src.sample_aspect_ratio)
            yield Progress(k + 1, len(items), "track thumbnails")
        return out
    finally:
        src.close()
