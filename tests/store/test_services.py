"""The engine service layer from the command line (issue 13): four-eyes exports need an
approved request (internal review only where the policy allows it, marked and logged);
project edits are checked per command; import and retention run as jobs with cancel."""
from __future__ import annotations

import json

import pytest

from redaction import services
from redaction.errors import Cancelled, PermissionDenied
from redaction.jobs import CancelToken, run_job
from redaction.store import api, audit, policy, requests


@pytest.fixture
def project(new_clip, tmp_path):
    from redaction.session import ProjectSession
    s = ProjectSession.create(new_clip(), tmp_path / "case.bwvproj.json", "dora")
    s.save()
    return s.path


def _export(bwv, project, out, *extra):
    return bwv("export", project, "--out", out, "--operator", "dora", "--recipient", "DC Jones",
               "--organisation", "CPS", "--basis", "CPIA 1996", "--quiet", *extra)


def _four_eyes(store, internal_review=False):
    with store.session() as s:
        policy.set_value(s, "four_eyes_export", True, "admin")
        if internal_review:
            policy.set_value(s, "internal_review_export", True, "admin")


def _refusals(store):
    with store.session() as s:
        return [(r.username, r.action, json.loads(r.details) if isinstance(r.details, str)
                 else r.details) for r in audit.entries(s, category="refusal")]


def test_export_without_request_under_four_eyes_is_refused(team, as_user, project, tmp_path,
                                                            bwv):
    _four_eyes(team)
    as_user("dora")
    out = tmp_path / "out.mp4"
    rc, _, err = _export(bwv, project, out)
    assert rc == 7 and "four-eyes approval is required" in err and "--request" in err
    assert not out.exists() and not (tmp_path / "out.manifest.json").exists()
    rc, _, err = _export(bwv, project, out, "--internal-review")
    assert rc == 7 and "does not allow it" in err
    assert [(u, a) for u, a, _ in _refusals(team)] == [("dora", "export"), ("dora", "export")]
    # with an approved request it goes through and is registered
    with team.session() as s:
        rid = requests.create_request(s, "cps", "CPS Wessex", "dora").id
    from redaction.session import ProjectSession   # the clip is held and on the request
    cid = api.import_clip(ProjectSession.open(project, "dora").source_path, "INC-7")["id"]
    assert bwv("request", "link", rid, cid)[0] == 0
    rc, _, err = _export(bwv, project, out, "--request", rid)
    assert rc == 7 and "needs a supervisor's approval" in err
    as_user("sam")
    assert bwv("request", "approve", rid)[0] == 0
    as_user("dora")
    rc, _, err = _export(bwv, project, out, "--request", rid)
    assert rc == 0, err
    m = json.loads((tmp_path / "out.manifest.json").read_text())
    assert m["purpose"] == "disclosure" and m["request"] == str(rid)


def test_internal_review_export_where_allowed_is_marked_and_logged(team, as_user, project,
                                                                   tmp_path, bwv):
    _four_eyes(team, internal_review=True)
    as_user("dora")
    rc, _, err = _export(bwv, project, tmp_path / "a.mp4")
    assert rc == 7 and "--internal-review" in err      # the way that exists is named
    rc, _, err = _export(bwv, project, tmp_path / "r.mp4", "--internal-review")
    assert rc == 0, err
    m = json.loads((tmp_path / "r.manifest.json").read_text())
    assert m["purpose"] == "internal_review" and m["request"] is None
    with team.session() as s:
        rows = [(r.username, r.action) for r in audit.entries(s, category="disclosure")]
    assert ("dora", "export.internal_review") in rows


def test_without_four_eyes_an_export_needs_no_request(store, project, tmp_path, bwv):
    rc, _, err = _export(bwv, project, tmp_path / "o.mp4")
    assert rc == 0, err
    assert json.loads((tmp_path / "o.manifest.json").read_text())["purpose"] == "disclosure"


def test_cli_project_edits_are_checked_per_command(team, as_user, project, bwv):
    as_user("rita")
    before = project.read_bytes()
    rc, _, err = bwv("project", "add-audio", project, "--start", "0.1", "--end", "0.3",
                     "--reason", "Address")
    assert rc == 7 and "rita (reviewer) cannot redact" in err
    assert project.read_bytes() == before
    assert [(u, a, d["command"]) for u, a, d in _refusals(team)] == [
        ("rita", "redact", "add_audio_range")]
    rc, out, err = bwv("project", "show", project)       # viewing is allowed
    assert rc == 0, err


def test_edit_service_rights(team, project, as_user):
    from redaction import edits
    from redaction.model import Annotation
    from redaction.session import ProjectSession
    assert services.right_for(edits.AddAnnotation(Annotation("n1", 0, None, "note", "x", "r")))\
        == "annotate"
    assert services.right_for(edits.Batch([edits.DeleteAnnotation("n1")])) == "annotate"
    assert services.right_for(edits.SetKind("t1", "plate")) == "redact"
    as_user("rita")
    s = ProjectSession.open(project, "rita")
    services.edit(s, edits.AddAnnotation(Annotation("n1", 0, None, "note", "seen", "rita")))
    with pytest.raises(PermissionDenied):
        services.edit(s, edits.SetStyle("blur", None, None))
    assert len(s.project.annotations) == 1 and s.project.style.mode != "blur"


def test_import_and_retention_are_jobs_with_progress_and_cancel(team, as_user, new_clip):
    as_user("dora")
    seen = []
    results = run_job(services.import_job([new_clip(), new_clip()], "INC-9"), seen.append)
    assert [r.case for r in results] == ["INC-9", "INC-9"] and results[0].id != results[1].id
    assert [p.done for p in seen] == [0, 1, 2] and seen[-1].total == 2
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        run_job(services.import_job([new_clip()], "INC-9", cancel=cancel))
    as_user("rita")
    with pytest.raises(PermissionDenied):
        run_job(services.import_job([new_clip()], "INC-9"))
    as_user("sam")
    res = run_job(services.retention_job(dry_run=True))
    assert res.dry_run and res.erase == []
    as_user("dora")
    with pytest.raises(PermissionDenied, match="cannot retention run"):
        run_job(services.retention_job())


def test_the_window_reads_typed_rows(team, as_user, new_clip):
    """The library and the requests reach the window as dataclasses, not dicts."""
    as_user("dora")
    (clip,) = run_job(services.import_job([new_clip()], "INC-7"))
    cases = services.library()
    (case,) = [c for c in cases if c.incident == "INC-7"]
    assert isinstance(case, services.CaseRow) and isinstance(case.clips[0], services.ClipRow)
    row = case.clips[0]
    assert (row.id, row.state, row.classification) == (clip.id, "present", "unclassified")
    assert len(row.sha256) == 64 and row.batch is None
    ref = services.create_request("subject_access", "J. Smith", "dora")
    (req,) = [r for r in services.requests() if r.id == ref.id]
    assert isinstance(req, services.RequestRow) and req.requester == "J. Smith"
    assert req.status == "open" and req.extensions == () and req.due
    as_user("admin")                 # administrators see no footage (policy default)
    with pytest.raises(PermissionDenied):
        services.library()
