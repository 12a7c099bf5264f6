"""What the store says about a clip (QA s17): a clip held for an open request is shown as
held for that request (not as a capture-time hold, not "erasure due now"); a reviewer's
`case attach` refusal names what was attempted."""
from __future__ import annotations

import datetime as dt

from redaction import services
from redaction.store import api, requests

NOW = dt.datetime.now(dt.timezone.utc)


def _held_for_request(store, new_clip):
    cid = api.import_clip(new_clip(), "INC-2", captured=NOW - dt.timedelta(days=40))["id"]
    api.classify(cid, "non-evidential", reason="nothing of note")
    with store.session() as s:
        rid = requests.create_request(s, "sar", "J. Bloggs", "dora").id
        requests.link_clips(s, rid, [cid], "dora")
    return cid, rid


def test_case_show_and_the_library_name_the_request_hold(store, new_clip, bwv):
    cid, rid = _held_for_request(store, new_clip)
    rc, out, err = bwv("case", "show", "INC-2")
    assert rc == 0, err
    assert f"clip {cid}: erasure due, held: on open request {rid} (kept while it is open)" in out
    assert "capture time" not in out and " 0 d " not in out
    [row] = [x for x in services.library()[0].clips]
    assert row.retention_hold == f"held: on open request {rid}"
    rc, out, err = bwv("retention", "run", "--dry-run")
    assert f"held: on open request {rid}: clip {cid}" in out
    assert "capture-time" not in out


def test_a_reviewers_attach_refusal_names_the_attempt(team, as_user, bwv, tmp_path):
    as_user("dora")
    assert bwv("case", "create", "INC-3")[0] == 0
    f = tmp_path / "out.mp4"
    f.write_bytes(b"x")
    as_user("rita")
    rc, out, err = bwv("case", "attach", "INC-3", f, "--kind", "export")
    assert rc == 7 and len(err.strip().splitlines()) == 1
    assert "rita (reviewer) cannot attach an export file to a case: needs disclosure officer" \
        in err
    rc, out, err = bwv("case", "attach", "INC-3", f, "--kind", "project")
    assert rc == 7 and "cannot attach a project file to a case" in err
