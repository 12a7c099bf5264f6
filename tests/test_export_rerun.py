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

from helpers import EXPORT_ARGS, make_project, moving_track, run_bwv

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


# -- an export killed while publishing (the video first, the manifest last) -----------------

def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def _kill_while_publishing(proj, out, after: int):
    r = run_bwv("export", str(proj.path), "--out", str(out), *EXPORT_ARGS,
                env={"BWV_FAULT_INJECT": f"export:published:{after}"})
    assert r.returncode != 0
    return r


def test_an_export_killed_while_publishing_is_named_by_verify_and_replaced_by_a_rerun(
        proj, tmp_path):
    folder = tmp_path / "out"
    out = folder / "x.mp4"
    _kill_while_publishing(proj, out, 2)
    # the video came first: what is there is never a manifest without its video
    assert _names(folder) == ["x.mp4", "x.redactions.csv"]
    r = run_bwv("verify", str(proj.path), "--no-record")
    line = r.stderr.strip()
    assert r.returncode == 5 and "\n" not in line, line
    assert ("was interrupted while publishing: x.mp4, x.redactions.csv published, "
            "x.report.pdf, x.manifest.json missing") in line
    # the same export again removes the partial files it can prove its own, logged
    r = run_bwv("export", str(proj.path), "--out", str(out), *EXPORT_ARGS)
    assert r.returncode == 0, r.stderr
    assert _names(folder) == ["x.manifest.json", "x.mp4", "x.redactions.csv", "x.report.pdf"]
    removed = [json.loads(line) for line in proj.log.path.read_text().splitlines()
               if '"export_partial_removed"' in line]
    assert len(removed) == 1 and sorted(removed[0]["details"]["files"]) == \
        sorted(str(p.resolve()) for p in (out, folder / "x.redactions.csv"))
    r = run_bwv("verify", str(proj.path))
    assert r.returncode == 0, r.stderr
    assert "its partial files were removed by entry" in r.stdout
    r = run_bwv("verify", str(proj.path), "--no-record", "--manifest",
                str(folder / "x.manifest.json"))
    assert r.returncode == 0, r.stderr


def test_a_rerun_never_removes_a_file_it_cannot_prove_its_own(proj, tmp_path):
    folder = tmp_path / "out"
    out = folder / "x.mp4"
    _kill_while_publishing(proj, out, 3)
    assert _names(folder) == ["x.mp4", "x.redactions.csv", "x.report.pdf"]
    (folder / "x.redactions.csv").write_text("someone's list\n")     # not the export's any more
    video = out.read_bytes()
    r = run_bwv("export", str(proj.path), "--out", str(out), *EXPORT_ARGS)
    assert r.returncode != 0 and "x.redactions.csv: already exists" in r.stderr, r.stderr
    assert out.read_bytes() == video and (folder / "x.redactions.csv").read_text() == \
        "someone's list\n"
    # a complete export of the name is never replaced either
    other = folder / "y.mp4"
    assert run_bwv("export", str(proj.path), "--out", str(other), *EXPORT_ARGS).returncode == 0
    r = run_bwv("export", str(proj.path), "--out", str(other), *EXPORT_ARGS)
    assert r.returncode != 0 and "already exists" in r.stderr


def test_a_manifest_without_its_video_fails_verify_manifest(proj, tmp_path):
    """A manifest left by an export cut short (as earlier versions published it first)."""
    from redaction.editlog import EditLog
    from redaction.errors import IntegrityError
    from redaction.verify import check_manifest
    folder = tmp_path / "out"
    res = _export(proj, folder / "x.mp4")
    res.out.unlink()
    with pytest.raises(IntegrityError, match="the export this manifest names is missing"):
        check_manifest(res.manifest, EditLog(proj.log.path).verify())
    r = run_bwv("verify", str(proj.path), "--no-record", "--manifest", str(res.manifest))
    assert r.returncode == 5 and "x.mp4" in r.stderr


def test_the_qa_kill_on_the_fourth_link(proj, tmp_path):
    """QA's reproduction: SIGKILL on the export's fourth link() (strace fault injection)."""
    import shutil
    import subprocess
    import sys
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    folder = tmp_path / "out"
    out = folder / "x.mp4"
    r = subprocess.run(["strace", "-f", "-o", "/dev/null", "-e",
                        "inject=link,linkat:signal=SIGKILL:when=4", sys.executable, "-m",
                        "redaction", "export", str(proj.path), "--out", str(out), *EXPORT_ARGS],
                       capture_output=True, text=True, timeout=300)
    if r.returncode == 0 or "ptrace" in r.stderr:
        pytest.skip(f"strace could not inject here: {r.stderr.strip()[:200]}")
    assert "x.mp4" in _names(folder) and "x.manifest.json" not in _names(folder)
    r = run_bwv("verify", str(proj.path), "--no-record")
    assert r.returncode == 5 and "x.manifest.json missing" in r.stderr, r.stderr
    assert run_bwv("export", str(proj.path), "--out", str(out), *EXPORT_ARGS).returncode == 0
    assert run_bwv("verify", str(proj.path)).returncode == 0
