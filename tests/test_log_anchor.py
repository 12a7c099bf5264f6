"""The edit log's anchors: a log cut after the last save, a deleted log or a project
without its anchor is refused by every use (export, editing, migrate, verify), and an
export killed before its files were published leaves a project that still verifies."""
from __future__ import annotations

import json

import pytest

from redaction import edits as E
from redaction.errors import IntegrityError
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.session import ProjectSession
from redaction.verify import verify_project

from helpers import EXPORT_ARGS, make_project, moving_track, run_bwv

@pytest.fixture
def exported(clip_copy, tmp_path):
    """A project exported twice (so its log ends with two disclosures)."""
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    for n in (1, 2):
        run_job(export_job(ExportRequest(s.path, tmp_path / f"e{n}.mp4", "alice", "R", "O", "B")))
    return s


def _export(s, out):
    return run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))


def test_a_log_cut_after_the_last_save_is_refused_everywhere(exported, tmp_path):
    log = exported.log.path
    lines = log.read_text().splitlines(keepends=True)
    assert json.loads(lines[-3])["action"] == "export"
    log.write_text("".join(lines[:-6]))          # the second disclosure's entries removed
    cut = log.read_bytes()
    with pytest.raises(IntegrityError, match="deleted or replaced"):
        _export(exported, tmp_path / "e3.mp4")
    with pytest.raises(IntegrityError, match="deleted or replaced"):
        ProjectSession.open(exported.path, "bob")
    r = run_bwv("--user", "bob", "project", "decide", str(exported.path), "t1", "--status",
                "rejected", "--reason", "not a face")
    assert r.returncode == 5 and "deleted or replaced" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and str(log) in r.stderr
    # nothing was appended to the cut log, nothing written, the anchor was not moved
    assert log.read_bytes() == cut and not (tmp_path / "e3.mp4").exists()
    with pytest.raises(IntegrityError, match="deleted or replaced"):
        verify_project(exported.path, "bob", record=False)


def test_a_deleted_log_is_not_migrated_and_blocks_export(exported, tmp_path):
    doc = json.loads(exported.path.read_text())
    doc["tracks"][0]["keyframes"][0]["box"] = [20, 30, 4, 4]     # the face shrunk by hand
    exported.path.write_text(json.dumps(doc))
    exported.log.path.unlink()
    r = run_bwv("--user", "mallory", "project", "migrate", str(exported.path))
    assert r.returncode == 5 and "edit log is missing or empty" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and not exported.log.path.exists()
    with pytest.raises(IntegrityError, match="edit log is missing or empty, but the project was "
                                             "last saved at its entry"):
        _export(exported, tmp_path / "e3.mp4")
    assert not exported.log.path.exists() and not (tmp_path / "e3.mp4").exists()


def test_a_project_without_its_anchor_is_refused(exported, tmp_path):
    doc = json.loads(exported.path.read_text())
    doc.pop("log_head")
    exported.path.write_text(json.dumps(doc))
    with pytest.raises(IntegrityError, match="no edit-log anchor"):
        _export(exported, tmp_path / "e3.mp4")
    with pytest.raises(IntegrityError, match="no edit-log anchor"):
        verify_project(exported.path, "bob", record=False)


def test_an_export_killed_before_publishing_leaves_a_verifiable_project(exported, tmp_path):
    out = tmp_path / "killed.mp4"
    r = run_bwv("export", str(exported.path), "--out", str(out), *EXPORT_ARGS,
                env={"BWV_FAULT_INJECT": "export:part_written"})   # SIGKILL with a part written
    assert r.returncode != 0 and not out.exists()
    acts = [json.loads(l)["action"] for l in exported.log.path.read_text().splitlines()]
    assert acts[-1] == "export"                     # logged, then killed before publishing
    rep = verify_project(exported.path, "bob", record=False)
    assert any("killed.mp4) was interrupted before its files were published" in w
               for w in rep.warnings), rep.warnings
    assert rep.exports_checked == 2
    # the project goes on: a new export works and verifies
    _export(exported, tmp_path / "e3.mp4")
    assert verify_project(exported.path, "bob", record=False).exports_checked == 3
    # a published export that is later deleted is still caught
    (tmp_path / "e1.mp4").unlink()
    with pytest.raises(IntegrityError, match="is missing"):
        verify_project(exported.path, "bob", record=False)


def test_an_export_whose_publishing_failed_is_recorded_as_aborted(exported, tmp_path, monkeypatch):
    import redaction.export as X
    real = X.publish_no_overwrite

    def full_disk(part, final):
        if final.suffix == ".pdf":
            raise OSError(28, "No space left on device")
        return real(part, final)
    monkeypatch.setattr(X, "publish_no_overwrite", full_disk)
    with pytest.raises(Exception, match="disk full"):
        _export(exported, tmp_path / "full.mp4")
    assert sorted(p.name for p in tmp_path.glob("full*")) == []
    last = json.loads(exported.log.path.read_text().splitlines()[-1])
    assert last["action"] == "export_aborted" and isinstance(last["details"]["export_entry"], int)
    rep = verify_project(exported.path, "bob", record=False)
    assert any("full.mp4) was aborted" in w for w in rep.warnings), rep.warnings


def _manifest(tmp_path, n=1):
    return tmp_path / f"e{n}.manifest.json"


@pytest.mark.parametrize("field,value", [("recipient", "Press"), ("basis", "none"),
                                         ("operator", "mallory"), ("created_utc", "2020-01-01T00:00:00Z")])
def test_an_edited_manifest_copy_is_refused(exported, tmp_path, field, value):
    doc = json.loads(_manifest(tmp_path).read_text())
    doc[field] = value
    copy = tmp_path / "copy.manifest.json"
    copy.write_text(json.dumps(doc, indent=1))
    with pytest.raises(IntegrityError, match="not the one published"):
        verify_project(exported.path, "bob", record=False, manifests=[copy])
    r = run_bwv("verify", str(exported.path), "--no-record", "--manifest", str(copy))
    assert r.returncode == 5 and "it was edited" in r.stderr, r.stderr


def test_an_edited_manifest_without_its_completion_entry_is_compared_field_by_field(exported, tmp_path):
    """Exports logged before completion entries: the declared fields are compared."""
    from redaction.verify import manifest_agrees
    entries = exported.log.verify()
    doc = json.loads(_manifest(tmp_path).read_text())
    export = entries[doc["edit_log"]["last_entry_seq"] - 1]
    manifest_agrees(doc, b"", export, {}, "m")                   # as published: agrees
    doc["redactions"]["tracks"] = []                              # not declared in the entry
    manifest_agrees(doc, b"", export, {}, "m")
    doc["recipient"] = "Press"
    with pytest.raises(IntegrityError, match="recipient differs from edit log entry"):
        manifest_agrees(doc, b"", export, {}, "m")


def test_sidecars_edited_in_place_fail_verify_and_report(exported, tmp_path):
    csv = tmp_path / "e2.redactions.csv"
    original = csv.read_bytes()
    csv.write_bytes(original.replace(b"third party", b"third-party"))
    with pytest.raises(IntegrityError, match="differs from the file published"):
        verify_project(exported.path, "bob", record=False)
    csv.write_bytes(original)
    verify_project(exported.path, "bob", record=False)
    m = _manifest(tmp_path, 2)
    doc = json.loads(m.read_text())
    doc["redactions"]["tracks"] = []
    m.write_text(json.dumps(doc, indent=1))
    with pytest.raises(IntegrityError, match="not the one published"):
        verify_project(exported.path, "bob", record=False)
    r = run_bwv("report", str(m), "--out", str(tmp_path / "again.pdf"))
    assert r.returncode == 5 and "it was edited" in r.stderr and not (tmp_path / "again.pdf").exists()


def test_detect_refuses_another_clip_for_a_project(clip_copy, tmp_path):
    s = make_project(clip_copy("basic"), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="pending")))
    s.save()
    before = (s.path.read_bytes(), s.log.path.read_bytes())
    other = clip_copy("mono")
    r = run_bwv("detect", str(other), "--project", str(s.path), "--quiet")
    assert r.returncode == 5 and "is not this project's clip" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    assert (s.path.read_bytes(), s.log.path.read_bytes()) == before
    # the engine refuses too (the window and the batch add detections through it)
    from redaction.detect.apply import add_to_project
    from redaction.detect.job import DetectResult
    with pytest.raises(IntegrityError, match="from another clip"):
        add_to_project(ProjectSession.open(s.path, "alice"), DetectResult([], 25, 0, source_sha256="0" * 64))
    assert (s.path.read_bytes(), s.log.path.read_bytes()) == before


def test_a_failed_verify_never_re_anchors_the_project(exported, tmp_path):
    log = exported.log.path
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:-2]))           # the last export's entries cut
    for _ in range(3):                             # recorded each time, never saved
        with pytest.raises(IntegrityError, match="deleted or replaced"):
            verify_project(exported.path, "bob")
    assert [json.loads(l)["action"] for l in log.read_text().splitlines()][-3:] == ["verify"] * 3


def test_verify_with_unsaved_edits_keeps_them_restorable(exported):
    s = ProjectSession.open(exported.path, "alice")
    s.do(E.SetStatus(["t1"], "rejected", "not a face", "alice"))    # logged, not saved: a crash
    rep = verify_project(exported.path, "bob")
    assert any("opening the project restores" in w for w in rep.warnings), rep.warnings
    s2 = ProjectSession.open(exported.path, "carol")
    assert s2.recovered_edits == 1 and s2.project.tracks[0].status == "rejected"
