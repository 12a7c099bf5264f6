"""Tracking: detections on some frames -> fail-secure tracks with keyframes.

Pure numpy; fed one frame record at a time (so progress can report tracks found):

- **Camera motion.** Each frame's camera motion (a similarity transform: pan, roll, zoom;
  :func:`redaction.camera.estimate_motion`) is kept in a :class:`CameraPath`, which maps
  boxes between any two frames. A track's own motion (velocity, rate of growth) is kept in
  the pixels of its last detection frame, so predictions, in-between frames and held boxes
  follow the camera through fast pans, roll and zoom, and only the object's own motion is
  extrapolated.
- **Association.** Predicted boxes are matched to detections greedily by IoU, falling back
  to centre distance within a gate that grows with the predicted box's size (across the
  picture its larger side, up and down its height) and with the time the track has been
  lost (ADR 0008), and by size consistency with the predicted size. A track that lost its
  detection is still matched while it is held: a detection that continues it re-joins it
  instead of starting a new track (a candidate only within one box size of the prediction).
- **Candidates.** A video detector also reports boxes scored below its own threshold
  (``Detection.sure`` False). They join tracks like any detection (so a face whose score dips
  stays one track), but a track made of candidates only is kept when it has at least
  ``confirm_hits`` of them: a small face the detector is unsure of on every frame is still
  proposed when it recurs in the same place, while one-off low scores are dropped.
- **Fail-secure hold.** A track that loses its detection is held, moving with the camera and
  along its own motion, never smaller than its last detection, with a margin growing with
  the time lost and its speed (bounded), for ``hold_s`` seconds of *steady* picture: frames
  where the camera pans fast (``blind_speed``) or its motion is unknown blur small objects
  past what a detector finds, so they do not count (up to ``max_hold_s`` in all; tracks of
  candidates that recurred up to ``confirmed_max_hold_s``; other candidates get the plain
  ``hold_s``). Symmetrically, a new track is **pre-held** before its first detection (back to
  the shot's first frame at most). A cut resets tracking.
- **Gaps.** Between detection frames boxes are interpolated in the earlier detection's pixels
  and mapped to each frame through the camera path; a keyframe is written wherever that
  differs from a straight line between the detections by more than ``residual_px``. A long
  gap that ends or starts on a candidate also keeps the hold and the pre-hold a split there
  would have given (the two boxes may not be the same object).
- **Edges.** A detection cut by the picture's edge (an object entering or leaving) is given
  the size the track predicts, or the size of the next detection, extending past the edge;
  a track's first and last boxes, cut and narrower than their kind's shape, are held as that
  shape past the edge (``edge_aspect``).
"""
from __future__ import annotations

from typing import Optional

import math

import numpy as np

from .camera import CameraPath, place, scale_of
from .model import Box, Keyframe, Track
from .track_parts import _Live, _log_ratio, _thin, _union, iou
from .track_stitch import branch, confirm_stitch, motion_of, split_unconfirmed, stitch_pairs
from .track_settings import FrameRecord, TrackerSettings

__all__ = ["FrameRecord", "Tracker", "TrackerSettings", "iou"]


class Tracker:
    def __init__(self, fps: float, settings: TrackerSettings = TrackerSettings(),
                 id_prefix: str = "a", frame_size: Optional[tuple[int, int]] = None):
        self.fps = fps
        self.frame_size = frame_size    # (width, height): detections cut by the edge are restored
        self.s = settings
        self.hold_frames = max(1, int(round(max(0.5, settings.hold_s) * fps)))
        self.max_hold_frames = max(self.hold_frames, int(round(settings.max_hold_s * fps)))
        # never longer than half the hold (a short --hold keeps its long gaps)
        self.long_gap_frames = max(1, min(int(round(settings.long_gap_s * fps)), self.hold_frames // 2))
        self.own_motion_frames = max(1, int(round(settings.own_motion_s * fps)))
        self.clear: dict[int, int] = {}          # frame -> count of steady (not blind) frames so far
        self._clear = 0
        self.prefix = id_prefix
        self.live: list[_Live] = []
        self.finished: list[Track] = []          # tracks whose hold has ended, converted
        # memory is bounded in clip length: tracks are converted when they end, and the
        # camera path and steadiness counts are dropped for frames no track can reach
        self.prune_every = 256
        self._pruned_at = 0
        self.path = CameraPath()
        self.cuts: set[int] = set()
        self._n = 0
        self._prev_det: Optional[int] = None     # the previous detection frame of this shot
        self._shot_start: Optional[int] = None   # first frame of the current shot (pre-hold limit)
        self.last_frame = -1
        self._last_unknown = False               # the latest frame's camera motion is unknown
        self._dark = False                       # the detection frame being matched is dark

    def _kept(self, t: _Live) -> bool:
        """Recall first: one sure detection keeps a track; candidates alone must recur."""
        need = min(self.s.confirm_hits, self.s.plate_confirm_hits) if t.kind == "plate" \
            else self.s.confirm_hits
        return t.hits >= self.s.min_hits and (t.sure or t.hits >= need
                                              or t.rule_hits >= self.s.rule_hits)

    @property
    def track_count(self) -> int:
        return len(self.finished) + sum(1 for t in self.live if self._kept(t))

    def _blind(self, rec: FrameRecord) -> bool:
        if rec.unknown and not rec.cut:
            return True          # the camera's motion is unknown: held boxes may not follow it
        if self.frame_size is None or rec.cut:
            return False
        from .camera import speed_px
        W, H = self.frame_size
        return speed_px(rec.motion, W, H) * self.fps / max(1, W) >= self.s.blind_speed

    def held_long_enough(self, since: int, f: int, cap: Optional[int]) -> bool:
        """Whether a track last detected on ``since`` has been held long enough on ``f``:
        ``hold_s`` of steady picture (fast-pan frames, too blurred to detect on, do not
        count), or ``cap`` frames in all (:meth:`_hold_cap`). ``cap`` None (a track of
        candidates that has not recurred): the plain ``hold_s``; what the detector doubted is
        not held through a pan."""
        if cap is None:
            return f - since >= self.hold_frames
        return (f - since >= cap
                or self.clear.get(f, self._clear) - self.clear.get(since, 0) >= self.hold_frames)

    def _pre_hold_start(self, f: int, shot_start: int, cap: Optional[int]) -> int:
        """The first frame of a new track's pre-hold: back ``hold_s`` of steady picture (or
        ``cap`` frames in all; plain ``hold_s`` when ``cap`` is None) before its first
        detection on ``f``, never before the shot's first frame."""
        if cap is None:
            return max(shot_start, f - self.hold_frames)
        s, now = f, self.clear.get(f, self._clear)
        while (s > shot_start and f - (s - 1) <= cap
               and now - self.clear.get(s - 1, 0) <= self.hold_frames):
            s -= 1
        return s

    def _hold_cap(self, t: _Live) -> Optional[int]:
        """How long ``t`` may be held through fast pans (and pre-held back over them), in
        frames: ``max_hold_s`` when sure; ``confirmed_max_hold_s`` for a track of candidates
        that recurred (kept, proposed as low confidence: the doubt is what it is, not whether
        it is there); None (plain ``hold_s``) otherwise."""
        if t.sure:
            return self.max_hold_frames
        if self.s.confirmed_max_hold_s and t.kind in self.s.confirmed_hold_kinds and self._kept(t):
            return max(self.hold_frames, int(round(self.s.confirmed_max_hold_s * self.fps)))
        return None

    def update(self, rec: FrameRecord) -> None:
        f = rec.frame
        self.path.add(f, rec.motion, rec.cut or self._shot_start is None)
        if not self._blind(rec):
            self._clear += 1
        self.clear[f] = self._clear
        self.last_frame = f
        self._last_unknown = bool(rec.unknown and not rec.cut)
        if self._shot_start is None:
            self._shot_start = f
        if rec.cut:
            self._shot_start = f
            self.cuts.add(f)
            for t in self.live:
                self._retire(t)
            self.live = []
            self._prev_det = None
        if rec.detections is not None:
            self._dark = (self.s.dark_below is not None and rec.light is not None
                          and rec.light < self.s.dark_below)
            self._associate(f, rec.detections)
            self._dark = False
            self._prev_det = f
        # end tracks held for too long
        still = []
        for t in self.live:
            if self.held_long_enough(t.last_frame, f, self._hold_cap(t)):
                self._retire(t)
            else:
                still.append(t)
        self.live = still
        if rec.detections is None and rec.look_detections:
            self.add_looks(f, rec.look_detections)
        if f - self._pruned_at >= self.prune_every:
            self._prune(f)

    def _retire(self, t: _Live) -> None:
        """A track whose hold has ended (or cut by a cut): converted now, while the frames
        it spans are still known (its box on every frame depends on nothing later). A join
        of the stitch gate that no later detection confirmed is undone first: the parts
        are converted as the tracks they would have been, each with its hold."""
        for part in split_unconfirmed(t, self._next_id, lambda p: motion_of(p, self.path)):
            if self._kept(part):
                self.finished.append(self._to_track(part))

    def _next_id(self) -> str:
        self._n += 1
        return f"{self.prefix}{self._n}"

    def _prune(self, f: int) -> None:
        """Forget the camera path and steadiness of frames that neither a live track nor a
        track starting now (its pre-hold reaches back ``max_hold_s``) can still need."""
        reach = self.max_hold_frames + 2
        horizon = min([f - reach] + [min(t.boxes) - reach for t in self.live])
        self.path.prune(horizon)
        for k in [k for k in self.clear if k < horizon]:
            del self.clear[k]
        self.cuts = {c for c in self.cuts if c >= horizon}
        self._pruned_at = f

    def add_looks(self, f: int, dets: list) -> None:
        """What a look (detect/looks.py) found on ``f``, the latest frame, between full
        runs: matched to the tracks looked for (sure tracks missed on the last full run)
        like any detection, so a lost track re-found re-joins it; nothing else is taken from
        a look (an upscaled window finds more false faces; a new object there is found by
        the next full run and pre-held back to its entry)."""
        if not dets or self._prev_det is None:
            return
        lost = [t for t in self.live if t.last_frame < self._prev_det and t.sure]
        used = self._associate(f, dets, new_tracks=False)
        # what is left may re-join a track looked for that the usual gate did not reach: it
        # may have stopped or turned back while lost (the window searched allows for that)
        for t in lost:
            if t.last_frame == f:
                continue
            p = self._predict(t, f)
            size = max(p[2], p[3])
            gate = size * 2.5 + 2.0 * float(np.linalg.norm(t.velocity)) * (f - t.last_frame)
            best = None
            for di, d in enumerate(dets):
                if di in used or d.kind != t.kind:
                    continue
                if max(p[2], d.box[2]) / max(1e-6, min(p[2], d.box[2])) > 2.0:
                    continue
                dist = math.hypot(p[0] + p[2] / 2 - d.box[0] - d.box[2] / 2,
                                  p[1] + p[3] / 2 - d.box[1] - d.box[3] / 2)
                if dist <= gate and (best is None or dist < best[0]):
                    best = (dist, di)
            if best is not None:
                used.add(best[1])
                self._extend(t, f, dets[best[1]])

    def _lost_in_view(self, width: int, height: int):
        """``(track, predicted box)`` for each sure track missed on the last detection run
        whose predicted box's centre is inside the picture on the latest frame."""
        f = self.last_frame
        for t in self.live:
            if self._prev_det is None or t.last_frame >= self._prev_det or not t.sure:
                continue
            x, y, w, h = self._predict(t, f)
            if 0 <= x + w / 2 < width and 0 <= y + h / 2 < height:
                yield t, (x, y, w, h)

    def following(self, kind: str) -> list[Box]:
        """The boxes of the live ``kind`` tracks (held and candidate tracks included),
        predicted to the latest frame: what a lite detector plan must not lose."""
        return [self._predict(t, self.last_frame) for t in self.live if t.kind == kind]

    def lost_in_view(self, width: int, height: int) -> bool:
        """Whether a track with a sure detection, missed on the last detection run, is
        predicted to be still inside the picture: the detector should look again soon (tracks
        of candidates only come and go; they do not spend the cadence's budget)."""
        return next(self._lost_in_view(width, height), None) is not None

    def look_wants(self, width: int, height: int) -> list:
        """What a look (detect/looks.py) should search for on the latest frame, for each
        track :meth:`lost_in_view`: ``(kind, predicted box, seconds lost, px its own motion
        may have taken it from the prediction)`` (twice its speed over the time lost: it may
        have stopped or turned back)."""
        f = self.last_frame
        return [(t.kind, box, (f - t.last_frame) / self.fps,
                 2.0 * float(np.linalg.norm(t.velocity)) * (f - t.last_frame))
                for t, box in self._lost_in_view(width, height)]

    # -- motion relative to the camera ------------------------------------------------
    # A track's velocity (px per frame) and size rate (d log size per frame) are the
    # object's own motion in the pixels of its last detection frame; the camera path maps
    # them to any other frame (camera.CameraPath.relative).
    def _project(self, t: _Live, ref: int, f: int, velocity: np.ndarray, rate: float,
                 grow: float = 0.0, hold: bool = False) -> Box:
        """Track ``t``'s box of detection frame ``ref`` carried to frame ``f`` along
        ``velocity`` and ``rate`` (own motion, in ``ref``'s pixels) and the camera. ``hold``:
        a held or pre-held box: never smaller than the detection, own motion extrapolated for
        ``own_motion_s`` at most."""
        x, y, w, h = t.boxes[ref]
        dt = f - ref
        vdt = max(-self.own_motion_frames, min(self.own_motion_frames, dt)) if hold else dt
        k = math.exp(float(np.clip(rate * dt, -0.7, 0.7)))
        if hold:
            k = max(1.0, k)
        c = np.array([x + w / 2, y + h / 2]) + velocity * vdt
        return place(self.path.relative(ref, f), c, np.array([w, h]) * k, grow)

    def _predict(self, t: _Live, f: int, grow: float = 0.0) -> Box:
        return self._project(t, t.last_frame, f, t.velocity, t.size_rate, grow)

    def _gate(self, t: _Live, f: int, size: float, step: int) -> tuple[float, float]:
        """How far a detection's centre may lie from the track's predicted centre, as
        ``(box sizes, px)``: a match is in the gate if it is within either. The first grows
        the longer the track has been lost (see :meth:`_associate` for how it is measured);
        the second is an unknown motion at ``gate_px_per_s`` over the frames since
        the previous detection run (not since the track's last match: a track lost for a
        while must not reach ever further and take over another object; a split is harmless,
        the hold and the pre-hold cover it)."""
        lost_s = (f - t.last_frame) / self.fps
        own = self.s.max_centre_dist + self.s.lost_growth * min(1.0, lost_s)
        unknown = self.s.gate_px_per_s / self.fps * max(1, min(step, f - t.last_frame))
        if t.hits > 1:
            # the track's own speed is known: allow for its change, not for any speed
            unknown = min(unknown, size + 0.5 * float(np.linalg.norm(t.velocity)) * (f - t.last_frame))
        return own, unknown

    def _associate(self, f: int, dets: list, tracks: Optional[list] = None,
                   new_tracks: bool = True) -> set:
        """Match ``dets`` on ``f`` to ``tracks`` (the live ones); unmatched detections start
        tracks when ``new_tracks``. Returns the indices of the detections matched."""
        step = f - self._prev_det if self._prev_det is not None else 1
        tracks = self.live if tracks is None else tracks
        pairs = []
        for ti, t in enumerate(tracks):
            p = self._predict(t, f)
            for di, d in enumerate(dets):
                if d.kind != t.kind:
                    continue
                o = iou(p, d.box)
                if o < self.s.min_iou:
                    # without overlap, only a box of a similar size (an object half cut by
                    # the edge or approaching fast still overlaps its prediction)
                    ratio = max(p[2], d.box[2]) / max(1e-6, min(p[2], d.box[2]))
                    if ratio > 2.0:
                        continue
                    cx = (p[0] + p[2] / 2) - (d.box[0] + d.box[2] / 2)
                    cy = (p[1] + p[3] / 2) - (d.box[1] + d.box[3] / 2)
                    size = max(p[2], p[3], d.box[2], d.box[3], 1e-6)
                    bh = max(p[3], d.box[3], 1e-6)
                    own, unknown = self._gate(t, f, size, step)
                    if not getattr(d, "sure", True) and self.s.candidate_gate is not None:
                        own = min(own, self.s.candidate_gate)
                        unknown = min(unknown, self.s.candidate_gate * size)
                    # how far outside the gate, 0..1 inside: the nearer of the two measures.
                    # Objects move along the ground: across the picture by the box's larger
                    # side, up and down by its height (a wide plate is not let jump three of
                    # its heights onto a false proposal above it)
                    far = min(math.hypot(cx / size, cy / bh) / max(own, 1e-6),
                              math.hypot(cx, cy) / max(unknown, 1e-6))
                    if far > 1.0:
                        continue
                    o = 0.01 * (1 - far)
                pairs.append((o, ti, di))
        pairs.sort(reverse=True)
        used_t, used_d = set(), set()
        for o, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            self._extend(tracks[ti], f, dets[di])
        if new_tracks and self.s.stitch_widths_s:
            self._stitch(f, dets, tracks, used_t, used_d)
        for di, d in enumerate(dets):
            if di in used_d or not new_tracks:
                continue
            # fail-secure pre-hold: the object may have been missed on earlier detection frames
            # (the first frame is settled in _to_track, once the track's sureness is known)
            t = _Live(self._next_id(), d.kind, {f: tuple(float(v) for v in d.box)},
                      {f: float(d.score)}, f, hits=1, first_frame=self._shot_start,
                      sure=getattr(d, "sure", True), last_sure=getattr(d, "sure", True))
            if self._smeared(t, f, t.boxes[f]):
                t.smeared.add(f)
            if not t.sure:
                t.doubtful.add(f)
                if self._counts_alone(d):
                    t.rule_at.add(f)
            self.live.append(t)
        return used_d

    def _stitch(self, f: int, dets: list, tracks: list, used_t: set, used_d: set) -> None:
        """Join detections no gate took to tracks no detection matched, within the stitch
        gate (:attr:`TrackerSettings.stitch_widths_s`); the join is undone when the track is
        converted unless a later detection confirms it (:func:`split_unconfirmed`)."""
        reach = int(round(self.s.stitch_s * self.fps))
        for kind in self.s.stitch_kinds:
            preds = [(ti, self._predict(t, f), f - t.last_frame) for ti, t in enumerate(tracks)
                     if ti not in used_t and t.kind == kind and 0 < f - t.last_frame <= reach]
            free = [(di, tuple(float(v) for v in d.box)) for di, d in enumerate(dets)
                    if di not in used_d and d.kind == kind
                    and (getattr(d, "sure", True) or self._counts_alone(d))]
            width = self.frame_size[0] if self.frame_size else 1920
            for ti, di in stitch_pairs(preds, free, self.s.stitch_widths_s * width / self.fps,
                                       self.s.stitch_ratio):
                t = tracks[ti]
                if not self._kept(t):
                    # candidates that have not recurred: the track stays for its own
                    # object to recur on (taken, its next find starts a track of one doubt)
                    t = branch(t, self._next_id())
                    self.live.append(t)
                t.stitched.add((t.last_frame, f))
                used_t.add(ti)
                used_d.add(di)
                self._extend(t, f, dets[di])

    def _at_edge(self, box: Box, slack: float = 1.0) -> tuple[bool, bool, bool, bool]:
        """Which sides of ``box`` touch the picture's edge (left, top, right, bottom), to
        within ``slack`` px."""
        if self.frame_size is None:
            return (False, False, False, False)
        W, H = self.frame_size
        x, y, w, h = box
        return (x <= slack, y <= slack, x + w >= W - slack, y + h >= H - slack)

    def _whole(self, kind: str, box) -> Box:
        """A track's first or last box, where the detection is cut by the picture's edge and
        narrower (or shorter) than its kind's shape (:attr:`TrackerSettings.edge_aspect`),
        extended past that edge to that shape. An object walking or panned in from the edge
        is found on its visible part; its held and pre-held boxes must cover the rest as it
        comes into view. Applied when the track is converted, so association and the
        cadence's "lost in view" still see the detector's box."""
        box = tuple(float(v) for v in box)
        shape = dict((k, (wide, tall)) for k, wide, tall in self.s.edge_aspect).get(kind)
        if not shape:
            return box
        # a detector's box of a cut object ends a few px short of the edge; the slack is the
        # uncut side's (a sliver of an entering face is a few px wide)
        slack = max(1.0, 0.1 * max(box[2], box[3]))
        return self._extend_past_edge(box, shape[0] * box[3], box[2] / shape[1], slack)

    def _extend_past_edge(self, box: Box, w_to: float, h_to: float, slack: float = 1.0) -> Box:
        """``box`` cut by the picture's edge given the size ``w_to`` x ``h_to`` (if larger),
        extending past the edge it touches: a detection of an object entering or leaving is
        only its visible part."""
        x, y, w, h = box
        left, top, right, bottom = self._at_edge(box, slack)
        if w_to > w and (left or right):
            x, w = (x + w - w_to if left else x), w_to
        if h_to > h and (top or bottom):
            y, h = (y + h - h_to if top else y), h_to
        return (x, y, w, h)

    def _extend(self, t: _Live, f: int, d) -> None:
        gap = f - t.last_frame
        # a detection cut by the edge: the size the track predicts
        pred = self._predict(t, f)
        box = self._extend_past_edge(tuple(float(v) for v in d.box), pred[2], pred[3])
        smeared = self._smeared(t, f, box)
        if t.sure and (not getattr(d, "sure", True) or (smeared and gap <= self.max_hold_frames)):
            # a candidate continuing a sure track (a doubtful box, often only a part of the
            # object), or a smeared detection, places it, but may not shrink it below the last
            # box carried by the camera (not by the track's own growth: that floor fed
            # itself, ADR 0006). Not for a track of candidates only: flooring would grow a
            # chain of doubtful boxes until its gate takes over another object
            floor = self._project(t, t.last_frame, f, t.velocity, 0.0)
            w, h = max(box[2], floor[2]), max(box[3], floor[3])
            box = (box[0] + box[2] / 2 - w / 2, box[1] + box[3] / 2 - h / 2, w, h)
        if t.stitched:
            confirm_stitch(t, f, box, self.path)
        r = self.path.relative(t.last_frame, f)
        s = scale_of(r)
        # ... and the previous one, cut on its way in, the size of this one
        t.boxes[t.last_frame] = self._extend_past_edge(t.last_box, box[2] / s, box[3] / s)
        if not smeared and getattr(d, "sure", True):
            self._unsmear(t, f, box)
        t.boxes[f] = box
        if gap > 0:
            x, y, w, h = t.last_box
            was = r @ np.array([x + w / 2, y + h / 2, 1.0])
            moved = np.array([box[0] + box[2] / 2, box[1] + box[3] / 2]) - was[:2]
            old_v = r[:2, :2] @ t.velocity           # into this frame's pixels
            t.velocity = 0.5 * old_v + 0.5 * moved / gap
            if getattr(d, "sure", True) == t.last_sure and not smeared \
                    and t.last_frame not in t.smeared:
                # growth only between two sure boxes or two candidates: a part box (a
                # candidate) before or after a whole one is not the object approaching;
                # nor between a smeared box and any other
                rate = _log_ratio(box, t.last_box, s) / gap
                t.size_rate = 0.5 * t.size_rate + 0.5 * rate
        t.scores[f] = float(d.score)
        if smeared:
            t.smeared.add(f)
        if not getattr(d, "sure", True):
            t.doubtful.add(f)
            if self._counts_alone(d):
                t.rule_at.add(f)
        t.last_frame = f
        t.hits += 1
        t.sure = t.sure or getattr(d, "sure", True)
        t.last_sure = getattr(d, "sure", True)

    def _counts_alone(self, d) -> bool:
        """Whether candidate ``d``, on the detection frame being matched, counts alone
        towards keeping its track (:attr:`TrackerSettings.day_rules`, ``dark_rules``)."""
        rules = self.s.dark_rules if self._dark else self.s.day_rules
        rule = dict((k, (s, px)) for k, s, px in rules).get(d.kind)
        return rule is not None and d.score >= rule[0] and max(d.box[2], d.box[3]) >= rule[1]

    def _smeared(self, t: _Live, f: int, box: Box) -> bool:
        """Whether ``box`` (a detection on ``f``) is smeared: the object moved at least
        ``smear_frac`` of its shorter side in the picture from the previous frame (the
        camera's motion at the box plus the track's own), or the camera's motion there is
        unknown. Detectors box only the part of a smeared object they can still read."""
        x, y, w, h = box
        if t.kind not in self.s.smear_kinds or f - 1 not in self.path:
            return False
        c = np.array([x + w / 2, y + h / 2, 1.0])
        cam = self.path.relative(f - 1, f) @ c
        moved = float(np.hypot(cam[0] - c[0], cam[1] - c[1])) + float(np.linalg.norm(t.velocity))
        if f == self.last_frame and self._last_unknown:
            return True
        return moved >= self.s.smear_frac * max(1.0, min(w, h))

    def _unsmear(self, t: _Live, f: int, box: Box) -> None:
        """A sharp detection on ``f`` after smeared ones: the smeared boxes just before it
        (not measured in size) get at least its size, carried back by the camera."""
        if t.last_frame not in t.smeared:        # the usual case: nothing to walk back over
            return
        for k in sorted((k for k in t.boxes if k < f), reverse=True):
            if k not in t.smeared:
                break
            s = scale_of(self.path.relative(f, k))
            x, y, w, h = t.boxes[k]
            w2, h2 = max(w, box[2] * s), max(h, box[3] * s)
            t.boxes[k] = (x + w / 2 - w2 / 2, y + h / 2 - h2 / 2, w2, h2)

    # -- output -------------------------------------------------------------------
    def finish(self) -> list[Track]:
        for t in self.live:
            self._retire(t)
        self.live = []
        out, self.finished = self.finished, []
        out.sort(key=lambda t: (t.first_frame, t.id))
        return out

    def _hold_grow(self, size: float, velocity: np.ndarray, frames: int, base: float = 0.0,
                   sure: bool = True) -> float:
        """Margin (fraction of the box per side) of a box extrapolated ``frames`` away from a
        detection: growing with the time and with the object's own speed, bounded. A track
        of candidates (not ``sure``) grows for ``candidate_growth_s`` at most: held through
        a turn, it keeps the margin of a plain hold."""
        dt = abs(frames) / self.fps
        if not sure and self.s.candidate_growth_s is not None:
            dt = min(dt, self.s.candidate_growth_s)
        moved = float(np.linalg.norm(velocity)) * abs(frames) / max(1.0, size)
        return min(self.s.max_hold_growth, base + self.s.hold_growth * dt + 0.25 * moved)

    def _to_track(self, t: _Live) -> Track:
        frames = sorted(t.boxes)
        kfs: dict[int, Box] = {}
        cap = self._hold_cap(t)
        first, last = frames[0], frames[-1]
        # (the track is leaving ``live``: following(), looks and "lost in view" saw the
        # detector's own boxes)
        for j in {first, last}:
            t.boxes[j] = self._whole(t.kind, t.boxes[j])
        t.first_frame = self._pre_hold_start(first, t.first_frame, cap)
        # pre-hold before the first detection: extrapolated back along the object's entry
        # motion and through the camera, never smaller than the detection, margin growing
        if t.first_frame < first:
            v0, r0 = np.zeros(2), 0.0
            if len(frames) > 1:
                b = frames[1]
                rb = self.path.relative(b, first)
                xb, yb, wb, hb = t.boxes[b]
                x0, y0, w0, h0 = t.boxes[first]
                cb = rb @ np.array([xb + wb / 2, yb + hb / 2, 1.0])
                v0 = (cb[:2] - np.array([x0 + w0 / 2, y0 + h0 / 2])) / (b - first)
                r0 = _log_ratio(t.boxes[b], t.boxes[first], 1 / scale_of(rb)) / (b - first)
            size = max(t.boxes[first][2:])
            for j in range(t.first_frame, first):
                grow = 0.1 + self._hold_grow(size, v0, first - j, sure=t.sure)
                kfs[j] = self._project(t, first, j, v0, r0, grow, hold=True)
        for a, b in zip(frames, frames[1:]):
            kfs[a] = t.boxes[a]
            # in-between frames: interpolated in frame a's pixels, mapped through the camera
            rb = self.path.relative(b, a)
            xa, ya, wa, ha = t.boxes[a]
            xb, yb, wb, hb = t.boxes[b]
            ca = np.array([xa + wa / 2, ya + ha / 2])
            cb = (rb @ np.array([xb + wb / 2, yb + hb / 2, 1.0]))[:2]
            sa, sb = np.array([wa, ha]), np.array([wb, hb]) * scale_of(rb)
            ba, bb = np.asarray(t.boxes[a]), np.asarray(t.boxes[b])
            # a long gap (the detector missed the object on several runs): where it was in
            # between is uncertain, most in the middle; the margin grows as in a hold
            long_gap = b - a > self.long_gap_frames
            doubtful_join = (self.s.doubtful_join_hold and long_gap and t.sure
                             and bool({a, b} & t.doubtful))
            if doubtful_join:
                # ... and where either end is a candidate, the two may not be the same object
                # (a lost track re-found on a doubtful box elsewhere): the frames in between
                # also get what the hold after a and the pre-hold before b would have covered
                # had the track been split there, so a wrong join costs some extra picture,
                # never a leak
                fwd_end = a
                while fwd_end < b - 1 and not self.held_long_enough(a, fwd_end + 1, cap):
                    fwd_end += 1
                bwd_start = self._pre_hold_start(b, a + 1, cap)
            for j in range(a + 1, b):
                r = (j - a) / (b - a)
                size = sa * (sb / np.maximum(sa, 1e-9)) ** r
                grow = min(self.s.max_hold_growth,
                           self.s.hold_growth * min(j - a, b - j) / self.fps) if long_gap else 0.0
                box = np.asarray(place(self.path.relative(a, j), ca + (cb - ca) * r, size, grow))
                lin = ba + (bb - ba) * r
                if grow > 0 or np.abs(box - lin).max() > self.s.residual_px:
                    grow = 0.1 if not long_gap else 0.0  # uneven camera motion: a little margin
                    kfs[j] = (box[0] - box[2] * grow, box[1] - box[3] * grow,
                              box[2] * (1 + 2 * grow), box[3] * (1 + 2 * grow))
                if doubtful_join:
                    held = [kfs.get(j, tuple(box))]
                    if j <= fwd_end:
                        held.append(self._project(t, a, j, _STILL, 0.0, 0.1 + self._hold_grow(
                            max(wa, ha), _STILL, j - a), hold=True))
                    if j >= bwd_start:
                        held.append(self._project(t, b, j, _STILL, 0.0, 0.1 + self._hold_grow(
                            max(wb, hb), _STILL, b - j), hold=True))
                    kfs[j] = _union(held)
        kfs[last] = t.boxes[last]
        # fail-secure hold: follow the camera and the object's own motion, never smaller
        # than the last detection, margin growing
        cut_after = min([c for c in self.cuts if c > last], default=None)
        end = last
        while end < self.last_frame and not self.held_long_enough(last, end, cap):
            end += 1
        if cut_after is not None:
            end = min(end, cut_after - 1)
        size = max(t.boxes[last][2:])
        for j in range(last + 1, end + 1):
            kfs[j] = self._project(t, last, j, t.velocity, t.size_rate,
                                   self._hold_grow(size, t.velocity, j - last, sure=t.sure), hold=True)
        keys = [Keyframe(f, tuple(round(v, 2) for v in kfs[f])) for f in sorted(kfs)]
        return Track(id=t.id, kind=t.kind, origin="auto", status="pending", reason="",
                     keyframes=_thin(keys, self.s.residual_px / 2, set(frames)),
                     end_frame=None, scores=dict(t.scores),
                     flags=[] if t.sure else ["low_confidence"])


_STILL = np.zeros(2)

