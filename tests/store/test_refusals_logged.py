"""Refusals for a broken policy or a missing audit key go to bwv.log (QA s17): the one-line
error was printed but nothing was logged, and the audit trail may be what is broken."""
from __future__ import annotations

import os
import subprocess
import sys

from redaction.store import audit, auditkey


def _bwv(tmp_path, *args, **env):
    e = dict(os.environ, BWV_LOG_DIR=str(tmp_path / "logs"), **env)
    r = subprocess.run([sys.executable, "-m", "redaction", *args], capture_output=True,
                       text=True, env=e, timeout=120)
    log = tmp_path / "logs" / "bwv.log"
    return r, log.read_text() if log.exists() else ""


def test_a_malformed_policy_refusal_is_logged(store_env, tmp_path):
    bad = tmp_path / "policy.json"
    bad.write_text('{"retention_days": "soon"}')
    r, log = _bwv(tmp_path, "case", "list", BWV_POLICY_FILE=str(bad))
    assert r.returncode == 8 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "retention_days must be a whole number" in r.stderr
    assert "refused:" in log and str(bad) in log and "retention_days must be" in log


def test_an_unreadable_policy_refusal_is_logged(store_env, tmp_path):
    bad = tmp_path / "policy.json"
    bad.write_bytes(b"\xff\xfe{not json")
    r, log = _bwv(tmp_path, "whoami", BWV_POLICY_FILE=str(bad))
    assert r.returncode == 8 and "invalid JSON" in r.stderr
    assert "refused:" in log and "invalid JSON" in log


def test_a_missing_audit_key_refusal_is_logged(team, tmp_path, passwords):
    path, made = auditkey.create_key()
    assert made
    with team.session() as s:
        audit.append(s, "admin", "administration", "test", {})   # under HMAC now
    os.chmod(path, 0o600)
    path.unlink()
    r, log = _bwv(tmp_path, "case", "list", BWV_USER="dora", BWV_PASSWORD=passwords["dora"])
    assert r.returncode != 0 and "audit key file is missing" in r.stderr, r.stderr
    assert "refused:" in log and "audit key file is missing" in log and str(path) in log
