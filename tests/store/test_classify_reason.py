"""A classification change needs a reason (QA s17): declassifying an evidential clip with
no reason bypassed its MoPI "retain" decision, and retention then erased it at once because
its clock ran from the capture time. The non-evidential clock of a clip that was evidential
runs from its declassification."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from redaction import services
from redaction.store import api, audit, clips, db, retention
from redaction.store.errors import StoreError

NOW = dt.datetime.now(dt.timezone.utc)


def _evidential_retained(new_clip, days_ago=400) -> int:
    cid = api.import_clip(new_clip(), "INC-6", captured=NOW - dt.timedelta(days=days_ago))["id"]
    api.classify(cid, "evidential", reason="shows the assault")
    services.record_review(cid, "retain", "trial pending")
    return cid


def _remigrated(db_url):
    """The store taken back to 0006 and migrated again (0007 back-fills from the audit
    trail); its engine, for the caller to query and dispose."""
    from alembic import command
    db.forget_stores()
    engine = db.make_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(db.alembic_config(conn), "0006_batch_jobs")
    db.migrate(engine)
    return engine


def test_classify_without_a_reason_is_refused(store, new_clip, bwv):
    cid = _evidential_retained(new_clip)
    rc, out, err = bwv("case", "classify", cid, "non-evidential")
    assert rc != 0 and len(err.strip().splitlines()) == 1
    assert f"give the reason for classifying clip {cid} non-evidential" in err
    for blank in ("", "   "):
        with pytest.raises(StoreError, match="give the reason"):
            services.classify(cid, "unclassified", reason=blank)
    with store.session() as s:
        assert clips.get_clip(s, cid).classification == "evidential"


def test_declassified_clock_runs_from_the_declassification(store, new_clip, bwv):
    cid = _evidential_retained(new_clip)          # captured 400 days ago
    rc, out, err = bwv("case", "classify", cid, "non-evidential", "--reason",
                       "CPS dropped the charge")
    assert rc == 0, err
    today = retention.today_utc()
    with store.session() as s:
        c = clips.get_clip(s, cid)
        assert c.declassified_at is not None
        assert retention.erase_on(c, 31) == today + dt.timedelta(days=31)
        row = [r for r in audit.entries(s) if r.action == "clip.classify"][-1]
        d = json.loads(row.details)
        assert d["reason"] == "CPS dropped the charge" and d["old"] == "evidential"
    rc, out, err = bwv("retention", "run")
    assert rc == 0, err
    assert f"erased clip {cid}" not in out
    with store.session() as s:
        assert clips.get_clip(s, cid).state == "present"
        p = retention.plan(s, today + dt.timedelta(days=31))
    assert p.erase == [(cid, "non-evidential: 31 days after declassification")]
    info = api.case_summary("INC-6")
    assert info["clips"][0]["erase_in_days"] == 31


def test_migration_takes_earlier_declassifications_from_the_audit_trail(store, new_clip,
                                                                         db_url):
    cid = _evidential_retained(new_clip)
    api.classify(cid, "non-evidential", reason="charge dropped")
    with store.session() as s:
        when = clips.get_clip(s, cid).declassified_at
    engine = _remigrated(db_url)
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT declassified_at FROM clips WHERE id = :i"),
                           {"i": cid}).scalar_one()
    engine.dispose()
    got = got if isinstance(got, dt.datetime) else dt.datetime.fromisoformat(str(got))
    assert abs(got.replace(tzinfo=dt.timezone.utc) - when) < dt.timedelta(seconds=1)


def test_migrated_declassification_times_compare_equal_to_the_same_time_bound_later(
        store, new_clip, db_url, monkeypatch):
    """0007 bound a plain datetime through ``sa.text``: SQLite stored a whole second as
    '... 03:04:05' where the ORM writes '... 03:04:05.000000', which compares unequal."""
    from redaction.store import audit as audit_mod
    cid = _evidential_retained(new_clip)
    whole = dt.datetime.now().replace(microsecond=0)       # declassified on a whole second
    with monkeypatch.context() as m:
        m.setattr(audit_mod, "_ts", lambda now=None: f"{whole.isoformat()}.000000Z")
        api.classify(cid, "non-evidential", reason="charge dropped")
    engine = _remigrated(db_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM clips WHERE declassified_at = :t")
                         .bindparams(sa.bindparam("t", type_=sa.DateTime())),
                         {"t": whole}).scalar_one()
    engine.dispose()
    assert n == 1
