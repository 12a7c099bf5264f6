"""Tracking: detections on every k-th frame -> fail-secure tracks with keyframes.

Pure numpy; fed one frame record at a time (so progress can report tracks found):

- **Camera motion.** Each frame's global shift (phase correlation on a small grey copy, see
  :func:`camera_shift`) is accumulated; predictions and held boxes follow it, which is what
  makes a chest-mounted camera's shake tolerable.
- **Association.** Predicted boxes (last box + own velocity + camera motion) are matched to
  detections greedily by IoU, falling back to centre distance relative to size (shake).
- **Candidates.** A video detector also reports boxes scored below its own threshold
  (``Detection.sure`` False). They join tracks like any detection (so a face whose score dips
  stays one track), but a track made of candidates only is kept when it has at least
  ``confirm_hits`` of them: a small face the detector is unsure of on every frame is still
  proposed when it recurs in the same place, while one-off low scores are dropped.
- **Fail-secure hold.** A track that loses its detection is held, moving with the camera, for
  ``hold_s`` seconds (default 1.0, at least 0.5) with a margin growing with the time lost,
  before it ends. Symmetrically, a new track is **pre-held** for ``hold_s`` before its first
  detection (back to the shot's first frame at most): the detector may have missed the object
  on the detection frames before it found it, so those frames are covered too, extrapolated
  back along the object's and the camera's motion with the same growing margin. A cut resets
  tracking (no hold across a cut).
- **Gaps.** Between detection frames boxes are interpolated, plus the camera's residual motion.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .model import Box, Keyframe, Track


@dataclass
class TrackerSettings:
    hold_s: float = 1.0            # fail-secure hold after the last detection (and pre-hold before the first)
    hold_growth: float = 0.5       # extra margin per second lost (fraction of box size)
    min_iou: float = 0.15
    max_centre_dist: float = 1.0   # in box sizes, for matches without overlap (shake)
    gate_px_per_s: float = 480.0   # ... or this many px per second since the previous detection run
                                   # (16 px a frame at 30 fps; per second, so a 12.5 fps clip's
                                   # moving plate is not split into a new track every run)
    min_hits: int = 1              # detections needed to keep a track (1 = recall first)
    confirm_hits: int = 3          # ... when none of them is sure (candidates only, ADR 0008)
    residual_px: float = 2.0       # add an in-between keyframe when camera residual exceeds this


@dataclass
class FrameRecord:
    frame: int
    shift: tuple[float, float]                  # camera motion since the previous frame (px)
    cut: bool = False
    detections: Optional[list] = None           # list[Detection] on detection frames, else None


@dataclass
class _Live:
    id: str
    kind: str
    boxes: dict[int, Box] = field(default_factory=dict)   # detection frames -> box
    scores: dict[int, float] = field(default_factory=dict)
    last_frame: int = 0
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    hits: int = 0
    first_frame: int = 0
    sure: bool = False             # at least one detection at the detector's own threshold

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


def camera_shift(prev: Optional[np.ndarray], cur: np.ndarray, scale: float) -> tuple[float, float]:
    """Global translation (full-frame pixels) from ``prev`` to ``cur`` (small uint8 grey frames).

    Sparse Lucas-Kanade flow on textured corners, checked forwards and backwards, then the
    median vector, accepted only when enough points agree with it: robust to people and cars
    moving through part of the picture and to flat surfaces (asphalt, walls) that give no
    reliable flow; without a consensus spread over the picture the camera is taken as still.
    """
    if prev is None or prev.shape != cur.shape:
        return (0.0, 0.0)
    import cv2
    pts = cv2.goodFeaturesToTrack(prev, maxCorners=120, qualityLevel=0.01, minDistance=5)
    if pts is None or len(pts) < 12:
        return (0.0, 0.0)
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, winSize=(15, 15), maxLevel=3)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, nxt, None, winSize=(15, 15), maxLevel=3)
    fb = np.linalg.norm((back - pts).reshape(-1, 2), axis=1)
    ok = (st.ravel() == 1) & (st2.ravel() == 1) & (fb < 0.5)
    if ok.sum() < 12:
        return (0.0, 0.0)
    d = (nxt - pts).reshape(-1, 2)[ok]
    med = np.median(d, axis=0)
    agree = np.linalg.norm(d - med, axis=1) < 1.0
    if agree.mean() < 0.4:
        return (0.0, 0.0)
    # the agreeing points must be spread over the picture, not one moving object
    p_ok = pts.reshape(-1, 2)[ok][agree]
    spread = np.ptp(p_ok, axis=0) / np.array([cur.shape[1], cur.shape[0]])
    if spread.min() < 0.3:
        return (0.0, 0.0)
    dx, dy = d[agree].mean(axis=0)
    return (float(dx) * scale, float(dy) * scale)


def is_cut(prev: Optional[np.ndarray], cur: np.ndarray, shift_small=(0.0, 0.0),
           hist_threshold: float = 0.5, diff_threshold: float = 35.0) -> bool:
    """A hard cut: histograms barely correlate, or the motion-compensated difference is huge."""
    if prev is None:
        return False
    import cv2
    h1 = cv2.calcHist([prev], [0], None, [32], [0, 256])
    h2 = cv2.calcHist([cur], [0], None, [32], [0, 256])
    if cv2.compareHist(h1, h2, cv2.HISTCMP_CORREL) < hist_threshold:
        return True
    m = np.float32([[1, 0, shift_small[0]], [0, 1, shift_small[1]]])
    warped = cv2.warpAffine(prev, m, (prev.shape[1], prev.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    b = 8  # ignore the borders the shift uncovered
    diff = cv2.absdiff(warped[b:-b, b:-b], cur[b:-b, b:-b])
    return float(diff.mean()) > diff_threshold


class Tracker:
    def __init__(self, fps: float, settings: TrackerSettings = TrackerSettings(),
                 id_prefix: str = "a"):
        self.fps = fps
        self.s = settings
        self.hold_frames = max(1, int(round(max(0.5, settings.hold_s) * fps)))
        self.prefix = id_prefix
        self.live: list[_Live] = []
        self.done: list[_Live] = []
        self.cam: dict[int, np.ndarray] = {}     # frame -> cumulative camera offset
        self.cuts: set[int] = set()
        self._cam = np.zeros(2)
        self._n = 0
        self._prev_det: Optional[int] = None     # the previous detection frame of this shot
        self._shot_start: Optional[int] = None   # first frame of the current shot (pre-hold limit)
        self.last_frame = -1

    def _kept(self, t: _Live) -> bool:
        """Recall first: one sure detection keeps a track; candidates alone must recur."""
        return t.hits >= self.s.min_hits and (t.sure or t.hits >= self.s.confirm_hits)

    @property
    def track_count(self) -> int:
        return sum(1 for t in self.live + self.done if self._kept(t))

    def update(self, rec: FrameRecord) -> None:
        f = rec.frame
        self._cam = self._cam + np.asarray(rec.shift, float)
        self.cam[f] = self._cam.copy()
        self.last_frame = f
        if self._shot_start is None:
            self._shot_start = f
        if rec.cut:
            self._shot_start = f
            self.cuts.add(f)
            self.done.extend(self.live)
            self.live = []
            self._prev_det = None
        if rec.detections is not None:
            self._associate(f, rec.detections)
            self._prev_det = f
        # end tracks held for too long
        still = []
        for t in self.live:
            (self.done if f - t.last_frame >= self.hold_frames else still).append(t)
        self.live = still

    def _predict(self, t: _Live, f: int) -> Box:
        x, y, w, h = t.last_box
        dcam = self.cam.get(f, self._cam) - self.cam.get(t.last_frame, self._cam)
        dx, dy = t.velocity * (f - t.last_frame) + dcam
        return (x + dx, y + dy, w, h)

    def _associate(self, f: int, dets: list) -> None:
        # how far an object may have moved beyond its prediction: frames since the previous
        # detection run, not since the track's last match, so that a track lost for a while
        # does not reach ever further and take over another object (a wrong join leaves both
        # uncovered between them; a split is harmless: the hold and the pre-hold cover it)
        step = f - self._prev_det if self._prev_det is not None else 1
        pairs = []
        for ti, t in enumerate(self.live):
            p = self._predict(t, f)
            for di, d in enumerate(dets):
                if d.kind != t.kind:
                    continue
                o = iou(p, d.box)
                if o < self.s.min_iou:
                    cx = (p[0] + p[2] / 2) - (d.box[0] + d.box[2] / 2)
                    cy = (p[1] + p[3] / 2) - (d.box[1] + d.box[3] / 2)
                    size = max(p[2], p[3], d.box[2], d.box[3])
                    gate = max(self.s.max_centre_dist * size,
                               self.s.gate_px_per_s / self.fps * max(1, min(step, f - t.last_frame)))
                    dist = (cx * cx + cy * cy) ** 0.5
                    ratio = max(p[2], d.box[2]) / max(1e-6, min(p[2], d.box[2]))
                    if dist > gate or ratio > 2.0:
                        continue
                    o = 0.01 * (1 - dist / gate)
                pairs.append((o, ti, di))
        pairs.sort(reverse=True)
        used_t, used_d = set(), set()
        for o, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            t, d = self.live[ti], dets[di]
            gap = f - t.last_frame
            if gap > 0:
                dcam = self.cam[f] - self.cam.get(t.last_frame, self.cam[f])
                moved = np.array([d.box[0] - t.last_box[0], d.box[1] - t.last_box[1]]) - dcam
                t.velocity = 0.5 * t.velocity + 0.5 * moved / gap
            t.boxes[f] = tuple(float(v) for v in d.box)
            t.scores[f] = float(d.score)
            t.last_frame = f
            t.hits += 1
            t.sure = t.sure or getattr(d, "sure", True)
        for di, d in enumerate(dets):
            if di in used_d:
                continue
            self._n += 1
            # fail-secure pre-hold: the object may have been missed on earlier detection frames
            start = max(self._shot_start, f - self.hold_frames)
            t = _Live(f"{self.prefix}{self._n}", d.kind, {f: tuple(float(v) for v in d.box)},
                      {f: float(d.score)}, f, hits=1, first_frame=start,
                      sure=getattr(d, "sure", True))
            self.live.append(t)

    # -- output -------------------------------------------------------------------
    def finish(self) -> list[Track]:
        self.done.extend(self.live)
        self.live = []
        out = [self._to_track(t) for t in self.done if self._kept(t)]
        out.sort(key=lambda t: (t.first_frame, t.id))
        return out

    def _cam_at(self, f: int) -> np.ndarray:
        return self.cam.get(f, np.zeros(2))

    def _shifted(self, box: Box, src: int, dst: int, grow: float = 0.0) -> Box:
        d = self._cam_at(dst) - self._cam_at(src)
        x, y, w, h = box
        return (x + d[0] - w * grow, y + d[1] - h * grow, w * (1 + 2 * grow), h * (1 + 2 * grow))

    def _to_track(self, t: _Live) -> Track:
        frames = sorted(t.boxes)
        kfs: dict[int, Box] = {}
        first = frames[0]
        # pre-hold before the first detection: extrapolated back along the track's own
        # motion (and the camera's), with a margin growing with the time before it was found
        if t.first_frame < first:
            v0 = np.zeros(2)
            if len(frames) > 1:
                b = frames[1]
                dcam = self._cam_at(b) - self._cam_at(first)
                v0 = (np.asarray(t.boxes[b][:2]) - np.asarray(t.boxes[first][:2]) - dcam) / (b - first)
            step = max(1, int(round(self.fps / 10)))
            for j in sorted({t.first_frame, *range(first - 1, t.first_frame, -step)}):
                grow = 0.1 + self.s.hold_growth * (first - j) / self.fps
                box = self._shifted(t.boxes[first], first, j, grow)
                off = v0 * (j - first)
                kfs[j] = (box[0] + off[0], box[1] + off[1], box[2], box[3])
        for a, b in zip(frames, frames[1:]):
            kfs[a] = t.boxes[a]
            # in-between frames: linear interpolation + the camera's residual motion
            ca, cb = self._cam_at(a), self._cam_at(b)
            for j in range(a + 1, b):
                r = (j - a) / (b - a)
                res = self._cam_at(j) - (ca + (cb - ca) * r)
                if abs(res[0]) > self.s.residual_px or abs(res[1]) > self.s.residual_px:
                    ba, bb = np.asarray(t.boxes[a]), np.asarray(t.boxes[b])
                    box = ba + (bb - ba) * r
                    box[:2] += res
                    grow = 0.1  # uncertain in-between position: a little extra margin
                    kfs[j] = (box[0] - box[2] * grow, box[1] - box[3] * grow,
                              box[2] * (1 + 2 * grow), box[3] * (1 + 2 * grow))
        last = frames[-1]
        kfs[last] = t.boxes[last]
        # fail-secure hold: follow the camera, margin growing with time lost
        cut_after = min([c for c in self.cuts if c > last], default=None)
        end = min(last + self.hold_frames, self.last_frame)
        if cut_after is not None:
            end = min(end, cut_after - 1)
        step = max(1, int(round(self.fps / 10)))
        for j in list(range(last + step, end, step)) + ([end] if end > last else []):
            grow = self.s.hold_growth * (j - last) / self.fps
            box = self._shifted(t.boxes[last], last, j, grow)
            off = t.velocity * (j - last)  # keeps moving as it last moved (camera-compensated)
            kfs[j] = (box[0] + off[0], box[1] + off[1], box[2], box[3])
        keys = [Keyframe(f, tuple(round(v, 2) for v in kfs[f])) for f in sorted(kfs)]
        return Track(id=t.id, kind=t.kind, origin="auto", status="pending", reason="",
                     keyframes=keys, end_frame=None, scores=dict(t.scores))
