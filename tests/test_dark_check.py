"""Dark footage is a check before export: the detectors miss far more faces and plates at
night (ADR 0008, session 14), so the detection run records where the picture was dark and
the officer is asked to look through those frames."""
from __future__ import annotations

import json
from fractions import Fraction

import numpy as np

from redaction.detect.apply import add_to_project
from redaction.detect.job import DarkRanges, DetectSettings, detect_job
from redaction.detect.light import DARK_BELOW, picture_brightness
from redaction.jobs import run_job
from redaction.review_checks import mark_done, review_checks
from redaction.session import ProjectSession
from redaction.synth import ClipSpec, write_clip
from redaction.track import FrameRecord

W, H, N = 320, 240, 120
DARK = range(40, 80)                    # frames 40-79 at night


def _frame(i: int) -> np.ndarray:
    rng = np.random.default_rng(i)
    img = rng.integers(90, 200, (H, W, 3), dtype=np.uint8)
    if i in DARK:
        img = (img * 0.18).astype(np.uint8)
    return img


def _nothing(image):
    return []


def test_dark_runs_reach_to_the_neighbouring_bright_detection_frames():
    d = DarkRanges(0)
    for f, light in ((0, 120), (6, 110), (12, 30), (18, 25), (24, 130), (30, 20), (36, None)):
        d.seen(FrameRecord(f, (0.0, 0.0), light=light, detections=[] if light is not None else None))
    assert d.finish(40) == [[7, 23], [25, 40]]       # the last run stays open to the end
    d = DarkRanges(10)
    d.seen(FrameRecord(10, (0.0, 0.0), detections=[], light=5.0))
    assert d.finish(20) == [[10, 20]]


def test_picture_brightness_of_the_clip_frames():
    assert picture_brightness(_frame(0)) > DARK_BELOW > picture_brightness(_frame(50))


def test_a_clip_dark_in_the_middle_gets_one_dark_check(tmp_path):
    clip = write_clip(tmp_path / "c.mp4", ClipSpec(width=W, height=H, frames=N, fps=Fraction(30)),
                      frame_fn=_frame)
    settings = DetectSettings(kinds=("face",), every=6, adaptive=False)
    res = run_job(detect_job(clip, settings, detector=_nothing))
    (a, b), = res.dark
    assert 36 < a <= 40 and 79 <= b < 84                # within one detection step of the truth
    s = ProjectSession.create(clip, tmp_path / "p.bwvproj.json", "tester")
    add_to_project(s, res)
    s.save()
    checks = review_checks(s.project, N, W, H, 30.0)
    (c,) = checks
    assert c.kind == "dark" and c.track_id == "" and (c.first_frame, c.last_frame) == (a, b)
    assert "dark" in c.message and c.frame == a
    # recorded as done like any other check (logged, undoable)
    s.do(mark_done([c.key], "tester", "looked through the night part", s.project))
    assert review_checks(s.project, N, W, H, 30.0)[0].done_by == "tester"
    # a resumed run (the cache) records the same dark range
    again = run_job(detect_job(clip, settings, detector=_nothing))
    assert again.resumed_from == N and again.dark == res.dark
    saved = json.loads((tmp_path / "p.bwvproj.json").read_text())
    assert saved["detection"]["dark"] == [[a, b]]             # kept in the project file


def test_a_bright_clip_has_no_dark_check(tmp_path):
    clip = write_clip(tmp_path / "c.mp4", ClipSpec(width=W, height=H, frames=30, fps=Fraction(30)),
                      frame_fn=lambda i: _frame(0))
    res = run_job(detect_job(clip, DetectSettings(kinds=("face",), every=6), detector=_nothing))
    assert res.dark == []


def test_a_hand_edited_dark_record_is_ignored_not_fatal():
    class P:
        tracks: list = []
        extra = {"detection": {"dark": [[5, 2], "x", [1, 2, 3], [3, 1000]]}}
    checks = review_checks(P(), 100, W, H, 30.0)
    assert [(c.first_frame, c.last_frame) for c in checks] == [(3, 99)]
