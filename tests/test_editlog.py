"""Edit log: every change logged with the user; tampering of any kind is caught."""
import json

import pytest

from redaction.edits import AddTrack, SetKeyframe, SetStatus
from redaction.editlog import EditLog
from redaction.errors import IntegrityError
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.verify import verify_project

from helpers import run_bwv
from helpers import make_project, moving_track


@pytest.fixture
def project(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path, user="alice")
    s.do(AddTrack(moving_track("t1", status="pending")))
    s.do(SetKeyframe("t1", 20, (100, 100, 40, 40)))
    s.do(SetStatus(["t1"], "accepted", "third party", "alice"))
    s.undo()
    s.redo()
    s.save()
    run_job(export_job(ExportRequest(s.path, tmp_path / "e.mp4", "alice", "Bob", "CPS", "court")))
    return s


def lines(s):
    return s.log.path.read_text().splitlines()


def test_every_change_is_logged_with_user(project):
    entries = [json.loads(l) for l in lines(project)]
    assert [e["action"] for e in entries] == ["create_project", "apply", "apply", "apply",
                                              "undo", "redo", "export", "export_publishing",
                                              "export_published"]
    assert all(e["user"] == "alice" for e in entries)
    assert entries[4]["details"]["command"]["name"] == "set_status"
    assert [e["seq"] for e in entries] == list(range(1, 10))


def test_verify_ok_and_is_logged(project):
    r = run_bwv("verify", str(project.path))
    assert r.returncode == 0, r.stderr
    assert "1 export(s) match" in r.stdout
    assert json.loads(lines(project)[-1])["action"] == "verify"
    assert run_bwv("verify", str(project.path)).returncode == 0  # and again after logging


def _rewrite(s, new_lines):
    s.log.path.write_text("\n".join(new_lines) + "\n")


@pytest.mark.parametrize("tamper,needle", [
    (lambda L: [L[0], L[1].replace('"alice"', '"mallory"')] + L[2:], "entry 2"),
    (lambda L: L[:2] + L[3:], "entry 3"),
    (lambda L: [L[0], L[2], L[1]] + L[3:], "entry 2"),
    (lambda L: L[:-1], "last recorded entry"),
    (lambda L: L[:3] + ["{broken"] + L[4:], "line 4"),
])
def test_tampering_is_detected(project, tamper, needle):
    _rewrite(project, tamper(lines(project)))
    r = run_bwv("verify", str(project.path))
    assert r.returncode != 0
    assert needle in r.stderr and str(project.log.path) in r.stderr
    assert r.stderr.count("\n") == 1


def test_recomputed_hash_still_breaks_the_chain(project):
    """An attacker who edits an entry and fixes its own hash still breaks the next link."""
    from redaction.editlog import entry_hash
    L = lines(project)
    e = json.loads(L[2])
    e["details"]["command"]["box"] = [0, 0, 1, 1]
    e["hash"] = entry_hash(e)
    L[2] = json.dumps(e)
    _rewrite(project, L)
    with pytest.raises(IntegrityError, match="entry 4"):
        EditLog(project.log.path).verify()


def test_altered_export_and_source_are_detected(project, tmp_path):
    out = tmp_path / "e.mp4"
    data = out.read_bytes()
    out.write_bytes(data[:-10] + b"0123456789")
    with pytest.raises(IntegrityError, match="export's sha256"):
        verify_project(project.path, "bob")
    out.write_bytes(data)
    verify_project(project.path, "bob")
    src = project.source_path
    src.write_bytes(src.read_bytes() + b"x")
    r = run_bwv("verify", str(project.path))
    assert r.returncode != 0 and "source clip" in r.stderr


def test_two_writers_keep_one_chain(project):
    """The GUI's session and an export's session append to the same log: no fork."""
    from redaction.session import ProjectSession
    other = ProjectSession.open(project.path, "bob")
    other.record("note", {"x": 1})
    project.do(SetStatus(["t1"], "rejected", "not a face", "alice"))
    entries = EditLog(project.log.path).verify()
    assert [e["user"] for e in entries[-2:]] == ["bob", "alice"]


def test_an_append_cut_short_is_skipped_then_removed_and_logged(project):
    """A crash (or a full disk) in the middle of an append leaves a last line without its
    newline: it was never an entry. The project still opens and verifies; the next append
    removes those bytes and logs that it did (their size and sha256)."""
    import hashlib
    from redaction.session import ProjectSession
    n = len(lines(project))
    torn = b'{"seq":99,"time":"2026-12-07T10:00:00Z","user":"al'
    with open(project.log.path, "ab") as f:
        f.write(torn)
    r = run_bwv("project", "checks", project.path)
    assert r.returncode == 0, r.stderr
    s = ProjectSession.open(project.path, "bob")
    assert s.consistency().kind == "ok"
    s.do(SetStatus(["t1"], "rejected", "false detection", "bob"))
    entries = [json.loads(l) for l in lines(project)]
    assert [e["action"] for e in entries[n:]] == ["log_repair", "apply"]
    assert entries[n]["details"]["removed_bytes"] == len(torn)
    assert entries[n]["details"]["removed_sha256"] == hashlib.sha256(torn).hexdigest()
    assert entries[n]["user"] == "bob"
    s.save()
    assert verify_project(project.path, "bob").clean


def test_a_damaged_line_in_the_middle_is_named_not_an_internal_error(project):
    raw = project.log.path.read_bytes().split(b"\n")
    raw[2] = b"\xff\xfe" + raw[2][2:]
    project.log.path.write_bytes(b"\n".join(raw))
    r = run_bwv("project", "checks", project.path)
    assert r.returncode == IntegrityError.exit_code and "edit log line 3 is not UTF-8 text" in r.stderr
    assert r.stderr.count("\n") == 1


def test_a_short_write_is_undone_not_left_torn(project, monkeypatch):
    """A full disk part-way through an append: the log is left exactly as it was."""
    import errno
    import os
    from redaction.errors import ProjectError
    before = project.log.path.read_bytes()
    real = os.write
    calls = []

    def half(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", half)
    status, undo, dirty = project.project.track("t1").status, len(project.undo_stack), project.dirty
    with pytest.raises(ProjectError, match="no space|disk full|No space"):
        project.do(SetStatus(["t1"], "rejected", "x", "alice"))
    monkeypatch.undo()
    assert project.log.path.read_bytes() == before and len(calls) == 2
    # and the edit is undone in memory: not applied, not on the undo stack
    assert project.project.track("t1").status == status == "accepted"
    assert (len(project.undo_stack), project.dirty) == (undo, dirty)
    # an undo refused by the log is put back too
    monkeypatch.setattr(os, "write", lambda fd, data: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    top = project.undo_stack[-1]
    with pytest.raises(ProjectError):
        project.undo()
    monkeypatch.undo()
    assert project.undo_stack[-1] is top and project.project.track("t1").status == "accepted"
    project.do(SetStatus(["t1"], "rejected", "x", "alice"))    # the next edit logs cleanly
    project.save()
    assert verify_project(project.path, "alice").clean


def test_a_whole_last_entry_without_its_newline_is_kept_and_ended(project):
    """A complete entry whose newline was lost (cut by a tool, or killed between the two)
    stays an entry; the next append ends its line first instead of gluing onto it."""
    from redaction.session import ProjectSession
    data = project.log.path.read_bytes()
    project.log.path.write_bytes(data.rstrip(b"\n"))
    s = ProjectSession.open(project.path, "bob")
    s.do(SetStatus(["t1"], "rejected", "false detection", "bob"))
    s.save()
    assert [json.loads(l)["action"] for l in lines(project)][-2:] == ["export_published", "apply"]
    assert verify_project(project.path, "bob").clean


def test_a_torn_tail_is_named_by_verify_and_kept_by_the_repair(project):
    import base64
    from redaction.session import ProjectSession
    torn = b'{"seq":99,"ti'
    with open(project.log.path, "ab") as f:
        f.write(torn)
    rep = verify_project(project.path, "bob", record=False)
    assert any("13 byte(s) of an append cut short" in w for w in rep.warnings), rep.warnings
    s = ProjectSession.open(project.path, "bob")
    s.do(SetStatus(["t1"], "rejected", "false detection", "bob"))
    repair = [json.loads(l) for l in lines(project) if '"log_repair"' in l][0]
    assert base64.b64decode(repair["details"]["removed_base64"]) == torn


def test_a_last_line_that_is_json_but_not_an_entry_is_named(project):
    with open(project.log.path, "ab") as f:
        f.write(b"123\n")
    r = run_bwv("project", "checks", project.path)
    assert r.returncode == IntegrityError.exit_code and "is not an entry" in r.stderr


def test_a_hand_edited_audio_range_names_the_field_that_differs(clip_copy, tmp_path):
    from redaction.edits import AddAudioRange
    from redaction.model import AudioRange
    s = make_project(clip_copy(), tmp_path, user="alice")
    s.do(AddAudioRange(AudioRange(0.4, 0.8, "mute", "name spoken", id="a1", decided_by="alice")))
    s.save()
    doc = json.loads(s.path.read_text())
    doc["audio"][0]["status"] = "rejected"
    s.path.write_text(json.dumps(doc))
    with pytest.raises(IntegrityError) as e:
        verify_project(s.path, "bob", record=False)
    assert 'audio range a1 status: edit log "accepted", project file "rejected"' in str(e.value)


def test_a_key_given_twice_in_an_entry_is_named(project):
    """JSON keeps the last of two equal keys, so a line given `"user":"mallory"` before its
    own `"user":"alice"` still hashes as written, while a reader of the file sees mallory:
    the line is refused, not verified."""
    L = lines(project)
    L[1] = L[1].replace('"user":"alice"', '"user":"mallory","user":"alice"', 1)
    _rewrite(project, L)
    r = run_bwv("verify", str(project.path), "--no-record")
    assert r.returncode == IntegrityError.exit_code, r.stdout
    assert "edit log line 2 gives the key 'user' twice" in r.stderr and str(project.log.path) in r.stderr
    assert r.stderr.count("\n") == 1


def test_a_line_in_another_layout_still_verifies(project):
    """Spaces and a key order changed by a tool that re-wrote the file are not edits of
    content: the chain is checked on the values, as before."""
    L = lines(project)
    L[1] = json.dumps(dict(reversed(list(json.loads(L[1]).items()))), indent=None)
    _rewrite(project, L)
    assert verify_project(project.path, "bob", record=False).entries == len(L)


def test_a_number_out_of_range_in_an_entry_reads_as_an_edit(project):
    """1e400 (read as infinity) cannot be hashed canonically: the entry was edited, not
    written under an unknown hash version."""
    L = lines(project)
    L[1] = L[1].replace('"user":"alice"', '"user":"alice","x":1e400', 1)
    _rewrite(project, L)
    with pytest.raises(IntegrityError, match="edit log entry 2: content does not match its "
                                             r"hash \(edited\)"):
        project.log.verify()
