"""CLI input that must be refused with one line (or handled quietly): ids shared by a track
and an audio range, blank reasons and disclosure fields, non-finite boxes, empty or
reversed export ranges, a closed output pipe."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from redaction import edits as E
from redaction.model import AudioRange, Keyframe, Track

from helpers import make_project, run_bwv

EXPORT = ("--recipient", "R", "--organisation", "O", "--basis", "B", "--quiet")


@pytest.fixture
def proj(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTracks([Track("a1", "face", "auto", "pending", keyframes=[Keyframe(0, (10, 10, 40, 40))],
                            end_frame=20)]))
    s.save()
    return s


def _doc(s):
    return json.loads(s.path.read_text())


def test_audio_ranges_never_take_a_tracks_id(proj):
    r = run_bwv("project", "add-audio", str(proj.path), "--start", "0.2", "--end", "0.6",
                "--mode", "bleep", "--reason", "phone number")
    assert r.returncode == 0, r.stderr
    doc = _doc(proj)
    assert [a["id"] for a in doc["audio"]] != ["a1"]
    r = run_bwv("project", "decide", str(proj.path), "a1", "--status", "rejected", "--reason", "not a face")
    assert r.returncode == 0 and "1 track(s), 0 audio range(s)" in r.stdout, r.stdout + r.stderr
    doc = _doc(proj)
    assert doc["tracks"][0]["status"] == "rejected" and doc["audio"][0].get("status", "accepted") == "accepted"


def test_an_id_both_have_must_be_qualified(proj):
    proj.do(E.AddAudioRange(AudioRange(0.1, 0.5, "bleep", "name", id="a1")))   # an earlier version
    proj.save()
    r = run_bwv("project", "decide", str(proj.path), "a1", "--status", "rejected", "--reason", "x")
    assert r.returncode != 0 and "names both a track and an audio range" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    r = run_bwv("project", "decide", str(proj.path), "audio:a1", "--status", "rejected", "--reason", "x")
    assert r.returncode == 0 and "0 track(s), 1 audio range(s)" in r.stdout, r.stdout + r.stderr
    doc = _doc(proj)
    assert doc["audio"][0]["status"] == "rejected" and doc["tracks"][0]["status"] == "pending"


@pytest.mark.parametrize("reason", ["", "   "])
def test_leaving_a_proposal_unredacted_needs_a_reason(proj, reason):
    before = proj.path.read_bytes()
    for status in ("rejected", "keep_clear"):
        r = run_bwv("project", "decide", str(proj.path), "a1", "--status", status, "--reason", reason)
        assert r.returncode != 0 and "needs a reason" in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1
    assert proj.path.read_bytes() == before


@pytest.mark.parametrize("field", ["--recipient", "--organisation", "--basis"])
def test_an_export_names_its_recipient_organisation_and_basis(proj, tmp_path, field):
    args = dict(zip(EXPORT[0:6:2], EXPORT[1:6:2]))
    args[field] = "  "
    flat = [x for kv in args.items() for x in kv]
    out = tmp_path / "o.mp4"
    r = run_bwv("export", str(proj.path), "--out", str(out), *flat, "--accept-pending", "--quiet")
    assert r.returncode != 0 and f"{field[2:]} is empty" in r.stderr, r.stderr
    assert not list(tmp_path.glob("o.*"))


@pytest.mark.parametrize("box", ["nan,10,80,80", "10,10,inf,80", "10,-inf,80,80"])
def test_non_finite_boxes_are_refused(proj, box):
    before = proj.path.read_bytes()
    r = run_bwv("project", "add-track", str(proj.path), "--frame", "0", "--box", box, "--reason", "x")
    assert r.returncode not in (0, 70) and "bad --box" in r.stderr, r.stderr
    r = run_bwv("project", "keyframe", str(proj.path), "a1", "--frame", "3", "--box", box)
    assert r.returncode not in (0, 70) and "bad --box" in r.stderr, r.stderr
    assert proj.path.read_bytes() == before


def test_the_engine_refuses_a_non_finite_box(proj):
    from redaction.errors import InvalidEdit
    proj.use_clip_bounds()
    with pytest.raises(InvalidEdit, match="finite"):
        proj.do(E.SetKeyframe("a1", 3, (float("nan"), 10, 40, 40)))


@pytest.mark.parametrize("ranges,msg", [("", "--ranges is empty"), ("5-2", "ends before it starts"),
                                        ("0-3,x", "bad --ranges"), ("5-", "give the last frame")])
def test_bad_export_ranges_are_refused(proj, tmp_path, ranges, msg):
    out = tmp_path / "o.mp4"
    r = run_bwv("export", str(proj.path), "--out", str(out), *EXPORT, "--accept-pending",
                "--ranges", ranges)
    assert r.returncode != 0 and msg in r.stderr, r.stderr
    assert not out.exists()


def test_a_closed_pipe_is_not_an_error(proj):
    cmd = f"{sys.executable} -m redaction project show {proj.path} --json | head -c 1 >/dev/null; " \
          "echo ${PIPESTATUS[0]}"
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "0" and "Broken pipe" not in r.stderr, r.stderr


def test_a_read_only_file_system_is_named_as_such():
    import errno
    from redaction.fsutil import describe_os_error
    assert describe_os_error(OSError(errno.EROFS, "Read-only file system")) == "read-only file system"
    assert describe_os_error(OSError(errno.EACCES, "Permission denied")) == "permission denied"


def test_verify_that_cannot_record_says_the_project_verified(proj, monkeypatch):
    from redaction.errors import ProjectError
    from redaction.editlog import EditLog
    from redaction.verify import verify_project

    def read_only(self, *a, **k):
        raise ProjectError("cannot append to edit log: read-only file system", self.path)
    monkeypatch.setattr(EditLog, "append", read_only)
    with pytest.raises(ProjectError, match="the project verified, but the check could not be "
                                           "recorded .*--no-record"):
        verify_project(proj.path, "bob")
