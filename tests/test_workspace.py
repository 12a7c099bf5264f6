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
    # nothing pending: the most common kind of all tracks (a decided plates-only project)
    assert focus_kind([_t("a", "plate", 0, 5, "accepted"), _t("b", "plate", 6, 9, "rejected"),
                       _t("c", "face", 1, 2, "accepted")]) == "plate"
    assert focus_kind([]) is None
    assert focus_kind([_t("x", "screen", 5, 6), _t("y", "face", 1, 2)]) == "face"   # tie: first


def test_span_problem():
    assert span_problem(_t("a", "face", 0, 39), 40) is None
    assert "outside the clip" in span_problem(_t("a", "face", 100, 120), 40)
    assert "ends after" in span_problem(_t("a", "face", 30, 45), 40)
    assert span_problem(Track(id="e"), 40) is None


# -- the workspace (what app/document.py adapts), headless ---------------------------------
import pytest  # noqa: E402

from redaction import edits  # noqa: E402
from redaction.errors import ProjectError  # noqa: E402
from redaction.workspace import (Workspace, open_workspace, pending_recovery,  # noqa: E402
                                 recovery_path)


@pytest.fixture
def ws(clips, tmp_path):
    clip = tmp_path / "c.mp4"
    clip.write_bytes(clips["basic"].read_bytes())
    return open_workspace(clip, "alice")


def test_workspace_opens_a_clip_without_qt(ws):
    """(tests/test_engine_boundary.py checks that the engine never imports Qt)"""
    assert ws.frame_count == 50 and ws.size == (320, 240)
    assert ws.session.bounds[0] == 50                 # edits are checked against the clip
    assert ws.seek(10) and not ws.seek(10) and ws.frame == 10
    ws.seek(999)
    assert ws.frame == 49                             # clamped to the clip
    assert ws.set_mode("preview") and ws.mark_watched() and not ws.mark_watched()
    assert ws.coverage() == pytest.approx(1 / 50)
    with pytest.raises(ValueError):
        ws.set_mode("sideways")
    assert ws.next_mode() == "original"


def test_workspace_edits_through_the_service_layer(ws):
    ws.seek(5)
    tid, cmd = ws.add_box_command((10, 10, 40, 40))
    ws.apply(cmd)
    t = ws.project.track(tid)
    assert t.origin == "manual" and t.status == "accepted" and (t.first_frame, t.last_frame) == (5, 49)
    ws.select(tid)
    ws.seek(20)
    ws.apply(ws.set_end_command())
    assert ws.project.track(tid).last_frame == 20
    ws.apply(ws.set_box_command(tid, (12, 12, 40, 40)))
    assert [k.frame for k in ws.project.track(tid).keyframes] == [5, 20]
    with pytest.raises(ValueError):                   # outside the picture: refused, unchanged
        ws.apply(edits.SetKeyframe(tid, 20, (5000, 5000, 10, 10)))
    assert ws.merge_command() is None and ws.decide_command("accepted", "x", []) is not None
    cmd, n = ws.accept_all_command("plate", "r")
    assert cmd is None and n == 0
    log = [e["action"] for e in ws.session.log.entries()]
    assert log.count("apply") == 3


def test_workspace_frame_cache_fills_on_a_step_back(ws):
    calls = []
    real = ws.media.frame
    ws.media.frame = lambda i, fmt="rgb24": calls.append(i) or real(i, fmt)
    a = ws.image(30, "original")
    b = ws.image(29, "original")                      # a step back: decodes the GOP once
    c = ws.image(28, "original")                      # then free
    assert a.shape == b.shape == c.shape == (240, 320, 3)
    assert calls == [30]
    assert (28, "rgb24") in ws.fetch._back


def test_workspace_coverage_and_recovery_files(ws):
    ws.set_mode("preview")
    for f in (3, 4, 5, 9):
        ws.seek(f)
        ws.mark_watched()
    ws.save_coverage()
    again = Workspace(ws.session, ws.media)
    assert again.watched.sum() == 4 and again.coverage_state.runs() == [[3, 5], [9, 9]]
    assert ws.write_recovery() is None                # nothing unsaved
    _, cmd = ws.add_box_command((10, 10, 40, 40))
    ws.apply(cmd)
    p = ws.write_recovery()
    assert p == recovery_path(ws.session.path) and p.parent.name == "recovery"
    assert p.parent != ws.session.path.parent         # never beside the project or the clip
    import os
    os.utime(p, (ws.session.path.stat().st_mtime + 5,) * 2)
    assert pending_recovery(ws.session.path) == p
    # the edit is in the log, so reopening restores it from there and drops the autosave
    reopened = open_workspace(ws.session.path, "alice", ask_recover=lambda r: pytest.fail("asked"))
    assert len(reopened.project.tracks) == 1 and not p.exists()
    ws.save()
    assert not ws.session.dirty


def test_default_project_rules(clips, tmp_path):
    a, b = tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4"
    for p, src in ((a, "basic"), (b, "mono")):
        p.parent.mkdir()
        p.write_bytes(clips[src].read_bytes())
    w = open_workspace(a, "alice")
    assert w.session.path.name.endswith(".bwvproj.json")
    assert open_workspace(a, "alice").session.path == w.session.path      # reopened, not remade
    # another camera's clip.mp4: a project of its own (keyed by its path), found again
    wb = open_workspace(b, "alice")
    assert wb.session.path != w.session.path and wb.session.source_path.resolve() == b.resolve()
    assert open_workspace(b, "alice").session.path == wb.session.path
    assert open_workspace(a, "alice").session.path == w.session.path
    # the first project's clip gone (moved): its name is not given away, the refusal names it
    a.rename(tmp_path / "a" / "moved.mp4")
    c = tmp_path / "c" / "clip.mp4"
    c.parent.mkdir()
    c.write_bytes(clips["basic"].read_bytes())
    with pytest.raises(ProjectError, match="another clip"):
        open_workspace(c, "alice")
