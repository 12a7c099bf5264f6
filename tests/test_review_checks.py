"""Checks before export: tracks lost in view and low-confidence proposals, listed for the
officer in the engine, the CLI, the export manifest and the window."""
import json

import pytest

from redaction.detect.base import Detection
from redaction.model import Keyframe, Track
from redaction.review_checks import mark_done, open_checks, review_checks
from redaction.track import FrameRecord, Tracker, TrackerSettings

W, H, FPS, N = 640, 360, 30.0, 150


def tracked(boxes_by_frame, kind="face", score=0.9, sure=True):
    """Tracks from detections on every 6th frame: ``boxes_by_frame(f)`` -> box or None."""
    tr = Tracker(FPS, TrackerSettings(hold_s=1.0), frame_size=(W, H))
    for f in range(N):
        dets = None
        if f % 6 == 0:
            b = boxes_by_frame(f)
            dets = [] if b is None else [Detection(kind, b, score, sure)]
        tr.update(FrameRecord(f, (0.0, 0.0), False, dets))
    return tr.finish()


class P:  # the part of a Project the checks read (tracks from a detection run)
    def __init__(self, tracks, extra=None):
        self.tracks, self.extra = tracks, {"detection": {}, **(extra or {})}


def test_an_object_that_vanishes_in_the_middle_of_the_picture_is_a_check():
    tracks = tracked(lambda f: (300.0, 150.0, 40.0, 40.0) if f <= 48 else None)
    (c,) = review_checks(P(tracks), N, W, H, FPS)
    assert c.kind == "lost_in_view" and c.track_id == tracks[0].id
    assert c.first_frame == 49 and c.last_frame == min(N - 1, 48 + 30 + 60)
    assert "48" in c.message and not c.done


def test_an_object_that_leaves_at_the_edge_or_stays_to_the_end_is_not():
    leaving = tracked(lambda f: (560.0 + 2 * f, 150.0, 40.0, 40.0) if f <= 36 else None)
    staying = tracked(lambda f: (300.0, 150.0, 40.0, 40.0))
    assert review_checks(P(leaving + staying), N, W, H, FPS) == []


def test_a_track_of_candidates_only_is_flagged_low_confidence_and_listed():
    tracks = tracked(lambda f: (100.0, 100.0, 30.0, 12.0), kind="plate", score=0.45, sure=False)
    (t,) = tracks
    assert t.flags == ["low_confidence"]
    checks = review_checks(P(tracks), N, W, H, FPS)
    assert [c.kind for c in checks] == ["low_confidence"]
    sure = tracked(lambda f: (100.0, 100.0, 30.0, 12.0), kind="plate")
    assert sure[0].flags == [] and review_checks(P(sure), N, W, H, FPS) == []


def test_rejected_tracks_have_no_checks_and_done_checks_are_kept_with_who_and_why():
    tracks = tracked(lambda f: (300.0, 150.0, 40.0, 40.0) if f <= 48 else None)
    p = P(tracks)
    (c,) = review_checks(p, N, W, H, FPS)
    with pytest.raises(ValueError):
        mark_done([c.key], "PC 1", "  ", p)
    cmd = mark_done([c.key], "PC 1", "looked: she walked behind the van", p)
    cmd.apply(p)
    (c2,) = review_checks(p, N, W, H, FPS)
    assert c2.done and c2.done_by == "PC 1" and "van" in c2.note and open_checks([c2]) == []
    cmd.revert(p)
    assert not review_checks(p, N, W, H, FPS)[0].done
    tracks[0].status = "rejected"
    assert review_checks(p, N, W, H, FPS) == []


def test_flags_round_trip_in_the_project_file_and_unknown_flags_are_refused(tmp_path):
    from redaction.errors import ProjectError
    from redaction.project_io import project_from_dict, project_to_dict
    from redaction.model import Project, Source
    p = Project(Source("c.mp4", "0" * 64), [Track("a1", "plate", "auto", keyframes=[
        Keyframe(0, (1, 1, 5, 5))], flags=["low_confidence"])])
    d = project_to_dict(p)
    assert d["tracks"][0]["flags"] == ["low_confidence"]
    assert project_from_dict(d).tracks[0].flags == ["low_confidence"]
    d["tracks"][0]["flags"] = ["trust_me"]
    with pytest.raises(ProjectError, match="flags"):
        project_from_dict(d)


@pytest.mark.slow
def test_cli_lists_checks_marks_them_done_and_the_export_manifest_lists_open_ones(tmp_path):
    from fractions import Fraction
    from helpers import run_bwv
    from redaction.session import ProjectSession
    from redaction.synth import ClipSpec, write_clip
    clip = write_clip(tmp_path / "c.mp4", ClipSpec(width=W, height=H, frames=N, fps=Fraction(30)))
    proj = tmp_path / "p.bwvproj.json"
    s = ProjectSession.create(clip, proj, "tester")
    tracks = tracked(lambda f: (300.0, 150.0, 40.0, 40.0) if f <= 48 else None)
    for t in tracks:
        t.status = "accepted"
        t.reason = "third party"
    from redaction.edits import AddTracks, Batch, SetExtra
    r = run_bwv("project", "checks", str(proj), "--json")      # nothing detected yet: one check
    (c,) = json.loads(r.stdout)
    assert c["kind"] == "not_detected" and c["frames"] == [0, N - 1]
    s = ProjectSession.open(proj, "tester")
    s.do(Batch([AddTracks(tracks, source="detection"), SetExtra("detection", {"settings": {}})],
               "detection"))
    s.save()
    r = run_bwv("project", "checks", str(proj), "--json")
    assert r.returncode == 0, r.stderr
    (c,) = json.loads(r.stdout)
    assert c["kind"] == "lost_in_view" and not c["done"]
    out = tmp_path / "out.mp4"
    r = run_bwv("export", str(proj), "--out", str(out), "--operator", "tester", "--recipient", "r",
                "--organisation", "o", "--basis", "b")
    assert r.returncode == 0, r.stderr
    assert "1 check(s) before export were not marked done" in r.stderr
    (manifest,) = tmp_path.glob("*.manifest.json")
    man = json.loads(manifest.read_text())
    assert man["open_checks"] == [c["key"]]
    r = run_bwv("project", "checks", str(proj), "--done", "all")
    assert r.returncode != 0 and "note" in r.stderr
    r = run_bwv("project", "checks", str(proj), "--done", "all", "--note", "looked at 49-138")
    assert r.returncode == 0, r.stderr
    r = run_bwv("project", "checks", str(proj))
    assert "0 open" in r.stdout and "looked at 49-138" in r.stdout
    r = run_bwv("project", "checks", str(proj), "--done", c["key"], "--note", "again")
    assert r.returncode != 0 and "already marked done" in r.stderr   # the first record stands
    r = run_bwv("project", "checks", str(proj), "--note", "no --done")
    assert r.returncode != 0 and "--done" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    log = (tmp_path / "p.editlog.jsonl").read_text()
    assert "checks_done" in log
    assert run_bwv("verify", str(proj)).returncode == 0


def test_a_track_held_to_the_end_of_a_partial_detection_run_is_not_lost():
    tracks = tracked(lambda f: (300.0, 150.0, 40.0, 40.0) if f <= 48 else None)
    end = tracks[0].last_frame
    assert [c.kind for c in review_checks(P(tracks), N, W, H, FPS)] == ["lost_in_view"]
    partial = P(tracks, {"detection": {"settings": {"last": end}}})
    # not lost; the frames after the run are a check of their own (nothing proposed there)
    (c,) = review_checks(partial, N, W, H, FPS)
    assert (c.kind, c.first_frame, c.last_frame) == ("not_detected", end + 1, N - 1)
    assert f"did not cover frames {end + 1}–{N - 1}" in c.message
    (c,) = review_checks(P(tracked(lambda f: (100.0, 100.0, 30.0, 12.0), "plate", 0.45, False)),
                         N, W, H, FPS)
    assert c.key == f"low_confidence:{c.track_id}" and c.first_frame <= c.frame <= c.last_frame
