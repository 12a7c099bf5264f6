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



def _other_import(db_url, src, incident, exhibit, out):
    other = db.Store(db_url)
    try:
        with other.session() as s:
            sha = clips.prepare_import(src)[1]
            out.append(clips.import_clip(s, src, sha, incident=incident, user="dan",
                                         exhibit=exhibit).id)
    except Exception as e:  # noqa: BLE001 - the test reports it
        out.append(e)
    finally:
        other.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("what", ["exhibit", "same clip", "new case"])
def test_two_workstations_importing_at_once(store, db_url, new_clip, monkeypatch, what):
    """Two officers import into one case at the same moment (PostgreSQL, READ COMMITTED):
    an exhibit reference stays one clip's, the same clip is refused as already imported,
    and the first clips of a new incident land in one case (the last two were a database
    error naming a unique constraint)."""
    import threading
    if store.is_sqlite:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; no interleaving possible")
    mine = new_clip()
    theirs = mine if what == "same clip" else new_clip()
    exhibit = "AB/1" if what == "exhibit" else None
    if what != "new case":
        api.import_clip(new_clip(), "INC-1", exhibit="AB/0")   # the case exists
    other: list = []
    if what == "new case":
        # this workstation has just made the case (not committed yet) when the other one
        # imports into the same new incident
        real = clips.get_or_create_case

        def hook(*a, **k):
            c = real(*a, **k)
            if not other:
                other.append(threading.Thread(target=_other_import,
                                              args=(db_url, theirs, "INC-1", None, other)))
                other[0].start()
                other[0].join(1.5)       # it runs until it waits for this transaction
            return c
        monkeypatch.setattr(clips, "get_or_create_case", hook)
    else:
        # this workstation has checked and is copying its clip into the evidence folder
        # when the other one imports and commits
        real = clips._copy_verified

        def hook(*a, **k):
            real(*a, **k)
            if not other:
                other.append(None)
                _other_import(db_url, theirs, "INC-1", exhibit, other)
        monkeypatch.setattr(clips, "_copy_verified", hook)
    sha = clips.prepare_import(mine)[1]
    if what == "new case":
        with store.session() as s:
            clips.import_clip(s, mine, sha, incident="INC-1", user="dora")
        other[0].join(30)
        assert isinstance(other[1], int), other[1]
    else:
        msg = ("exhibit AB/1 is already clip" if what == "exhibit"
               else "already imported as clip")
        with pytest.raises(Conflict, match=msg):
            with store.session() as s:
                clips.import_clip(s, mine, sha, incident="INC-1", user="dora",
                                  exhibit=exhibit)
        assert isinstance(other[1], int), other[1]
    with store.session() as s:
        from redaction.store import cases
        case = cases.get_case(s, "INC-1")
        assert len([c for c in case.clips if c.exhibit_ref == "AB/1"]) <= 1
        assert len(case.clips) == 2


@pytest.mark.postgres
def test_approval_never_covers_a_clip_linked_meanwhile(store, db_url, new_clip):
    """A supervisor approves the request as shown (no clips) while an officer links a clip
    to it on another workstation: the approval is refused (the request changed), not
    given for a clip the supervisor never saw; linking after it still withdraws it."""
    import threading
    if store.is_sqlite:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE; no interleaving possible")
    cid = api.import_clip(new_clip(), "INC-1")["id"]
    with store.session() as s:
        rid = requests.create_request(s, "cps_court", "CPS", "dora").id
    a, b = db.Store(db_url), db.Store(db_url)
    sb = b._sessions()
    got = []

    def approve():
        try:
            with a.session() as s:
                requests.approve(s, rid, "sam", expected_clips=())
            got.append("approved")
        except Exception as e:  # noqa: BLE001 - reported below
            got.append(e)
    try:
        requests.link_clips(sb, rid, [cid], "dora")      # the officer's link, not committed
        t = threading.Thread(target=approve)
        t.start()
        t.join(1.5)
        sb.commit()
        t.join(30)
    finally:
        sb.close()
        a.dispose()
        b.dispose()
    assert len(got) == 1 and isinstance(got[0], Conflict), got
    assert "now lists clips 1" in str(got[0])
    with store.session() as s:
        r = requests.get_request(s, rid)
        assert r.approved_by is None and [c.id for c in r.clips] == [cid]
        requests.approve(s, rid, "sam", expected_clips=[cid])   # as now shown: approved
    with store.session() as s:
        from redaction.store.models import AuditEntry
        row = s.query(AuditEntry).filter_by(action="request.approve").one()
        assert '"clips":[1]' in row.details
