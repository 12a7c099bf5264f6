"""The tracker's memory is bounded in clip length (the throughput issue: a shift-long clip).

Tracks are converted when their hold ends, and the camera path and steadiness counts are
dropped for frames no live track (nor a track starting now, whose pre-hold reaches back up
to ``max_hold_s``) can need; the tracks are exactly those of a tracker that keeps
everything."""
import math

from redaction.detect.base import Detection
from redaction.track import FrameRecord, Tracker

FPS, W, H = 30.0, 640, 360


def records(n: int):
    """A panning, rolling camera; a face crosses the picture every 10 s, missed on some
    runs; a plate sits still for a minute at a time; a cut every 2 minutes."""
    for f in range(n):
        a = math.radians(0.2 * math.sin(f / 40))
        motion = (1.001 * math.cos(a), 1.001 * math.sin(a), 3.0 * math.sin(f / 25), 0.5)
        dets = None
        if f % 6 == 0:
            dets = []
            k = f % 300
            if k < 150 and (f // 6) % 7 != 3:
                dets.append(Detection("face", (40 + 3 * k, 100 + 0.2 * k, 40, 48), 0.8))
            if (f // 1800) % 2 == 0:
                dets.append(Detection("plate", (400, 250, 60, 18), 0.9, sure=(f // 6) % 3 != 0))
        yield FrameRecord(f, motion, cut=f > 0 and f % 3600 == 0, detections=dets)


def run(n: int, prune_every: int):
    tr = Tracker(FPS, frame_size=(W, H))
    tr.prune_every = prune_every
    peak = 0
    for rec in records(n):
        tr.update(rec)
        peak = max(peak, len(tr.path._C), len(tr.clear))
    return tr.finish(), peak


def test_tracks_are_the_same_with_and_without_pruning():
    n = 9000                                             # 5 minutes
    kept, _ = run(n, prune_every=n + 1)                  # never pruned
    pruned, peak = run(n, prune_every=16)
    assert len(kept) > 20
    assert [(t.id, t.keyframes, t.flags) for t in pruned] == [(t.id, t.keyframes, t.flags) for t in kept]
    assert peak < 2500                                   # not the 9,000 frames


def test_memory_does_not_grow_with_the_clip():
    _, peak_short = run(6000, prune_every=256)
    _, peak_long = run(24000, prune_every=256)
    assert peak_long <= peak_short + 300                 # bounded by the longest live track
