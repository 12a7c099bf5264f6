"""``bwv selftest``: one line per check, non-zero exit on any failure.

The full self-test (models, encoders, libvlc, detect-and-export) runs in
tests/test_offline.py with the network disabled; here the failure paths.
"""
from __future__ import annotations

import dataclasses

import pytest

from redaction import selftest
from redaction.detect import models

from helpers import run_bwv


def test_quick_checks_pass_in_process():
    res = selftest.run_checks(only=["dirs", "encoders"])
    assert [c.name for c in res] == ["dirs", "encoders"]
    assert all(c.ok for c in res), [c.line() for c in res]
    assert res[1].line().startswith("PASS  encoders") and "libx264" in res[1].detail


def test_unwritable_folder_fails_with_one_line_and_exit_1(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    r = run_bwv("selftest", "--only", "dirs", env={"BWV_DATA_DIR": str(blocker / "data")})
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert lines[1].startswith("FAIL  dirs") and str(blocker) in lines[1]
    assert lines[-1] == "self-test FAILED: 1 check(s)"


def test_altered_model_hash_fails(monkeypatch):
    bad = [dataclasses.replace(m, sha256="0" * 64) if i == 0 else m
           for i, m in enumerate(models.MODELS)]
    monkeypatch.setattr(models, "MODELS", bad)
    models._verified.clear()
    models._BY_NAME.clear()
    try:
        (c,) = selftest.run_checks(only=["models"])
    finally:
        models._verified.clear()
        models._BY_NAME.clear()
    assert not c.ok and "corrupt or altered" in c.detail and bad[0].file in c.detail


def test_model_missing_from_provenance_fails(monkeypatch):
    monkeypatch.setattr(selftest, "_models_md_hashes", lambda: set())
    (c,) = selftest.run_checks(only=["models"])
    assert not c.ok and "not in MODELS.md" in c.detail


def test_a_crashing_check_is_a_failure_not_a_crash(monkeypatch):
    def boom(ctx):
        raise ValueError("kaput\nsecond line")
    monkeypatch.setattr(selftest, "CHECKS", [("encoders", boom)])
    (c,) = selftest.run_checks()
    assert not c.ok and c.detail == "ValueError: kaput"


def test_speech_check_runs_the_recogniser_and_refuses_altered_weights(monkeypatch, tmp_path):
    from redaction.speech import engines
    assert "loaded and ran" in selftest.check_speech(None)
    if "whisper-tiny.en" not in engines.available():
        pytest.skip("Whisper not installed")
    eng = engines.WhisperEngine()
    fake = tmp_path / "model"
    fake.mkdir()
    for name in engines.WHISPER_SHA256:
        (fake / name).write_bytes((eng.model_dir / name).read_bytes()[:1000])
    eng.model_dir = fake
    with pytest.raises(engines.SpeechUnavailable, match="sha256 does not match"):
        eng.verify()
