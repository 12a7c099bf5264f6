"""Two workstations on one database: no lost updates (optimistic version columns)."""
from __future__ import annotations

import pytest

from redaction.store import api, clips, db, requests
from redaction.store.errors import Conflict
from redaction.store.models import Request


def test_stale_classification_is_refused(store, db_url, new_clip):
    cid = api.import_clip(new_clip(), "INC-1")["id"]
    a, b = db.Store(db_url), db.Store(db_url)
    with a.session() as s:
        seen = clips.get_clip(s, cid).version  # workstation A shows the clip
    with b.session() as s:  # workstation B classifies it meanwhile
        clips.classify(s, cid, "evidential", "sam", may_declassify=True, reason="x")
    with pytest.raises(Conflict, match="changed by someone else"):
        with a.session() as s:
            clips.classify(s, cid, "non-evidential", "sam", may_declassify=True, reason="x",
                           expected_version=seen)
    with store.session() as s:
        assert clips.get_clip(s, cid).classification == "evidential"
    a.dispose()
    b.dispose()


@pytest.mark.postgres
def test_interleaved_transactions_do_not_lose_updates(store, db_url):
    if store.is_sqlite:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; no interleaving possible")
    with store.session() as s:
        rid = requests.create_request(s, "sar", "X", "u").id
    a, b = db.Store(db_url), db.Store(db_url)
    sa_, sb = a._sessions(), b._sessions()
    try:
        ra, rb = sa_.get(Request, rid), sb.get(Request, rid)
        assert ra.version == rb.version == 1
        rb.notes = "B was here"
        sb.commit()
        ra.notes = "A was here"
        with pytest.raises(Exception) as ei:
            sa_.commit()
        assert "StaleData" in type(ei.value).__name__
        sa_.rollback()
    finally:
        sa_.close()
        sb.close()
        a.dispose()
        b.dispose()
    with store.session() as s:
        assert requests.get_request(s, rid).notes == "B was here"


@pytest.mark.postgres
def test_concurrent_extensions_cannot_both_apply(store, db_url):
    """Two officers extend the same SAR at once: one wins, the other gets Conflict."""
    if store.is_sqlite:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; no interleaving possible")
    with store.session() as s:
        rid = requests.create_request(s, "sar", "X", "u").id
    a, b = db.Store(db_url), db.Store(db_url)
    try:
        with pytest.raises(Conflict, match="changed by someone else"):
            with a.session() as sa_:
                seen = requests.get_request(sa_, rid)  # A reads: no extension used yet
                assert seen.extensions == []
                with b.session() as sb:  # B extends by 2 months and commits meanwhile
                    requests.extend(sb, rid, 2, "B", "u")
                requests.extend(sa_, rid, 2, "A", "u")  # A's view is stale
    finally:
        a.dispose()
        b.dispose()
    with store.session() as s:
        r = requests.get_request(s, rid)
        assert [e.reason for e in r.extensions] == ["B"]
