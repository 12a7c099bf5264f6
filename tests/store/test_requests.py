"""Requests (due dates, extensions) and the disclosure register."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from redaction.errors import PermissionDenied
from redaction.store import api, audit, disclosures, requests
from redaction.store.errors import StoreError

D = dt.date


def test_due_dates():
    assert requests.add_months(D(2026, 1, 15), 1) == D(2026, 2, 15)
    assert requests.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert requests.add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert requests.add_months(D(2026, 12, 10), 1) == D(2027, 1, 10)
    assert requests.default_due("subject_access", D(2026, 3, 31)) == D(2026, 4, 30)
    assert requests.default_due("foi", D(2026, 3, 2)) == D(2026, 3, 30)  # 20 working days
    assert requests.default_due("cps_court", D(2026, 3, 2)) is None


def test_subject_access_lifecycle(store, bwv, new_clip):
    cid = api.import_clip(new_clip(), "INC-1")["id"]
    rc, out, err = bwv("request", "create", "--type", "sar", "--requester", "J. Bloggs",
                       "--received", "2026-01-31")
    assert rc == 0 and "due 2026-02-28" in out, err
    rc, out, err = bwv("request", "extend", "1", "--months", "1", "--reason", "complex")
    assert rc == 0 and "due 2026-03-31" in out, err
    rc, out, err = bwv("request", "extend", "1", "--months", "1", "--reason", "more footage")
    assert rc == 0 and "due 2026-04-30" in out, err
    rc, out, err = bwv("request", "extend", "1", "--months", "1", "--reason", "again")
    assert rc != 0 and "at most 2 months" in err
    assert bwv("request", "link", "1", str(cid))[0] == 0
    rc, out, err = bwv("request", "show", "1", "--json")
    info = json.loads(out)
    assert info["clips"] == [cid] and info["type"] == "subject_access"
    assert [e["new_due"] for e in info["extensions"]] == ["2026-03-31", "2026-04-30"]
    rc, out, _ = bwv("request", "list")
    assert "J. Bloggs" in out and "2026-04-30" in out
    assert bwv("request", "close", "1", "--outcome", "disclosed")[0] == 0
    rc, out, _ = bwv("request", "list")
    assert "J. Bloggs" not in out
    rc, out, _ = bwv("request", "list", "--all")
    assert "J. Bloggs" in out


def _manifest(tmp_path, **over):
    """A hand-written manifest (never accepted by the register: only real exports are)."""
    m = {"export_sha256": "ab" * 32, "recipient": "DC Jones", "organisation": "CPS Wessex",
         "basis": "CPIA 1996 disclosure", "output": str(tmp_path / "out.mp4")}
    m.update(over)
    p = tmp_path / "out.manifest.json"
    p.write_text(json.dumps(m))
    return p


def _real_export(new_clip, tmp_path, name, incident="INC-9", user=None, **fields):
    """A clip imported into the store, a project on it and a real export: (manifest, clip id)."""
    from redaction.export import ExportRequest, export_job
    from redaction.jobs import run_job
    from redaction.session import ProjectSession
    clip = new_clip()
    cid = api.import_clip(clip, incident, user)["id"]
    s = ProjectSession.create(clip, tmp_path / f"{name}.bwvproj.json", user or "dora")
    f = {"recipient": "DC Jones", "organisation": "CPS Wessex", "basis": "CPIA 1996 disclosure",
         **fields}
    out = tmp_path / f"{name}.mp4"
    res = run_job(export_job(ExportRequest(s.path, out, user or "dora", f["recipient"],
                                           f["organisation"], f["basis"])))
    return res.manifest, cid


def test_record_disclosure_for_the_export_command(store, tmp_path, bwv, new_clip):
    with store.session() as s:
        rid = requests.create_request(s, "cps", "CPS Wessex", "dora").id
    m1, c1 = _real_export(new_clip, tmp_path, "one")
    m2, c2 = _real_export(new_clip, tmp_path, "two")
    with store.session() as s:
        requests.link_clips(s, rid, [c1, c2], "dora")
    n = disclosures.record_disclosure(rid, m1, "dora")
    with store.session() as s:
        [d] = disclosures.register(s)
        assert (d.id, d.request_id, d.recipient, d.organisation, d.basis) == (
            n, rid, "DC Jones", "CPS Wessex", "CPIA 1996 disclosure")
        assert d.export_sha256 == json.loads(m1.read_text())["export_sha256"]
        assert d.recorded_by == "dora" and d.export_path == str((tmp_path / "one.mp4").resolve())
        [row] = audit.entries(s, category="disclosure")
        assert row.username == "dora" and "CPS Wessex" in row.details
    rc, out, _ = bwv("request", "register")
    assert "DC Jones" in out and "CPS Wessex" in out
    with pytest.raises(StoreError, match=r"already in the disclosure register for request \d+ as entry 1"):
        disclosures.record_disclosure(rid, m1, "dora")                      # no duplicate
    # the same (reproducible) footage sent under another request is a disclosure of its own,
    # from an export made for that request (its own recipient and basis), not the first
    # request's manifest again
    with store.session() as s:
        rid2 = requests.create_request(s, "foi", "Press Office", "dora").id
        requests.link_clips(s, rid2, [c1], "dora")
    with pytest.raises(StoreError, match=f"already in the disclosure register for request {rid}; "
                                         f"to disclose it under request {rid2}, export it"):
        disclosures.record_disclosure(rid2, m1, "dora")
    from redaction.export import ExportRequest, export_job
    from redaction.jobs import run_job
    first = json.loads(m1.read_text())
    again = run_job(export_job(ExportRequest(
        Path(first["edit_log"]["path"]).with_name("one.bwvproj.json"), tmp_path / "one-foi.mp4",
        "dora", "Press desk", "Press Office", "FOIA 2000 s.1", request_id=rid2)))
    assert json.loads(again.manifest.read_text())["export_sha256"] == first["export_sha256"]
    n2 = disclosures.record_disclosure(rid2, again.manifest, "dora")
    with store.session() as s:
        assert [(d.id, d.request_id, d.recipient) for d in disclosures.register(s)] == [
            (n, rid, "DC Jones"), (n2, rid2, "Press desk")]
    with pytest.raises(StoreError, match=f"for request {rid2} as entry {n2}"):
        disclosures.record_disclosure(rid2, again.manifest, "dora")
    # a hand-written manifest, or a real one edited, never enters the register
    from redaction.errors import IntegrityError
    with pytest.raises(IntegrityError, match="names no edit log"):
        disclosures.record_disclosure(rid, _manifest(tmp_path), "dora")
    doc = json.loads(m2.read_text())
    edited = tmp_path / "edited.manifest.json"
    edited.write_text(json.dumps({**doc, "recipient": "Daily Rag"}))
    with pytest.raises(IntegrityError, match="it was edited"):
        disclosures.record_disclosure(rid, edited, "dora")
    with pytest.raises(StoreError, match="no such request"):
        disclosures.record_disclosure(999, m2, "dora")
    rc, out, err = bwv("request", "disclose", rid, "--manifest", edited)
    assert rc == IntegrityError.exit_code and err.count("\n") == 1
    with store.session() as s:
        assert [r.action for r in audit.entries(s, category="refusal")] == ["export.disclose"]
        requests.close(s, rid, "disclosed", "dora")
    with pytest.raises(StoreError, match="closed"):
        disclosures.record_disclosure(rid, m2, "dora")
    with store.session() as s:
        assert len(disclosures.register(s, rid)) == 1


def test_a_clip_the_store_does_not_hold_is_never_disclosed_under_a_request(store, tmp_path,
                                                                          new_clip):
    from redaction.export import ExportRequest, export_job
    from redaction.jobs import run_job
    from redaction.session import ProjectSession
    with store.session() as s:
        rid = requests.create_request(s, "cps", "CPS Wessex", "dora").id
    clip = new_clip()                                   # never imported
    sess = ProjectSession.create(clip, tmp_path / "x.bwvproj.json", "dora")
    with pytest.raises(disclosures.ClipNotOnRequest, match="not held in the case store"):
        api.check_export_request(rid, "dora", sess.project.source.sha256)
    res = run_job(export_job(ExportRequest(sess.path, tmp_path / "x.mp4", "dora", "R", "O", "B")))
    with pytest.raises(disclosures.ClipNotOnRequest, match="not held in the case store"):
        disclosures.record_disclosure(rid, res.manifest, "dora")


def test_only_officers_record_requests_and_exports(team, as_user, tmp_path):
    as_user("dora")
    with team.session() as s:
        rid = requests.create_request(s, "foi", "A. Journalist", "dora").id
    with pytest.raises(disclosures.ClipNotOnRequest, match="not held in the case store"):
        api.check_export_request(rid)          # the officer may; the clip must be named
    as_user("rita")
    with pytest.raises(PermissionDenied):
        api.check_export_request(rid)
    with pytest.raises(PermissionDenied):
        api.record_disclosure(rid, _manifest(tmp_path))


def test_extension_only_for_subject_access(store):
    with store.session() as s:
        rid = requests.create_request(s, "foi", "X", "u").id
    with store.session() as s, pytest.raises(StoreError, match="only subject access"):
        requests.extend(s, rid, 1, "why", "u")


def test_gui_listings(store, new_clip):
    cid = api.import_clip(new_clip(), "INC-5",
                          captured=__import__("redaction.store.clips", fromlist=["x"])
                          .parse_time("2026-01-01T10:00:00Z"))["id"]
    api.classify(cid, "non-evidential", reason="nothing of note")
    with store.session() as s:
        requests.create_request(s, "sar", "Requester A", "u", received=D(2026, 1, 10))
    [case] = api.library()
    assert case["incident"] == "INC-5" and case["clips"][0]["classification"] == "non_evidential"
    assert case["clips"][0]["erase_in_days"] == 0  # long past day 31
    [req] = api.list_requests()
    assert req["due"] == "2026-02-10" and req["days_left"] < 0
    assert api.disclosure_register() == []
    assert api.retention_report(as_of=D(2026, 1, 31))["erase"] == []
    assert api.policy_settings()["non_evidential_days"] == 31


def test_four_eyes_approval(team, as_user, bwv, tmp_path, new_clip):
    with team.session() as s:
        from redaction.store import policy
        policy.set_value(s, "four_eyes_export", True, "admin")
        rid = requests.create_request(s, "cps", "CPS", "dora").id
    as_user("dora")
    m, cid = _real_export(new_clip, tmp_path, "one", user="dora")
    sha = json.loads(m.read_text())["source"]["sha256"]
    assert bwv("request", "link", rid, cid)[0] == 0
    with pytest.raises(PermissionDenied, match="needs a supervisor's approval"):
        api.check_export_request(rid, None, sha)
    assert bwv("request", "approve", rid)[0] == 7  # officers cannot approve
    as_user("sam")
    rc, out, err = bwv("request", "approve", rid)
    assert rc == 0, err
    with pytest.raises(PermissionDenied, match="someone else"):
        api.check_export_request(rid, None, sha)  # the approver cannot also export
    as_user("dora")
    assert api.check_export_request(rid, None, sha) == "dora"
    # a clip linked after the approval was not approved: the approval is withdrawn
    m2, cid2 = _real_export(new_clip, tmp_path, "two", user="dora")
    assert bwv("request", "link", rid, cid2)[0] == 0
    with pytest.raises(PermissionDenied, match="needs a supervisor's approval"):
        api.check_export_request(rid, None, sha)
    with team.session() as s:
        [row] = [r for r in audit.entries(s, category="combination") if '"approval_withdrawn"' in r.details]
        assert '"sam"' in row.details
    as_user("sam")
    assert bwv("request", "approve", rid)[0] == 0
    as_user("dora")
    assert api.record_disclosure(rid, m) == 1
