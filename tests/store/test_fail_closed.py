"""Nothing fails open (issue 13): a machine policy requires the case store; environment
variables cannot override it; without one the workstation says "standalone, not for evidence".

A machine policy is simulated by pointing ``redaction.policy.SYSTEM_POLICY_PATHS`` at a file
in the test's folder (never by an environment variable, never by writing to /etc).
"""
from __future__ import annotations

import json

import pytest

from redaction import access, policy
from redaction.errors import PermissionDenied
from redaction.store import audit, db, users


@pytest.fixture
def machine_policy(tmp_path, monkeypatch):
    """Install a machine policy with the given values (``database_url`` etc.)."""
    path = tmp_path / "etc" / "policy.json"

    def install(**values):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
        monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", [path])
        policy._warned.clear()
        db.forget_stores()
        access.logout()
        return path
    return install


def _refusals(st):
    with st.session() as s:
        return [(r.username, r.action) for r in audit.entries(s, category="refusal")]


def test_no_store_under_machine_policy_is_refused(store_env, machine_policy, tmp_path, bwv,
                                                   new_clip):
    url = f"sqlite:///{tmp_path / 'srv' / 'bwv.sqlite3'}"
    machine_policy(database_url=url)
    with pytest.raises(PermissionDenied, match="requires the case store and there is none.*"
                                               "bwv user setup"):
        access.check("view")
    assert access.mode().kind == "locked" and access.enforced()
    assert access.why_not("annotate", "anyone").startswith("refused:")
    rc, out, err = bwv("case", "import", new_clip(), "--incident", "INC-1")
    errors = [ln for ln in err.splitlines() if not ln.startswith("bwv: warning:")]
    assert rc == 7 and len(errors) == 1 and "bwv user setup" in errors[0]
    rc, out, err = bwv("user", "whoami")
    assert rc == 7 and "bwv user setup" in out
    assert not (tmp_path / "srv" / "bwv.sqlite3").exists()   # refusing creates nothing
    # `bwv user setup` is the way forward
    rc, out, err = bwv("user", "setup", "admin", "--password-stdin", stdin="admin-password-1\n")
    assert rc == 0, err
    assert access.mode().kind == "enforced" and access.mode().for_evidence


def test_store_with_zero_users_is_refused_and_audited(store, machine_policy, bwv, db_url):
    machine_policy(database_url=db_url)
    with pytest.raises(PermissionDenied, match="no user accounts.*bwv user setup"):
        access.check("export", "dora")
    with pytest.raises(PermissionDenied, match="no user accounts"):
        access.authenticate("dora")
    rc, out, err = bwv("case", "list")
    assert rc == 7 and "no user accounts" in err
    st = db.open_store(db_url)
    assert ("dora", "export") in _refusals(st) and ("dora", "authenticate") in _refusals(st)


def test_unreachable_store_under_machine_policy_is_refused(store_env, machine_policy, bwv):
    machine_policy(database_url="postgresql+psycopg://u:secret@127.0.0.1:1/nodb")
    with pytest.raises(PermissionDenied, match="cannot be opened"):
        access.check("view")
    rc, out, err = bwv("case", "list")
    assert rc == 7 and "cannot be opened" in err and "secret" not in err


def test_require_store_false_keeps_standalone_but_not_for_evidence(store_env, machine_policy,
                                                                    tmp_path):
    machine_policy(require_store=False, database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    m = access.mode()
    assert m.kind == "standalone" and m.machine_policy and not m.for_evidence
    assert access.check("export", "pc.smith") == "pc.smith"


def test_database_url_env_is_ignored_under_machine_policy(team, machine_policy, db_url,
                                                          tmp_path, monkeypatch, as_user, capsys):
    machine_policy(database_url=db_url)
    empty = f"sqlite:///{tmp_path / 'fresh' / 'bwv.sqlite3'}"
    monkeypatch.setenv("BWV_DATABASE_URL", empty)      # an empty store: every action allowed?
    assert db.database_url() == db_url
    assert "BWV_DATABASE_URL is ignored" in capsys.readouterr().err
    as_user("rita")
    with pytest.raises(PermissionDenied, match="rita \\(reviewer\\) cannot export"):
        access.check("export")
    assert not (tmp_path / "fresh" / "bwv.sqlite3").exists()
    db.database_url()
    assert "ignored" not in capsys.readouterr().err     # said once


def test_data_dir_env_is_ignored_for_the_store_under_machine_policy(store_env, machine_policy,
                                                                    tmp_path, monkeypatch, bwv):
    platform = tmp_path / "platform-data"
    monkeypatch.setattr("redaction.paths.default_data_dir", lambda: str(platform))
    machine_policy()                                    # no database_url: SQLite in store_dir
    monkeypatch.setenv("BWV_DATA_DIR", str(tmp_path / "empty-folder"))
    assert db.database_url() == f"sqlite:///{platform / 'bwv.sqlite3'}"
    assert db.evidence_dir() == platform / "evidence"
    with pytest.raises(PermissionDenied, match="bwv user setup"):
        access.check("import", "pc.smith")
    assert not (tmp_path / "empty-folder" / "bwv.sqlite3").exists()


def test_evidence_dir_comes_from_the_machine_policy(store_env, machine_policy, tmp_path,
                                                   monkeypatch):
    machine_policy(store_dir=str(tmp_path / "srv"), evidence_dir=str(tmp_path / "share"))
    monkeypatch.setenv("BWV_EVIDENCE_DIR", str(tmp_path / "elsewhere"))
    assert db.database_url() == f"sqlite:///{tmp_path / 'srv' / 'bwv.sqlite3'}"
    assert db.evidence_dir() == tmp_path / "share"
    assert db.store_files_dir() == tmp_path / "srv" / "store-files"


def test_policy_file_env_is_ignored_under_machine_policy(store_env, machine_policy, tmp_path,
                                                         monkeypatch, capsys):
    lax = tmp_path / "lax.json"
    lax.write_text(json.dumps({"require_store": False, "four_eyes_approval": False}))
    monkeypatch.setenv("BWV_POLICY_FILE", str(lax))
    path = machine_policy(database_url=f"sqlite:///{tmp_path / 'srv' / 'bwv.sqlite3'}",
                          four_eyes_approval=True)
    pol = policy.load_policy(reload=True)
    assert pol.path == path and pol.machine and pol.get("four_eyes_approval") is True
    assert "BWV_POLICY_FILE is ignored" in capsys.readouterr().err
    with pytest.raises(PermissionDenied, match="bwv user setup"):
        access.check("view", "pc.smith")


def test_without_machine_policy_env_points_at_a_throwaway_store(team, bwv, as_user, passwords,
                                                                monkeypatch):
    m = access.mode()
    assert m.kind == "enforced" and not m.machine_policy and not m.for_evidence
    assert m.label == "standalone, not for evidence"
    as_user("dora")
    monkeypatch.delenv("BWV_PASSWORD")
    rc, out, err = bwv("login", "dora", "--password-stdin", stdin=passwords["dora"] + "\n")
    assert rc == 0, err
    rc, out, _ = bwv("user", "whoami")
    assert out.strip() == "dora (disclosure officer), standalone, not for evidence"


def test_whoami_under_machine_policy_has_no_standalone_label(team, machine_policy, db_url, bwv,
                                                             monkeypatch, passwords):
    machine_policy(database_url=db_url)
    monkeypatch.delenv("BWV_PASSWORD", raising=False)
    rc, out, err = bwv("login", "dora", "--password-stdin", stdin=passwords["dora"] + "\n")
    assert rc == 0, err
    rc, out, _ = bwv("user", "whoami")
    assert out.strip() == "dora (disclosure officer)"


def test_standalone_whoami_says_not_for_evidence(store_env, bwv):
    rc, out, _ = bwv("user", "whoami")
    assert rc == 0 and "standalone, not for evidence" in out
    with db.open_store().session() as s:
        assert users.user_count(s) == 0


def test_a_damaged_database_file_is_one_line_naming_it(store_env, tmp_path, bwv):
    if not db.database_url().startswith("sqlite"):
        pytest.skip("a database file: SQLite")
    assert bwv("case", "list")[0] == 0                  # the store exists
    db.forget_stores()
    f = db.make_url(db.database_url()).database
    data = open(f, "rb").read()
    open(f, "wb").write(data[:5000])                    # cut short
    rc, out, err = bwv("case", "list")
    assert rc == 8 and err.count("\n") == 1, err
    assert f in err and "cannot read the database" in err and "sqlalche.me" not in err


@pytest.mark.postgres
def test_libpq_environment_cannot_move_the_policy_database(store_env, db_url, machine_policy,
                                                           bwv, monkeypatch, capsys):
    """libpq fills what a URL leaves out from PG* variables: under a machine policy
    PGOPTIONS (a search_path) must not move the workstation onto another schema of the
    server, here one where the user made themselves administrator."""
    import uuid

    import sqlalchemy as sa
    from argon2 import PasswordHasher

    from redaction.store import users
    from tests.store.conftest import PG_URL
    if not db_url.startswith("postgresql"):
        pytest.skip("libpq: PostgreSQL only")
    name = f"bwv_pgenv_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = str(sa.engine.make_url(PG_URL).set(database=name).render_as_string(False))
    try:
        fast = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
        monkeypatch.setattr("redaction.store.users._hasher", fast)
        real = db.Store(url)                     # the force's store: public schema
        with real.session() as s:
            users.setup_admin(s, "admin", "admin-password-1")
        real.dispose()
        with sa.create_engine(url).begin() as c:
            c.exec_driver_sql("CREATE SCHEMA decoy")
        decoy = db.Store(url + "?options=-csearch_path%3Ddecoy")
        with decoy.session() as s:               # a store where mallory is administrator
            users.setup_admin(s, "mallory", "mallory-password-1")
        decoy.dispose()
        import shutil

        from redaction import paths
        shutil.rmtree(paths.data_dir() / "audit-anchors")   # the user's own folder
        machine_policy(database_url=url)
        monkeypatch.setenv("PGOPTIONS", "-csearch_path=decoy")
        monkeypatch.setenv("BWV_USER", "mallory")
        monkeypatch.setenv("BWV_PASSWORD", "mallory-password-1")
        capsys.readouterr()
        rc, out, err = bwv("user", "list")
        assert rc == 7 and "mallory" in err and "wrong user name or password" in err, err
        assert "PGOPTIONS is ignored" in err
    finally:
        db.forget_stores()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()
