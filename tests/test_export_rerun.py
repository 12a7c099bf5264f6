"""An export retried under the same name (ADR 0015): after an aborted or killed export,
a rerun to the same name made `bwv verify` fail for ever ("export manifest names edit log
entry 7 with another hash than the log's entry 5: the log was rewritten"): the aborted
entry was paired with the new export's manifest."""
from __future__ import annotations

import json

import pytest

from redaction import edits as E
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.verify import verify_project

from helpers import make_project, moving_track, run_bwv

EXPORT_ARGS = ("--operator", "alice", "--recipient", "Bob", "--organisation", "CPS",
               "--basis", "test", "--quiet")


@pytest.fixture
def proj(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    (tmp_path / "out").mkdir()
    return s


def _export(s, out):
    return run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))


def _actions(s):
    return [json.loads(line)["action"] for line in s.log.path.read_text().splitlines()]


def test_a_rerun_after_an_aborted_export_of_the_same_name_verifies(proj, tmp_path,
                                                                   monkeypatch):
    import redaction.export as X
    real = X.publish_no_overwrite

    def full_disk(part, final):
        if final.suffix == ".pdf":
            raise OSError(28, "No space left on device")
        return real(part, final)
    out = tmp_path / "out" / "x.mp4"
    monkeypatch.setattr(X, "publish_no_overwrite", full_disk)
    with pytest.raises(Exception, match="disk full"):
        _export(proj, out)
    monkeypatch.undo()
    assert list((tmp_path / "out").iterdir()) == []
    res = _export(proj, out)                           # the same name again
    rep = verify_project(proj.path, "bob", record=False)
    assert rep.exports_checked == 1
    assert any("was aborted" in w and "x.mp4 is the export of entry" in w
               for w in rep.warnings), rep.warnings
    r = run_bwv("verify", str(proj.path), "--no-record", "--manifest", str(res.manifest))
    assert r.returncode == 0, r.stderr


def test_a_rerun_after_a_killed_export_of_the_same_name_verifies(proj, tmp_path):
    out = tmp_path / "out" / "x.mp4"
    r = run_bwv("export", str(proj.path), "--out", str(out), *EXPORT_ARGS,
                env={"BWV_FAULT_INJECT": "export:part_written"})   # SIGKILL, a part written
    assert r.returncode != 0 and list((tmp_path / "out").iterdir()) == []
    r = run_bwv("export", str(proj.path), "--out", str(out), *EXPORT_ARGS)
    assert r.returncode == 0, r.stderr
    r = run_bwv("verify", str(proj.path))
    assert r.returncode == 0, r.stderr
    assert "interrupted before its files were published" in r.stdout
    r = run_bwv("verify", str(proj.path), "--no-record", "--manifest",
                str(tmp_path / "out" / "x.manifest.json"))
    assert r.returncode == 0, r.stderr
    # the completed export is still checked: its video deleted fails verification
    out.unlink()
    r = run_bwv("verify", str(proj.path), "--no-record")
    assert r.returncode != 0 and "is missing" in r.stderr
