"""When unsure, propose it: a candidate that meets its kind's rule (a plate the verifier
scores 0.3 or more, a face of 64 px and up; in a dark picture, where the detector's doubt is
the picture's, a face of 48 px and up) is proposed, flagged low confidence, after one
detection instead of having to recur (TrackerSettings.day_rules and dark_rules, ADR 0008,
session 17)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from redaction.detect.base import Detection
from redaction.detect.job import DetectSettings, detect_job
from redaction.jobs import run_job
from redaction.synth import ClipSpec, write_clip
from redaction.track import FrameRecord, Tracker, TrackerSettings
from redaction.track_settings import DARK_BELOW


def _once(det: Detection, light: float, frames: int = 60, at: int = 12):
    """``det`` alone on detection frame ``at`` (every 6th frame is one), in a picture of
    brightness ``light``; the tracks made of it."""
    tr = Tracker(30.0, TrackerSettings(), frame_size=(1920, 1080))
    for f in range(frames):
        dets = None if f % 6 else ([det] if f == at else [])
        tr.update(FrameRecord(f, (0.0, 0.0), detections=dets, light=None if dets is None else light))
    return tr.finish()


def test_a_single_plate_candidate_the_verifier_half_believes_is_proposed_and_flagged():
    plate = Detection("plate", (400, 500, 90, 30), 0.45, sure=False)
    for light in (30.0, 120.0, None):
        (t,) = _once(plate, light=light)
        assert t.kind == "plate" and t.flags == ["low_confidence"]
        assert t.box_at(12) is not None and t.box_at(12)[2] >= 90
        assert t.box_at(0) is not None                 # pre-held back, as any new track
    # a weak one (under the rule's score) must recur to be proposed, by day and at night
    for light in (30.0, 120.0):
        assert _once(Detection("plate", (400, 500, 90, 30), 0.2, sure=False), light=light) == []


def test_a_face_candidate_counts_alone_from_its_rule_size_smaller_in_the_dark():
    big = Detection("face", (300, 200, 66, 80), 0.18, sure=False)
    mid = Detection("face", (300, 200, 46, 56), 0.18, sure=False)
    small = Detection("face", (300, 200, 30, 36), 0.25, sure=False)
    for light in (25.0, 120.0):
        (t,) = _once(big, light=light)
        assert t.flags == ["low_confidence"]
        assert _once(small, light=light) == []      # small doubtful blobs are mostly noise
    (t,) = _once(mid, light=25.0)                   # in the dark from 48 px
    assert t.flags == ["low_confidence"]
    assert _once(mid, light=DARK_BELOW + 1) == []   # by day from 64 px: must recur
    # no dark rules: the day rules in the dark too
    tr = Tracker(30.0, TrackerSettings(dark_below=None), frame_size=(1920, 1080))
    for f in range(0, 60):
        dets = None if f % 6 else ([mid] if f == 12 else [])
        tr.update(FrameRecord(f, (0.0, 0.0), detections=dets, light=None if dets is None else 25.0))
    assert tr.finish() == []


def test_the_detection_job_applies_the_dark_rule_on_a_night_clip(tmp_path):
    """Through the job on a real clip: a 56-px face candidate seen once, on a dark clip and
    on the same clip by day."""
    W, H = 320, 240

    def frame(level):
        def fn(i):
            img = np.full((H, W, 3), level, np.uint8)
            img[100:156, 140:196] = min(255, level + 40)
            return img
        return fn

    class OnceUnsure:
        kinds = ("face",)

        def __init__(self):
            self.calls = 0

        def __call__(self, rgb):
            self.calls += 1
            return [Detection("face", (140, 100, 56, 56), 0.2, sure=False)] if self.calls == 3 else []

    settings = DetectSettings(kinds=("face",), every=6, adaptive=False)
    spec = ClipSpec(width=W, height=H, frames=48, fps=Fraction(30))
    night = write_clip(tmp_path / "night.mp4", spec, frame_fn=frame(20))
    day = write_clip(tmp_path / "day.mp4", spec, frame_fn=frame(140))
    (t,) = run_job(detect_job(night, settings, detector=OnceUnsure())).tracks
    assert t.flags == ["low_confidence"] and t.box_at(12) is not None
    assert run_job(detect_job(day, settings, detector=OnceUnsure())).tracks == []
