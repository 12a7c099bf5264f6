"""A postcode followed by "I" (QA): in "... L S 1, 4DP. I was born ..." the pronoun is read
as a letter, "LS14DPI" fits the number-plate pattern and the postcode inside it was dropped:
the range covered the audio but the redactions list called it a number plate. No current UK
plate uses the letter I (or Q), so a valid postcode inside such a match wins, over the
plate's whole span."""
from __future__ import annotations

import pytest

from redaction.model import Project, Source
from redaction.speech import espeak, pii
from redaction.speech.engines import Word
from redaction.speech.job import transcribe_job
from redaction.jobs import run_job
from redaction.speech.transcript import Transcript, proposals


def _found(text: str):
    w = text.split()
    return [(f.kind, " ".join(w[f.first:f.last + 1])) for f in pii.find(w)]


@pytest.mark.parametrize("text, span", [
    ("my postcode is L S 1, 4DP. I was born in Leeds", "L S 1, 4DP. I"),
    # what Whisper tiny.en wrote for an espeak "L S 1, 4DP. I was born in Leeds."
    ("and your post code, LS1 -4DP, I was born in Leeds.", "LS1 -4DP, I"),
    ("it is LS1 4DP a flat on the second floor", "LS1 4DP a"),
])
def test_a_postcode_before_a_word_read_as_a_letter_is_a_postcode(text, span):
    assert _found(text) == [("postcode", span)]


@pytest.mark.parametrize("text, span", [
    ("the car was A B one two C D E", "A B one two C D E"),
    ("plate is AB12 CDE", "AB12 CDE"),
    ("a silver car LS14 DPA parked", "LS14 DPA"),
])
def test_a_plate_is_still_a_plate(text, span):
    assert _found(text) == [("plate", span)]


def test_the_proposal_names_the_postcode_and_keeps_its_range():
    words = [("post", 11.5, 11.9), ("code,", 11.9, 12.8), ("LS1", 12.9, 13.8),
             ("-4DP,", 13.8, 14.8), ("I", 15.4, 15.6), ("was", 15.6, 15.9), ("born", 15.9, 16.1)]
    t = Transcript([Word(w, a, b, 0.9) for w, a, b in words], "whisper-tiny.en", "0" * 64,
                   17.0, [], 17.0)
    (r,) = proposals(t, Project(Source("x.mp4", "0" * 64)))
    assert r.kind == "postcode" and "UK postcode" in r.reason and "plate" not in r.reason
    assert r.words == [2, 4] and r.start == pytest.approx(12.5) and r.end == pytest.approx(16.0)


def test_an_espeak_postcode_before_i_was_born_is_proposed_as_a_postcode(tmp_path, monkeypatch):
    monkeypatch.setenv("BWV_CACHE_DIR", str(tmp_path / "cache"))
    clip = tmp_path / "pc.mp4"
    parts = espeak.speech_clip(clip, [
        "Hello. Can I take your phone number.",
        "Yes, it is oh seven seven zero zero, nine zero zero, one two three.",
        "And your postcode?", "L S 1, 4DP. I was born in Leeds."])
    t = run_job(transcribe_job(clip))
    rs = proposals(t, Project(Source(str(clip), t.source_sha256)))
    kinds = [r.kind for r in rs]
    assert "plate" not in kinds and kinds.count("postcode") == 1, (t.text, kinds)
    rs = [r for r in rs if r.kind == "postcode"]
    pc = parts[3]
    said = pc.start + (pc.end - pc.start) * 0.4       # "L S 1, 4DP." is the first ~40 %
    assert rs[0].start <= pc.start and rs[0].end >= said
