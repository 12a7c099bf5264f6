"""The window and the project's lock (ADR 0015): it holds the project while open, refuses
one another process is writing, and shows an edit the log refused as an error."""
from __future__ import annotations

import subprocess
import sys

from redaction.errors import ProjectError
from redaction.editlog import EditLog

from helpers import LockHolder


def test_a_project_another_process_writes_is_refused_clearly(qtbot, win, tmp_path):
    project = win.doc.session.path
    errors = []
    win.show_error = errors.append
    win.close_document()
    with LockHolder(project):
        assert not win.open_path(project)
    assert len(errors) == 1 and "open for editing by bwv export of pc123" in errors[0]
    assert str(project) in errors[0]
    assert win.open_path(project)


def test_a_command_is_refused_while_the_window_has_the_project(qtbot, win):
    project = win.doc.session.path
    r = subprocess.run([sys.executable, "-m", "redaction", "project", "style", str(project),
                        "pixelate"], capture_output=True, text=True, timeout=120)
    assert r.returncode == ProjectError.exit_code
    assert "open for editing by the window of alice" in r.stderr
    win.close_document()                        # the lock goes with the document
    r = subprocess.run([sys.executable, "-m", "redaction", "project", "style", str(project),
                        "pixelate"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_an_edit_the_log_refuses_is_an_error_message(qtbot, win, monkeypatch):
    from redaction.model import Box
    doc = win.doc
    errors = []
    doc.error.connect(errors.append)

    def full(self, fd, data, cut=b""):
        raise ProjectError("cannot append to edit log: disk full", self.path)
    monkeypatch.setattr(EditLog, "_write", full)
    n = len(doc.project.tracks)
    doc.add_box(Box((20, 20, 40, 40)))
    assert len(doc.project.tracks) == n             # put back
    assert errors and "disk full" in errors[-1]


def test_closing_keeps_the_lock_until_the_background_job_has_ended(qtbot, win, monkeypatch):
    """close_document waited 5 s for the background job and set_document not at all, then
    let the project go while the job could still be using it."""
    import threading
    from app.worker import JobRunner
    from redaction.jobs import Progress
    from redaction.projlock import lock_path_for
    win.wait_idle()
    release = threading.Event()

    def slow(cancel):          # does not look at the cancel until it is let go
        release.wait(30)
        yield Progress(1, 1, "done")
        return {}
    doc = win.doc
    lock = doc.session.lock
    assert win.bg.start("slow", slow)
    monkeypatch.setattr(win.bg, "wait", lambda ms=0: JobRunner.wait(win.bg, 200))
    assert win.close_document()
    assert win.doc is None and win.bg.busy
    assert lock.held and lock_path_for(doc.session.path).exists()   # still the window's
    release.set()
    assert JobRunner.wait(win.bg, 10000)
    qtbot.waitUntil(lambda: not lock.held, timeout=5000)
    assert not lock_path_for(doc.session.path).exists()
