"""The tracker's stitch gate (redaction/track.py, :attr:`TrackerSettings.stitch_widths_s`):
a detection no gate took joins a recent track within a vehicle's speed; three detections on
one course confirm the join, and a join nothing confirmed is undone when the track is
converted (ADR 0008, session 19)."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .camera import scale_of
from .model import Box
from .track_parts import _Live, _log_ratio


def stitch_pairs(preds: list[tuple[int, Box, int]], dets: list[tuple[int, Box]],
                 px_per_frame: float, max_ratio: float) -> list[tuple[int, int]]:
    """One-to-one pairs ``(track index, detection index)`` for the stitch gate
    (:attr:`TrackerSettings.stitch_widths_s`): ``preds`` are ``(index, predicted box, frames
    since the track's last detection)`` of tracks no detection matched, ``dets`` the
    ``(index, box)`` of detections that matched no track. A pair needs sizes within
    ``max_ratio`` and centres within ``px_per_frame`` a frame since the track's last
    detection plus the box's size; nearest (relative to that reach) first."""
    pairs = []
    for ti, p, gap in preds:
        for di, d in dets:
            big = max(p[2], p[3], d[2], d[3])
            if max(p[2], d[2]) > max_ratio * min(p[2], d[2]) \
                    or max(p[3], d[3]) > max_ratio * min(p[3], d[3]):
                continue
            reach = px_per_frame * gap + big
            dist = math.hypot(p[0] + p[2] / 2 - d[0] - d[2] / 2, p[1] + p[3] / 2 - d[1] - d[3] / 2)
            if dist <= reach:
                pairs.append((dist / reach, ti, di))
    pairs.sort()
    used_t, used_d, out = set(), set(), []
    for _, ti, di in pairs:
        if ti not in used_t and di not in used_d:
            used_t.add(ti)
            used_d.add(di)
            out.append((ti, di))
    return out


def branch(t: _Live, tid: str) -> _Live:
    """A copy of ``t`` named ``tid``, to take a stitched join in its place: a track not yet
    kept (candidates that have not recurred) must stay as it is for its own object to
    recur on. Split at that join (unconfirmed), the copy's first part is ``t``'s own
    detections again, not kept on their own, so it adds nothing."""
    return replace(t, id=tid, boxes=dict(t.boxes), scores=dict(t.scores),
                   velocity=t.velocity.copy(), smeared=set(t.smeared), doubtful=set(t.doubtful),
                   stitched=set(t.stitched), confirmed=set(t.confirmed), rule_at=set(t.rule_at))


def split_unconfirmed(t: _Live, new_id, motion) -> list[_Live]:
    """``t`` cut at its stitched joins that no later detection confirmed, into the tracks
    it would have been without them (the first keeps its id; ``new_id()`` names the
    others; ``motion(part)`` gives a part's own velocity and size rate from its boxes).
    A track without such joins is returned whole."""
    cuts = sorted(t.stitched - t.confirmed)
    if not cuts:
        return [t]
    frames = sorted(t.boxes)
    parts, lo = [], frames[0]
    for a, b in cuts + [(frames[-1], None)]:
        own = [k for k in frames if lo <= k <= a]
        p = _Live(t.id if not parts else new_id(), t.kind,
                  {k: t.boxes[k] for k in own}, {k: t.scores[k] for k in own if k in t.scores},
                  own[-1], np.zeros(2), 0.0, len(own), t.first_frame,
                  any(k not in t.doubtful for k in own), own[-1] not in t.doubtful,
                  {k for k in t.smeared if k in own}, {k for k in t.doubtful if k in own})
        p.velocity, p.size_rate = motion(p)
        p.stitched = {c for c in t.confirmed if c[0] in own and c[1] in own}
        p.confirmed = set(p.stitched)
        p.rule_at = {k for k in t.rule_at if k in own}
        parts.append(p)
        lo = b if b is not None else lo
    return parts


def confirm_stitch(t: _Live, f: int, box: Box, path) -> None:
    """A stitched join ``(a, b)`` (``b`` the track's last detection) is confirmed when
    this detection on ``f`` lies where the motion from ``a`` to ``b`` carries the object
    (within its size, or a quarter of the distance it moved): three detections on one
    course are one object."""
    b = t.last_frame
    a = next((a for a, b2 in t.stitched if b2 == b), None)
    if a is None:
        return
    def centre(k, to):
        x, y, w, h = t.boxes[k] if k != f else box
        return (path.relative(k, to) @ np.array([x + w / 2, y + h / 2, 1.0]))[:2]
    v = (centre(b, b) - centre(a, b)) / (b - a)
    want = centre(b, b) + v * (f - b)
    off = float(np.linalg.norm(centre(f, b) - want))
    if off <= max(max(box[2:]), 0.25 * float(np.linalg.norm(v)) * (f - b)):
        t.confirmed.add((a, b))


def motion_of(t: _Live, path) -> tuple[np.ndarray, float]:
    """A track's own velocity and size rate as the tracker's ``_extend`` estimates them, from its
    detection boxes alone (a part of a track cut at an unconfirmed stitch)."""
    v, rate = np.zeros(2), 0.0
    ks = sorted(t.boxes)
    for a, b in zip(ks, ks[1:]):
        r = path.relative(a, b)
        (xa, ya, wa, ha), (xb, yb, wb, hb) = t.boxes[a], t.boxes[b]
        was = r @ np.array([xa + wa / 2, ya + ha / 2, 1.0])
        moved = np.array([xb + wb / 2, yb + hb / 2]) - was[:2]
        v = 0.5 * (r[:2, :2] @ v) + 0.5 * moved / (b - a)
        if (a in t.doubtful) == (b in t.doubtful) and not {a, b} & t.smeared:
            rate = 0.5 * rate + 0.5 * _log_ratio(t.boxes[b], t.boxes[a], scale_of(r)) / (b - a)
    return v, rate
