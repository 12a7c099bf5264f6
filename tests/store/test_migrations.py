"""Migrations from an empty database; standalone mode creates no database."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from redaction import access
from redaction.store import db
from redaction.store.models import Base


def test_migrates_an_empty_database_to_head(store_env, db_url):
    engine = db.make_engine(db_url)
    assert db.current_revision(engine) is None
    db.migrate(engine)
    assert db.current_revision(engine) == db.head_revision()
    names = set(sa.inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    with engine.connect() as conn:
        # the shipped migrations produce exactly the models' schema
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert conn.execute(sa.text("SELECT seq, hash FROM audit_head")).one() == (0, "0" * 64)
    db.migrate(engine)  # idempotent
    engine.dispose()


def test_open_store_migrates_and_sqlite_uses_wal(store_env, db_url):
    st = db.open_store()
    assert db.current_revision(st.engine) == db.head_revision()
    if st.is_sqlite:
        with st.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_folder_is_inside_the_package():
    import redaction.store
    assert db.MIGRATIONS.parent == db.Path(redaction.store.__file__).resolve().parent
    assert (db.MIGRATIONS / "env.py").is_file()
    assert (db.MIGRATIONS / "script.py.mako").is_file()


def test_standalone_mode_without_a_store(tmp_path, monkeypatch):
    """The engine commands' contract: no store -> every action allowed, no database made."""
    monkeypatch.setenv("BWV_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BWV_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("BWV_DATABASE_URL", raising=False)
    db.forget_stores()
    for action in access.ACTIONS:
        assert access.check(action, "pc.smith") == "pc.smith"
    assert access.allowed("export", "pc.smith")
    assert not (tmp_path / "data" / db.DB_FILENAME).exists()
    assert not access.enforced()


def test_downgrade_to_empty_and_upgrade_again(store_env, db_url):
    from alembic import command
    engine = db.make_engine(db_url)
    db.migrate(engine)
    with engine.begin() as conn:
        command.downgrade(db.alembic_config(conn), "base")
    assert not (set(sa.inspect(engine).get_table_names()) & set(Base.metadata.tables))
    db.migrate(engine)
    assert db.current_revision(engine) == db.head_revision() == "0007_clip_declassified"
    engine.dispose()


def test_database_url_default_and_plain_postgres_scheme(tmp_path, monkeypatch):
    monkeypatch.setenv("BWV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BWV_DATABASE_URL", raising=False)
    assert db.database_url() == f"sqlite:///{tmp_path / 'bwv.sqlite3'}"
    monkeypatch.setenv("BWV_DATABASE_URL", "postgresql://u:p@host/db")
    assert db.database_url() == "postgresql+psycopg://u:p@host/db"


def test_machine_policy_file_overrides_store_settings(store, tmp_path, monkeypatch):
    """IT's read-only policy file wins over the database's settings and cannot be changed."""
    import json as _json
    from redaction.store import policy as store_policy
    from redaction.store.errors import StoreError
    f = tmp_path / "policy.json"
    f.write_text(_json.dumps({"retention_days": 45, "four_eyes_approval": True}))
    monkeypatch.setenv("BWV_POLICY_FILE", str(f))
    with store.session() as s:
        assert store_policy.get(s, "non_evidential_days") == 45
        assert store_policy.all_settings(s)["four_eyes_export"] is True
        with pytest.raises(StoreError, match="machine policy"):
            store_policy.set_value(s, "non_evidential_days", 10, "admin")
        assert store_policy.get(s, "lockout_failures") == 5  # untouched keys: the store's


def test_a_newer_schema_is_refused_in_one_line(store_env, db_url, bwv):
    """A store a newer build has upgraded, opened by this (older) build: one line naming
    the revision and what to do, not an internal error; nothing is written."""
    st = db.open_store()
    with st.engine.begin() as c:
        c.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_from_a_newer_build'")
    db.forget_stores()
    for args in (("case", "list"), ("store", "migrate"), ("whoami",)):
        rc, out, err = bwv(*args)
        assert rc == 8, (args, rc, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "internal error" not in err, err
        assert "0099_from_a_newer_build" in err and "newer" in err, err
    eng = db.make_engine(db_url)
    assert db.current_revision(eng) == "0099_from_a_newer_build"
    eng.dispose()
