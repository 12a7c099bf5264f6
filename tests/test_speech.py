"""Speech (issue 16): a transcript of synthesised British-English speech finds a spoken phone
number and postcode; the proposals are pending audio ranges reviewed like tracks; the export
mutes them (audio level ~0 there, unchanged elsewhere); the transcript is cached per clip."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from redaction import services
from redaction.edits import AddAudioRanges
from redaction.errors import Cancelled, ExportError
from redaction.export import ExportRequest, export_job
from redaction.jobs import CancelToken, run_job
from redaction.model import AudioRange
from redaction.paths import clip_cache_dir
from redaction.services.editing import add_speech_proposals, decide_audio
from redaction.session import ProjectSession
from redaction.speech import espeak
from redaction.speech.job import cache_path, transcribe_job
from redaction.speech.transcript import search, word_range

from helpers import decode_audio, make_project, run_bwv

TEXTS = ["Good evening. Can I take your phone number please?",
         "Yes, it is",
         "oh seven seven zero zero, nine zero zero, one two three.",
         "And what is your postcode?",
         "L S one, four D P.",
         "Thank you. That is everything for now."]
PHONE, POSTCODE = 2, 4            # the parts that must be redacted
KEEP = (0, 3, 5)                  # parts well away from them: must be unchanged


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    """The clip, where each part's speech lies, and its transcript (made once; the cache
    file is kept so tests can seed their own cache folder with it)."""
    d = tmp_path_factory.mktemp("speech")
    clip = d / "speech.mp4"
    parts = espeak.speech_clip(clip, TEXTS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BWV_CACHE_DIR", str(d / "cache"))
        t = run_job(transcribe_job(clip))
        from redaction.speech import engines
        cached = cache_path(t.source_sha256, engines.build())
        assert cached.exists()
        kept = d / "transcript.json"
        shutil.copy(cached, kept)
    return clip, parts, t, kept


def _seed_cache(spoken):
    clip, _, t, kept = spoken
    from redaction.speech import engines
    dst = cache_path(t.source_sha256, engines.build())
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(kept, dst)
    return dst


def _covered(r: AudioRange, part) -> float:
    return max(0.0, min(r.end, part.end) - max(r.start, part.start)) / (part.end - part.start)


def _rms(x, rate, start, a, b):
    seg = x[:, max(0, int((a - start) * rate)):max(0, int((b - start) * rate))]
    return float(np.sqrt(np.mean(seg.astype(np.float64) ** 2))) if seg.size else 0.0


def test_transcript_words_have_times_and_confidence(spoken):
    clip, parts, t, _ = spoken
    assert t.engine == "whisper-tiny.en" and len(t.words) > 20
    assert all(0 <= w.start <= w.end <= t.duration_s + 0.01 for w in t.words)
    assert all(0.0 <= w.confidence <= 1.0 for w in t.words)
    assert [w.start for w in t.words] == sorted(w.start for w in t.words)
    hit = search(t, "phone number")
    assert hit, t.text
    i = hit[0][0]
    assert parts[0].start - 0.5 <= t.words[i].start <= parts[0].end    # said in the first part


def test_phone_and_postcode_proposed_then_muted_in_export(spoken, tmp_path):
    clip, parts, t, _ = spoken
    _seed_cache(spoken)
    s = make_project(clip, tmp_path)
    s.use_clip_bounds()
    added = add_speech_proposals(s, t)
    kinds = {a.kind: a for a in added}
    assert {"uk_phone", "postcode"} <= set(kinds), [(a.kind, a.words) for a in added]
    assert all(a.status == "pending" and a.origin == "auto" for a in added)
    assert _covered(kinds["uk_phone"], parts[PHONE]) >= 0.95
    assert _covered(kinds["postcode"], parts[POSTCODE]) >= 0.95
    for a in added:      # the words themselves never go into the reason (it is exported)
        assert "seven" not in a.reason and "07" not in a.reason
    s.save()
    req = ExportRequest(tmp_path / "case.bwvproj.json", tmp_path / "out.mp4", "alice", "CPS",
                        "CPS", "test")
    with pytest.raises(ExportError, match=r"audio range\(s\) still pending"):
        run_job(export_job(req, session=s))
    decide_audio(s, [a.id for a in added], "accepted", "caller's phone and address")
    s.save()
    run_job(export_job(req, session=s))
    src, rate, s0 = decode_audio(clip)
    out, rate2, o0 = decode_audio(tmp_path / "out.mp4")
    assert rate == rate2
    for a in added:
        assert _rms(src, rate, s0, a.start, a.end) > 0.01
        assert _rms(out, rate, o0, a.start, a.end) < 1e-4, a.kind      # muted: ~0
    for k in KEEP:
        p = parts[k]
        if any(a.start < p.end and a.end > p.start for a in added):
            continue
        before, after = _rms(src, rate, s0, p.start, p.end), _rms(out, rate, o0, p.start, p.end)
        assert abs(20 * np.log10(after / before)) < 1.0, k                # unchanged
    m = json.loads((tmp_path / "out.manifest.json").read_text())
    assert set(m["redactions"]["audio"]) == {a.id for a in added}
    assert "transcript" not in m and not (tmp_path / "out.transcript.json").exists()


def test_transcript_cached_per_clip_and_cancellable(spoken):
    clip, _, t, _ = spoken
    path = _seed_cache(spoken)
    assert path.parent == clip_cache_dir(t.source_sha256)
    msgs = []
    again = run_job(transcribe_job(clip), lambda p: msgs.append(p.message))
    assert "transcript from cache" in msgs and again.words == t.words
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_job(transcribe_job(clip, token, use_cache=False))


def test_pending_audio_blocks_export_and_override_is_logged(clips, tmp_path):
    s = make_project(clips["basic"], tmp_path)
    s.use_clip_bounds()
    r = AudioRange(0.2, 0.8, "mute", "proposed: spoken digit sequence", id="s1",
                   status="pending", origin="auto", kind="digits", words=[0, 3])
    services.edit(s, AddAudioRanges([r], "test"))
    s.save()
    req = ExportRequest(tmp_path / "case.bwvproj.json", tmp_path / "o.mp4", "alice", "r", "o", "b")
    with pytest.raises(ExportError, match=r"0 track\(s\) and 1 audio range\(s\) .*\(s1\)"):
        run_job(export_job(req, session=s))
    req.accept_pending = True
    res = run_job(export_job(req, session=s))
    assert res.manifest_data["redactions"]["accepted_by_override"] == ["s1"]
    out, rate, o0 = decode_audio(tmp_path / "o.mp4")
    assert _rms(out, rate, o0, 0.25, 0.75) < 1e-4 and _rms(out, rate, o0, 1.0, 1.5) > 0.05
    assert any(e["action"] == "accept_pending_override" and e["details"]["tracks"] == ["s1"]
               for e in s.log.entries())


def test_audio_decisions_are_logged_replayed_and_rejected_ranges_not_redacted(clips, tmp_path):
    s = make_project(clips["basic"], tmp_path)
    s.use_clip_bounds()
    rs = [AudioRange(0.1 + i, 0.5 + i, "mute", "proposed", id=f"s{i + 1}", status="pending",
                     origin="auto", kind="digits", words=[i, i]) for i in range(2)]
    services.edit(s, AddAudioRanges(rs, "test"))
    with pytest.raises(ValueError, match="needs a reason"):
        decide_audio(s, ["s1"], "rejected", " ")
    decide_audio(s, ["s1"], "rejected", "the officer's own number")
    decide_audio(s, ["s2"], "keep_clear", "requester's own words")
    s.save()
    again = ProjectSession.open(tmp_path / "case.bwvproj.json", "alice")
    assert again.consistency().kind == "ok"
    a = {r.id: r for r in again.project.audio}
    assert (a["s1"].status, a["s1"].decided_by, a["s2"].status) == ("rejected", "alice", "keep_clear")
    assert a["s1"].words == [0, 0] and a["s1"].kind == "digits"
    assert again.project.redacted_audio() == [] and again.project.pending_audio() == []


def test_word_range_pad_and_bounds(spoken, tmp_path):
    clip, _, t, _ = spoken
    s = make_project(clip, tmp_path)
    i, j = search(t, "thank you")[0]
    r = word_range(t, s.project, i, j, mode="bleep", reason="r", pad=0.3)
    assert r.start == pytest.approx(max(0, t.words[i].start - 0.3), abs=1e-3)
    assert r.end == pytest.approx(min(t.duration_s, t.words[j].end + 0.3), abs=1e-3)
    assert (r.words, r.mode, r.status, r.origin) == ([i, j], "bleep", "accepted", "manual")
    with pytest.raises(IndexError):
        word_range(t, s.project, 0, len(t.words), reason="r")


def test_cli_transcribe_add_audio_words_and_redacted_transcript(spoken, tmp_path):
    clip, parts, t, _ = spoken
    _seed_cache(spoken)
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("transcribe", str(clip), "--out", str(tmp_path / "w.json"), "--quiet")
    assert r.returncode == 0, r.stderr
    words = json.loads((tmp_path / "w.json").read_text())
    assert words[0].keys() == {"word", "start", "end", "confidence"} and len(words) == len(t.words)
    r = run_bwv("transcribe", str(clip), "--project", str(proj), "--quiet")
    assert r.returncode == 0 and "uk_phone" in r.stderr and "postcode" in r.stderr, r.stderr
    doc = json.loads(proj.read_text())
    assert {a["status"] for a in doc["audio"]} == {"pending"}
    i, j = search(t, "thank you")[0]
    r = run_bwv("project", "add-audio", str(proj), "--words", f"{i}-{j}", "--mode", "bleep",
                "--reason", "test: words by index")
    assert r.returncode == 0, r.stderr
    exp = ["export", str(proj), "--out", str(tmp_path / "o.mp4"), "--operator", "alice",
           "--recipient", "CPS", "--organisation", "CPS", "--basis", "test", "--quiet",
           "--transcript"]
    r = run_bwv(*exp)
    assert r.returncode != 0 and "pending" in r.stderr
    ids = [a["id"] for a in json.loads(proj.read_text())["audio"] if a.get("status") == "pending"]
    r = run_bwv("project", "decide", str(proj), *ids, "--status", "accepted", "--reason", "PII")
    assert r.returncode == 0, r.stderr
    r = run_bwv(*exp)
    assert r.returncode == 0, r.stderr
    red = json.loads((tmp_path / "o.transcript.json").read_text())
    m = json.loads((tmp_path / "o.manifest.json").read_text())
    assert m["transcript"]["redacted_words"] == red["redacted_words"] > 0
    assert "[REDACTED]" in red["text"] and "thank" not in red["text"].lower()
    assert "phone number" in red["text"].lower()                 # unredacted words stay
    digits = [w for w in red["words"] if parts[PHONE].start + 0.2 < w["start"] < parts[PHONE].end - 0.2]
    assert digits and all(w["word"] == "[REDACTED]" for w in digits)


@pytest.mark.slow
def test_pocketsphinx_floor_engine_gives_timed_words(spoken, tmp_path):
    clip, parts, _, _ = spoken
    t = run_job(transcribe_job(clip, engine="pocketsphinx-en-us", use_cache=False))
    assert t.engine == "pocketsphinx-en-us" and len(t.words) > 10
    assert all(0 <= w.start < w.end <= t.duration_s + 0.05 for w in t.words)
    assert all(parts[0].start - 0.3 <= w.start for w in t.words[:1])     # nothing before speech
    assert [m["licence"] for m in t.models] == ["BSD-2-Clause"] * len(t.models)
