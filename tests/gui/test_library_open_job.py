"""Opening a held clip from the library: the evidence file is re-hashed in a job off the UI
thread (progress and Cancel in the status bar), outside any store transaction; the window
opens the clip when the job ends. A changed file is refused in one line, audited."""
from __future__ import annotations

import os
import threading

import pytest

from redaction import access, fsutil

from .test_store_gui import PASSWORDS, held_clip, make_window, team  # noqa: F401

pytestmark = pytest.mark.gui


def consultations(st):
    from redaction.store import audit
    with st.session() as s:
        return [r.action for r in audit.entries(s, category="consultation")
                if r.action.startswith("clip.")]


def test_opening_a_held_clip_hashes_it_in_a_job_off_the_ui_thread(qtbot, team, held_clip, monkeypatch):  # noqa: F811
    hashed_on, real = [], fsutil.sha256_chunks

    def spy(path, h, *a, **kw):
        hashed_on.append((threading.current_thread() is threading.main_thread(),
                          team.engine.pool.checkedout()))
        yield from real(path, h, *a, **kw)
    monkeypatch.setattr(fsutil, "sha256_chunks", spy)
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    lib = w.store.open_library()
    assert lib.select_clip(held_clip["id"])
    progress = []
    w.runner.progress.connect(progress.append)
    lib.open_selected()
    assert w.runner.busy and w.runner.name == "open clip"
    assert w.jobs.job_cancel.isVisible()               # Cancel in the status bar
    assert w.runner.wait()
    assert hashed_on and all(not main and held == 0 for main, held in hashed_on)
    assert progress and progress[-1].done == progress[-1].total
    assert w.doc is not None and w.store_clip_id == held_clip["id"]
    assert "clip.mp4 (clip " in w.windowTitle()
    assert consultations(team) == ["clip.open"]
    w.shutdown()


def test_a_cancelled_open_opens_nothing(qtbot, team, held_clip, monkeypatch):  # noqa: F811
    go, real = threading.Event(), fsutil.sha256_chunks

    def held_up(path, h, *a, **kw):
        go.wait(10)
        yield from real(path, h, *a, **kw)
    monkeypatch.setattr(fsutil, "sha256_chunks", held_up)
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.store.open_store_clip(held_clip["id"])
    w.jobs.cancel_job()
    go.set()
    assert w.runner.wait()
    assert w.doc is None and w.runner.last_error == "cancelled"
    assert "cancelled" in w.statusBar().currentMessage()
    assert consultations(team) == []
    w.shutdown()


def test_a_changed_clip_is_refused_in_one_line(qtbot, team, held_clip):  # noqa: F811
    from redaction.store import clips
    with team.session() as s:
        p = clips.clip_path(clips.get_clip(s, held_clip["id"]))
    os.chmod(p, 0o644)
    with open(p, "r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02")
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert not w.store.open_store_clip(held_clip["id"], wait=True)
    assert w.doc is None
    assert "changed since import" in w.statusBar().currentMessage()
    assert consultations(team) == ["clip.open.refused"]
    w.shutdown()


def test_a_held_clip_is_hashed_once_when_it_opens(qtbot, team, held_clip, monkeypatch):  # noqa: F811
    """The open job verifies the evidence file; the window's background check hashed the
    same multi-GB file again seconds later."""
    hashed, real = [], fsutil.sha256_chunks

    def count(path, h, *a, **kw):
        hashed.append(os.path.realpath(path))
        yield from real(path, h, *a, **kw)
    monkeypatch.setattr(fsutil, "sha256_chunks", count)
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.store.open_store_clip(held_clip["id"], wait=True)
    w.wait_idle()
    evidence = os.path.realpath(w.doc.media.path)
    assert hashed.count(evidence) == 1, hashed
    assert not w.source_changed
    w.shutdown()
