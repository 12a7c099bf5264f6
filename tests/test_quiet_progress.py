"""Quiet, visible progress (issue 15): native detector logs stay off the terminal (they go
to the log file), piped progress is a line every few seconds, selftest prints only findings."""
from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

import pytest

from redaction.cli.progress import ProgressBar
from redaction.jobs import Progress
from redaction.native_logs import quiet_native_stderr
from redaction.synth import ClipSpec, write_clip

from helpers import make_project, moving_track, run_bwv
from redaction.edits import AddTrack


def test_native_stderr_goes_to_the_log(caplog, capfd):
    caplog.set_level(logging.INFO, logger="bwv.native")
    with quiet_native_stderr():
        with quiet_native_stderr():               # re-entrant
            os.write(2, b"WARNING: [model_load.cc:402] Sparsity\n" * 3)
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "Sparsity" not in err and "after" in err
    assert any("Sparsity" in r.getMessage() and "(x3)" in r.getMessage() for r in caplog.records)


def test_piped_progress_is_a_line_every_interval():
    buf = io.StringIO()                              # not a terminal
    bar = ProgressBar("export", stream=buf, interval_s=0)
    for i in range(0, 101, 25):
        bar(Progress(i, 100, "exporting"))
    bar.close()
    lines = buf.getvalue().splitlines()
    assert lines[0] == "export: 0/100 (0 %) exporting" and lines[-1].startswith("export: 100/100")
    assert "\r" not in buf.getvalue() and "\x1b" not in buf.getvalue()
    quiet = io.StringIO()                            # a short job within the interval: silent
    bar = ProgressBar("export", stream=quiet, interval_s=60)
    bar(Progress(5, 10))
    bar.close()
    assert quiet.getvalue() == ""


def test_piped_export_shows_progress_lines(clip_copy, tmp_path):
    s = make_project(clip_copy("ntsc"), tmp_path)
    s.do(AddTrack(moving_track(end=40)))
    s.save()
    r = run_bwv("export", str(s.path), "--out", str(tmp_path / "o.mp4"), "--operator", "alice",
                "--recipient", "Bob", "--organisation", "CPS", "--basis", "test",
                env={"BWV_PROGRESS_INTERVAL_S": "0"})
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.startswith("export: ")]
    assert len(lines) >= 2 and "45/45" in lines[-1]
    assert "report " in r.stdout


@pytest.mark.slow
def test_detect_prints_no_native_log_lines(tmp_path):
    clip = tmp_path / "d.mp4"
    write_clip(clip, ClipSpec(width=320, height=240, frames=12))
    r = run_bwv("detect", str(clip), "--no-cache", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr[:2000]


@pytest.mark.slow
def test_selftest_libvlc_prints_only_findings(tmp_path):
    r = run_bwv("selftest", "--only", "libvlc", env={"XDG_RUNTIME_DIR": ""})
    assert "XDG_RUNTIME_DIR" not in r.stderr + r.stdout
    assert r.stderr.strip() == "" or r.returncode != 0, r.stderr
