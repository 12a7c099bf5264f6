"""Looks: the detector run on a window round a lost track's predicted box, between full passes.

A track the last full detection run missed while it was predicted inside the picture (a face
behind a passer-by, a plate blurred by a turn) is held by the tracker, moving with the
camera and its own motion; if the prediction drifts, the held box leaves the object. A
*look* searches a window round the predicted box on the frames between full runs, upscaled
(a small face that the full-frame pass scores 0.1-0.3 is found at 2-3x: ADR 0008,
"objects the detector never finds"), with only the lost track's kind's detector. A match
re-anchors the track at once instead of at the next full run, or the one after.

**Off by default** (``DetectSettings.looks``): on the leak check they did not lower the
leaked frames (most leaks are objects the detector never finds, which a look round a track
cannot reach) and re-anchoring moved some tracks off their objects in fast pans; ADR 0008,
"Looks", has the figures. ``bench/leak_check.py --looks`` measures them again.

A look costs a window of a few times the box, at most :data:`LOOK_SIDE` px on its longer
side (a small part of a 1080p frame's pixels; its speed was not measured, since looks stay
off). Looks are budgeted by :class:`Looker`: while a track is lost in view, one look every
:data:`LOOK_EVERY` frames, at most :data:`MAX_WINDOWS` windows a frame, and in all at most
:data:`LOOK_BUDGET` windows per full run so far (plus a start credit).
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Optional

import cv2
import numpy as np

from .base import Detection

LOOK_SIDE = 384          # a window is resized so its longer side is at most this (px) ...
LOOK_MAX_UP = 3.0        # ... and enlarged at most this much (small faces: 2-3x finds them)
LOOK_EVERY = 2           # frames between looks while a track is lost in view
MAX_WINDOWS = 3          # windows per look frame (the most recently lost tracks first)
LOOK_BUDGET = 1.0        # look windows per full detection run so far, at most ...
LOOK_CREDIT = 6          # ... plus this many to start with
SEARCH = 1.5             # the window: the predicted box plus this many box sizes each way ...
SEARCH_LOST = 1.0        # ... plus this many per second the track has been lost (capped at 1 s)
MIN_WINDOW = 64          # px, a window's smallest side
MAX_REACH = 4.0          # the object's own motion widens the window by at most this many box sizes


class Want(NamedTuple):
    """A lost track's request for a look: its kind, predicted box on this frame (x, y, w, h),
    how long it has been lost (s) and how far (px) its own motion may have taken it from the
    prediction (it may have stopped or turned)."""
    kind: str
    box: tuple
    lost_s: float
    reach: float = 0.0


def window(want: Want, width: int, height: int) -> Optional[tuple[int, int, int, int]]:
    """The window ``(x0, y0, x1, y1)`` searched for ``want``, inside the picture, or None
    when too little of it is inside."""
    x, y, w, h = want.box
    size = max(w, h, 8.0)
    r = size * (SEARCH + SEARCH_LOST * min(1.0, want.lost_s)) + min(want.reach, MAX_REACH * size)
    x0, y0 = max(0, int(x - r)), max(0, int(y - r))
    x1, y1 = min(width, int(np.ceil(x + w + r))), min(height, int(np.ceil(y + h + r)))
    if x1 - x0 < MIN_WINDOW // 2 or y1 - y0 < MIN_WINDOW // 2:
        return None
    # at least MIN_WINDOW each way where the picture allows
    if x1 - x0 < MIN_WINDOW:
        x0, x1 = max(0, min(x0, width - MIN_WINDOW)), min(width, max(x1, x0 + MIN_WINDOW))
    if y1 - y0 < MIN_WINDOW:
        y0, y1 = max(0, min(y0, height - MIN_WINDOW)), min(height, max(y1, y0 + MIN_WINDOW))
    return x0, y0, x1, y1


def member_for(detector, kind: str):
    """The part of ``detector`` that finds ``kind`` (itself, or a MultiDetector's member),
    or None."""
    if tuple(getattr(detector, "kinds", ())) == (kind,):
        return detector
    return next((m for m in getattr(detector, "members", ())
                 if tuple(getattr(m, "kinds", ())) == (kind,)), None)


def look(detector, rgb: np.ndarray, wants: list[Want]) -> tuple[list, list[Detection]]:
    """Run ``detector``'s member for each want's kind on its window of ``rgb``.

    Returns ``(windows, detections)``: the windows searched (``[kind, x0, y0, x1, y1]``) and
    the sure detections found in them, in frame pixels (boxes whose centre lies in the
    window and not cut by its inner edges; the same kind only)."""
    H, W = rgb.shape[:2]
    wins, out = [], []
    for want in wants:
        det = member_for(detector, want.kind)
        win = window(want, W, H)
        if det is None or win is None:
            continue
        x0, y0, x1, y1 = win
        crop = rgb[y0:y1, x0:x1]
        s = min(LOOK_MAX_UP, LOOK_SIDE / max(x1 - x0, y1 - y0))
        nw, nh = max(16, round((x1 - x0) * s)), max(16, round((y1 - y0) * s))
        if (nw, nh) != (x1 - x0, y1 - y0):
            crop = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_LINEAR if s > 1 else cv2.INTER_AREA)
        sx, sy = nw / (x1 - x0), nh / (y1 - y0)
        wins.append([want.kind, x0, y0, x1, y1])
        for d in det(np.ascontiguousarray(crop)):
            if d.kind != want.kind or not d.sure:
                continue           # only what the detector is sure of re-anchors a track:
                # upscaled windows raise more candidates on texture (ADR 0008, "Looks")
            bx, by, bw, bh = d.box
            box = (x0 + bx / sx, y0 + by / sy, bw / sx, bh / sy)
            if _cut_by_window(box, win, W, H):
                continue           # a part of an object at the window's edge: not its box
            cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
            if x0 <= cx < x1 and y0 <= cy < y1:
                out.append(Detection(d.kind, box, d.score, d.sure))
    return wins, _dedupe(out)


def _cut_by_window(box, win, width: int, height: int, tol: float = 1.5) -> bool:
    """Whether ``box`` touches a side of the window ``win`` that is not the picture's edge."""
    x, y, w, h = box
    x0, y0, x1, y1 = win
    return ((x0 > 0 and x <= x0 + tol) or (y0 > 0 and y <= y0 + tol)
            or (x1 < width and x + w >= x1 - tol) or (y1 < height and y + h >= y1 - tol))


def _dedupe(dets: list[Detection]) -> list[Detection]:
    """Overlapping windows find the same object twice: keep the better-scored box."""
    from ..track import iou
    dets = sorted(dets, key=lambda d: (d.sure, d.score), reverse=True)
    kept: list[Detection] = []
    for d in dets:
        if all(k.kind != d.kind or iou(k.box, d.box) < 0.5 for k in kept):
            kept.append(d)
    return kept


class Looker:
    """When to look: decided from what has been seen up to the frame (a resumed run replays
    the cached records through :meth:`seen`, so it decides the same way), within the budget."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.full_runs = 0
        self.windows = 0
        self.last_look: Optional[int] = None
        self.last_full: Optional[int] = None

    def seen(self, rec) -> None:
        """Feed every frame record (also those replayed from the cache)."""
        if rec.detections is not None:
            self.full_runs += 1
            self.last_full = rec.frame
        if rec.looks:
            self.windows += len(rec.looks)
            self.last_look = rec.frame

    def due(self, frame: int, wants: Callable[[], list[Want]]) -> list[Want]:
        """The wants to look for on ``frame`` (not a full detection frame), or []."""
        if not self.enabled or self.last_full is None or frame <= self.last_full:
            return []
        if self.last_look is not None and self.last_look > self.last_full and \
                frame - self.last_look < LOOK_EVERY:
            return []
        left = LOOK_BUDGET * self.full_runs + LOOK_CREDIT - self.windows
        if left < 1:
            return []
        ws = sorted((Want(*w) for w in wants()), key=lambda w: w.lost_s)
        return ws[:min(MAX_WINDOWS, int(left))]
