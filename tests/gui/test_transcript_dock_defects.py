"""The transcript dock's defects found in QA (spoken personal details): what a cancelled
transcription leaves behind, words after the picture, the project's own engine."""
from __future__ import annotations

from redaction.errors import BwvError
from redaction.jobs import Progress


def _slow_transcription(session, user=None, cancel=None, engine=None):
    """Stands in for services.transcription_job: runs until cancelled."""
    while True:
        cancel.check()
        yield Progress(0, 1, "transcribing")


def _failing_transcription(session, user=None, cancel=None, engine=None):
    yield Progress(0, 1, "transcribing")
    raise BwvError("speech engine 'x' is not installed")


def _other_job(cancel):
    yield Progress(1, 1, "done")
    return {"not": "a transcript"}


def test_a_cancelled_transcription_does_not_take_the_next_jobs_result(qtbot, win, monkeypatch):
    """Cancel Transcribe, then run another job (an export, a detection): its result went to
    the transcript's slot (AttributeError: no source_sha256) - a traceback in the window."""
    from redaction import services
    monkeypatch.setattr(services, "transcription_job", _slow_transcription)
    assert win.speech.transcribe()
    win.runner.cancel()
    assert win.runner.wait(10000) and win.runner.last_error == "cancelled"
    assert win.runner.start("export", _other_job)
    assert win.runner.wait(10000)
    assert win.runner.last_result == {"not": "a transcript"}
    assert win.transcript.transcript is None


def test_a_failed_transcription_does_not_take_the_next_jobs_result(qtbot, win, monkeypatch):
    from redaction import services
    monkeypatch.setattr(services, "transcription_job", _failing_transcription)
    win.show_error = lambda m: None
    assert win.speech.transcribe()
    assert win.runner.wait(10000) and "not installed" in win.runner.last_error
    assert win.runner.start("detect", _other_job)
    assert win.runner.wait(10000)
    assert win.transcript.transcript is None
