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


def _transcript(win, words):
    from redaction.speech.engines import Word
    from redaction.speech.transcript import Transcript
    doc = win.doc
    clip_s = doc.media.frame_count / float(doc.media.fps)
    return Transcript([Word(w, a, b, 0.9) for w, a, b in words], "whisper-tiny.en",
                      doc.project.source.sha256, 4.0, [], clip_s)


def test_redacting_words_after_the_picture_says_so_instead_of_raising(qtbot, win):
    """Words said after the last frame (the export leaves that audio out): "Redact selected
    words" raised AfterPicture in the window; it now says why nothing was added."""
    t = _transcript(win, [("hello", 0.2, 0.5), ("oh", 3.0, 3.2), ("seven", 3.2, 3.5)])
    win.speech.show_transcript(t)
    panel = win.transcript
    panel.words.item(2).setSelected(True)
    panel.reason.setText("phone number")
    assert panel.redact_selected() is False
    assert win.doc.project.audio == []
    assert "after the end of the picture" in panel.status.text()
