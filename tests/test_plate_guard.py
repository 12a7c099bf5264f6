"""Oversized plate boxes (docs/adr/0006-plate-detector.md, "2026-12-06: a size/shape guard
for plate boxes").

On the leak check's small_plates_720 seed 0 a sure plate track reached 1,316x502 px on a
1280x720 frame. The plate detector's own boxes on that scene are at most 171 px wide (and
on the eval stills at most 0.59 of the image's width: a real close-up plate), so the
oversize is not the network's: the tracker (redaction/track.py) multiplies a box by its
measured rate of growth, and two rules feed that rate with growth the plate never had:

1. a candidate continuing a sure track is floored at the size the track *predicts*, and
   the floored box's size is then measured as the track's growth: the prediction feeds
   itself, and the box grows by the same factor on every detection run;
2. a size change between a candidate (often a part of the plate, or another object) and a
   sure box is measured as growth, and the hold extrapolates it.

The fix is in track.py (``Tracker._extend``: the floor is the last box carried by the camera
only, and growth is measured only between two sure boxes or two candidates). The first two
tests fail on the code before it; the other two pin what the fix must keep (recall first).

Synthetic detections on a still camera, every 6 frames at 30 fps, 1280x720.
"""
from __future__ import annotations

import pytest

from redaction.detect.base import Detection
from redaction.track import FrameRecord, Tracker, TrackerSettings

FPS, W, H = 30.0, 1280, 720


def _plate(w: float, h: float, sure: bool = True, cx: float = 600.0, cy: float = 300.0,
           score: float | None = None) -> Detection:
    return Detection("plate", (cx - w / 2, cy - h / 2, w, h),
                     score if score is not None else (0.9 if sure else 0.4), sure=sure)


def _track(dets: dict[int, Detection], frames: int = 90):
    """One plate track from ``dets`` (frame -> detection); the detector runs every 6th frame."""
    tr = Tracker(FPS, TrackerSettings(hold_s=1.0), frame_size=(W, H))
    for f in range(frames):
        run = None if f % 6 else ([dets[f]] if f in dets else [])
        tr.update(FrameRecord(f, (0.0, 0.0), False, run))
    (t,) = tr.finish()
    return t


def _widest(t) -> float:
    return max(t.box_at(f)[2] for f in range(t.first_frame, t.last_frame + 1))


# the hold's own envelope: a margin of at most max_hold_growth per side
ENVELOPE = 1 + 2 * TrackerSettings().max_hold_growth


def test_a_doubted_plate_does_not_compound_the_tracks_growth():
    """A plate grows 100 -> 130 px between two sure runs, then stays 130 px while the
    verifier doubts it on five runs (candidates). Flooring each candidate at the *predicted*
    size and measuring that as growth compounded: 1.14x a run, then the hold's extrapolation
    on top (948 px, 7.3x the plate; old code)."""
    dets = {0: _plate(100, 31), 6: _plate(130, 40)}
    dets.update({f: _plate(130, 40, sure=False) for f in range(12, 37, 6)})
    t = _track(dets)
    assert t.box_at(36)[2] <= 130 * 1.15              # a detection frame: about the plate's size
    assert _widest(t) <= 130 * ENVELOPE


def test_a_part_box_before_the_first_sure_box_is_not_growth():
    """Three runs see only a part of the plate (60x20 candidates), the fourth the whole
    plate (140x40, sure), then it is lost. The jump from part to whole is not the plate
    approaching: the hold may not extrapolate it (564 px, 4x the plate; old code)."""
    dets = {f: _plate(60, 20, sure=False) for f in (0, 6, 12)}
    dets[18] = _plate(140, 40)
    t = _track(dets)
    assert _widest(t) <= 140 * ENVELOPE


def test_an_approaching_plate_still_grows_in_its_hold():
    """Recall first: a plate seen sure on five runs growing 60 -> 120 px (a car coming
    closer), then lost, is held growing along its measured approach, beyond the margin."""
    sizes = {0: 60.0, 6: 71.0, 12: 85.0, 18: 101.0, 24: 120.0}
    t = _track({f: _plate(s, s / 3.5) for f, s in sizes.items()})
    end = t.last_frame
    assert end >= 24 + 30
    x, y, w, h = t.box_at(end)
    assert w >= 120 * (1 + 2 * 0.5) * 1.3            # the margin after 1 s, and growth on top


def test_a_doubted_part_box_does_not_shrink_a_sure_plate():
    """Recall first: a candidate box of a part of a sure plate places the track but may not
    shrink it below the plate's size."""
    t = _track({0: _plate(140, 40), 6: _plate(140, 40), 12: _plate(60, 20, sure=False)})
    x, y, w, h = t.box_at(12)
    assert w >= 140 - 0.5 and h >= 40 - 0.5
    assert x <= 600 - 30 and x + w >= 600 + 30       # the part is inside the box

