"""Accounts (QA s17): nobody changes their own role; a `bwv login` session never acts for
someone else named by BWV_USER (nor the other way round); user names differing only in
case are refused."""
from __future__ import annotations

import json

import pytest

from redaction.store import audit, users


def _role(team, name):
    with team.session() as s:
        return users.get_user(s, name).role


def test_an_administrator_cannot_change_their_own_role(team, as_user, bwv, new_clip):
    as_user("admin")
    rc, out, err = bwv("user", "role", "admin", "supervisor")
    assert rc == 7 and len(err.strip().splitlines()) == 1
    assert "admin cannot change their own role: another administrator does it" in err
    assert _role(team, "admin") == "administrator"
    with team.session() as s:
        [row] = [r for r in audit.entries(s, category="refusal") if r.action == "user.role"]
        assert row.username == "admin" and json.loads(row.details)["role"] == "supervisor"
    rc, out, err = bwv("case", "classify", "1", "evidential", "--reason", "x")
    assert rc == 7                                 # still no footage rights
    # another administrator may do it
    assert bwv("user", "add", "admin2", "--role", "administrator", "--password-stdin",
               stdin="second-admin-pw\n")[0] == 0
    assert bwv("--user", "admin", "user", "role", "rita", "disclosure-officer")[0] == 0
    assert _role(team, "rita") == "disclosure_officer"


def test_a_session_never_acts_for_another_named_user(team, bwv, monkeypatch, passwords,
                                                     new_clip):
    monkeypatch.delenv("BWV_PASSWORD", raising=False)
    monkeypatch.delenv("BWV_USER", raising=False)
    assert bwv("login", "dora", "--password-stdin", stdin=passwords["dora"] + "\n")[0] == 0
    monkeypatch.setenv("BWV_USER", "sam")
    monkeypatch.setenv("BWV_PASSWORD", passwords["sam"])
    rc, out, err = bwv("case", "import", new_clip(), "--incident", "INC-1")
    assert rc == 7 and len(err.strip().splitlines()) == 1, err
    assert "logged in as 'dora'" in err and "'sam' was named" in err and "bwv logout" in err
    rc, out, err = bwv("--user", "sam", "case", "list")
    assert rc == 7 and "logged in as 'dora'" in err
    with team.session() as s:
        assert not [r for r in audit.entries(s) if r.action == "clip.import"]
        assert not [r for r in audit.entries(s) if r.username == "dora"
                    and r.category == "consultation"]
    monkeypatch.setenv("BWV_USER", "dora")            # the session's own user: fine
    monkeypatch.delenv("BWV_PASSWORD")
    rc, out, err = bwv("case", "import", new_clip(), "--incident", "INC-1")
    assert rc == 0, err
    monkeypatch.delenv("BWV_USER")
    assert bwv("logout")[0] == 0
    monkeypatch.setenv("BWV_USER", "sam")             # after logging out, sam may act
    monkeypatch.setenv("BWV_PASSWORD", passwords["sam"])
    assert bwv("case", "list")[0] == 0


@pytest.mark.parametrize("name", ["PC1", "Pc1", "pc1"])
def test_user_names_differing_only_in_case_are_refused(team, as_user, bwv, name):
    as_user("admin")
    assert bwv("user", "add", "pc1", "--role", "reviewer", "--password-stdin",
               stdin="pc1-password-1\n")[0] == 0
    rc, out, err = bwv("user", "add", name, "--role", "supervisor", "--password-stdin",
                       stdin="another-pass-1\n")
    assert rc != 0 and len(err.strip().splitlines()) == 1
    assert (f"user {name!r} already exists" if name == "pc1" else
            "may not differ only in case") in err
    with team.session() as s:
        assert [u.username for u in users.list_users(s)
                if u.username.lower() == "pc1"] == ["pc1"]


def test_an_existing_pair_differing_in_case_still_works(team, passwords, monkeypatch):
    """Stores that already hold PC1 and pc1 keep both (added before the rule)."""
    from redaction import access
    from redaction.store.models import User
    with team.session() as s:
        for n in ("PC1", "pc1"):
            s.add(User(username=n, role="reviewer", created_by="admin",
                       password_hash=users.hash_password(passwords["rita"])))
    monkeypatch.setenv("BWV_PASSWORD", passwords["rita"])
    for n in ("PC1", "pc1"):
        monkeypatch.setenv("BWV_USER", n)
        access.logout()
        assert access.check("view") == n


def test_a_password_reset_ends_the_sessions_on_other_workstations(team, bwv, monkeypatch,
                                                                   passwords, tmp_path):
    """dora is logged in on two workstations (`bwv login`); an administrator resets her
    password (its old one leaked): neither session acts any more. A user changing their
    own password keeps the session they changed it in and ends their others."""
    monkeypatch.delenv("BWV_PASSWORD", raising=False)
    monkeypatch.delenv("BWV_USER", raising=False)

    def on(ws):
        monkeypatch.setenv("BWV_CONFIG_DIR", str(tmp_path / f"ws-{ws}"))

    for ws in ("a", "b"):
        on(ws)
        assert bwv("login", "dora", "--password-stdin", stdin=passwords["dora"] + "\n")[0] == 0
        assert bwv("case", "list")[0] == 0
    on("admin")
    monkeypatch.setenv("BWV_USER", "admin")
    monkeypatch.setenv("BWV_PASSWORD", passwords["admin"])
    assert bwv("user", "passwd", "dora", "--password-stdin", stdin="reset-by-admin-1\n")[0] == 0
    monkeypatch.delenv("BWV_USER")
    monkeypatch.delenv("BWV_PASSWORD")
    for ws in ("a", "b"):
        on(ws)
        rc, out, err = bwv("case", "list")
        assert rc == 7 and len(err.strip().splitlines()) == 1, (ws, rc, err)
        assert "the `bwv login` session of 'dora' has ended" in err and "bwv login dora" in err
    # dora logs in again on both, then changes her own password on a
    for ws in ("a", "b"):
        on(ws)
        assert bwv("login", "dora", "--password-stdin", stdin="reset-by-admin-1\n")[0] == 0
    on("a")
    assert bwv("user", "passwd", "--password-stdin", stdin="doras-own-new-1\n")[0] == 0
    assert bwv("case", "list")[0] == 0
    on("b")
    assert bwv("case", "list")[0] == 7
    with team.session() as s:
        rows = [json.loads(r.details) for r in audit.entries(s) if r.action == "user.passwd"]
    assert [r["sessions_ended"] for r in rows] == [2, 1]
