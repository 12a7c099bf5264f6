"""The transcript dock (issue 16): transcribe in the window, search, redact selected words
with a pad and a reason, propose personal details, accept them; all through logged edits."""
from __future__ import annotations

import pytest

from redaction.speech import espeak

TEXTS = ["Good evening. Can I take your phone number please?", "Yes, it is",
         "oh seven seven zero zero, nine zero zero, one two three.",
         "Thank you. That is everything for now."]


@pytest.fixture(scope="module")
def speech_clip(tmp_path_factory):
    d = tmp_path_factory.mktemp("speechgui")
    parts = espeak.speech_clip(d / "speech.mp4", TEXTS, size=(320, 240))
    return d / "speech.mp4", parts


@pytest.fixture
def swin(qtbot, speech_clip, tmp_path):
    from app.main_window import MainWindow
    from app.prefs import Preferences
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(speech_clip[0].read_bytes())
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    assert w.open_path(clip)
    qtbot.waitExposed(w)
    yield w
    w.shutdown()


def test_transcribe_search_redact_words_and_review_proposals(qtbot, swin, speech_clip):
    _, parts = speech_clip
    panel, doc = swin.transcript, swin.doc
    assert panel.transcript is None and not panel.redact_btn.isEnabled()
    panel.transcribe_btn.click()
    assert swin.runner.wait(120000)
    t = panel.transcript
    assert t is not None and panel.words.count() == len(t.words) > 10
    rec = [e for e in doc.session.log.verify() if e["action"] == "transcribe"]
    assert len(rec) == 1 and rec[0]["user"] == "alice" and rec[0]["details"]["engine"] == t.engine
    pend = doc.project.pending_audio()              # proposed by Transcribe, as the CLI does
    assert [a.kind for a in pend] == ["uk_phone"]
    assert panel.status.text() == "1 proposal(s) added, pending review."
    assert swin.timeline.view.transcript is t
    panel.search_box.setText("thank you")
    assert panel.find() == 1
    i, j = panel.selected_span()
    assert t.words[i].word.lower().startswith("thank")
    assert swin.view.frame_index == doc.media.index_at_time(t.words[i].start)   # seeked there
    panel.reason.setText("")
    assert not panel.redact_btn.click() and doc.project.audio == pend             # reason needed
    panel.reason.setText("third party's words")
    panel.mode.setCurrentText("bleep")
    panel.pad.setValue(0.1)
    panel.redact_btn.click()
    r = doc.project.audio[-1]
    assert (r.mode, r.words, r.reason, r.status) == ("bleep", [i, j], "third party's words", "accepted")
    assert r.start == pytest.approx(max(0, t.words[i].start - 0.1), abs=1e-3)
    panel.propose_btn.click()                        # nothing new: said, with what it looks for
    assert len(doc.project.pending_audio()) == 1
    assert panel.status.text().startswith("No new spoken details found") and "names" in panel.status.text()
    ph = pend[0]
    cover = min(ph.end, parts[2].end) - max(ph.start, parts[2].start)
    assert cover >= 0.9 * (parts[2].end - parts[2].start)
    assert panel.proposals.count() == 2
    panel.proposals.item([panel.proposals.item(k).text().split()[0]
                          for k in range(2)].index(ph.id)).setSelected(True)
    panel.reason.setText("caller's mobile number")
    panel.decide_btns["accepted"].click()
    assert doc.project.pending_audio() == [] and ph.id in {a.id for a in doc.project.redacted_audio()}
    names = [e["details"]["command"]["name"] for e in doc.session.log.entries()
             if e["action"] == "apply"]
    assert names[-3:] == ["batch", "add_audio_range", "set_audio_status"]
    swin.grab().save(str(swin.doc.session.path.parent / "transcript.png"))
