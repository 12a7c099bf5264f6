"""One writer per project (ADR 0015): two processes editing one project at once used to
fork its edit log (duplicate sequence numbers, "does not fit the edits before it", state
hashes that no longer match) with both exiting 0, and a window's save after a CLI edit
silently dropped the CLI's track."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from redaction.edits import AddTrack, SetStatus
from redaction.editlog import EditLog, LogChanged
from redaction.errors import ProjectError
from redaction.projlock import ProjectLock, ProjectLocked, lock_path_for
from redaction.session import ProjectSession
from redaction.verify import verify_project

from helpers import LockHolder, make_project, moving_track, run_bwv


@pytest.fixture
def proj(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(AddTrack(moving_track("t1", end=20)))
    s.save()
    return s


def _add_track(path, reason="x", box="10,10,20,20"):
    return run_bwv("project", "add-track", str(path), "--frame", "0", "--box", box,
                   "--end-frame", "5", "--reason", reason)


def _seqs(path):
    return [json.loads(line)["seq"] for line in EditLog(path).path.read_text().splitlines()]


def test_a_cli_edit_is_refused_while_another_program_holds_the_project(proj):
    before = proj.log.path.read_bytes()
    with ProjectLock(proj.path, "the window", "gui.user"):
        t0 = time.monotonic()
        r = _add_track(proj.path)
        waited = time.monotonic() - t0
    assert r.returncode == ProjectLocked.exit_code, r.stderr
    line = r.stderr.strip()
    assert "\n" not in line and str(proj.path) in line
    assert "open for editing by the window of gui.user" in line and f"pid {os.getpid()}" in line
    assert waited >= 4          # a short command waits a few seconds before refusing
    assert proj.log.path.read_bytes() == before            # nothing logged, nothing saved
    assert not lock_path_for(proj.path).exists()            # the lock file goes with the lock
    r = _add_track(proj.path)
    assert r.returncode == 0, r.stderr


def test_a_cli_command_waits_for_a_short_one_to_finish(proj):
    lock = ProjectLock(proj.path, "bwv project decide", "bob").acquire()
    threading.Timer(1.0, lock.release).start()
    r = _add_track(proj.path)
    assert r.returncode == 0, r.stderr


def test_commands_started_together_run_one_after_the_other(proj):
    cmd = [sys.executable, "-m", "redaction", "project", "add-track", str(proj.path),
           "--frame", "0", "--box", "10,10,20,20", "--end-frame", "5", "--reason"]
    procs = [subprocess.Popen(cmd + [f"r{i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    seqs = _seqs(proj.log.path)
    assert seqs == list(range(1, len(seqs) + 1))
    rep = verify_project(proj.path, "bob", record=False)
    assert rep.clean
    assert len(ProjectSession.open(proj.path, "bob").project.tracks) == 4


def test_a_second_writer_without_the_lock_is_refused_not_forked(proj):
    """The edit log's own check: a session appends only after the entry it last read."""
    a = ProjectSession.open(proj.path, "alice")
    b = ProjectSession.open(proj.path, "bob")
    b.do(AddTrack(moving_track("t2", end=10)))
    b.save()
    with pytest.raises(LogChanged, match="changed by another program"):
        a.do(SetStatus(["t1"], "rejected", "not a face", "alice"))
    with pytest.raises(LogChanged):
        a.save()                           # would drop bob's track t2
    assert a.project.track("t1").status == "accepted"    # put back as it was
    rep = verify_project(proj.path, "carol", record=False)
    assert rep.clean
    assert [t.id for t in ProjectSession.open(proj.path, "carol").project.tracks] == ["t1", "t2"]


def test_a_note_by_another_session_does_not_block_an_edit(proj):
    """Entries that change no state (an export, a verification) may come between."""
    other = ProjectSession.open(proj.path, "bob")
    other.record("note", {"x": 1})
    proj.do(SetStatus(["t1"], "rejected", "not a face", "alice"))
    proj.save()
    assert verify_project(proj.path, "carol", record=False).clean


def test_the_window_holds_its_project_until_it_closes(proj):
    from redaction import services
    ws = services.open_for_review(proj.path, "gui.user")
    try:
        r = _add_track(proj.path)
        assert r.returncode == ProjectLocked.exit_code
        assert "open for editing by the window of gui.user" in r.stderr
        ws.apply(AddTrack(moving_track("m1", end=10)))
        ws.save()
    finally:
        ws.close()
    r = _add_track(proj.path)
    assert r.returncode == 0, r.stderr
    assert verify_project(proj.path, "carol", record=False).clean


def test_the_window_refuses_a_project_a_command_is_writing(proj):
    from redaction import services
    with LockHolder(proj.path, "bwv export", "pc123") as h:
        with pytest.raises(ProjectLocked) as e:
            services.open_for_review(proj.path, "gui.user")
    assert "open for editing by bwv export of pc123" in str(e.value)
    assert f"pid {h.p.pid}" in str(e.value)
    services.open_for_review(proj.path, "gui.user").close()


def test_the_window_reopening_its_own_project_is_not_refused(proj):
    from redaction import services
    first = services.open_for_review(proj.path, "gui.user")
    again = services.open_for_review(proj.path, "gui.user")    # File > Open, same project
    first.close()
    assert _add_track(proj.path).returncode == ProjectLocked.exit_code   # still held
    again.close()
    assert _add_track(proj.path).returncode == 0


def test_verify_that_records_waits_its_turn_and_no_record_does_not(proj):
    with ProjectLock(proj.path, "the window", "gui.user"):
        r = run_bwv("verify", str(proj.path))
        assert r.returncode == ProjectLocked.exit_code and "--no-record" in r.stderr
        r = run_bwv("verify", str(proj.path), "--no-record")
        assert r.returncode == 0, r.stderr


def test_a_file_system_without_locks_is_refused_not_ignored(proj, monkeypatch):
    import errno
    fcntl = pytest.importorskip("fcntl")

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")
    monkeypatch.setattr(fcntl, "flock", no_locks)
    before = proj.log.path.read_bytes()
    with pytest.raises(ProjectError, match="cannot lock the project for writing: No locks"):
        ProjectLock(proj.path, "bwv project decide", "bob").acquire()
    with pytest.raises(ProjectError, match="cannot lock the edit log: No locks"):
        proj.do(SetStatus(["t1"], "rejected", "not a face", "alice"))
    assert proj.log.path.read_bytes() == before
    assert proj.project.track("t1").status == "accepted"


def _lock_as_nobody(project) -> subprocess.CompletedProcess:
    code = ("import sys; from redaction.errors import ProjectError; "
            "from redaction.projlock import ProjectLock\n"
            "try:\n"
            f"    ProjectLock({str(project)!r}, 'bwv project decide', 'nobody').acquire()\n"
            "except ProjectError as e:\n"
            "    sys.exit(str(e))\n"
            "print('held')")
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          timeout=60)


def test_a_lock_file_left_by_another_account_does_not_block_or_misname(tmp_path):
    """A lock file left by a killed process of another account (0600) refused everyone else
    with EACCES as "cannot create ... in its folder", naming the folder `.`."""
    import shutil
    import tempfile
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root (and setpriv) to run as another account")
    base = tempfile.mkdtemp(prefix="bwv-lock-")     # reachable by an unprivileged user
    try:
        os.chmod(base, 0o777)
        project = os.path.join(base, "case.bwvproj.json")
        old = os.umask(0o022)
        try:                    # root's command, then killed: the OS dropped its lock
            lk = ProjectLock(project, "bwv export", "root").acquire()
            made = lock_path_for(project)
            mode = os.stat(made).st_mode & 0o777
            stale = made.read_bytes()
            lk.release()
        finally:
            os.umask(old)
        assert mode == 0o644
        made.write_bytes(stale)
        os.chmod(made, 0o644)
        r = _lock_as_nobody(project)
        assert r.returncode == 0 and r.stdout.strip() == "held", r.stderr
        made.write_bytes(stale)
        os.chmod(made, 0o600)                       # as the version before made them
        r = _lock_as_nobody(project)
        line = r.stderr.strip()
        assert r.returncode == 1 and "\n" not in line, line
        assert str(made) in line and "lock file" in line and "permission denied" in line
        assert "bwv export of root" in line or "made by root" in line, line
        assert "cannot create" not in line
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_lock_collected_inside_the_guarded_block_does_not_deadlock(tmp_path, monkeypatch):
    """``__del__`` releases, and release takes the guard of the process's held locks: a
    garbage collection inside ``acquire``'s guarded block waited for itself."""
    from redaction import projlock
    # a guard of this test's own (of the module's type): a deadlock stays in it
    kind = threading.RLock if "RLock" in type(projlock._held_guard).__name__ else threading.Lock
    monkeypatch.setattr(projlock, "_held_guard", kind())
    lk = ProjectLock(tmp_path / "a.bwvproj.json", "bwv test").acquire()
    done = threading.Event()

    def collect_inside_the_guard():
        with projlock._held_guard:
            lk.__del__()          # as the garbage collector would
        done.set()
    threading.Thread(target=collect_inside_the_guard, daemon=True).start()
    assert done.wait(5), "deadlocked"
    assert not lk.held and not lock_path_for(lk.project).exists()


@pytest.mark.parametrize("code, held", [("EACCES", True), ("EDEADLK", True),
                                        ("ENOLCK", None), ("EBADF", None)])
def test_on_windows_only_a_locked_byte_reads_as_held(tmp_path, monkeypatch, code, held):
    """``msvcrt.locking`` failing for any reason was read as "held by another program"."""
    import errno
    import types
    from redaction import projlock

    def locking(fd, mode, n):
        raise OSError(getattr(errno, code), code)
    fake = types.SimpleNamespace(locking=locking, LK_NBLCK=2, LK_UNLCK=0)
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    fd = os.open(tmp_path / "x.lock", os.O_RDWR | os.O_CREAT)
    try:
        with monkeypatch.context() as m:
            m.setattr(projlock.os, "name", "nt")
            try:
                got = projlock.try_lock_fd(fd)
            except OSError as e:
                got = e
    finally:
        os.close(fd)
    if held:
        assert got is False
    else:
        assert isinstance(got, OSError) and got.errno == getattr(errno, code)
