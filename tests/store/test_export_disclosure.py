"""`bwv export --request ID` records the export in the disclosure register (end to end)."""
from __future__ import annotations

import pytest

from redaction.fsutil import sha256_file
from redaction.store import audit, disclosures, requests


@pytest.fixture
def project(new_clip, tmp_path):
    from redaction.session import ProjectSession  # the lead's engine
    clip = new_clip()
    s = ProjectSession.create(clip, tmp_path / "case.bwvproj.json", "dora")
    s.save()
    return s.path


def test_export_with_request_is_registered(store, project, tmp_path, bwv):
    from redaction.store import api, cases
    from redaction.session import ProjectSession
    clip = ProjectSession.open(project, "dora").source_path
    cid = api.import_clip(clip, "INC-7")["id"]  # the same footage is held in the store
    with store.session() as s:
        rid = requests.create_request(s, "cps", "CPS Wessex", "dora").id
    out = tmp_path / "out.mp4"
    args = ("export", project, "--out", out, "--operator", "dora", "--recipient", "DC Jones",
            "--organisation", "CPS Wessex", "--basis", "CPIA 1996", "--quiet", "--request", rid)
    # a clip held in the store but not on the request is refused before any work, never
    # linked silently (issue 15)
    rc, o, err = bwv(*args)
    assert rc != 0 and f"clip {cid} (case INC-7) is not on request {rid}" in err
    assert f"bwv request link {rid} {cid}" in err and err.count("\n") == 1
    assert not out.exists()
    with store.session() as s:
        assert [r.action for r in audit.entries(s, category="refusal")] == ["export"]
    assert bwv("request", "link", rid, cid)[0] == 0
    rc, o, err = bwv(*args)
    assert rc == 0, err
    with store.session() as s:
        [d] = disclosures.register(s)
        assert (d.request_id, d.recipient, d.organisation, d.basis) == (
            rid, "DC Jones", "CPS Wessex", "CPIA 1996")
        assert d.export_sha256 == sha256_file(out)
        assert d.export_path == str(out.resolve())
        assert [r.action for r in audit.entries(s, category="disclosure")] == [
            "export.disclose", "export.report"]   # the PDF report and its sha256 (issue 15)
        # the export is held by the clip's case and the clip is linked to the request
        assert [c.id for c in requests.get_request(s, rid).clips] == [cid]
        [f] = cases.files_of(s, cases.get_case(s, "INC-7"))
        assert (f.kind, f.in_store, f.sha256) == ("export", False, d.export_sha256)
    # the report names the case and the request (from the store at export time)
    from pypdf import PdfReader
    text = " ".join(p.extract_text() for p in
                    PdfReader(str(tmp_path / "out.report.pdf")).pages).replace("\n", " ")
    assert "INC-7" in text and "CPS Wessex" in text and d.export_sha256 in text
    # the same manifest again: refused in one line, no second register entry
    rc, o, err = bwv("request", "disclose", rid, "--manifest", tmp_path / "out.manifest.json")
    assert rc != 0 and "already in the disclosure register for request" in err
    assert err.count("\n") == 1
    with store.session() as s:
        assert len(disclosures.register(s)) == 1


def test_unknown_request_is_refused_before_writing(store, project, tmp_path, bwv):
    out = tmp_path / "nope.mp4"
    rc, o, err = bwv("export", project, "--out", out, "--operator", "dora", "--recipient", "X",
                     "--organisation", "Y", "--basis", "Z", "--quiet", "--request", "999")
    assert rc != 0 and "Traceback" not in err and err.count("\n") == 1
    assert not out.exists() and not (tmp_path / "nope.manifest.json").exists()
