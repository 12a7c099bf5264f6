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


def estimate_motion(prev: Optional[np.ndarray], cur: np.ndarray,
                    scale: float) -> Optional[tuple[float, float, float, float]]:
    """The similarity transform from ``prev`` to ``cur`` (small uint8 grey frames, ``scale``
    full-frame pixels per small pixel), in full-frame pixels.

    Sparse Lucas-Kanade flow on textured corners, kept where forwards and backwards agree,
    then a RANSAC fit of scale + rotation + translation. It is accepted only when enough
    points agree with it and those points are spread over the picture (not one moving
    object), and when it is plausible for a camera between two frames (scale within 12 %,
    rotation within 6 degrees). None when it cannot tell (too little texture, no consensus,
    an implausible fit): the camera's motion on that frame is unknown, which the tracker
    treats like a fast pan (held boxes are not trusted to follow it).
    """
    if prev is None or prev.shape != cur.shape:
        return IDENTITY                  # the first frame: nothing moved yet
    import cv2
    found = _points(prev, cur)
    if found is None:
        return None
    p0, p1 = found
    m, inl = cv2.estimateAffinePartial2D(p0, p1, method=cv2.RANSAC, ransacReprojThreshold=0.75,
                                         maxIters=500, confidence=0.995)
    if m is None or inl is None:
        return None
    inl = inl.ravel().astype(bool)
    if inl.sum() < 12 or inl.mean() < 0.4 or _spread(p0[inl], cur.shape) < 0.3:
        return None
    a, b = float(m[0, 0]), float(m[1, 0])
    s, rot = math.hypot(a, b), math.degrees(math.atan2(b, a))
    if not 0.88 < s < 1.12 or abs(rot) > 6:
        return None
    if abs(s - 1) < 0.002 and abs(rot) < 0.05:
        # below what two small frames can resolve: a pure translation (no scale drift)
        d = (p1[inl] - p0[inl]).mean(axis=0)
        return (1.0, 0.0, float(d[0]) * scale, float(d[1]) * scale)
    # to full-frame pixels: the linear part is unchanged, the translation scales
    return (a, b, float(m[0, 2]) * scale, float(m[1, 2]) * scale)


def camera_motion(prev: Optional[np.ndarray], cur: np.ndarray,
                  scale: float) -> tuple[float, float, float, float]:
    """:func:`estimate_motion`, with a still camera where it cannot tell."""
    m = estimate_motion(prev, cur, scale)
    return IDENTITY if m is None else m


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


SEGMENT = 128      # frames per anchor of the camera path (bounds the accumulated drift)


class CameraPath:
    """The camera's motion over the frames seen, for mapping boxes between two frames.

    Only *relative* transforms are used (``relative(src, dst)``: frame ``src``'s pixels to
    frame ``dst``'s), and they are chained from per-segment anchors: each frame keeps its
    transform from its segment's anchor (a frame every :data:`SEGMENT` frames), and each
    anchor its transform from the previous anchor. A product accumulated over a whole shot
    would drift without bound (walking forwards zooms in on every frame: scale 1.003 a frame
    is 10^8 after 100 minutes), losing the precision that boxes need."""

    def __init__(self):
        self._C: dict[int, tuple[int, np.ndarray]] = {}   # frame -> (segment, anchor->frame)
        self._T: list[np.ndarray] = []                     # segment -> previous anchor->anchor
        self._last: Optional[tuple[int, np.ndarray]] = None
        self._in_seg = 0

    def add(self, frame: int, motion: Sequence[float], cut: bool = False) -> None:
        """Append ``frame`` with the camera's ``motion`` since the previous frame (a cut:
        no motion carried over)."""
        if self._last is None:
            self._T.append(np.eye(3))
            seg, c, self._in_seg = 0, np.eye(3), 0
        else:
            seg, prev = self._last
            c = prev if cut else matrix(motion) @ prev
            if self._in_seg >= SEGMENT:
                self._T.append(c)            # the new anchor, seen from the previous one
                seg, c, self._in_seg = seg + 1, np.eye(3), 0
        self._in_seg += 1
        self._C[frame] = (seg, c)
        self._last = (seg, c)

    def prune(self, before: int) -> None:
        """Forget frames before ``before`` (the anchors, one per :data:`SEGMENT` frames,
        stay): memory stays bounded however long the clip."""
        for k in list(self._C):
            if k >= before:
                break
            del self._C[k]

    def __contains__(self, frame: int) -> bool:
        return frame in self._C

    def relative(self, src: int, dst: int) -> np.ndarray:
        """3x3 map from frame ``src``'s pixels to frame ``dst``'s (both seen)."""
        si, ci = self._C[src]
        sj, cj = self._C[dst]
        if si > sj:
            return _inv(self.relative(dst, src))
        chain = np.eye(3)
        for k in range(si + 1, sj + 1):
            chain = self._T[k] @ chain
        return cj @ chain @ _inv(ci)

    def map_box(self, box: Box, src: int, dst: int, grow: float = 0.0) -> Box:
        """``box`` of frame ``src`` on frame ``dst`` (held box: see :func:`place`)."""
        x, y, w, h = box
        return place(self.relative(src, dst), np.array([x + w / 2, y + h / 2]),
                     np.array([w, h]), grow)


def _inv(m: np.ndarray) -> np.ndarray:
    """Inverse of a similarity (closed form)."""
    a, b, tx, ty = m[0, 0], m[1, 0], m[0, 2], m[1, 2]
    d = a * a + b * b
    ia, ib = a / d, -b / d
    return np.array([[ia, -ib, -(ia * tx - ib * ty)], [ib, ia, -(ib * tx + ia * ty)], [0, 0, 1.0]])


def scale_of(m: np.ndarray) -> float:
    return math.hypot(m[0, 0], m[1, 0])


def place(m: np.ndarray, centre: np.ndarray, size: np.ndarray, grow: float = 0.0) -> Box:
    """The axis-aligned box holding the box (``centre``, ``size``; axis-aligned in the source
    frame) mapped by the similarity ``m``: moved, scaled, and turned by its rotation (the
    box returned holds the turned box), then grown by ``grow`` of its size on every side."""
    p = m @ np.array([centre[0], centre[1], 1.0])
    s = scale_of(m)
    cos, sin = abs(m[0, 0]) / max(s, 1e-12), abs(m[1, 0]) / max(s, 1e-12)
    w, h = float(size[0]) * s, float(size[1]) * s
    bw, bh = (cos * w + sin * h) * (1 + 2 * grow), (sin * w + cos * h) * (1 + 2 * grow)
    return (float(p[0] - bw / 2), float(p[1] - bh / 2), float(bw), float(bh))
