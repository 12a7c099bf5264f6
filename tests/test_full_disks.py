"""Full disks outside the project (ADR 0015): each failure names the folder or file that
is full, leaves nothing it made behind, and says so in one line."""
from __future__ import annotations

import os

import pytest

from redaction.edits import AddTrack

from helpers import EXPORT_ARGS, TinyDisk, make_project, moving_track, run_bwv


DISK_KB = 128     # the ``disk`` fixture's size (conftest)


@pytest.fixture
def proj(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(AddTrack(moving_track("t1", status="accepted")))
    s.save()
    return s


def test_a_full_cache_disk_costs_the_cache_not_the_detection(proj, disk):
    """The cache is an optimisation: on a full cache disk detection goes on without it, the
    tracks reach the project, and one warning line names the folder (recall first)."""
    disk.fill(0)
    r = run_bwv("detect", str(proj.source_path), "--project", str(proj.path), "--quiet",
                "--preset", "fast", env={"BWV_CACHE_DIR": str(disk.path)})
    assert r.returncode == 0, r.stderr
    warn = [x for x in r.stderr.splitlines() if x.startswith("warning:")]
    assert len(warn) == 1 and str(disk.path) in warn[0] and "disk full" in warn[0], r.stderr
    assert "detection went on without it" in warn[0]
    assert "track(s) added to" in r.stderr
    from redaction.session import ProjectSession
    s = ProjectSession.open(proj.path, "tester")
    assert s.project.extra.get("detection")            # the run is recorded in the project
    assert [t.id for t in s.project.tracks if t.origin == "manual"] == ["t1"]


def test_a_full_data_disk_when_exporting_to_another_disk_names_the_data_folder(proj, disk,
                                                                                tmp_path):
    from redaction.errors import ExportError
    data = disk.path / "data"
    (data / "partial-exports").mkdir(parents=True)
    disk.fill(0)
    out = tmp_path / "out"          # another file system than the data folder
    out.mkdir()
    r = run_bwv("export", str(proj.path), "--out", str(out / "x.mp4"), *EXPORT_ARGS,
                env={"BWV_DATA_DIR": str(data)})
    line = r.stderr.strip()
    assert r.returncode == ExportError.exit_code and "\n" not in line, line
    assert str(data / "partial-exports") in line and "disk full" in line
    # nothing it made is left: no hidden work folder beside the output, no marker
    assert list(out.iterdir()) == []
    assert [p.name for p in (data / "partial-exports").iterdir()] == []


def test_a_project_save_failing_after_encoding_leaves_no_part(proj, tmp_path, monkeypatch):
    from redaction import exporttmp
    from redaction import session as session_mod
    from redaction.errors import ProjectError
    from redaction.export import ExportRequest, export_job
    from redaction.jobs import run_job
    from redaction.verify import verify_project
    real, calls = session_mod.save_project, []

    def full(*a, **k):           # the save after the export entry: the project's disk is full
        calls.append(1)
        raise ProjectError("cannot write: disk full", proj.path)
    monkeypatch.setattr(session_mod, "save_project", full)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ProjectError, match="disk full; nothing was published"):
        run_job(export_job(ExportRequest(proj.path, out / "x.mp4", "alice", "R", "O", "B")))
    monkeypatch.setattr(session_mod, "save_project", real)
    assert calls and list(out.iterdir()) == []
    assert [p for p in exporttmp.local_root().iterdir()] == []     # no finished x.mp4.part
    rep = verify_project(proj.path, "bob", record=False)
    assert any("x.mp4) was aborted" in w for w in rep.warnings), rep.warnings


def test_a_log_file_that_cannot_be_written_costs_one_warning_line(proj, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "bwv.log").symlink_to("/dev/full")       # every write: no space left on device
    r = run_bwv("verify", str(proj.path), "--no-record", env={"BWV_LOG_DIR": str(logs)})
    assert r.returncode == 0, r.stderr
    assert "Logging error" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    warnings = [line for line in r.stderr.splitlines() if "cannot write the log file" in line]
    assert len(warnings) == 1 and "disk full" in warnings[0] and str(logs) in warnings[0]


def test_a_full_store_disk_says_disk_full(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    from redaction.store.db import Store, forget_stores
    from redaction.store.errors import StoreError
    disk = TinyDisk(tmp_path / "sdisk", size_kb=2048)
    url = f"sqlite:///{disk.path}/data/bwv.db"
    Store(url).dispose()
    disk.fill(0)
    try:
        with pytest.raises(StoreError) as e:
            st = Store(url)
            with st.session() as s:
                from sqlalchemy import text
                s.execute(text("CREATE TABLE junk (x TEXT)"))
                s.execute(text("INSERT INTO junk VALUES (:x)"), {"x": "y" * 200_000})
        assert "disk full" in str(e.value) and str(disk.path) in str(e.value), str(e.value)
        assert "disk I/O error" not in str(e.value).split("(")[0]
    finally:
        forget_stores()
        disk.close()


def test_sqlite_errors_that_mean_a_full_disk_say_so(tmp_path, monkeypatch):
    import sqlite3
    from redaction.store import db
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"
    assert db._short(full) == "disk full"
    io = sqlite3.OperationalError("disk I/O error")
    io.sqlite_errorname = "SQLITE_IOERR_SHMSIZE"
    monkeypatch.setattr(db, "_no_room", lambda where: True)
    assert db._short(io, str(tmp_path / "bwv.db")) == "disk full (disk I/O error)"
    monkeypatch.setattr(db, "_no_room", lambda where: False)
    assert db._short(io, str(tmp_path / "bwv.db")) == "disk I/O error"   # not said without cause


def test_a_cache_that_fills_mid_run_is_given_up_and_the_tracks_are_the_same(tmp_path, monkeypatch):
    """The disk fills after a few records: the job finishes with the same tracks as a run
    with a working cache, and says why the cache was given up."""
    import errno
    from test_track import RedDetector, make
    from redaction.detect import job as jobmod
    from redaction.detect.job import DetectSettings, detect_job
    from redaction.jobs import run_job

    clip = make(tmp_path / "c.mp4", frames=40)
    settings = DetectSettings(kinds=("face",), every=3)
    good = run_job(detect_job(clip, settings, detector=RedDetector(), use_cache=False))

    class Filling:
        def __init__(self, fh):
            self.fh, self.n = fh, 0

        def write(self, text):
            self.n += 1
            if self.n > 5:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.fh.write(text)

        def close(self):
            self.fh.close()

    real_open = jobmod._Cache.open

    def open_filling(self):
        real_open(self)
        self._fh = Filling(self._fh)
    monkeypatch.setattr(jobmod._Cache, "open", open_filling)
    res = run_job(detect_job(clip, settings, detector=RedDetector(), use_cache=True))
    assert "disk full" in res.cache_problem and "detection went on without it" in res.cache_problem
    assert [(t.first_frame, t.last_frame, sorted(t.scores)) for t in res.tracks] == \
        [(t.first_frame, t.last_frame, sorted(t.scores)) for t in good.tracks] != []


def test_a_record_that_cannot_be_formatted_is_dropped_and_logging_goes_on(tmp_path, capsys):
    """A format TypeError (``log.info("%d", "x")``) used to turn the log file off for the
    whole run, as a full disk does."""
    import logging
    from redaction.logsetup import _QuietFileHandler
    path = tmp_path / "bwv.log"
    h = _QuietFileHandler(path, maxBytes=1_000_000, backupCount=1, encoding="utf-8", delay=True)
    h.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("bwv.test.logsetup")
    log.propagate = False
    log.addHandler(h)
    try:
        log.warning("first")
        log.warning("frame %d", "not a number")
        log.warning("frame %d", "again")
        log.warning("after")
        h.flush()
    finally:
        log.removeHandler(h)
        h.close()
    assert path.read_text().splitlines() == ["first", "after"]
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "dropped" in lines[0] and str(path) in lines[0], err
    assert "logging to it is off" not in err and "Traceback" not in err
