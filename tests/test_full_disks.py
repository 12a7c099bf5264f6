"""Full disks outside the project (ADR 0015): each failure names the folder or file that
is full, leaves nothing it made behind, and says so in one line."""
from __future__ import annotations

import os

import pytest

from redaction.edits import AddTrack

from helpers import TinyDisk, make_project, moving_track, run_bwv


@pytest.fixture
def disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    d = TinyDisk(tmp_path / "disk", size_kb=128)
    yield d
    d.close()


@pytest.fixture
def proj(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(AddTrack(moving_track("t1", status="accepted")))
    s.save()
    return s


def test_a_full_cache_disk_names_the_cache_folder(proj, disk):
    disk.fill(0)
    before = proj.path.read_bytes(), proj.log.path.read_bytes()
    r = run_bwv("detect", str(proj.source_path), "--project", str(proj.path), "--quiet",
                "--preset", "fast", env={"BWV_CACHE_DIR": str(disk.path)})
    line = r.stderr.strip().splitlines()[-1]
    assert r.returncode != 0
    assert line.startswith(f"bwv detect: error: {disk.path}") and "disk full" in line, r.stderr
    assert "detection cache" in line and "nothing was added to the project" in line
    assert (proj.path.read_bytes(), proj.log.path.read_bytes()) == before
