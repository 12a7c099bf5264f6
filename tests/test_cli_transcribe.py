"""``bwv transcribe`` and ``bwv project add-audio --words`` on awkward clips (QA, session 16):
the picture starting after the sound, speech after the last frame, an existing or unwritable
output, a corrupt clip or an interrupted run with a new project, the engine the word numbers
refer to, bad pads, and a clip without sound. The clips are made here with PyAV (espeak-ng
speech laid out like :func:`redaction.speech.espeak.speech_clip`)."""
from __future__ import annotations

import errno
import json
import os
import stat
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from redaction.jobs import run_job
from redaction.media import probe
from redaction.speech import espeak
from redaction.speech.audio16k import RATE, decode_job
from redaction.speech.job import cache_path
from redaction.speech.transcript import DEFAULT_PAD_S, Transcript, search
from redaction.synth import ClipSpec, write_clip

from helpers import run_bwv

pytestmark = pytest.mark.skipif(not espeak.available(), reason="espeak-ng is not installed")

from test_speech import PHONE, POSTCODE, TEXTS  # noqa: E402  the same spoken dialogue
FPS = 10


def _mux(path: Path, audio: np.ndarray, rate: int, *, v_off: float = 0.0,
         picture_end: float | None = None) -> None:
    """H.264 + mono AAC: the audio from time 0, the picture from ``v_off`` to
    ``picture_end`` seconds (default: the end of the audio)."""
    end = len(audio) / rate if picture_end is None else picture_end
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": "30"}
        a_s = out.add_stream("aac", rate=rate, layout="mono")
        yy, xx = np.mgrid[0:120, 0:160]
        first = int(round(v_off * FPS))
        for i in range(first, int(np.ceil(end * FPS))):
            rgb = np.dstack([(xx * 2 + i * 4) % 256, (yy * 2) % 256,
                             np.full_like(xx, 90)]).astype(np.uint8)
            vf = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, FPS)
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        for t0 in range(0, len(audio), 1024):
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[None, t0:t0 + 1024]),
                                            format="fltp", layout="mono")
            af.sample_rate, af.pts, af.time_base = rate, t0, Fraction(1, rate)
            for pkt in a_s.encode(af):
                out.mux(pkt)
        for pkt in a_s.encode():
            out.mux(pkt)


def _speech(lead_s: float = 0.5, gap_s: float = 0.6):
    """The spoken TEXTS as speech_clip lays them out: samples, rate, (start, end) of each
    part in seconds of the audio."""
    said = [espeak.speak(text) for text in TEXTS]
    rate = said[0][1]
    pieces, parts, pos = [], [], 0
    for k, (x, _) in enumerate(said):
        idx = np.flatnonzero(np.abs(x) > 0.01)
        x = x[idx[0]:idx[-1] + 1]
        pad = int((gap_s if k else lead_s) * rate)
        pieces += [np.zeros(pad, np.float32), x]
        parts.append(((pos + pad) / rate, (pos + pad + len(x)) / rate))
        pos += pad + len(x)
    pieces.append(np.zeros(int(0.5 * rate), np.float32))
    return (np.concatenate(pieces) * 0.8).astype(np.float32), rate, parts


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("transcribe_media")
    audio, rate, parts = _speech(lead_s=2.5)
    delayed = d / "picture_late.mp4"           # the picture starts 2 s after the sound
    _mux(delayed, audio, rate, v_off=2.0)
    audio2, rate2, parts2 = _speech()
    tail = d / "tail.mp4"                      # the picture ends 0.8 s into the phone number
    tail_end = parts2[PHONE][0] + 0.8
    _mux(tail, audio2, rate2, picture_end=tail_end)
    plain = d / "plain.mp4"
    _mux(plain, audio2, rate2)
    silent = Path(write_clip(d / "no_audio.mp4", ClipSpec(frames=10, audio_rate=None)))
    return {"delayed": (delayed, [(a - 2.0, b - 2.0) for a, b in parts]),
            "tail": (tail, parts2, tail_end), "plain": (plain, parts2), "silent": silent}


def _covered(r: dict, part) -> float:
    return max(0.0, min(r["end"], part[1]) - max(r["start"], part[0])) / (part[1] - part[0])


def _one_line_error(r, *needles):
    assert r.returncode != 0, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, r.stderr
    for n in needles:
        assert str(n) in r.stderr, (n, r.stderr)


# -- 1: the picture starts after the sound --------------------------------------------------

def test_audio_before_the_first_frame_is_dropped_across_chunks(tmp_path):
    """A click 3 s into the sound of a clip whose picture starts at 2 s lies at 1 s."""
    rate = 22050
    audio = np.zeros(5 * rate, np.float32)
    audio[3 * rate:3 * rate + 200] = 0.9
    clip = tmp_path / "click.mp4"
    _mux(clip, audio, rate, v_off=2.0)
    x = run_job(decode_job(clip))
    at = int(np.flatnonzero(np.abs(x) > 0.3)[0]) / RATE
    assert at == pytest.approx(1.0, abs=0.03)
    assert len(x) / RATE == pytest.approx(3.0, abs=0.1)


def test_word_times_are_from_the_first_frame_when_the_picture_starts_late(media, tmp_path):
    clip, parts = media["delayed"]
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("transcribe", str(clip), "--project", str(proj), "--out",
                str(tmp_path / "w.json"), "--quiet")
    assert r.returncode == 0, r.stderr
    words = json.loads((tmp_path / "w.json").read_text())
    t = Transcript.from_json({"format": "bwv-transcript", "engine": "", "source_sha256": "",
                              "duration_s": 0, "words": words})
    i = search(t, "phone number")[0][0]
    assert parts[0][0] - 0.3 <= t.words[i].start <= parts[0][1]
    phone = [a for a in json.loads(proj.read_text())["audio"] if a["kind"] == "uk_phone"]
    assert phone and _covered(phone[0], parts[PHONE]) >= 0.95, (phone, parts[PHONE])
    assert phone[0]["start"] >= parts[PHONE][0] - DEFAULT_PAD_S - 0.3


# -- 2: speech after the last frame ------------------------------------------------------------

def test_proposals_are_cut_to_the_picture_and_none_is_lost(media, tmp_path):
    clip, parts, _ = media["tail"]
    end = probe(clip, with_hash=False).duration_s         # the last frame's end
    assert end < parts[PHONE][1]
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("transcribe", str(clip), "--project", str(proj), "--quiet")
    assert r.returncode == 0, r.stderr
    audio = {a["kind"]: a for a in json.loads(proj.read_text())["audio"]}
    assert "uk_phone" in audio, r.stderr                  # said across the picture's end
    assert audio["uk_phone"]["end"] <= end + 1e-6
    assert audio["uk_phone"]["start"] <= parts[PHONE][0]
    assert "postcode" not in audio                        # said after it: named instead
    assert "warning:" in r.stderr and "postcode" in r.stderr and "after the end of the picture" \
        in r.stderr, r.stderr
    v = run_bwv("verify", str(proj))
    assert v.returncode == 0, v.stderr + v.stdout


# -- 3: --out ---------------------------------------------------------------------------------

def test_out_refuses_an_existing_file_even_the_clip_and_the_edit_log(media, tmp_path):
    clip, _ = media["plain"]
    mine = tmp_path / "clip.mp4"
    mine.write_bytes(clip.read_bytes())
    before = mine.read_bytes()
    r = run_bwv("transcribe", str(mine), "--out", str(mine), "--quiet")
    _one_line_error(r, mine, "already exists")
    assert mine.read_bytes() == before
    proj = tmp_path / "p.bwvproj.json"
    log = tmp_path / "p.editlog.jsonl"
    r = run_bwv("transcribe", str(mine), "--project", str(proj), "--out", str(log), "--quiet")
    _one_line_error(r, log)
    assert not proj.exists() and not log.exists()


def test_out_is_written_owner_only_and_atomically(media, tmp_path):
    clip, _ = media["plain"]
    out = tmp_path / "words.json"
    r = run_bwv("transcribe", str(clip), "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(json.loads(out.read_text())) > 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["words.json"]


def test_out_write_error_names_the_file_and_leaves_nothing(media, tmp_path, monkeypatch, capsys):
    clip, _ = media["plain"]
    assert run_bwv("transcribe", str(clip), "--quiet").returncode == 0     # cached now
    out = tmp_path / "full" / "words.json"
    out.parent.mkdir()
    real = os.fsync

    def full(fd):
        if "words.json" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)
    monkeypatch.setattr(os, "fsync", full)
    from redaction.cli import main
    rc = main(["transcribe", str(clip), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc != 0 and str(out) in err and "disk full" in err, err
    assert list(out.parent.iterdir()) == []


# -- 4: nothing half-made ---------------------------------------------------------------------

def test_a_corrupt_clip_leaves_no_new_project(tmp_path):
    clip = tmp_path / "bad.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("transcribe", str(clip), "--project", str(proj), "--quiet")
    _one_line_error(r, clip)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mp4"]


def test_an_interrupted_run_leaves_no_new_project(media, tmp_path, monkeypatch, capsys):
    clip, _ = media["plain"]

    def interrupted(*a, **k):
        raise KeyboardInterrupt
        yield
    monkeypatch.setattr("redaction.cli.cmd_transcribe.transcribe_job", interrupted)
    from redaction.cli import main
    proj = tmp_path / "p.bwvproj.json"
    assert main(["transcribe", str(clip), "--project", str(proj), "--quiet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not proj.exists() and not (tmp_path / "p.editlog.jsonl").exists()


def test_transcribe_entry_is_logged_after_the_checked_proposals(media, tmp_path):
    clip, _ = media["plain"]
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("transcribe", str(clip), "--project", str(proj), "--quiet")
    assert r.returncode == 0, r.stderr
    log = [json.loads(x) for x in (tmp_path / "p.editlog.jsonl").read_text().splitlines()]
    actions = [e["action"] for e in log]
    assert actions.count("transcribe") == 1
    k = actions.index("transcribe")
    assert "apply" in actions[:k] and "apply" not in actions[k:], actions
    ids = {a["id"] for a in json.loads(proj.read_text())["audio"]}
    assert ids and set(log[k]["details"]["proposals"]) == ids


# -- 5: which transcript word numbers refer to ------------------------------------------------

def test_add_audio_words_uses_the_engine_the_project_records(media, tmp_path):
    clip, _ = media["plain"]
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("transcribe", str(clip), "--project", str(proj), "--engine",
                "pocketsphinx-en-us", "--quiet")
    assert r.returncode == 0, r.stderr
    rec = json.loads(proj.read_text())["transcript"]
    assert rec["engine"] == "pocketsphinx-en-us" and rec["words"] > 3
    from redaction.speech import engines
    sha = json.loads(proj.read_text())["source"]["sha256"]
    cached = cache_path(sha, engines.build("pocketsphinx-en-us"))
    t = Transcript.from_json(json.loads(cached.read_text()))
    r = run_bwv("project", "add-audio", str(proj), "--words", "1-2", "--pad", "0",
                "--reason", "test: words")
    assert r.returncode == 0, r.stderr
    added = json.loads(proj.read_text())["audio"][-1]
    assert (added["start"], added["end"]) == (round(t.words[1].start, 3), round(t.words[2].end, 3))
    r = run_bwv("project", "add-audio", str(proj), "--words", "1-2", "--engine",
                "whisper-tiny.en", "--reason", "test")
    _one_line_error(r, "pocketsphinx-en-us")
    doc = json.loads(cached.read_text())              # the cached transcript changes
    doc["words"][1]["start"] += 0.5
    cached.write_text(json.dumps(doc))
    r = run_bwv("project", "add-audio", str(proj), "--words", "1-2", "--reason", "test")
    _one_line_error(r, "differs")
    cached.unlink()                                  # or is gone
    r = run_bwv("project", "add-audio", str(proj), "--words", "1-2", "--reason", "test")
    _one_line_error(r, "no pocketsphinx-en-us transcript")
    manual = [a for a in json.loads(proj.read_text())["audio"] if a.get("origin") != "auto"]
    assert len(manual) == 1                          # only the one accepted above


# -- 6, 7: --pad ------------------------------------------------------------------------------

@pytest.mark.parametrize("pad", ["-0.5", "1e6", "nan"])
def test_add_audio_refuses_a_negative_or_absurd_pad(media, tmp_path, pad):
    clip, _ = media["plain"]
    proj = tmp_path / "p.bwvproj.json"
    assert run_bwv("transcribe", str(clip), "--project", str(proj), "--quiet").returncode == 0
    before = proj.read_text()
    r = run_bwv("project", "add-audio", str(proj), "--words", "0-1", f"--pad={pad}",
                "--reason", "test")
    _one_line_error(r, "--pad")
    assert proj.read_text() == before


def test_add_audio_help_gives_the_real_default_pad():
    r = run_bwv("project", "add-audio", "--help")
    assert r.returncode == 0 and f"default {DEFAULT_PAD_S:g}" in " ".join(r.stdout.split())


# -- 8: no sound ------------------------------------------------------------------------------

def test_a_clip_without_audio_says_so(media, tmp_path):
    r = run_bwv("transcribe", str(media["silent"]), "--quiet")
    _one_line_error(r, "no audio stream")
    proj = tmp_path / "p.bwvproj.json"
    r = run_bwv("transcribe", str(media["silent"]), "--project", str(proj), "--quiet")
    _one_line_error(r, "no audio stream")
    assert not proj.exists()
