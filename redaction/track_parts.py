"""The tracker's parts that hold no tracker state: a live track's record, box overlap and
the keyframe helpers (redaction/track.py)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .model import Box, Keyframe

@dataclass
class _Live:
    id: str
    kind: str
    boxes: dict[int, Box] = field(default_factory=dict)   # detection frames -> box
    scores: dict[int, float] = field(default_factory=dict)
    last_frame: int = 0
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))    # world px / frame
    size_rate: float = 0.0         # d log(size) / frame (approaching > 0)
    hits: int = 0
    first_frame: int = 0
    sure: bool = False             # at least one detection at the detector's own threshold
    last_sure: bool = True         # the last detection was sure (not a candidate)
    smeared: set = field(default_factory=set)   # detection frames whose size was not measured
    doubtful: set = field(default_factory=set)  # detection frames matched to a candidate
    stitched: set = field(default_factory=set)  # (a, b): detection frames joined by the stitch gate
    confirmed: set = field(default_factory=set)  # ... of those, the ones the next detection continues
    rule_at: set = field(default_factory=set)    # detection frames of candidates that count alone

    @property
    def rule_hits(self) -> int:
        """Candidates that count alone (day_rules, dark_rules)."""
        return len(self.rule_at)

    @property
    def last_box(self) -> Box:
        return self.boxes[self.last_frame]


def iou(a: Box, b: Box) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0.0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0



def _union(boxes: list) -> Box:
    """The smallest box holding every box of ``boxes``."""
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


def _log_ratio(box: Box, ref: Box, scale: float) -> float:
    """log of ``box``'s size over ``ref``'s size times ``scale`` (the camera's zoom between
    them): the object's own growth."""
    return math.log(max(1e-9, math.sqrt(box[2] * box[3]))
                    / max(1e-9, math.sqrt(ref[2] * ref[3]) * scale))


def _thin(keys: list[Keyframe], tol: float, fixed: set[int], max_run: int = 48) -> list[Keyframe]:
    """The fewest keyframes whose linear interpolation reproduces every dropped keyframe's box
    without leaving any of it uncovered (a quarter pixel at most, rounding) and without
    being more than ``tol`` px larger on any side (detection frames in ``fixed`` are always
    kept; a keyframe is kept at least every ``max_run``, which bounds the cost)."""
    n = len(keys)
    if n <= 2:
        return keys
    frames = np.array([k.frame for k in keys], float)
    boxes = np.array([k.box for k in keys], float)
    edges = np.column_stack([boxes[:, 0], boxes[:, 1], boxes[:, 0] + boxes[:, 2],
                             boxes[:, 1] + boxes[:, 3]])

    def fits(i: int, j: int) -> bool:
        r = ((frames[i + 1:j] - frames[i]) / (frames[j] - frames[i]))[:, None]
        lin = edges[i] + (edges[j] - edges[i]) * r
        d = lin - edges[i + 1:j]                     # >0: the interpolated edge lies further right/down
        inside = (d[:, :2] <= 0.25).all() and (d[:, 2:] >= -0.25).all()
        snug = (d[:, :2] >= -tol).all() and (d[:, 2:] <= tol).all()
        return bool(inside and snug)

    out, i = [keys[0]], 0
    while i < n - 1:
        j = i + 1
        while (j + 1 < n and keys[j].frame not in fixed and j + 1 - i <= max_run
               and fits(i, j + 1)):
            j += 1
        out.append(keys[j])
        i = j
    return out

