"""Detection from the window: runs in the JobRunner, adds pending auto tracks in one undo,
frame stepping keeps working while it runs, and export is then gated."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

job_mod = pytest.importorskip("redaction.detect.job")
from redaction.detect.base import Detection  # noqa: E402


def test_detect_adds_pending_tracks_off_the_ui_thread(qtbot, win, monkeypatch):
    real = job_mod.detect_job

    def fake_detector(rgb):
        return [Detection("face", (100.0, 60.0, 40.0, 40.0), 0.9)]

    monkeypatch.setattr(job_mod, "detect_job",
                        lambda clip, settings, cancel=None, **kw: real(clip, settings, cancel,
                                                                       detector=fake_detector, **kw))
    monkeypatch.setattr("redaction.detect.factory.available_kinds", lambda: ("face",))
    win.detect_in_process = False      # the fake detector lives in this process
    assert win.a["detect"].isEnabled()
    win.a["detect"].trigger()
    assert win.runner.busy and win.runner.name == "detect"
    qtbot.keyClick(win.view, Qt.Key_Right)        # stepping while detection runs
    assert win.view.frame_index == 1
    qtbot.waitUntil(lambda: not win.runner.busy, timeout=120000)
    tracks = win.doc.project.tracks
    assert tracks and all(t.origin == "auto" and t.status == "pending" for t in tracks)
    assert win.review.table.rowCount() == len(tracks)
    assert "pending" in win.a["export"].toolTip()
    win.doc.undo()                                 # one undo removes the whole run
    assert win.doc.project.tracks == []


def test_process_job_runs_in_a_child_and_cancels(qtbot, win, clip):
    from app.procjob import process_job
    from app.worker import JobRunner
    from redaction.thumbs import strip_job
    r = JobRunner()
    got = []
    r.progress.connect(got.append)
    assert r.start("strip", process_job(strip_job, str(clip), 5))
    assert r.wait(120000)
    assert r.last_error is None and len(r.last_result) >= 1 and got
    i, rgb = r.last_result[0]
    assert i == 0 and rgb.shape[0] == 48
    assert r.start("strip", process_job(strip_job, str(clip), 40))
    r.cancel()
    assert r.wait(120000)
    assert r.last_error == "cancelled" or r.last_result is not None
    assert r.start("bad", process_job(strip_job, str(clip) + ".missing", 5))
    assert r.wait(120000)
    assert "no such file" in r.last_error and ".missing" in r.last_error


def test_a_cancelled_detection_does_not_add_the_next_runs_tracks_twice(qtbot, win, monkeypatch):
    """A one-shot connection made per run outlived a cancelled run: the next run's result
    was applied by both connections, so every track was added twice."""
    real = job_mod.detect_job
    slow = {"on": True}

    def fake_detector(rgb):
        if slow["on"]:
            import time
            time.sleep(0.2)
        return [Detection("face", (100.0, 60.0, 40.0, 40.0), 0.9)]

    monkeypatch.setattr(job_mod, "detect_job",
                        lambda clip, settings, cancel=None, **kw: real(clip, settings, cancel,
                                                                       detector=fake_detector, **kw))
    monkeypatch.setattr("redaction.detect.factory.available_kinds", lambda: ("face",))
    win.detect_in_process = False
    win.a["detect"].trigger()
    assert win.runner.busy
    win.runner.cancel()
    assert win.runner.wait(60000) and win.runner.last_error == "cancelled"
    assert win.doc.project.tracks == []
    slow["on"] = False
    win.a["detect"].trigger()
    assert win.runner.wait(120000) and win.runner.last_error is None
    once = len(win.doc.project.tracks)
    assert once >= 1
    ids = [t.id for t in win.doc.project.tracks]
    assert len(set(ids)) == len(ids)
    win.doc.undo()                                 # one run, one undo
    assert win.doc.project.tracks == []
    # and an export-like job afterwards is not taken for a detection result
    assert win.runner.start("export", lambda cancel: iter(()))
    assert win.runner.wait(10000)
    assert win.doc.project.tracks == []


def test_the_status_bar_says_what_a_long_detection_is_doing_and_how_long_is_left(qtbot, win):
    """The GUI's detection on the Intel people clip ran for 10 minutes with the label
    "Detect" (nothing for the first 20 s, while the detectors load) and then "Detect:
    detecting": no frame count and no time left, which the CLI and the export dialog give."""
    import threading

    from redaction.jobs import Progress
    go = threading.Event()

    def job(cancel):
        go.wait(10)                                   # loading the detectors
        yield Progress(120, 377, "detecting", eta_s=130.0)
        go.clear()
        go.wait(10)
        return None
    win.runner.start("detect", job)
    qtbot.waitUntil(lambda: win.jobs.job_label.isVisible(), timeout=5000)
    assert win.jobs.job_label.text() == "Detect: starting…"
    go.set()
    qtbot.waitUntil(lambda: "120" in win.jobs.job_label.text(), timeout=5000)
    assert win.jobs.job_label.text() == "Detect: detecting, frame 120 of 377, about 2 min left"
    go.set()
    assert win.runner.wait(10000)
