"""The audit trail: hash chain verified, tampering in the database detected, CSV export."""
from __future__ import annotations

import csv
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from redaction.errors import IntegrityError
from redaction.store import audit, db

from helpers import drop_audit_guard


def _fill(store, n=5):
    t0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    with store.session() as s:
        for i in range(n):
            audit.append(s, f"user{i}", "consultation", "clip.open", {"clip": i},
                         now=t0 + dt.timedelta(days=i))


def _sql(store, *stmts):
    """Tamper as someone with owner rights on the database would: drop the guard first."""
    with store.engine.begin() as c:
        drop_audit_guard(c, store.is_sqlite)
        for st in stmts:
            c.exec_driver_sql(st)


@pytest.mark.parametrize("stmt", ["UPDATE audit SET username = 'x' WHERE seq = 1",
                                  "DELETE FROM audit WHERE seq = 2"])
def test_the_database_refuses_updates_and_deletes(store, stmt):
    _fill(store, 2)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with store.engine.begin() as c:
            c.exec_driver_sql(stmt)
    assert _verify(store).ok


def _verify(store):
    with store.session() as s:
        return audit.verify(s)


def test_intact_chain_verifies(store, bwv):
    _fill(store)
    r = _verify(store)
    assert r.ok and r.rows == 5
    rc, out, err = bwv("audit", "verify")
    assert rc == 0 and "intact: 5 rows" in out


@pytest.mark.parametrize("tamper, expect", [
    (["UPDATE audit SET details = '{\"clip\":99}' WHERE seq = 3"], "row 3: content"),
    (["UPDATE audit SET username = 'someone' WHERE seq = 1"], "row 1: content"),
    (["DELETE FROM audit WHERE seq = 3"], "row 4: expected row 3"),
    (["DELETE FROM audit WHERE seq = 5"], "newest rows deleted"),
    (["UPDATE audit SET seq = -2 WHERE seq = 2", "UPDATE audit SET seq = 2 WHERE seq = 3",
      "UPDATE audit SET seq = 3 WHERE seq = -2"], "row 2: does not follow"),
])
def test_tampering_in_the_database_is_detected(store, bwv, tamper, expect):
    _fill(store)
    _sql(store, *tamper)
    r = _verify(store)
    assert not r.ok
    assert any(expect in p for p in r.problems), r.problems
    rc, out, err = bwv("audit", "verify")
    assert rc == IntegrityError.exit_code and "audit trail broken" in err


def test_edit_with_recomputed_hash_is_still_detected(store):
    _fill(store)
    with store.session() as s:
        e = s.get(audit.AuditEntry, 2)
        details = audit.canonical({"clip": 42})
        h = audit.row_hash(e.seq, e.ts, e.username, e.category, e.action, details, e.prev_hash)
    _sql(store, f"UPDATE audit SET details = '{details}', hash = '{h}' WHERE seq = 2")
    r = _verify(store)
    assert not r.ok and any("row 3: does not follow" in p for p in r.problems)


def test_export_csv_by_utc_days(store, bwv, tmp_path):
    _fill(store)  # rows on 1..5 March
    out = tmp_path / "audit.csv"
    rc, _, err = bwv("audit", "export", "--from", "2026-03-02", "--to", "2026-03-04", "-o", out)
    assert rc == 0, err
    rows = list(csv.DictReader(out.open()))
    assert [r["seq"] for r in rows] == ["2", "3", "4"]
    assert rows[0]["username"] == "user1" and rows[0]["hash"]
    rc, _, err = bwv("audit", "export", "-o", out)
    assert rc != 0 and "refusing to overwrite" in err


def test_two_workstations_appending_at_once_keep_one_chain(store, db_url):
    stores = [db.Store(db_url), db.Store(db_url)]
    errors = []

    def work(st, k):
        try:
            for i in range(15):
                with st.session() as s:
                    audit.append(s, f"ws{k}", "consultation", "clip.open", {"i": i})
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(st, k)) for k, st in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st in stores:
        st.dispose()
    assert errors == []
    r = _verify(store)
    assert r.ok and r.rows == 30


def test_audit_rows_are_not_updated_by_the_program(store):
    _fill(store, 2)
    with store.engine.connect() as c:
        before = c.execute(sa.text("SELECT seq, hash FROM audit ORDER BY seq")).all()
    with store.session() as s:
        audit.append(s, "x", "login", "login", {})
    with store.engine.connect() as c:
        after = c.execute(sa.text("SELECT seq, hash FROM audit ORDER BY seq")).all()
    assert after[:2] == before and len(after) == 3
