"""A case folder copied or moved with its project (archived, or handed to an expert witness)
still verifies: its exports are found where they lie relative to the project, never the
originals at the recorded path (an edited copy passed while the original was there)."""
from __future__ import annotations

import shutil

import pytest

from redaction import edits as E
from redaction.errors import IntegrityError
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.verify import verify_project

from helpers import make_project, moving_track, run_bwv


@pytest.fixture
def case(clip_copy, tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    clip = clip_copy()
    clip = clip.rename(folder / clip.name)
    s = make_project(clip, folder)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    (folder / "out").mkdir()
    run_job(export_job(ExportRequest(s.path, folder / "out" / "e1.mp4", "alice", "R", "O", "B")))
    return folder


def test_a_copied_case_folder_verifies_from_its_own_files(case, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(case, copy)
    shutil.move(str(case), str(tmp_path / "away"))                  # the original is gone
    rep = verify_project(copy / "case.bwvproj.json", "expert", record=False)
    assert rep.exports_checked == 1
    r = run_bwv("verify", str(copy / "case.bwvproj.json"), "--no-record",
                "--manifest", str(copy / "out" / "e1.manifest.json"))
    assert r.returncode == 0, r.stderr


def test_an_edited_copy_fails_even_while_the_original_is_there(case, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(case, copy)
    video = copy / "out" / "e1.mp4"
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0xFF
    video.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="altered") as e:
        verify_project(copy / "case.bwvproj.json", "expert", record=False)
    assert str(e.value.path) == str(video)
    r = run_bwv("verify", str(copy / "case.bwvproj.json"), "--no-record")
    assert r.returncode != 0 and str(video) in r.stderr and "\n" not in r.stderr.strip()
    verify_project(case / "case.bwvproj.json", "alice", record=False)   # the original is fine


def test_an_export_outside_the_case_folder_is_checked_where_it_was_written(clip_copy, tmp_path):
    (tmp_path / "case").mkdir()
    clip = clip_copy()
    s = make_project(clip.rename(tmp_path / "case" / clip.name), tmp_path / "case")
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    (tmp_path / "disclosures").mkdir()
    out = tmp_path / "disclosures" / "e1.mp4"
    run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    moved = tmp_path / "elsewhere" / "case"
    shutil.copytree(tmp_path / "case", moved)
    assert verify_project(moved / s.path.name, "x", record=False).exports_checked == 1
    out.unlink()                                       # it is looked for where it was written
    with pytest.raises(IntegrityError, match="is missing") as e:
        verify_project(moved / s.path.name, "x", record=False)
    assert str(e.value.path) == str(out)


def test_an_export_cut_off_while_publishing_is_named_in_the_moved_copy(case, tmp_path):
    """The partial files of an export killed while publishing are looked for in the copy
    too: with the originals gone, the copy's were not found and verify passed with a
    warning that nothing was published."""
    from helpers import EXPORT_ARGS
    proj = case / "case.bwvproj.json"
    r = run_bwv("export", str(proj), "--out", str(case / "out" / "x.mp4"), *EXPORT_ARGS,
                env={"BWV_FAULT_INJECT": "export:published:2"})
    assert r.returncode != 0
    copy = tmp_path / "copy"
    shutil.copytree(case, copy)
    shutil.move(str(case), str(tmp_path / "away"))
    r = run_bwv("verify", str(copy / "case.bwvproj.json"), "--no-record")
    line = r.stderr.strip()
    assert r.returncode == 5 and "\n" not in line, line
    assert "was interrupted while publishing: x.mp4, x.redactions.csv published" in line
    assert str(copy) in line
