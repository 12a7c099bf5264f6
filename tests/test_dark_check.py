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


def _feed(d: DarkRanges, rows) -> DarkRanges:
    for f, light in rows:
        d.seen(FrameRecord(f, (0.0, 0.0), light=light, detections=[] if light is not None else None))
    return d


def test_dark_runs_reach_to_the_neighbouring_bright_detection_frames():
    # dark on 12 and 18, bright from 24 for over a second: one range 7-23
    rows = [(0, 120), (6, 110), (12, 30), (18, 25)] + [(f, 130) for f in range(24, 90, 6)]
    assert _feed(DarkRanges(0, 30.0), rows).finish(100) == [[7, 23]]
    # dark again at the end: the last run stays open to the clip's end
    assert _feed(DarkRanges(0, 30.0), rows + [(96, 20)]).finish(100) == [[7, 23], [85, 100]]
    assert _feed(DarkRanges(10), [(10, 5.0)]).finish(20) == [[10, 20]]


def test_flashes_of_light_do_not_break_a_dark_stretch_into_many_checks():
    """Blue lights: every other detection frame on a flash (bright), the rest dark."""
    rows = [(f, 90.0 if (f // 6) % 2 else 35.0) for f in range(0, 180, 6)]
    assert _feed(DarkRanges(0, 30.0), rows).finish(179) == [[0, 179]]
    # a flash at the clip's end stays inside the dark range
    assert _feed(DarkRanges(0, 30.0), [(0, 30.0), (6, 90.0)]).finish(10) == [[0, 10]]


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
    assert c.key == f"dark:{a}-{b}"
    s.do(mark_done([c.key], "tester", "looked through the night part", s.project))
    assert review_checks(s.project, N, W, H, 30.0)[0].done_by == "tester"
    # a later run that finds the dark stretch longer is a new, open check: the mark covered
    # only the frames the officer looked through
    s.project.extra["detection"] = {**s.project.extra["detection"], "dark": [[a, b + 20]]}
    (c2,) = review_checks(s.project, N + 40, W, H, 30.0)
    assert c2.key != c.key and not c2.done
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
        extra = {"detection": {"dark": [[5, 2], "x", [1, 2, 3], [True, 4], [3, 1000]]}}
    checks = review_checks(P(), 100, W, H, 30.0)
    assert [(c.first_frame, c.last_frame) for c in checks] == [(3, 99)]
    for bad in (5, "0-99", {"a": 1}, None, True):
        P.extra = {"detection": {"dark": bad}}
        assert review_checks(P(), 100, W, H, 30.0) == []
    P.extra = {"detection": "edited"}      # no usable record: as if never run (fail safe)
    assert [c.kind for c in review_checks(P(), 100, W, H, 30.0)] == ["not_detected"]
