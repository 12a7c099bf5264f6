"""The audit trail survives an insider (issue 13): rows under an HMAC whose key is outside the
database, the database advancing the chain head, the PostgreSQL application role that can only
append and read, and export manifests that anchor the head. SQLite and a real PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
import os
import stat
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from redaction import hashchain, policy
from redaction.errors import IntegrityError
from redaction.store import audit, auditkey, db, roles
from redaction.store.models import AuditEntry

from helpers import drop_audit_guard, restore_audit_guard

PG_URL = os.environ.get("BWV_TEST_PG_URL")          # the owner role (see conftest.py)
PG_APP_URL = os.environ.get("BWV_TEST_PG_APP_URL")  # the application role


def _fill(store, n=5, first_day=1):
    t0 = dt.datetime(2026, 3, first_day, 12, 0, tzinfo=dt.timezone.utc)
    with store.session() as s:
        for i in range(n):
            audit.append(s, f"user{i}", "consultation", "clip.open", {"clip": i},
                         now=t0 + dt.timedelta(hours=i))


@pytest.fixture
def keyed(store):
    """A store whose audit rows are under HMAC (the key file in the data folder)."""
    path, created = auditkey.create_key()
    assert created
    return store


def _verify(store):
    with store.session() as s:
        return audit.verify(s)


def _rows(store):
    with store.session() as s:
        return [{c: getattr(e, c) for c in ("seq", "ts", "username", "category", "action",
                                            "details", "prev_hash", "hash", "v", "mac")}
                for e in s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars()]


def _owner_rewrite(store, from_seq, change, *, key=None, strip_macs=False):
    """What the database's owner can do: drop the append-only guard, change a row and
    recompute the plain sha256 of it and of every later row, and the head (and, holding
    ``key``, their MACs too)."""
    rows = _rows(store)
    prev = hashchain.GENESIS
    for d in rows:
        if d["seq"] == from_seq:
            change(d)
        if d["seq"] >= from_seq:
            d["prev_hash"] = prev
            if strip_macs:
                d["v"], d["mac"] = None, None
                d["hash"] = audit.row_hash(d["seq"], d["ts"], d["username"], d["category"],
                                           d["action"], d["details"], d["prev_hash"])
            else:
                body = audit.row_body(d["seq"], d["ts"], d["username"], d["category"],
                                      d["action"], d["details"], d["prev_hash"])
                d["hash"] = hashchain.entry_hash(body)
                if key is not None:
                    d["mac"] = hashchain.entry_hash(body, key)
        prev = d["hash"]
    with store.engine.begin() as c:
        drop_audit_guard(c, store.is_sqlite)
        for d in rows[from_seq - 1:]:
            c.execute(sa.text("UPDATE audit SET username = :username, details = :details, "
                              "prev_hash = :prev_hash, hash = :hash, v = :v, mac = :mac "
                              "WHERE seq = :seq"), d)
        c.execute(sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
                  rows[-1])
        restore_audit_guard(c, store.is_sqlite)   # and covers the tracks


def test_rows_carry_a_version_and_an_hmac_under_the_key(keyed):
    _fill(keyed, 3)
    key = auditkey.load_key()
    for d in _rows(keyed):
        body = audit.row_body(d["seq"], d["ts"], d["username"], d["category"], d["action"],
                              d["details"], d["prev_hash"])
        assert d["v"] == 2 and d["hash"] == hashchain.entry_hash(body)
        assert d["mac"] == hashchain.entry_hash(body, key) != d["hash"]
    r = _verify(keyed)
    assert r.ok and r.rows == 3 and r.macs == 3


def test_sql_edit_with_recomputed_sha256_is_caught_naming_the_row(keyed, bwv):
    _fill(keyed)
    _owner_rewrite(keyed, 2, lambda d: d.update(details='{"clip":42}'))
    r = _verify(keyed)
    assert not r.ok and r.first_bad == 2
    assert r.problems[0].startswith("row 2: HMAC does not match"), r.problems
    # the plain chain is consistent: only the key shows the rewrite
    assert not any("content does not match" in p or "does not follow" in p for p in r.problems)
    rc, out, err = bwv("audit", "verify")
    assert rc == IntegrityError.exit_code
    assert err.count("\n") == 1 and "first: row 2: HMAC does not match" in err
    assert "row 2: HMAC does not match" in out


def test_stripping_the_macs_and_rehashing_the_old_way_is_caught(keyed, bwv):
    _fill(keyed)
    _owner_rewrite(keyed, 1, lambda d: d.update(username="nobody"), strip_macs=True)
    r = _verify(keyed)
    assert not r.ok
    assert any("row 5 (the newest) has no HMAC although the audit key exists" in p
               for p in r.problems), r.problems


def test_stripping_macs_from_the_middle_is_caught(keyed):
    _fill(keyed)
    rows = _rows(keyed)
    with keyed.engine.begin() as c:
        if keyed.is_sqlite:
            c.exec_driver_sql("DROP TRIGGER audit_no_update")
        else:
            c.exec_driver_sql("DROP TRIGGER audit_append_only ON audit")
        c.execute(sa.text("UPDATE audit SET mac = NULL WHERE seq = 3"))
    r = _verify(keyed)
    assert not r.ok and r.first_bad == 3 and "row 3: no HMAC although earlier rows" in \
        r.problems[0]
    assert rows[2]["mac"]


def test_missing_key_refuses_append_and_verify(keyed, bwv):
    _fill(keyed, 2)
    path = auditkey.key_path()
    path.unlink()
    with pytest.raises(auditkey.AuditKeyError, match="audit key file is missing"):
        with keyed.session() as s:
            audit.append(s, "x", "consultation", "clip.open", {})
    rc, out, err = bwv("audit", "verify")
    assert rc == IntegrityError.exit_code and out == ""
    assert err.count("\n") == 1 and "audit key file is missing" in err and str(path) in err
    assert len(_rows(keyed)) == 2  # nothing was appended


def test_unusable_key_file_fails_closed(keyed):
    _fill(keyed, 1)
    path = auditkey.key_path()
    os.chmod(path, 0o644)
    with pytest.raises(auditkey.AuditKeyError, match="can be read by other accounts"):
        _verify(keyed)
    os.chmod(path, 0o600)
    path.write_text("not hex\n")
    with pytest.raises(auditkey.AuditKeyError, match="not 64 hex digits"):
        with keyed.session() as s:
            audit.append(s, "x", "consultation", "clip.open", {})


def test_a_different_key_is_refused_before_appending(keyed):
    _fill(keyed, 2)
    path = auditkey.key_path()
    os.chmod(path, 0o600)
    path.write_text(os.urandom(32).hex() + "\n")
    with pytest.raises(auditkey.AuditKeyError, match="does not verify the newest row"):
        with keyed.session() as s:
            audit.append(s, "x", "consultation", "clip.open", {})
    assert len(_rows(keyed)) == 2


def test_the_database_refuses_a_row_that_does_not_follow_the_head(keyed):
    _fill(keyed, 2)
    rows = _rows(keyed)
    bad = dict(rows[-1], seq=3, prev_hash=rows[0]["hash"])  # links to row 1: a fork
    with pytest.raises(sa.exc.DatabaseError, match="does not follow the chain head"):
        with keyed.engine.begin() as c:
            c.execute(sa.text("INSERT INTO audit (seq, ts, username, category, action, details,"
                              " prev_hash, hash, v, mac) VALUES (:seq, :ts, :username, "
                              ":category, :action, :details, :prev_hash, :hash, :v, :mac)"), bad)
    with keyed.session() as s:
        assert audit.head(s) == {"seq": 2, "hash": rows[-1]["hash"]}


def test_user_setup_creates_the_key_file_readable_only_by_its_owner(store, bwv, store_env):
    rc, out, err = bwv("user", "setup", "chief", "--password-stdin", stdin="long-enough-pw\n")
    assert rc == 0, err
    path = auditkey.key_path()
    assert path == store_env / "data" / "audit.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    [row] = _rows(store)
    assert row["action"] == "user.setup" and row["mac"] is not None


def test_key_location_follows_the_machine_policy_not_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BWV_AUDIT_KEY_FILE", str(tmp_path / "env.key"))
    assert auditkey.key_path() == tmp_path / "env.key"   # development: no machine policy
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "policy.json").write_text("{}")
    monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", [etc / "policy.json"])
    assert auditkey.key_path() == etc / "audit.key"      # installed: beside the policy
    (etc / "policy.json").write_text(json.dumps({"audit_key_file": str(tmp_path / "k")}))
    policy.load_policy(reload=True)
    assert auditkey.key_path() == tmp_path / "k"


def test_old_rows_keep_their_rule_and_keyed_rows_follow(store_env, db_url):
    """A store written before migration 0005: its rows verify under the old rule."""
    engine = db.make_engine(db_url)
    db.migrate(engine, "0004_clip_input")
    prev = hashchain.GENESIS
    with engine.begin() as c:
        for seq in (1, 2, 3):
            row = dict(seq=seq, ts=f"2026-02-0{seq}T10:00:00.000000Z", username="old",
                       category="login", action="login", details='{"ok":true}', prev_hash=prev)
            row["hash"] = audit.row_hash(**{k: row[k] for k in (
                "seq", "ts", "username", "category", "action", "details", "prev_hash")})
            c.execute(sa.text("INSERT INTO audit (seq, ts, username, category, action, details,"
                              " prev_hash, hash) VALUES (:seq, :ts, :username, :category, "
                              ":action, :details, :prev_hash, :hash)"), row)
            prev = row["hash"]
        c.execute(sa.text("UPDATE audit_head SET seq = 3, hash = :h WHERE id = 1"), {"h": prev})
    engine.dispose()
    db.forget_stores()
    store = db.open_store()  # migrates to head
    r = _verify(store)
    assert r.ok and r.rows == 3 and r.macs == 0
    auditkey.create_key()
    _fill(store, 2)
    r = _verify(store)
    assert r.ok and r.rows == 5 and r.macs == 2
    assert [d["v"] for d in _rows(store)] == [None, None, None, 2, 2]
    # an old row edited with its old-rule hash recomputed is caught by the keyed row after it
    _owner_rewrite(store, 2, lambda d: d.update(username="x"), strip_macs=True)
    r = _verify(store)
    assert not r.ok


# --- export manifests anchor the head ---------------------------------------------------

def _manifest(tmp_path, head, name="m.manifest.json"):
    p = tmp_path / name
    p.write_text(json.dumps({"format": "bwv-export-manifest", "audit": head}))
    return p


def test_manifest_check_catches_a_rewrite_by_a_key_holder(keyed, bwv, tmp_path):
    _fill(keyed, 4)
    with keyed.session() as s:
        m = _manifest(tmp_path, audit.anchor(s))
    _fill(keyed, 2, first_day=9)
    rc, out, err = bwv("audit", "verify", "--manifest", m)
    assert rc == 0, err
    assert "intact" in out and "audit row 4 still has the recorded hash" in out
    # someone holding the key rewrites row 3 and recomputes every hash and MAC after it
    _owner_rewrite(keyed, 3, lambda d: d.update(username="someone"), key=auditkey.load_key())
    # this workstation remembers the newest row it wrote or verified (its own anchor) ...
    r = _verify(keyed)
    assert not r.ok and any("no longer has the hash this workstation recorded" in p for p in r.problems)
    # ... another workstation, without one, sees a consistent trail ...
    import shutil
    from redaction.paths import data_dir
    shutil.rmtree(data_dir() / "audit-anchors")
    assert _verify(keyed).ok  # the trail alone no longer shows it...
    rc, out, err = bwv("audit", "verify", "--manifest", m)
    assert rc == IntegrityError.exit_code and err.count("\n") == 1  # ...the manifest does
    assert f"{m}: audit row 4 no longer has the hash recorded there" in err


def test_manifest_check_catches_a_truncated_trail_and_refuses_a_manifest_without_head(
        keyed, bwv, tmp_path):
    _fill(keyed, 3)
    m = _manifest(tmp_path, {"seq": 9, "hash": "ab" * 32})
    rc, out, err = bwv("audit", "verify", "--manifest", m)
    assert rc == IntegrityError.exit_code and "audit row 9 recorded there is no longer" in err
    m = _manifest(tmp_path, None, "standalone.manifest.json")
    rc, out, err = bwv("audit", "verify", "--manifest", m)
    assert rc != 0 and err.count("\n") == 1 and "records no audit head" in err


def test_cli_export_writes_the_audit_head_into_the_manifest(keyed, new_clip, tmp_path, bwv):
    from redaction.session import ProjectSession
    s = ProjectSession.create(new_clip(), tmp_path / "case.bwvproj.json", "dora")
    s.save()
    _fill(keyed, 2)
    with keyed.session() as ss:
        head = audit.head(ss)
    out = tmp_path / "out.mp4"
    rc, o, err = bwv("export", s.path, "--out", out, "--operator", "dora", "--recipient", "X",
                     "--organisation", "Y", "--basis", "Z", "--quiet")
    assert rc == 0, err
    m = json.loads((tmp_path / "out.manifest.json").read_text())
    assert m["audit"]["seq"] >= head["seq"] and m["audit"]["hash"]
    rc, o, err = bwv("audit", "verify", "--manifest", tmp_path / "out.manifest.json")
    assert rc == 0, err


# --- PostgreSQL: the owner and the application role ---------------------------------------

@pytest.fixture
def pg_roles(store_env, db_url, monkeypatch):
    """A schema migrated by the owner (BWV_TEST_PG_URL) and granted to the application role
    (BWV_TEST_PG_APP_URL); yields (owner store, app store, owner url, app url)."""
    if db_url.startswith("sqlite"):
        pytest.skip("database roles: PostgreSQL only")
    if not (PG_URL and PG_APP_URL):
        pytest.skip("BWV_TEST_PG_URL / BWV_TEST_PG_APP_URL not set (run .ci/start-postgres.sh)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')

    def in_schema(url):
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    owner_url, app_url = in_schema(PG_URL), in_schema(PG_APP_URL)
    owner = db.Store(owner_url)
    with owner.engine.begin() as c:
        roles.grant_app_role(c, "bwv_app")
    app = db.Store(app_url)
    monkeypatch.setenv("BWV_DATABASE_URL", app_url)
    auditkey.create_key()
    yield owner, app, owner_url, app_url
    app.dispose()
    owner.dispose()
    db.forget_stores()
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.mark.postgres
def test_app_role_can_append_and_verify(pg_roles, bwv):
    owner, app, _, _ = pg_roles
    _fill(app, 3)
    r = _verify(app)
    assert r.ok and r.rows == 3 and r.macs == 3
    with app.session() as s:
        assert audit.head(s)["seq"] == 3  # moved by the owner's trigger, not by the app
    rc, out, err = bwv("audit", "verify")   # the CLI, connected as the app role
    assert rc == 0 and "intact: 3 rows, 3 under HMAC" in out, err


@pytest.mark.postgres
@pytest.mark.parametrize("stmt", [
    "UPDATE audit SET username = 'x' WHERE seq = 1",
    "DELETE FROM audit WHERE seq = 2",
    "TRUNCATE audit",
    "UPDATE audit_head SET seq = 1 WHERE id = 1",
    "DELETE FROM audit_head",
    "INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, 'x')",
    "DROP TRIGGER audit_append_only ON audit",
    "DROP TRIGGER audit_advance_head ON audit",
    "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
    "ALTER TABLE audit DISABLE TRIGGER ALL",
    "ALTER TABLE audit ADD COLUMN note text",
    "ALTER TABLE audit RENAME TO audit_old",
    "DROP TABLE audit",
    "DROP FUNCTION audit_append_only() CASCADE",
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; "
    "END; $$ LANGUAGE plpgsql",
    "SELECT audit_advance_head()",
    "UPDATE alembic_version SET version_num = '0001'",
])
def test_app_role_cannot_rewrite_the_trail(pg_roles, stmt):
    owner, app, _, _ = pg_roles
    _fill(app, 2)
    before = _rows(owner)
    with pytest.raises(sa.exc.DatabaseError) as ei:
        with app.engine.begin() as c:
            c.exec_driver_sql(stmt)
    msg = str(ei.value.orig)
    assert ("permission denied" in msg or "must be owner" in msg
            or "append-only" in msg or "trigger functions can only be called" in msg), msg
    assert _rows(owner) == before and _verify(owner).ok


@pytest.mark.postgres
def test_owner_can_still_change_it_but_the_key_and_the_manifest_catch_it(pg_roles, tmp_path,
                                                                          bwv):
    owner, app, _, _ = pg_roles
    _fill(app, 3)
    with app.session() as s:
        m = _manifest(tmp_path, audit.anchor(s))
    _owner_rewrite(owner, 2, lambda d: d.update(details='{"clip":7}'))
    rc, out, err = bwv("audit", "verify", "--manifest", m)
    assert rc == IntegrityError.exit_code and "row 2: HMAC does not match" in err


@pytest.mark.postgres
def test_grant_app_role_cli_and_refusals(pg_roles, bwv):
    owner, app, owner_url, app_url = pg_roles
    rc, out, err = bwv("store", "grant-app-role", "bwv_app", "--url", owner_url, "--print-sql")
    assert rc == 0, err
    assert 'GRANT SELECT, INSERT ON "' in out and '."audit" TO "bwv_app";' in out
    assert 'GRANT SELECT ON "' in out and '."audit_head" TO "bwv_app";' in out
    rc, out, err = bwv("store", "grant-app-role", "bwv_app", "--url", owner_url)
    assert rc == 0 and "may not change or delete audit rows" in out, err
    # the owner itself (or a member of it) is refused as the application role
    owner_role = sa.engine.make_url(PG_URL).username
    rc, out, err = bwv("store", "grant-app-role", owner_role, "--url", owner_url)
    assert rc != 0 and "owner" in err and err.count("\n") == 1
    # the application role cannot run migrations: a clear one-line refusal
    with app.engine.begin() as c:
        with pytest.raises(sa.exc.DatabaseError, match="permission denied|must be owner"):
            c.exec_driver_sql("CREATE TABLE x (a int)")


@pytest.mark.postgres
def test_app_role_cannot_upgrade_the_schema_the_owner_does(store_env, db_url, bwv):
    if db_url.startswith("sqlite"):
        pytest.skip("database roles: PostgreSQL only")
    if not (PG_URL and PG_APP_URL):
        pytest.skip("BWV_TEST_PG_URL / BWV_TEST_PG_APP_URL not set (run .ci/start-postgres.sh)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    opt = f"options={quote(f'-csearch_path={schema}')}"
    owner_url, app_url = f"{PG_URL}?{opt}", f"{PG_APP_URL}?{opt}"
    try:
        eng = db.make_engine(owner_url)
        db.migrate(eng, "0004_clip_input")   # a store of the previous version
        with eng.begin() as c:
            roles.grant_app_role(c, "bwv_app")
        eng.dispose()
        with pytest.raises(db.StoreError, match="needs an upgrade that this account may not "
                                                "make.*grant-app-role"):
            db.Store(app_url)
        rc, out, err = bwv("store", "migrate", "--url", owner_url)
        assert rc == 0 and db.head_revision() in out, err
        rc, out, err = bwv("store", "grant-app-role", "bwv_app", "--url", owner_url)
        assert rc == 0, err
        app = db.Store(app_url)
        _fill(app, 1)
        assert _verify(app).ok
        app.dispose()
    finally:
        db.forget_stores()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _owner_cut(store, keep: int):
    """What the database's owner can do without the key: delete the newest rows (or all)
    and move the head back to the last row kept."""
    rows = _rows(store)
    with store.engine.begin() as c:
        drop_audit_guard(c, store.is_sqlite)
        c.execute(sa.text("DELETE FROM audit WHERE seq > :k"), {"k": keep})
        if keep:
            c.execute(sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
                      rows[keep - 1])
        else:
            c.execute(sa.text("DELETE FROM audit_head"))


@pytest.mark.parametrize("keep", [3, 0])
def test_cutting_the_newest_rows_and_moving_the_head_back_is_caught(keyed, keep):
    """No key needed for the cut; the workstation's own anchor (audit_local) catches it,
    and appending is refused (fail closed)."""
    _fill(keyed, 6)
    assert _verify(keyed).ok
    _owner_cut(keyed, keep)
    r = _verify(keyed)
    assert not r.ok
    assert any("which this workstation wrote or verified, is no longer in the trail" in p
               for p in r.problems), r.problems
    with pytest.raises(IntegrityError, match="audit trail cut"):
        with keyed.session() as s:
            audit.append(s, "mallory", "consultation", "clip.open", {})


def test_an_empty_trail_is_broken_where_the_key_or_users_exist(keyed, tmp_path):
    """Another workstation (no anchor of its own) still sees an emptied trail as broken."""
    import shutil
    from redaction.paths import data_dir
    _fill(keyed, 3)
    _owner_cut(keyed, 0)
    shutil.rmtree(data_dir() / "audit-anchors")
    r = _verify(keyed)
    assert not r.ok and any("the trail is empty although the audit key exists" in p
                            for p in r.problems), r.problems


def test_every_permitted_action_needs_a_trail_it_can_write(team, as_user, tmp_path, bwv, new_clip):
    """With accounts and a keyed trail, a missing key stops every action, editing and
    detection included (not only the ones that write an audit row)."""
    path, created = auditkey.create_key()
    assert created
    as_user("dora")
    with team.session() as s:
        audit.append(s, "dora", "consultation", "clip.open", {})
    clip = new_clip()
    assert bwv("project", "new", clip, "--out", tmp_path / "a.bwvproj.json")[0] == 0
    os.chmod(path, 0o600)
    os.unlink(path)
    rc, out, err = bwv("project", "new", clip, "--out", tmp_path / "b.bwvproj.json")
    assert rc == IntegrityError.exit_code and "audit key" in err and err.count("\n") == 1, err
    assert not (tmp_path / "b.bwvproj.json").exists()


def test_audit_verify_still_runs_on_a_cut_trail_with_accounts(team, as_user, bwv):
    auditkey.create_key()
    as_user("admin")
    _fill(team, 4)
    assert _verify(team).ok
    _owner_cut(team, 2)
    rc, out, err = bwv("audit", "verify")
    assert rc == IntegrityError.exit_code, err
    assert "which this workstation wrote or verified, is no longer in the trail" in out + err


def test_a_restored_database_needs_an_audited_anchor_reset(store, bwv):
    """A store recreated (or restored from a backup) on purpose: appends are refused until an
    administrator resets this workstation's anchor, with a reason, in the trail."""
    if not store.is_sqlite:
        pytest.skip("recreating the database: its SQLite file")
    _fill(store, 3)
    assert _verify(store).ok
    db.forget_stores()
    os.unlink(db.make_url(db.database_url()).database)
    st = db.open_store()
    with pytest.raises(IntegrityError, match="audit trail cut"):
        with st.session() as s:
            audit.append(s, "u", "consultation", "clip.open", {})
    rc, out, err = bwv("audit", "reset-anchor", "--reason", "restored from backup, ticket 42")
    assert rc == 0, err
    with st.session() as s:
        audit.append(s, "u", "consultation", "clip.open", {})
        [row] = [r for r in audit.entries(s, category="administration") if r.action == "audit.anchor_reset"]
        d = json.loads(row.details)
        assert d["reason"].endswith("ticket 42") and d["previous_anchor"]["seq"] == 3
    assert _verify(st).ok


def test_verify_names_a_removed_append_only_guard(store):
    _fill(store, 2)
    assert _verify(store).ok
    with store.engine.begin() as c:
        drop_audit_guard(c, store.is_sqlite)
    r = _verify(store)
    assert not r.ok and any("guard" in p and "is missing or disabled" in p for p in r.problems), r.problems
