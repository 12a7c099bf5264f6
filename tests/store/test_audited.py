"""Actions and refusals that reach the audit trail: a duplicate import, an export to a
closed request, probing a clip, listing cases, a batch."""
from __future__ import annotations

import pytest

from redaction.store import api, audit, requests
from redaction.store.errors import StoreError


def _rows(store, category):
    with store.session() as s:
        return [(r.username, r.action) for r in audit.entries(s, category=category)]


def test_refusals_and_looks_are_audited(team, as_user, new_clip, bwv, tmp_path):
    as_user("dora")
    clip = new_clip()
    cid = api.import_clip(clip, "INC-1")["id"]
    with pytest.raises(StoreError, match="already imported"):
        api.import_clip(clip, "INC-1")
    with team.session() as s:
        rid = requests.create_request(s, "cps", "CPS", "dora").id
        requests.link_clips(s, rid, [cid], "dora")
        requests.close(s, rid, "withdrawn", "dora")
    from redaction.session import ProjectSession
    proj = ProjectSession.create(clip, tmp_path / "p.bwvproj.json", "dora").path
    rc, _, err = bwv("export", proj, "--out", tmp_path / "o.mp4", "--recipient", "R",
                     "--organisation", "O", "--basis", "B", "--request", rid, "--quiet")
    assert rc == 8 and "closed" in err
    assert _rows(team, "refusal") == [("dora", "import"), ("dora", "export")]
    assert bwv("probe", clip, "--no-hash")[0] == 0
    assert bwv("case", "list")[0] == 0
    folder = tmp_path / "batch"
    folder.mkdir()
    rc, _, err = bwv("batch", "detect", folder, "--quiet")
    consulted = [a for _, a in _rows(team, "consultation")]
    assert {"probe", "case.list", "batch.detect"} <= set(consulted), consulted
