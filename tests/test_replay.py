"""The edit log is the project's truth: replay rebuilds it; a hand-edited project is caught
by verify and refused by export, naming the first difference (issue 13, attack 1)."""
import json
import random

import pytest

from redaction import edits as E
from redaction import projstate, replay
from redaction.editlog import GENESIS, EditLog, entry_hash
from redaction.errors import IntegrityError, InvalidEdit
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.model import Annotation, AudioRange, Keyframe, Track
from redaction.project_io import load_project, project_to_dict
from redaction.session import ProjectSession
from redaction.verify import verify_project

from helpers import decode_all, make_format1, make_project, moving_track, run_bwv


def _face_visible(export, frame, box, grey_tol=40):
    """Mean luma inside ``box`` on ``frame`` of the export: a solid black fill reads ~16."""
    y = decode_all(export)[frame][:240]
    x0, y0, w, h = (int(v) for v in box)
    return float(y[y0 + 4:y0 + h - 4, x0 + 4:x0 + w - 4].mean()) > grey_tol


@pytest.fixture
def accepted(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.use_clip_bounds()
    s.do(E.AddTrack(Track("t1", "face", "manual", "pending", "third party",
                          [Keyframe(0, (100, 80, 80, 80))], end_frame=49)))
    s.do(E.SetStatus(["t1"], "accepted", "third party", "alice"))
    s.save()
    return s


def _hand_edit(path, fn):
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc))


HAND_EDITS = {
    "reject": lambda d: d["tracks"][0].update(status="rejected"),
    "delete": lambda d: d["tracks"].pop(0),
    "move": lambda d: d["tracks"][0]["keyframes"][0].update(box=[0, 0, 4, 4]),
    "end": lambda d: d["tracks"][0].update(end_frame=3),
    "style": lambda d: d["style"].update(mode="blur"),
}


@pytest.mark.parametrize("how", sorted(HAND_EDITS))
def test_hand_edited_project_is_caught_by_verify_and_refused_by_export(accepted, tmp_path, how):
    _hand_edit(accepted.path, HAND_EDITS[how])
    with pytest.raises(IntegrityError) as e:
        verify_project(accepted.path, "bob")
    msg = str(e.value)
    assert "differs from the state its edit log rebuilds" in msg
    assert ("track t1" in msg) or ("style mode" in msg)
    with pytest.raises(IntegrityError, match="differs from its edit log"):
        run_job(export_job(ExportRequest(accepted.path, tmp_path / "x.mp4", "bob", "R", "O", "B")))
    assert not (tmp_path / "x.mp4").exists()


def test_cli_names_the_difference_and_exports_nothing(accepted, tmp_path):
    _hand_edit(accepted.path, HAND_EDITS["reject"])
    r = run_bwv("verify", str(accepted.path))
    assert r.returncode == 5
    assert 'track t1 status: edit log "accepted", project file "rejected"' in r.stderr
    out = tmp_path / "out.mp4"
    r = run_bwv("export", str(accepted.path), "--out", str(out), "--recipient", "R",
                "--organisation", "O", "--basis", "B", "--operator", "alice")
    assert r.returncode != 0 and "differs from its edit log" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()
    # the officer restores the logged state; the export then redacts the face again
    r = run_bwv("project", "rebuild", str(accepted.path))
    assert r.returncode == 0, r.stderr
    assert "discarded" in r.stdout
    assert verify_project(accepted.path, "bob").edits_replayed == 2
    rb = [e for e in EditLog(accepted.log.path).entries() if e["action"] == "rebuild_from_log"]
    assert len(rb) == 1 and "t1 status" in rb[0]["details"]["discarded"][0]
    r = run_bwv("export", str(accepted.path), "--out", str(out), "--recipient", "R",
                "--organisation", "O", "--basis", "B", "--operator", "alice")
    assert r.returncode == 0, r.stderr
    assert not _face_visible(out, 10, (100, 80, 80, 80))


def test_track_added_by_hand_is_named(accepted):
    def add(d):
        d["tracks"].append({"id": "zz", "kind": "face", "origin": "manual", "status": "rejected",
                            "reason": "", "keyframes": [{"frame": 0, "box": [1, 1, 5, 5]}]})
    _hand_edit(accepted.path, add)
    with pytest.raises(IntegrityError, match="track zz: in the project file but not in the edit log"):
        verify_project(accepted.path, "bob")


def test_rewritten_log_is_caught_by_the_export_manifest(accepted, tmp_path):
    """An insider rewrites the log (drops the accept, re-chains every hash) and the project
    to match: the manifest kept with the disclosure still names the old entry."""
    res = run_job(export_job(ExportRequest(accepted.path, tmp_path / "e.mp4", "alice", "R", "O", "B")))
    man = json.loads(res.manifest.read_text())
    assert man["project_state"]["sha256"] == projstate.project_hash(load_project(accepted.path))
    assert man["edit_log"]["last_entry_seq"] >= 3
    entries = list(accepted.log.entries())
    keep = [e for e in entries if not (e["action"] == "apply"
                                       and e["details"]["command"]["name"] == "set_status")]
    prev = GENESIS
    for i, e in enumerate(keep, 1):
        e["seq"], e["prev"] = i, prev
        e["hash"] = entry_hash(e)
        prev = e["hash"]
    accepted.log.path.write_text("".join(json.dumps(e) + "\n" for e in keep))
    with pytest.raises(IntegrityError):
        verify_project(accepted.path, "bob", record=False, manifests=[res.manifest])
    r = run_bwv("verify", str(accepted.path), "--no-record", "--manifest", str(res.manifest))
    assert r.returncode == 5


def test_unsaved_logged_edits_are_restored_on_open(accepted):
    accepted.do(E.SetKind("t1", "plate"))
    accepted.do(E.AddAudioRange(AudioRange(0.1, 0.5, "mute", "name", id="a1")))
    # the window crashed before saving: the file is at the previous save
    s = ProjectSession.open(accepted.path, "alice")
    assert s.recovered_edits == 2
    assert s.project.track("t1").kind == "plate" and s.project.audio[0].id == "a1"
    rep = verify_project(accepted.path, "bob", record=False)
    assert any("opening the project restores" in w for w in rep.warnings)
    s.save()
    assert verify_project(accepted.path, "bob", record=False).warnings == []


def _random_session(s, rng, n):
    ids = ["t1"]
    for i in range(n):
        r = rng.random()
        tids = [t.id for t in s.project.tracks]
        if r < 0.12 or not tids:
            tid = f"m{i}"
            f0 = rng.randrange(0, 40)
            s.do(E.AddTrack(Track(tid, rng.choice(["face", "plate"]), "manual", "pending", "why",
                                  [Keyframe(f0, (rng.uniform(0, 250), rng.uniform(0, 170), 30, 30))],
                                  end_frame=rng.choice([None, 49]))))
            ids.append(tid)
        elif r < 0.3:
            t = s.project.track(rng.choice(tids))
            s.do(E.SetKeyframe(t.id, rng.randrange(0, 50),
                               (rng.uniform(0, 280), rng.uniform(0, 200), rng.uniform(5, 40), 20.5)))
        elif r < 0.4:
            s.do(E.SetStatus(rng.sample(tids, min(2, len(tids))),
                             rng.choice(["accepted", "rejected", "keep_clear"]), "r", s.user))
        elif r < 0.47:
            t = s.project.track(rng.choice(tids))
            a = rng.randrange(0, 40)
            s.do(E.SetSpan(t.id, a, rng.randrange(a, 50)))
        elif r < 0.52:
            t = s.project.track(rng.choice(tids))
            if t.first_frame < t.last_frame:
                s.do(E.SplitTrack(t.id, rng.randrange(t.first_frame + 1, t.last_frame + 1),
                                  s.project.new_track_id("s")))
        elif r < 0.56 and len(tids) > 1:
            a, b = rng.sample(tids, 2)
            if s.project.track(a).status in ("rejected", "keep_clear") and \
                    s.project.track(b).status in ("accepted", "pending"):
                a, b = b, a                  # the other way is refused (redactions kept)
            s.do(E.MergeTracks(a, b))
        elif r < 0.6 and len(tids) > 1:
            s.do(E.DeleteTrack(rng.choice(tids)))
        elif r < 0.65:
            s.do(E.AddAudioRange(AudioRange(0.1 * i % 1.5, 0.1 * i % 1.5 + 0.2, "bleep", "n",
                                            id=f"au{i}")))
        elif r < 0.68 and s.project.audio:
            s.do(E.UpdateAudioRange(rng.choice(s.project.audio).id, end=1.9, reason="longer"))
        elif r < 0.72:
            s.do(E.AddAnnotation(Annotation(f"n{i}", rng.randrange(0, 50), None, "note", "x", "al")))
        elif r < 0.74 and s.project.annotations:
            s.do(E.DeleteAnnotation(rng.choice(s.project.annotations).id))
        elif r < 0.77:
            s.do(E.SetStyle(rng.choice(["solid", "blur", "pixelate"]), rng.uniform(0, 0.3)))
        elif r < 0.8:
            s.do(E.SetExtra("checks_done", {f"k{i}": {"by": "al"}}))
        elif r < 0.83:
            s.do(E.Batch([E.SetKind(rng.choice(tids), "plate"),
                          E.SetReason(rng.choice(tids), f"batch {i}")], "bulk"))
        elif r < 0.93:
            for _ in range(rng.randrange(1, 4)):
                s.undo()
        else:
            for _ in range(rng.randrange(1, 3)):
                s.redo()


@pytest.mark.parametrize("seed", [1, 2])
def test_long_session_with_undo_redo_replays_exactly(clip_copy, tmp_path, seed):
    s = make_project(clip_copy(), tmp_path, name=f"long{seed}")
    s.use_clip_bounds()
    s.do(E.AddTrack(moving_track("t1", status="pending")))
    rng = random.Random(seed)
    _random_session(s, rng, 300)
    s.save()
    entries = s.log.verify()
    assert sum(e["action"] in ("undo", "redo") for e in entries) > 20
    rep = replay.replay(entries)
    assert rep.edits == sum(e["action"] in ("apply", "undo", "redo") for e in entries) > 250
    rebuilt = project_to_dict(replay.rebuild(rep.state, s.project.source.path))
    saved = json.loads(s.path.read_text())
    saved.pop("log_head")
    assert rebuilt == saved
    # reopening in another session and going on keeps the replay exact
    s2 = ProjectSession.open(s.path, "bob")
    _random_session(s2, rng, 60)
    s2.save()
    assert verify_project(s.path, "carol", record=False).edits_replayed > rep.edits


def test_incremental_state_equals_full_state(clip_copy, tmp_path):
    """The session re-serialises only the tracks a command says it touched: after every
    step of a random session the incremental state is the full state."""
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="pending")))
    rng = random.Random(7)
    for _ in range(120):
        _random_session(s, rng, 1)
        full = projstate.state_of(s.project)
        assert s._state == full
        assert projstate.state_hash(full) == json.loads(
            s.log.path.read_text().splitlines()[-1])["details"].get("state",
                                                                    projstate.state_hash(full))


def test_format1_log_is_refused_until_migrated_then_replays_from_there(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    make_format1(s)   # the log as the previous version wrote it: no state, no change
    rep = verify_project(s.path, "bob", record=False)
    assert any("earlier version" in w for w in rep.warnings)
    # fail closed: no edit and no export until someone migrates it explicitly
    s2 = ProjectSession.open(s.path, "bob")
    size = s2.log.path.stat().st_size
    with pytest.raises(IntegrityError, match="bwv project migrate"):
        s2.do(E.SetStatus(["t1"], "rejected", "not a face", "bob"))
    with pytest.raises(IntegrityError, match="nothing exported"):
        run_job(export_job(ExportRequest(s.path, tmp_path / "x.mp4", "bob", "R", "O", "B")))
    assert s2.log.path.stat().st_size == size and not (tmp_path / "x.mp4").exists()
    r = run_bwv("--user", "bob", "project", "migrate", str(s.path))
    assert r.returncode == 0, r.stderr
    s2 = ProjectSession.open(s.path, "bob")
    s2.do(E.SetStatus(["t1"], "rejected", "not a face", "bob"))
    s2.save()
    acts = [e["action"] for e in s2.log.entries()]
    assert acts[-2:] == ["migrate_log", "apply"]
    rep = verify_project(s.path, "carol", record=False)
    assert rep.edits_replayed == 1
    assert any("migrated from an earlier version by bob" in w for w in rep.warnings)
    _hand_edit(s.path, lambda d: d["tracks"][0].update(status="accepted"))
    with pytest.raises(IntegrityError, match="track t1 status"):
        verify_project(s.path, "carol", record=False)


def test_a_second_base_that_restates_differently_is_refused(accepted):
    entries = accepted.log.verify()
    base = dict(entries[0]["details"]["state"])
    accepted.log.append("mallory", "migrate_log", {"state": base})   # the empty first state
    with pytest.raises(IntegrityError, match="restates the project differently"):
        replay.replay(accepted.log.verify())


@pytest.mark.parametrize("cmd,msg", [
    (E.AddTrack(Track("x", "face", "manual", "accepted", "r", [Keyframe(50, (1, 1, 9, 9))])),
     "outside the clip"),
    (E.AddTrack(Track("x", "face", "manual", "accepted", "r", [Keyframe(5, (1, 1, 9, 9))],
                      end_frame=2)), r"ends \(frame 2\) before it starts"),
    (E.AddTrack(Track("x", "face", "manual", "accepted", "r", [Keyframe(5, (-300, -5, 302, 9))])),
     "outside the 320x240 picture"),
    (E.AddTrack(Track("x", "face", "manual", "accepted", " ", [Keyframe(5, (1, 1, 9, 9))])),
     "needs a reason"),
    (E.SetSpan("t1", 30, 10), "before start frame"),
    (E.SetKeyframe("t1", -1, (1, 1, 9, 9)), "outside the clip"),
    (E.AddAudioRange(AudioRange(1.0, 9.0, "mute", "r", id="q")), "outside the clip"),
    (E.AddAnnotation(Annotation("n", 77)), "outside the clip"),
    (E.SetKind("t1", "dog"), "not one of"),
])
def test_edits_are_validated_against_the_clip(accepted, cmd, msg):
    before = accepted.log.head()
    with pytest.raises(InvalidEdit, match=msg):
        accepted.do(cmd)
    assert accepted.log.head() == before          # nothing logged
    assert [t.id for t in accepted.project.tracks] == ["t1"]


@pytest.mark.parametrize("args,msg", [
    (["--frame", "40", "--box", "1,1,10,10", "--reason", "r", "--end-frame", "120"], "outside the clip"),
    (["--frame", "70", "--box", "1,1,10,10", "--reason", "r"], "outside the clip"),
    (["--frame", "20", "--end-frame", "5", "--box", "1,1,10,10", "--reason", "r"], "before it starts"),
    (["--frame", "5", "--box", "5000,10,10,10", "--reason", "r"], "outside the 320x240 picture"),
    (["--frame", "5", "--box", "1,1,10,10", "--reason", ""], "needs a reason"),
])
def test_cli_add_track_refuses_bad_input(accepted, args, msg):
    size = accepted.log.path.stat().st_size
    r = run_bwv("project", "add-track", str(accepted.path), *args)
    assert r.returncode == 4, r.stderr
    assert msg in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert accepted.log.path.stat().st_size == size
    r = run_bwv("project", "add-track", str(accepted.path), "--frame", "5")
    assert r.returncode != 0   # --reason (and --box) are required


def test_export_manifest_records_state_and_log_head(accepted, tmp_path):
    res = run_job(export_job(ExportRequest(accepted.path, tmp_path / "e.mp4", "alice", "R", "O", "B")))
    m = res.manifest_data
    entries = accepted.log.verify()
    export_entry = [e for e in entries if e["action"] == "export"][-1]
    assert m["edit_log"]["last_entry_hash"] == export_entry["hash"]
    assert export_entry["details"]["state_sha256"] == m["project_state"]["sha256"]
    assert m["project_state"]["edits_replayed"] == 2
    assert not _face_visible(res.out, 25, (100, 80, 80, 80))
    assert verify_project(accepted.path, "bob").exports_checked == 1
