"""redaction.workspace without Qt: the rules the window follows, and the open workspace."""
from __future__ import annotations

from redaction.model import Keyframe, Track
from redaction.workspace import default_reason, focus_kind, reason_for_kind, span_problem

REASONS = ["Third party face (not relevant)", "Member of the public", "Child or young person",
           "Vehicle registration of a third party", "Personal data on screen or document",
           "Requester (subject access): keep clear"]


def _t(tid, kind, a, b, status="pending"):
    return Track(id=tid, kind=kind, status=status, keyframes=[Keyframe(a, (0, 0, 10, 10))],
                 end_frame=b)


def test_reason_for_kind():
    assert reason_for_kind("plate", REASONS) == "Vehicle registration of a third party"
    assert reason_for_kind("face", REASONS) == "Third party face (not relevant)"
    assert reason_for_kind("screen", REASONS) == "Personal data on screen or document"
    assert reason_for_kind("person", REASONS) is None      # "young person" is about faces
    assert reason_for_kind("other", REASONS) is None


def test_default_reason_keeps_the_reviewers_words():
    face = REASONS[0]
    assert default_reason(face, "plate", REASONS) == REASONS[3]      # stock, other kind: follows
    assert default_reason(REASONS[3], "plate", REASONS) == REASONS[3]
    assert default_reason("Member of the public", "plate", REASONS) == "Member of the public"
    assert default_reason("my own words", "plate", REASONS) == "my own words"
    assert default_reason("", "plate", REASONS) == ""                 # emptied on purpose
    assert default_reason(face, None, REASONS) == face
    assert default_reason(face, "person", REASONS) == face            # no reason for persons


def test_focus_kind():
    tracks = [_t("a", "face", 0, 5, "accepted"), _t("b", "plate", 3, 9), _t("c", "plate", 8, 9),
              _t("d", "face", 1, 2)]
    assert focus_kind(tracks) == "plate"
    assert focus_kind(tracks, tracks[0]) == "face"
    assert focus_kind([_t("a", "face", 0, 5, "accepted")]) is None
    assert focus_kind([_t("x", "screen", 5, 6), _t("y", "face", 1, 2)]) == "face"   # tie: first


def test_span_problem():
    assert span_problem(_t("a", "face", 0, 39), 40) is None
    assert "outside the clip" in span_problem(_t("a", "face", 100, 120), 40)
    assert "ends after" in span_problem(_t("a", "face", 30, 45), 40)
    assert span_problem(Track(id="e"), 40) is None
