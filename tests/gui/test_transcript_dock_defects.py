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


def _cache(win, engine_name, words):
    """A cached transcript of the open clip made by ``engine_name``."""
    import json

    from redaction.fsutil import private_dir
    from redaction.speech import engines
    from redaction.speech.job import cache_path
    t = _transcript(win, words)
    t.engine = engine_name
    path = cache_path(t.source_sha256, engines.build(engine_name))
    private_dir(path.parent)
    path.write_text(json.dumps(t.to_json()))
    return t


def test_the_dock_uses_the_engine_the_projects_word_numbers_refer_to(qtbot, win, monkeypatch):
    """A project transcribed with `bwv transcribe --engine pocketsphinx-en-us`: the CLI reads
    word numbers against that engine's transcript; the window showed (and transcribed with)
    the default engine's, so its word numbers and proposals referred to other words."""
    import pytest

    from redaction import edits, services
    from redaction.speech import engines
    from redaction.speech.transcript import EXTRA_KEY
    if engines.available()[:2] != ["whisper-tiny.en", "pocketsphinx-en-us"]:
        pytest.skip("needs both speech engines")
    _cache(win, "whisper-tiny.en", [("hello", 0.2, 0.5), ("there", 0.5, 0.8)])
    ps = _cache(win, "pocketsphinx-en-us", [("yellow", 0.2, 0.5)])
    assert win.doc.do(edits.SetExtra(EXTRA_KEY, ps.record()))
    win.speech.set_doc(win.doc)                       # the clip opened again
    assert win.transcript.transcript.engine == "pocketsphinx-en-us"
    asked = {}

    def job(session, user=None, cancel=None, engine=None):
        asked["engine"] = engine
        return ps
        yield
    monkeypatch.setattr(services, "transcription_job", job)
    assert win.speech.transcribe()
    assert win.runner.wait(10000)
    assert asked["engine"] == "pocketsphinx-en-us"


def test_an_edit_recolours_the_words_without_listing_them_again(qtbot, win):
    """Every edit rebuilt the whole word list (and lost the selection): with a long clip's
    thousands of words the window froze for a second or more on each edit."""
    from PySide6.QtCore import Qt

    from redaction import edits
    from redaction.model import AudioRange
    from redaction.speech.engines import Word
    t = _transcript(win, [])
    t.words = [Word(f"w{i}", 0.0004 * i, 0.0004 * i + 0.0003, 0.9) for i in range(3000)]
    win.speech.show_transcript(t)
    panel = win.transcript
    assert panel.words.count() == 3000
    panel.words.item(0).setData(Qt.UserRole + 7, "listed once")
    panel.words.item(5).setSelected(True)
    assert win.doc.do(edits.AddAudioRange(AudioRange(0.0, 0.001, "mute", "name", id="a1")))
    assert panel.words.item(0).data(Qt.UserRole + 7) == "listed once"     # not rebuilt
    assert panel.selected_span() == (5, 5)
    bg = panel.words.item(1).background().color()
    assert (bg.red(), bg.green(), bg.blue()) == (229, 57, 53)              # redacted: red
    assert panel.words.item(2999).background().style() == Qt.NoBrush
    win.doc.undo()
    assert panel.words.item(1).background().style() == Qt.NoBrush
