"""``bwv selftest``: one line per check, non-zero exit on any failure.

The full self-test (models, encoders, libvlc, detect-and-export) runs in
tests/test_offline.py with the network disabled; here the failure paths.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

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


def test_a_malformed_policy_fails_its_own_check_in_one_line(tmp_path):
    """IT's first question after installing: is the policy they wrote in force? A broken one
    used to pass every check but the pipeline's (blamed on the pipeline), or pass outright
    with --only."""
    bad = tmp_path / "policy.json"
    bad.write_text('{"four_eyes_approval": "yes"}', encoding="utf-8")
    r = run_bwv("selftest", "--only", "dirs", "--only", "policy",
                env={"BWV_POLICY_FILE": str(bad)})
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[1].startswith("PASS  dirs")
    assert lines[2].startswith("FAIL  policy") and str(bad) in lines[2] \
        and "four_eyes_approval must be true or false" in lines[2]
    assert "Traceback" not in r.stdout + r.stderr


def test_the_policy_check_says_what_is_in_force(tmp_path, monkeypatch):
    (c,) = selftest.run_checks(only=["policy"])
    assert c.ok and "standalone, not for evidence" in c.detail
    folder = tmp_path / "etc"
    folder.mkdir(mode=0o755)
    machine = folder / "policy.json"
    machine.write_text('{"four_eyes_approval": true, "retention_days": 40}', encoding="utf-8")
    monkeypatch.setattr("redaction.policy.SYSTEM_POLICY_PATHS", [machine])
    (c,) = selftest.run_checks(only=["policy"])
    assert c.ok and f"Machine policy: {machine}" in c.detail
    assert "Four-eyes approval of exports: on" in c.detail and "(days): 40" in c.detail


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="runs the check as another account (setpriv)")
def test_a_read_only_cache_folder_is_a_verdict_not_an_abort():
    """The self-test works in the cache folder: one that cannot be written used to stop it
    with one error line and no verdicts at all."""
    with tempfile.TemporaryDirectory(prefix="bwv-ro-cache-") as top:
        _read_only_cache(Path(top))


def _read_only_cache(top: Path) -> None:
    top.chmod(0o755)                 # pytest's own folders are closed to the other account
    base = top / "home"
    for name in ("data", "cache", "config", "log"):
        (base / name).mkdir(parents=True)
    for d in [base, *base.iterdir()]:
        os.chown(d, 65534, 65534)
        d.chmod(0o700)
    (base / "cache").chmod(0o500)
    env = {f"BWV_{n.upper()}_DIR": str(base / n) for n in ("data", "cache", "config", "log")}
    r = run_bwv("selftest", "--only", "dirs", "--only", "encoders", "--only", "partials",
                env={**env, "HOME": str(base)}, user="nobody")
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[1].startswith("FAIL  dirs") and f"cache folder is not writable: {base / 'cache'}" \
        in lines[1], lines
    assert lines[2].startswith("PASS  partials") and lines[3].startswith("PASS  encoders"), lines
    assert lines[-1] == "self-test FAILED: 1 check(s)"
    assert not [p for p in Path(tempfile.gettempdir()).glob("bwv-selftest-*")
                if p.stat().st_uid == 65534]


def test_a_log_folder_that_cannot_be_made_prints_no_tracebacks(tmp_path):
    """With no log file, logging's last resort used to print every logged traceback (one per
    failed check) on the console of the self-test meant to diagnose the install."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    r = run_bwv("selftest", "--only", "dirs", "--only", "encoders",
                env={"BWV_LOG_DIR": str(blocker / "log")})
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert lines[1].startswith("FAIL  dirs") and f"log folder cannot be made: {blocker}" in lines[1]
    assert lines[2].startswith("PASS  encoders")
    assert "Traceback" not in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and "logging is off for this run" in r.stderr, r.stderr
