"""Users and roles: permissions per role, refusals logged, lockout, set-up, sessions."""
from __future__ import annotations

import pytest

from redaction import access
from redaction.errors import PermissionDenied
from redaction.store import api, audit, policy, users

EXPECTED = {
    "rita": {"view", "annotate"},
    "dora": {"view", "annotate", "redact", "export", "import", "manage_cases", "request"},
    "sam": {"view", "annotate", "redact", "export", "import", "manage_cases", "request",
            "classify", "declassify", "approve_export", "retention_review", "retention_run",
            "audit"},
    "admin": {"administer", "retention_run", "audit"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_gets_exactly_its_actions(team, as_user, name):
    as_user(name)
    for action in access.ACTIONS:
        if action in EXPECTED[name]:
            assert access.check(action) == name
        else:
            with pytest.raises(PermissionDenied, match=f"{name} .* cannot"):
                access.check(action)
    refused = set(access.ACTIONS) - EXPECTED[name]
    with team.session() as s:
        rows = audit.entries(s, category="refusal")
    assert {r.action for r in rows} == refused
    assert {r.username for r in rows} == {name}


def test_administrator_footage_access_is_a_policy_choice(team, as_user):
    as_user("admin")
    with pytest.raises(PermissionDenied):
        access.check("view")
    with team.session() as s:
        policy.set_value(s, "admin_footage_access", True, "admin")
    assert access.check("view") == "admin"


def test_cli_refusal_is_logged_and_exits_7(team, as_user, bwv, new_clip):
    as_user("rita")
    rc, out, err = bwv("case", "import", new_clip(), "--incident", "INC-1")
    assert rc == 7 and "rita (reviewer) cannot import: needs disclosure officer" in err
    rc, out, err = bwv("user", "add", "eve", "--role", "supervisor", "--password-stdin",
                       stdin="some-password-1\n")
    assert rc == 7
    with team.session() as s:
        assert [(r.username, r.action) for r in audit.entries(s, category="refusal")] == [
            ("rita", "import"), ("rita", "administer")]
        assert users.find_user(s, "eve") is None


def test_unauthenticated_and_wrong_password_are_refused(team, monkeypatch):
    monkeypatch.setenv("BWV_USER", "dora")
    monkeypatch.delenv("BWV_PASSWORD", raising=False)
    with pytest.raises(PermissionDenied, match="not logged in"):
        access.check("view")
    monkeypatch.setenv("BWV_PASSWORD", "not-her-password")
    with pytest.raises(PermissionDenied, match="wrong user name or password"):
        access.check("view")
    with pytest.raises(PermissionDenied):
        access.check("view", "nobody")
    with team.session() as s:
        assert users.get_user(s, "dora").failed_logins == 1
        cats = [r.category for r in audit.entries(s) if r.category in ("login", "refusal")]
    assert cats.count("refusal") == 3 and cats.count("login") == 2


def test_lockout_after_repeated_failures_and_unlock(team, bwv, as_user, passwords):
    with team.session() as s:
        limit = policy.get(s, "lockout_failures")
    for _ in range(limit):
        with pytest.raises(PermissionDenied, match="wrong"):
            api.login("rita", "guess-guess-guess")
    with pytest.raises(PermissionDenied, match="locked"):
        api.login("rita", passwords["rita"])  # even the right password, while locked
    as_user("admin")
    assert bwv("user", "unlock", "rita")[0] == 0
    assert api.login("rita", passwords["rita"]) == {"user": "rita", "role": "reviewer"}


def test_passwords_are_argon2id_hashes(team, passwords):
    with team.session() as s:
        h = users.get_user(s, "rita").password_hash
    assert h.startswith("$argon2id$") and passwords["rita"] not in h


def test_first_run_setup_is_explicit_and_once_only(store, bwv):
    assert not access.enforced()
    rc, out, err = bwv("user", "setup", "chief", "--password-stdin", stdin="short\n")
    assert rc != 0 and "too short" in err
    assert not access.enforced()
    rc, out, err = bwv("user", "setup", "chief", "--password-stdin", stdin="long-enough-pw\n")
    assert rc == 0, err
    assert access.enforced()
    rc, out, err = bwv("user", "setup", "other", "--password-stdin", stdin="long-enough-pw\n")
    assert rc != 0 and "already set up" in err
    with store.session() as s:
        assert [(u.username, u.role) for u in users.list_users(s)] == [("chief", "administrator")]


def test_login_session_then_logout(team, bwv, monkeypatch, new_clip, passwords):
    monkeypatch.delenv("BWV_PASSWORD", raising=False)
    monkeypatch.delenv("BWV_USER", raising=False)
    rc, out, err = bwv("login", "dora", "--password-stdin", stdin=passwords["dora"] + "\n")
    assert rc == 0, err
    assert access.session_path().stat().st_mode & 0o077 == 0
    assert passwords["dora"] not in access.session_path().read_text()
    rc, out, err = bwv("case", "import", new_clip(), "--incident", "INC-1")
    assert rc == 0, err
    rc, out, _ = bwv("user", "whoami")
    assert out.strip() == "dora (disclosure officer), standalone, not for evidence"
    assert bwv("logout")[0] == 0
    rc, out, err = bwv("case", "list")
    assert rc == 7 and "not logged in" in err


def test_user_management_commands(team, bwv, as_user):
    as_user("admin")
    assert bwv("user", "add", "vic", "--role", "reviewer", "--password-stdin",
               stdin="victor-password\n")[0] == 0
    assert bwv("user", "role", "vic", "disclosure-officer")[0] == 0
    assert bwv("user", "disable", "vic")[0] == 0
    rc, out, _ = bwv("user", "list")
    assert "vic" in out and "disabled" in out
    with pytest.raises(PermissionDenied, match="disabled"):
        api.login("vic", "victor-password")
    assert bwv("user", "enable", "vic")[0] == 0
    assert bwv("user", "passwd", "vic", "--password-stdin", stdin="new-victor-pw\n")[0] == 0
    assert api.login("vic", "new-victor-pw")["role"] == "disclosure_officer"
    rc, out, err = bwv("user", "disable", "admin")
    assert rc != 0 and "no active administrator" in err


def test_why_not_for_menus(team):
    assert access.why_not("export", "dora") is None
    assert access.why_not("export", "rita") == "needs the disclosure officer role"
    assert access.why_not("export", None) == "log in first"
    assert not access.allowed("classify", "dora")


def test_record_helper_for_engine_commands(store, tmp_path, monkeypatch):
    access.record("consultation", "probe", "pc.smith", {"file": "a.mp4"})
    with store.session() as s:
        [row] = [r for r in audit.entries(s) if r.action == "probe"]
        assert row.username == "pc.smith" and row.category == "consultation"
    monkeypatch.setenv("BWV_DATABASE_URL", f"sqlite:///{tmp_path / 'none' / 'x.sqlite3'}")
    access.record("consultation", "probe", "pc.smith")  # no store: no-op, no file
    assert not (tmp_path / "none" / "x.sqlite3").exists()
