"""Typed times on a variable-frame-rate clip are the frames shown then (the clip's own
timestamps), wherever a time becomes a frame index: bwv detect --from/--to."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest

from redaction.media import MediaSource
from redaction.synth import ClipSpec, write_clip
from redaction.timebase import parse_timecode

from helpers import run_bwv


@pytest.fixture
def vfr(tmp_path):
    """1 s at 10 fps, 1 s at 30 fps, again: 80 frames in 4 s (20 fps on average)."""
    return write_clip(tmp_path / "vfr.mp4", ClipSpec(frames=80, time_base=Fraction(1, 90000),
                                                     vfr_pattern=[9000] * 10 + [3000] * 30))


def test_detect_from_to_times_are_the_frames_shown_then(vfr, tmp_path):
    """--from 2.5 --to 3.0 searched frames 50-60 (seconds x the average rate: 0.5 s late,
    shown 3.0-3.33 s); the frames shown from 2.5 s to 3.0 s are 45-50."""
    with MediaSource(vfr) as src:
        want = (src.index_at_time(2.5), src.index_at_time(3.0))
    assert want == (45, 50)
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("detect", str(vfr), "--from", "2.5", "--to", "00:00:03.000", "--kinds", "face",
                "--quiet", "--project", str(proj))
    assert r.returncode == 0, r.stderr
    r = run_bwv("project", "checks", str(proj), "--json")
    gaps = [c["frames"] for c in json.loads(r.stdout[:r.stdout.rindex("]") + 1])
            if c["kind"] == "not_detected"]
    assert gaps == [[0, want[0] - 1], [want[1] + 1, 79]]
    # a time before the clip is still refused, frame numbers stay frame numbers
    r = run_bwv("detect", str(vfr), "--from", "-1.5", "--kinds", "face", "--quiet",
                "--out", str(tmp_path / "x.jsonl"))
    assert r.returncode != 0 and "bad --from: -1.5 is before the clip's start" in r.stderr


def test_parse_timecode_through_the_clips_timestamps(vfr):
    with MediaSource(vfr) as src:
        at = src.index_at_time
        assert parse_timecode("2.5", src.fps, at) == 45
        assert parse_timecode("#60", src.fps, at) == 60
        assert parse_timecode("-2", src.fps, at) < 0          # for the caller to refuse
