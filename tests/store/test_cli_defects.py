"""CLI rough edges a new user hit (issue 15), each fixed with a test."""
from __future__ import annotations

import pytest

from redaction.cli import build_parser


def _help(*args) -> str:
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), pytest.raises(SystemExit):
        build_parser().parse_args([*args, "--help"])
    return buf.getvalue()


def test_role_choices_are_listed_once():
    for args in (("user", "add"), ("user", "role")):
        text = _help(*args)
        assert text.count("disclosure-officer") >= 1
        assert "disclosure_officer" not in text
        assert text.count("{reviewer,disclosure-officer,supervisor,administrator}") <= 2  # usage + arg


def test_user_add_takes_either_spelling(team, as_user, bwv):
    as_user("admin")
    rc, out, err = bwv("user", "add", "pc123", "--role", "disclosure-officer",
                       "--password-stdin", stdin="officer-pass-123\n")
    assert rc == 0, err
    assert "disclosure officer" in out
    rc, out, err = bwv("user", "role", "pc123", "supervisor")
    assert rc == 0 and "now supervisor" in out
    rc, out, err = bwv("user", "role", "pc123", "disclosure_officer")
    assert rc == 0 and "now disclosure officer" in out


def test_whoami_at_the_top_level(store, bwv, monkeypatch):
    monkeypatch.setenv("BWV_USER", "alice")
    rc, out, err = bwv("whoami")
    assert rc == 0, err
    assert out == bwv("user", "whoami")[1]
    assert "alice" in out and "standalone" in out


def test_setup_hints_at_adding_users_with_roles(store, bwv):
    rc, out, err = bwv("user", "setup", "chief", "--password-stdin", stdin="long-enough-pw\n")
    assert rc == 0, err
    assert "bwv login chief" in out
    assert "bwv user add pc123 --role disclosure-officer" in out
    assert "cannot import or view footage" in out


def test_case_verify_says_the_hash_matched(store, new_clip, bwv, monkeypatch):
    from redaction.store import api, clips
    monkeypatch.setenv("BWV_USER", "alice")
    cid = api.import_clip(new_clip(), "INC-1")["id"]
    rc, out, err = bwv("case", "verify", cid)
    assert rc == 0, err
    with store.session() as s:
        c = clips.get_clip(s, cid)
        path, sha = clips.clip_path(c), c.sha256
    assert out.splitlines() == [
        f"clip {cid}: OK, the evidence file's sha256 matches the hash recorded at import ({sha})",
        f"evidence {path}"]
    path.chmod(0o640)
    path.write_bytes(path.read_bytes() + b"x")
    rc, out, err = bwv("case", "verify", cid)
    assert rc != 0 and "changed since import" in err and out == ""


def test_project_new_names_the_missing_folder(tmp_path, new_clip, bwv):
    missing = tmp_path / "missing"
    rc, out, err = bwv("project", "new", new_clip(), "--out", missing / "x.bwvproj.json")
    assert rc != 0
    assert err.strip() == f"bwv project: error: {missing}: folder does not exist"
    assert not missing.exists()


def test_export_without_operator_is_the_acting_user(team, as_user, new_clip, tmp_path, bwv):
    import json

    from redaction.session import ProjectSession
    as_user("dora")
    s = ProjectSession.create(new_clip(), tmp_path / "p.bwvproj.json", "dora")
    s.save()
    out = tmp_path / "o.mp4"
    rc, o, err = bwv("export", s.path, "--out", out, "--recipient", "J. Smith",
                     "--organisation", "CPS", "--basis", "Criminal proceedings", "--quiet")
    assert rc == 0, err
    m = json.loads((tmp_path / "o.manifest.json").read_text())
    assert m["operator"] == "dora"
