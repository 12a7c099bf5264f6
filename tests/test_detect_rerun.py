"""Detection run again on a project (redaction/detect/apply.py): a run replaces only the
undecided proposals of the kinds it searched on the frames it searched."""
from redaction.detect.apply import add_to_project
from redaction.detect.job import DetectSettings, detect_job
from redaction.edits import AddTracks
from redaction.jobs import run_job
from redaction.model import Keyframe, Track
from redaction.session import ProjectSession

from test_track import RedDetector, make

N = 90


def _run(session, clip, **kw):
    res = run_job(detect_job(clip, DetectSettings(kinds=("face",), **kw), detector=RedDetector()))
    with session.command():
        added = add_to_project(session, res)
        session.save()
    return added


def _boxes(tracks, f):
    """The boxes on frame ``f`` to 0.1 px (the project file keeps boxes to 0.01 px)."""
    return sorted(tuple(round(v, 1) for v in b) for b in (t.box_at(f) for t in tracks)
                  if b is not None)


def test_a_run_on_part_of_the_clip_keeps_the_proposals_outside_it(tmp_path):
    clip = make(tmp_path / "c.mp4", frames=N)
    s = ProjectSession.create(clip, tmp_path / "p.bwvproj.json", "alice")
    full = _run(s, clip)
    before = {f: _boxes(s.project.pending(), f) for f in range(N)}
    assert any(before[f] for f in range(30))

    part = _run(s, clip, first=30, last=59)
    s = ProjectSession.open(tmp_path / "p.bwvproj.json", "alice")     # as its log rebuilds it
    pending = s.project.pending()
    for f in list(range(30)) + list(range(60, N)):
        assert _boxes(pending, f) == before[f], f        # untouched outside the range
    for f in range(30, 60):                              # the new run's own, once each
        assert _boxes(pending, f) == _boxes(part, f), f
    assert len({t.id for t in s.project.tracks}) == len(s.project.tracks)
    assert full


def test_a_run_for_faces_keeps_the_plate_proposals(tmp_path):
    clip = make(tmp_path / "c.mp4", frames=40)
    s = ProjectSession.create(clip, tmp_path / "p.bwvproj.json", "alice")
    plate = Track("a1", kind="plate", origin="auto", status="pending",
                  keyframes=[Keyframe(0, (200.0, 180.0, 60.0, 20.0)), Keyframe(39, (210.0, 180.0, 60.0, 20.0))])
    with s.command():
        s.do(AddTracks([plate], source="detection"))
        s.save()
    _run(s, clip)
    s = ProjectSession.open(tmp_path / "p.bwvproj.json", "alice")
    plates = [t for t in s.project.tracks if t.kind == "plate"]
    assert [(t.status, t.keyframes) for t in plates] == [("pending", plate.keyframes)]
    assert any(t.kind == "face" for t in s.project.tracks)


def test_a_run_again_does_not_propose_an_accepted_object_twice(tmp_path):
    from redaction.edits import SetSpan, SetStatus
    clip = make(tmp_path / "c.mp4", frames=N)
    s = ProjectSession.create(clip, tmp_path / "p.bwvproj.json", "alice")
    first = _run(s, clip)
    tid = first[0].id
    with s.command():
        s.do(SetStatus([tid], "accepted", "third party", "alice"))
        s.save()
    again = _run(s, clip)
    s = ProjectSession.open(tmp_path / "p.bwvproj.json", "alice")
    assert s.project.track(tid).status == "accepted"
    acc = s.project.track(tid)
    for t in s.project.pending():                        # none of them is the accepted one
        assert any(acc.box_at(f) is None or _boxes([acc], f) != _boxes([t], f)
                   for f in range(t.first_frame, t.last_frame + 1)), t.id
    assert len(again) == len(first) - 1

    # accepted on fewer frames than the object is seen: the object is proposed again
    with s.command():
        s.do(SetSpan(tid, acc.first_frame, acc.first_frame + 10))
        s.save()
    again = _run(s, clip)
    assert len(again) == len(first)


def test_a_run_again_does_not_propose_what_the_officer_rejected_or_kept_clear(tmp_path):
    """Rejected ("a road sign") or kept clear (the requester's own face): a run again with
    the same detections asks nothing new about that object, and says how many it left out;
    an object the decided track does not hold on all its frames is proposed again."""
    from redaction.edits import SetSpan, SetStatus
    clip = make(tmp_path / "c.mp4", frames=N)
    for status in ("rejected", "keep_clear"):
        s = ProjectSession.create(clip, tmp_path / f"{status}.bwvproj.json", "alice")
        first = _run(s, clip)
        ids = [t.id for t in first]
        with s.command():
            s.do(SetStatus(ids, status, "the requester's own face", "alice"))
            s.save()
        assert _run(s, clip) == []
        s = ProjectSession.open(tmp_path / f"{status}.bwvproj.json", "alice")
        assert s.project.pending() == [] and s.project.track(ids[0]).status == status
        assert s.project.extra["detection"]["already_decided"] == len(first)
        tid = ids[0]
        with s.command():                               # decided on part of its frames only
            s.do(SetSpan(tid, first[0].first_frame, first[0].first_frame + 10))
            s.save()
        assert len(_run(s, clip)) == 1


def test_a_hold_or_margin_that_is_no_finite_amount_is_refused_in_one_line(tmp_path):
    from helpers import run_bwv
    clip = make(tmp_path / "c.mp4", frames=5)
    for args in (["detect", str(clip), "--hold", "inf"], ["detect", str(clip), "--hold", "nan"],
                 ["detect", str(clip), "--margin", "inf"], ["batch", "detect", str(tmp_path), "--hold", "inf"]):
        r = run_bwv(*args)
        assert r.returncode == 2, (args, r.stderr[-500:])
        assert "is not a finite number of 0 or more" in r.stderr and "Traceback" not in r.stderr
        assert "internal error" not in r.stderr


def test_a_range_starting_before_the_clip_is_refused_not_written_empty(tmp_path):
    from helpers import run_bwv
    clip = make(tmp_path / "c.mp4", frames=5)
    out = tmp_path / "d.jsonl"
    r = run_bwv("detect", str(clip), "--kinds", "face", "--from", "-1", "--to", "3",
                "--out", str(out), "--quiet")
    assert r.returncode != 0 and "bad --from: -1 is before the clip's start" in r.stderr
    assert not out.exists()


def test_an_existing_out_file_is_refused_before_a_project_is_made(tmp_path):
    from helpers import run_bwv
    clip = make(tmp_path / "c.mp4", frames=5)
    out = tmp_path / "d.jsonl"
    out.write_text("earlier\n")
    proj = tmp_path / "new.bwvproj.json"
    r = run_bwv("detect", str(clip), "--kinds", "face", "--out", str(out), "--project", str(proj))
    assert r.returncode != 0 and "already exists; refusing to overwrite" in r.stderr
    assert out.read_text() == "earlier\n"
    assert not proj.exists() and not list(tmp_path.glob("new.*"))
