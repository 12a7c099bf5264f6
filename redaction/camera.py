"""Camera motion for tracking: per-frame similarity transforms and the camera's path.

A chest-mounted camera pans (a wearer turning: 1,000 px/s and more), rolls, zooms (walking
towards people) and shakes. :func:`camera_motion` estimates, from two small grey frames, the
similarity transform (scale, rotation, translation) that maps the previous frame's pixels to
the current frame's, robustly (RANSAC over textured points tracked forwards and backwards),
so people and cars moving through part of the picture do not pull it. :class:`CameraPath`
accumulates these transforms over a shot and maps boxes between any two frames, which is
how tracks, held boxes and in-between frames follow the camera (ADR 0008).

A motion is ``(a, b, tx, ty)``: ``x' = a*x - b*y + tx``, ``y' = b*x + a*y + ty`` in full-frame
pixels; a 2-tuple ``(tx, ty)`` is a pure translation.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

from .model import Box

IDENTITY = (1.0, 0.0, 0.0, 0.0)


def as_motion(m: Sequence[float]) -> tuple[float, float, float, float]:
    if len(m) == 2:
        return (1.0, 0.0, float(m[0]), float(m[1]))
    a, b, tx, ty = (float(v) for v in m)
    return (a, b, tx, ty)


def matrix(m: Sequence[float]) -> np.ndarray:
    a, b, tx, ty = as_motion(m)
    return np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])


def _points(prev: np.ndarray, cur: np.ndarray):
    import cv2
    pts = cv2.goodFeaturesToTrack(prev, maxCorners=200, qualityLevel=0.01, minDistance=6)
    if pts is None or len(pts) < 12:
        return None
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, winSize=(21, 21), maxLevel=4)
    if nxt is None:
        return None
    back, st2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, nxt, None, winSize=(21, 21), maxLevel=4)
    fb = np.linalg.norm((back - pts).reshape(-1, 2), axis=1)
    ok = (st.ravel() == 1) & (st2.ravel() == 1) & (fb < 0.7)
    if ok.sum() < 12:
        return None
    return pts.reshape(-1, 2)[ok], nxt.reshape(-1, 2)[ok]


def _spread(p: np.ndarray, shape) -> float:
    return float((np.ptp(p, axis=0) / np.array([shape[1], shape[0]])).min())


def camera_motion(prev: Optional[np.ndarray], cur: np.ndarray, scale: float) -> tuple[float, float, float, float]:
    """The similarity transform from ``prev`` to ``cur`` (small uint8 grey frames, ``scale``
    full-frame pixels per small pixel), in full-frame pixels.

    Sparse Lucas-Kanade flow on textured corners, kept where forwards and backwards agree,
    then a RANSAC fit of scale + rotation + translation. It is accepted only when enough
    points agree with it and those points are spread over the picture (not one moving
    object), and when it is plausible for a camera between two frames (scale within 12 %,
    rotation within 6 degrees); otherwise the camera is taken as still.
    """
    if prev is None or prev.shape != cur.shape:
        return IDENTITY
    import cv2
    found = _points(prev, cur)
    if found is None:
        return IDENTITY
    p0, p1 = found
    m, inl = cv2.estimateAffinePartial2D(p0, p1, method=cv2.RANSAC, ransacReprojThreshold=0.75,
                                         maxIters=500, confidence=0.995)
    if m is None or inl is None:
        return IDENTITY
    inl = inl.ravel().astype(bool)
    if inl.sum() < 12 or inl.mean() < 0.4 or _spread(p0[inl], cur.shape) < 0.3:
        return IDENTITY
    a, b = float(m[0, 0]), float(m[1, 0])
    s, rot = math.hypot(a, b), math.degrees(math.atan2(b, a))
    if not 0.88 < s < 1.12 or abs(rot) > 6:
        return IDENTITY
    if abs(s - 1) < 0.002 and abs(rot) < 0.05:
        # below what two small frames can resolve: a pure translation (no scale drift)
        d = (p1[inl] - p0[inl]).mean(axis=0)
        return (1.0, 0.0, float(d[0]) * scale, float(d[1]) * scale)
    # to full-frame pixels: the linear part is unchanged, the translation scales
    return (a, b, float(m[0, 2]) * scale, float(m[1, 2]) * scale)


def camera_shift(prev: Optional[np.ndarray], cur: np.ndarray, scale: float) -> tuple[float, float]:
    """The translation part of :func:`camera_motion` at the picture's centre."""
    a, b, tx, ty = camera_motion(prev, cur, scale)
    if prev is None:
        return (0.0, 0.0)
    cx, cy = cur.shape[1] * scale / 2, cur.shape[0] * scale / 2
    return (a * cx - b * cy + tx - cx, b * cx + a * cy + ty - cy)


def is_cut(prev: Optional[np.ndarray], cur: np.ndarray, motion_small: Sequence[float] = IDENTITY,
           hist_threshold: float = 0.5, diff_threshold: float = 35.0) -> bool:
    """A hard cut: histograms barely correlate, or the motion-compensated difference is huge.
    ``motion_small``: the camera motion in the small frames' pixels."""
    if prev is None:
        return False
    import cv2
    h1 = cv2.calcHist([prev], [0], None, [32], [0, 256])
    h2 = cv2.calcHist([cur], [0], None, [32], [0, 256])
    if cv2.compareHist(h1, h2, cv2.HISTCMP_CORREL) < hist_threshold:
        return True
    m = matrix(motion_small)[:2].astype(np.float32)
    warped = cv2.warpAffine(prev, m, (prev.shape[1], prev.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    b = max(8, int(round(max(abs(m[0, 2]), abs(m[1, 2])))) + 2)  # ignore the borders it uncovered
    if 2 * b >= min(prev.shape):
        return False
    diff = cv2.absdiff(warped[b:-b, b:-b], cur[b:-b, b:-b])
    return float(diff.mean()) > diff_threshold


def small_motion(m: Sequence[float], scale: float) -> tuple[float, float, float, float]:
    a, b, tx, ty = as_motion(m)
    return (a, b, tx / scale, ty / scale)


def speed_px(m: Sequence[float], width: float, height: float) -> float:
    """How far the camera moved the picture between two frames: the largest displacement
    of the picture's centre and corners, in pixels (pan, roll and zoom together)."""
    a, b, tx, ty = as_motion(m)
    pts = np.array([[width / 2, height / 2], [0, 0], [width, 0], [0, height], [width, height]])
    moved = np.stack([a * pts[:, 0] - b * pts[:, 1] + tx, b * pts[:, 0] + a * pts[:, 1] + ty], 1)
    return float(np.linalg.norm(moved - pts, axis=1).max())


class CameraPath:
    """The camera's accumulated motion over the frames seen: ``C[f]`` maps the coordinates
    of the shot's first frame (the "world") to frame ``f``'s. A cut starts a new shot."""

    def __init__(self):
        self.C: dict[int, np.ndarray] = {}
        self._last: Optional[np.ndarray] = None

    def add(self, frame: int, motion: Sequence[float], cut: bool = False) -> None:
        if self._last is None or cut:
            c = np.eye(3)
        else:
            c = matrix(motion) @ self._last
        self.C[frame] = c
        self._last = c

    def at(self, frame: int) -> np.ndarray:
        c = self.C.get(frame)
        if c is None:
            return self._last if self._last is not None else np.eye(3)
        return c

    def relative(self, src: int, dst: int) -> np.ndarray:
        """3x3 map from frame ``src``'s pixels to frame ``dst``'s."""
        return self.at(dst) @ np.linalg.inv(self.at(src))

    def to_world(self, frame: int, box: Box) -> tuple[np.ndarray, np.ndarray]:
        """(centre, size) of ``box`` of ``frame`` in world coordinates."""
        inv = np.linalg.inv(self.at(frame))
        x, y, w, h = box
        c = inv @ np.array([x + w / 2, y + h / 2, 1.0])
        s = math.hypot(inv[0, 0], inv[1, 0])
        return c[:2], np.array([w, h]) * s

    def angle(self, frame: int) -> float:
        c = self.at(frame)
        return math.atan2(c[1, 0], c[0, 0])

    def from_world(self, frame: int, centre: np.ndarray, size: np.ndarray,
                   grow: float = 0.0, ref: Optional[int] = None) -> Box:
        """The axis-aligned box of frame ``frame`` holding a world box, grown by ``grow`` of
        its size on every side. ``ref``: the frame on which the box was axis-aligned; the
        camera's roll since then turns it, and the box returned holds the turned box."""
        c = self.at(frame)
        p = c @ np.array([centre[0], centre[1], 1.0])
        s = math.hypot(c[0, 0], c[1, 0])
        turn = self.angle(frame) - (self.angle(ref) if ref is not None else 0.0)
        cos, sin = abs(math.cos(turn)), abs(math.sin(turn))
        w, h = size * s
        bw, bh = cos * w + sin * h, sin * w + cos * h
        bw, bh = bw * (1 + 2 * grow), bh * (1 + 2 * grow)
        return (float(p[0] - bw / 2), float(p[1] - bh / 2), float(bw), float(bh))

    def map_box(self, box: Box, src: int, dst: int, grow: float = 0.0) -> Box:
        centre, size = self.to_world(src, box)
        return self.from_world(dst, centre, size, grow, ref=src)
