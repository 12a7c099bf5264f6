"""``bwv export --transcript`` writes the transcript the project's word numbers refer to:
the engine the project records (``bwv transcribe --engine ...``), not the default one."""
from __future__ import annotations

import json

import pytest

from redaction import services
from redaction.edits import SetExtra
from redaction.export import ExportRequest, export_job
from redaction.fsutil import private_dir
from redaction.jobs import run_job
from redaction.speech import engines
from redaction.speech.engines import Word
from redaction.speech.job import cache_path
from redaction.speech.transcript import EXTRA_KEY, Transcript

from helpers import make_project

pytestmark = pytest.mark.skipif(
    engines.available()[:2] != ["whisper-tiny.en", "pocketsphinx-en-us"],
    reason="needs both speech engines")


def _cache(sha: str, engine: str, words: list[str], clip_s: float) -> Transcript:
    t = Transcript([Word(w, 0.1 + 0.3 * i, 0.35 + 0.3 * i, 0.9) for i, w in enumerate(words)],
                   engine, sha, clip_s, engines.build(engine).models(), clip_s)
    path = cache_path(sha, engines.build(engine))
    private_dir(path.parent)
    path.write_text(json.dumps(t.to_json()))
    return t


def test_export_transcript_is_the_recorded_engines(clips, tmp_path):
    s = make_project(clips["basic"], tmp_path)
    s.use_clip_bounds()
    sha = s.project.source.sha256
    _cache(sha, "whisper-tiny.en", ["default", "engine", "words"], 1.9)
    ps = _cache(sha, "pocketsphinx-en-us", ["recorded", "words"], 1.9)
    services.edit(s, SetExtra(EXTRA_KEY, ps.record()))
    s.save()
    req = ExportRequest(tmp_path / "case.bwvproj.json", tmp_path / "o.mp4", "alice", "r", "o",
                        "b", transcript=True)
    res = run_job(export_job(req, session=s))
    assert res.manifest_data["transcript"]["engine"] == "pocketsphinx-en-us"
    red = json.loads((tmp_path / "o.transcript.json").read_text())
    assert red["text"] == "recorded words"


def test_an_export_whose_recogniser_is_missing_is_refused_before_encoding(clips, tmp_path, monkeypatch):
    """The recorded engine was looked for only at the transcript step, after the whole video
    was encoded: minutes of work, then a refusal."""
    s = make_project(clips["basic"], tmp_path)
    s.use_clip_bounds()
    ps = _cache(s.project.source.sha256, "pocketsphinx-en-us", ["recorded"], 1.9)
    services.edit(s, SetExtra(EXTRA_KEY, ps.record()))
    s.save()
    monkeypatch.setattr(engines, "available", lambda: ["whisper-tiny.en"])
    monkeypatch.setattr(engines, "_built", {})
    import redaction.export as export_mod
    encoded = []
    monkeypatch.setattr(export_mod, "_encode", lambda *a, **k: encoded.append(1))
    req = ExportRequest(tmp_path / "case.bwvproj.json", tmp_path / "o.mp4", "alice", "r", "o",
                        "b", transcript=True)
    with pytest.raises(engines.SpeechUnavailable, match="pocketsphinx-en-us.*not installed"):
        run_job(export_job(req, session=s))
    assert encoded == [] and not list(tmp_path.glob("o.*"))
