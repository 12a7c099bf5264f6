"""Merging takes the kept track's status: a redacted (or pending) track merged into one left
unredacted would lose its redaction without anyone looking at its frames again."""
from __future__ import annotations

import pytest

from redaction import edits as E
from redaction.errors import InvalidEdit
from redaction.model import Keyframe, Track

from helpers import make_project


def _track(tid, status, start, end):
    reason = "" if status in ("accepted", "pending") else "not a face"
    return Track(tid, "face", "auto", status, reason=reason,
                 keyframes=[Keyframe(start, (10, 10, 40, 40)), Keyframe(end, (30, 20, 40, 40))])


@pytest.fixture
def s(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.use_clip_bounds()
    s.do(E.AddTracks([_track("a1", "rejected", 0, 10), _track("a2", "accepted", 15, 30),
                      _track("a3", "pending", 32, 38), _track("a4", "keep_clear", 0, 5)]))
    return s


@pytest.mark.parametrize("kept, other", [("a1", "a2"), ("a1", "a3"), ("a4", "a2")])
def test_a_redacted_or_pending_track_is_not_merged_into_an_unredacted_one(s, kept, other):
    log = s.log.path.read_bytes()
    with pytest.raises(InvalidEdit, match=f"would leave {other}'s frames unredacted"):
        s.do(E.MergeTracks(kept, other))
    assert s.log.path.read_bytes() == log
    assert {t.id for t in s.project.tracks} == {"a1", "a2", "a3", "a4"}


def test_the_window_says_why_and_merges_nothing(qtbot, s):
    from app.document import Document
    doc = Document(s)
    errors = []
    doc.error.connect(errors.append)
    doc.select("a1")
    assert not doc.merge("a2")
    assert errors and "unredacted" in errors[-1]
    assert len(s.project.tracks) == 4


def test_merging_the_other_way_keeps_the_redaction(s):
    s.do(E.MergeTracks("a2", "a1"))             # the rejected frames join the accepted track
    t = s.project.track("a2")
    assert t.status == "accepted" and t.first_frame == 0 and t.last_frame == 30
    s.do(E.MergeTracks("a2", "a3"))             # pending into accepted: redacted
    assert s.project.track("a2").last_frame == 38

