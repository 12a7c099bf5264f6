"""One command, one unit (ADR 0015): a command whose save fails (a full disk, an unwritable
folder) used to leave its edits in the edit log, so the next command printed "restored 2
edit(s)" and a retry duplicated the track; a disk filling between two entries of one
command left it half applied; and `bwv project new` on a nearly full disk left an orphan
edit log that refused every retry."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from redaction.edits import AddTrack
from redaction.editlog import EditLog
from redaction.errors import ProjectError
from redaction.session import ProjectSession
from redaction.verify import verify_project

from helpers import make_project, moving_track, run_bwv



def _tracks(path) -> list[str]:
    return [t["id"] for t in json.loads(Path(path).read_text())["tracks"]]


def _add_track(path, reason="retry me"):
    return run_bwv("project", "add-track", str(path), "--frame", "0", "--box", "10,10,20,20",
                   "--end-frame", "5", "--reason", reason)


def _run_on_full_disk(disk, free, command):
    """Runs a command with `free` blocks left on the small disk, then frees it again; a
    failure must be one line that says the disk is full."""
    disk.fill(free)
    try:
        r = command()
    finally:
        disk.free()
    if r.returncode != 0:
        line = r.stderr.strip()
        assert "\n" not in line and "disk full" in line, line
    return r


def test_a_command_whose_save_fails_on_a_full_disk_leaves_nothing_logged(clip_copy, disk):
    clip = clip_copy()
    s = make_project(clip, disk.path)
    s.do(AddTrack(moving_track("t1", end=20)))
    s.save()
    failed = 0
    for free in range(0, 6):
        log_before, proj_before = s.log.path.read_bytes(), s.path.read_bytes()
        r = _run_on_full_disk(disk, free, lambda: _add_track(s.path))
        if r.returncode == 0:
            continue
        failed += 1
        # nothing of the command is left: not in the log, not in the file
        assert s.log.path.read_bytes() == log_before and s.path.read_bytes() == proj_before
        assert verify_project(s.path, "bob", record=False).clean
        r = _add_track(s.path)                        # the retry adds one track, once
        assert r.returncode == 0 and "restored" not in r.stderr, r.stderr
        assert len(_tracks(s.path)) == len(json.loads(proj_before)["tracks"]) + 1
    assert failed >= 2
    assert verify_project(s.path, "bob", record=False).clean


def test_a_save_that_fails_withdraws_the_commands_entries(clip_copy, tmp_path, monkeypatch,
                                                         capsys):
    """Both entries of add-track (the track, its decision) logged, then the save refused."""
    from redaction import session as session_mod
    from redaction.cli import main
    s = make_project(clip_copy(), tmp_path)
    before = s.log.path.read_bytes()

    def full(*a, **k):
        raise ProjectError("cannot write: disk full", s.path)
    monkeypatch.setattr(session_mod, "save_project", full)
    rc = main(["project", "add-track", str(s.path), "--frame", "0", "--box", "10,10,20,20",
               "--reason", "x"])
    err = capsys.readouterr().err.strip()
    assert rc == ProjectError.exit_code
    assert err.endswith("disk full; nothing was changed (its 2 edit-log entries withdrawn)"), err
    assert s.log.path.read_bytes() == before
    monkeypatch.undo()
    assert main(["project", "add-track", str(s.path), "--frame", "0", "--box", "10,10,20,20",
                 "--reason", "x"]) == 0
    assert "restored" not in capsys.readouterr().err
    assert _tracks(s.path) == ["t1"]


def test_a_disk_filling_between_two_entries_leaves_no_half_command(clip_copy, tmp_path,
                                                                  monkeypatch, capsys):
    from redaction.cli import main
    s = make_project(clip_copy(), tmp_path)
    before = s.log.path.read_bytes()
    real, calls = EditLog._write, []

    def second_fails(self, fd, data, cut=b""):
        calls.append(1)
        if len(calls) == 2:
            raise ProjectError("cannot append to edit log: disk full", self.path)
        return real(self, fd, data, cut)
    monkeypatch.setattr(EditLog, "_write", second_fails)
    rc = main(["project", "add-track", str(s.path), "--frame", "0", "--box", "10,10,20,20",
               "--reason", "x"])
    assert rc == ProjectError.exit_code and len(calls) == 2
    assert "1 edit-log entry withdrawn" in capsys.readouterr().err
    assert s.log.path.read_bytes() == before
    assert ProjectSession.open(s.path, "bob").recovered_edits == 0


def test_an_unwritable_project_folder_is_refused_before_anything_is_logged(clips):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the command as another account")
    base = Path(tempfile.mkdtemp(prefix="bwv-perm-"))  # reachable by an unprivileged user
    try:
        os.chmod(base, 0o777)
        folder = base / "case"
        folder.mkdir()
        clip = folder / "clip.mp4"
        clip.write_bytes(clips["basic"].read_bytes())
        s = make_project(clip, folder)
        for p in folder.iterdir():
            os.chmod(p, 0o666)
        os.chmod(folder, 0o755)                        # files writable, the folder not
        before = s.log.path.read_bytes()
        env = {f"BWV_{n}_DIR": str(base / n.lower()) for n in ("DATA", "CONFIG", "LOG", "CACHE")}
        env["BWV_POLICY_FILE"] = str(base / "no-policy.json")
        r = run_bwv("project", "add-track", str(s.path), "--frame", "0", "--box", "10,10,20,20",
                    "--reason", "x", user="nobody", env={**env, "HOME": str(base)})
        line = r.stderr.strip()
        assert r.returncode == ProjectError.exit_code and "\n" not in line, line
        assert str(folder) in line and "permission denied" in line
        assert s.log.path.read_bytes() == before
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_project_new_on_a_nearly_full_disk_leaves_nothing_and_a_retry_works(clip_copy, disk):
    clip = clip_copy()
    out = disk.path / "case.bwvproj.json"
    failed = 0
    for free in range(0, 4):
        r = _run_on_full_disk(disk, free,
                              lambda: run_bwv("project", "new", str(clip), "--out", str(out)))
        if r.returncode == 0:
            break
        failed += 1
        assert sorted(p.name for p in disk.path.iterdir() if p.name != ".filler") == []
    assert failed >= 1
    r = run_bwv("project", "new", str(clip), "--out", str(out))
    if out.exists() and r.returncode != 0:       # the loop's last try made it already
        assert "already exists" in r.stderr
    assert verify_project(out, "bob", record=False).clean


def test_project_new_removes_only_what_it_made(clip_copy, tmp_path, monkeypatch):
    from redaction import session as session_mod
    out = tmp_path / "case.bwvproj.json"
    other = tmp_path / "other.editlog.jsonl"
    other.write_text("not ours\n")

    def full(*a, **k):
        raise ProjectError("cannot write: disk full", out)
    monkeypatch.setattr(session_mod, "save_project", full)
    with pytest.raises(ProjectError, match="disk full"):
        ProjectSession.create(clip_copy(), out, "alice")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["basic.mp4", "other.editlog.jsonl"]
    # and an edit log that was there before is never removed: the project is refused
    log = tmp_path / "case.editlog.jsonl"
    log.write_text("someone's\n")
    with pytest.raises(ProjectError, match="an edit log already exists"):
        ProjectSession.create(clip_copy(), out, "alice")
    assert log.read_text() == "someone's\n"


def test_a_failure_after_the_save_keeps_the_saved_commands_entries(clip_copy, tmp_path):
    """Printing the result to a closed pipe (or Ctrl-C) after the save used to withdraw the
    entries the saved project file anchors: the project then could not be opened."""
    s = make_project(clip_copy(), tmp_path)
    with pytest.raises(BrokenPipeError):
        with s.command():
            s.do(AddTrack(moving_track("t1", end=20)))
            s.save()
            raise BrokenPipeError(32, "Broken pipe")
    assert _tracks(s.path) == ["t1"]
    assert verify_project(s.path, "bob", record=False).clean
    again = ProjectSession.open(s.path, "bob")
    assert again.recovered_edits == 0 and [t.id for t in again.project.tracks] == ["t1"]
    # entries after the save are still withdrawn, and the session put back to the save
    with pytest.raises(ProjectError):
        with again.command():
            again.do(AddTrack(moving_track("t2", end=20)))
            again.save()
            again.do(AddTrack(moving_track("t3", end=20)))
            raise ProjectError("cannot write: disk full", again.path)
    assert [t.id for t in again.project.tracks] == ["t1", "t2"] and not again.dirty
    assert verify_project(s.path, "bob", record=False).clean


def test_a_created_project_saved_by_its_command_is_not_removed_by_a_later_failure(clip_copy,
                                                                                   tmp_path):
    """`bwv transcribe --project new` removed the project it had created and saved when
    printing its summary failed."""
    clip = clip_copy()
    s = ProjectSession.create(clip, tmp_path / "n.bwvproj.json", "bob")
    with pytest.raises(KeyboardInterrupt):
        try:
            with s.command():
                s.do(AddTrack(moving_track("t1", end=20)))
                s.save()
                raise KeyboardInterrupt
        except BaseException:
            s.remove_created()
            raise
    assert s.path.exists() and s.log.path.exists() and _tracks(s.path) == ["t1"]
    assert verify_project(s.path, "bob", record=False).clean


def test_add_track_with_its_stdout_a_closed_pipe_leaves_a_valid_project(clip_copy, tmp_path):
    import subprocess
    import sys
    s = make_project(clip_copy(), tmp_path)
    r, w = os.pipe()
    os.close(r)                               # nobody reads: printing fails with EPIPE
    try:
        p = subprocess.run([sys.executable, "-m", "redaction", "project", "add-track",
                            str(s.path), "--frame", "0", "--box", "10,10,20,20",
                            "--end-frame", "5", "--reason", "x"],
                           stdout=w, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(w)
    assert len(_tracks(s.path)) == 1, p.stderr
    v = run_bwv("verify", str(s.path), "--no-record")
    assert v.returncode == 0, v.stdout + v.stderr
    assert verify_project(s.path, "bob", record=False).clean
