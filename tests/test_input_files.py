"""Input and files (issue 13): truncation is not reported for whole clips; the edit log is
private to its owner."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from redaction.media import probe

from helpers import SHARED, make_project


def test_whole_clips_are_not_reported_truncated(clips):
    for name, path in clips.items():
        info = probe(path, with_hash=False)
        assert info.truncated is None, (name, info.truncated)
        assert info.declared_frames == info.frames, name


@pytest.mark.slow
def test_shared_eval_videos_are_not_reported_truncated():
    videos = sorted((SHARED / "eval" / "videos").glob("*.mp4"))
    if not videos:
        pytest.skip("no shared eval videos here")
    for v in videos:
        assert probe(v, with_hash=False).truncated is None, v


def test_edit_log_is_created_0600(clips, tmp_path):
    s = make_project(clips["basic"], tmp_path)
    s.save()
    assert stat.S_IMODE(s.log.path.stat().st_mode) == 0o600


def test_project_new_on_a_truncated_clip_warns_and_logs_it(tmp_path):
    import json

    from helpers import run_bwv, truncated_clip
    cut = truncated_clip(tmp_path, frames=100, keep=1 / 3)
    proj = tmp_path / "cut.bwvproj.json"
    r = run_bwv("project", "new", str(cut), "--out", str(proj))
    assert r.returncode == 0, r.stderr
    assert "truncated" in r.stderr and str(cut) in r.stderr
    log = [json.loads(x) for x in proj.with_name("cut.editlog.jsonl").read_text().splitlines()]
    assert [e["action"] for e in log] == ["create_project", "source_truncated"]


def test_every_folder_the_program_makes_for_footage_data_is_owner_only(clip_copy):
    """Projects, recovery files, the frame index and detection caches hold personal data:
    every folder made for them under the data and cache folders is 0700 (umask 022 here)."""
    import os
    from redaction.detect.job import DetectSettings, detect_job
    from redaction.jobs import run_job
    from redaction.paths import cache_dir, data_dir
    from redaction.workspace import open_workspace
    clip = clip_copy()
    ws = open_workspace(clip, "alice")                    # default project: data/projects
    from redaction import edits
    from redaction.model import Annotation
    ws.session.do(edits.AddAnnotation(Annotation("n1", 2, note="x")))
    assert ws.write_recovery() is not None                # data/recovery
    ws.media.frame(3, "rgb24")                            # the frame index: cache/...
    run_job(detect_job(clip, DetectSettings(kinds=("face",), preset="fast", every=10)))
    folders = [Path(r) for base in (data_dir(), cache_dir()) for r, _, _ in os.walk(base)]
    assert len(folders) >= 5
    loose = [f"{f} {oct(stat.S_IMODE(f.stat().st_mode))}" for f in folders
             if stat.S_IMODE(f.stat().st_mode) != 0o700]
    assert not loose, loose


def test_a_text_file_is_not_taken_for_a_video(tmp_path):
    """FFmpeg's text-art reader turns a text file named .txt or .nfo into 'video' (640x400,
    codec ansi): `bwv detect` on the licence beside the evaluation clips ran detection on 48
    frames of rendered text and exited 0, and `bwv case import` stored it as a clip of a case.
    Refused in one line naming the file, like any file that is not a video."""
    from redaction.errors import MediaError
    from helpers import run_bwv
    text = "Licensed under the Apache License, Version 2.0 (the \"License\").\n" * 200
    for name in ("notes.txt", "readme.nfo"):
        f = tmp_path / name
        f.write_text(text)
        with pytest.raises(MediaError, match="not a video file"):
            probe(f, with_hash=False)
        r = run_bwv("probe", str(f))
        assert r.returncode != 0 and str(f) in r.stderr and "not a video file" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    r = run_bwv("detect", str(tmp_path / "notes.txt"), "--out", str(tmp_path / "d.jsonl"))
    assert r.returncode != 0 and "not a video file" in r.stderr
    assert not (tmp_path / "d.jsonl").exists()
