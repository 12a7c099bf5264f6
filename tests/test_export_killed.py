"""Killed exports (issue 13, attack 10): parts live in a private work folder, never beside
the disclosure; the next export removes a killed export's parts, and the self-test
reports any that are left."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from redaction import exporttmp
from redaction.edits import AddTrack
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.synth import ClipSpec, write_clip

from helpers import EXPORT_ARGS, make_project, moving_track, run_bwv

@pytest.fixture
def project(tmp_path):
    """A project on a clip that takes a few seconds to export (640x480, 150 frames)."""
    clip = tmp_path / "src" / "long.mp4"
    clip.parent.mkdir()
    write_clip(clip, ClipSpec(width=640, height=480, frames=150, crf=12))
    s = make_project(clip, tmp_path / "src")
    s.do(AddTrack(moving_track(end=140)))
    s.save()
    return s


def _start_export(project, out, env=None):
    return subprocess.Popen([sys.executable, "-m", "redaction", "export", str(project.path),
                             "--out", str(out), *EXPORT_ARGS],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def _visible(folder):
    return sorted(p.name for p in folder.iterdir())


def _work_folders():
    return sorted(p for p in exporttmp.local_root().iterdir() if p.is_dir())


def _wait_for_part(timeout=60.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        for w in _work_folders():
            if any(w.iterdir()):
                return w
        time.sleep(0.05)
    raise AssertionError("the export never wrote a part")


@pytest.mark.slow
def test_sigkill_at_several_points_leaves_nothing_beside_the_disclosure(project, tmp_path):
    out_dir = tmp_path / "disclosure"
    out_dir.mkdir()
    killed = 0
    # after 0.5 s and 1.5 s (start-up or encoding), while encoding, and with the manifest
    # part written (fault injection: the process SIGKILLs itself there)
    for n, when in enumerate([0.5, 1.5, "encoding", "manifest"]):
        out = out_dir / f"export{n}.mp4"
        env = {"BWV_FAULT_INJECT": "export:part_written"} if when == "manifest" else None
        proc = _start_export(project, out, env)
        try:
            if when == "encoding":
                _wait_for_part()
                time.sleep(0.3)
            elif isinstance(when, float):
                time.sleep(when)
            if when != "manifest":
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode == -signal.SIGKILL:
            killed += 1
        else:  # finished before the kill (fast machine): a complete export, fine
            assert proc.returncode == 0, proc.stderr.read()
            for p in out_dir.iterdir():
                p.unlink()
        assert _visible(out_dir) == [], when  # no partial video, no hidden .part file
    assert killed >= 2
    # the killed exports' parts are in the private folder (0700) ...
    stale = exporttmp.stale_parts(out_dir)
    assert stale and all(exporttmp.local_root() in p.path.parents for p in stale)
    assert stat.S_IMODE(exporttmp.local_root().stat().st_mode) == 0o700
    assert any(p.path.is_dir() and any(q.suffix == ".part" for q in p.path.iterdir())
               for p in stale)
    # ... the self-test reports them ...
    r = run_bwv("selftest", "--only", "partials")
    assert r.returncode == 1 and "killed exports left" in r.stdout, r.stdout
    # ... and the next export removes them
    r = run_bwv("export", str(project.path), "--out", str(out_dir / "final.mp4"), *EXPORT_ARGS)
    assert r.returncode == 0, r.stderr
    assert _visible(out_dir) == ["final.manifest.json", "final.mp4", "final.redactions.csv",
                                "final.report.pdf"]
    assert _work_folders() == [] and exporttmp.stale_parts(out_dir) == []
    r = run_bwv("selftest", "--only", "partials")
    assert r.returncode == 0 and "no parts of killed exports left" in r.stdout, r.stdout


def test_a_running_exports_folder_is_never_stale(tmp_path):
    live = exporttmp.local_root() / f"{os.getpid()}-0123abcd-{exporttmp._host()}"
    live.mkdir()
    (live / "x.mp4.part").write_bytes(b"x")
    os.utime(live / "x.mp4.part", (0, 0))
    os.utime(live, (0, 0))  # old, but its process (this one) runs
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = exporttmp.local_root() / f"{gone.pid}-89abcdef-{exporttmp._host()}"
    dead.mkdir()
    (dead / "y.mp4.part").write_bytes(b"y")
    other = exporttmp.local_root() / "4242-00000000-another-host"
    other.mkdir()  # another machine's export, written just now: kept
    assert [p.path for p in exporttmp.stale_parts()] == [dead]
    assert exporttmp.remove_stale() == [dead]
    assert live.is_dir() and other.is_dir() and not dead.exists()
    os.utime(other, (time.time() - 2 * exporttmp.STALE_AFTER_S,) * 2)
    assert exporttmp.remove_stale() == [other]


def test_output_on_another_file_system_uses_a_hidden_private_folder(tmp_path, monkeypatch):
    """Where the data folder is on another device, parts go to <output>/.bwv-partial (0700),
    recorded in the data folder so that the next export and the self-test find them."""
    clip = tmp_path / "c.mp4"
    write_clip(clip, ClipSpec(frames=12))
    s = make_project(clip, tmp_path)
    s.do(AddTrack(moving_track(end=10)))
    s.save()
    out_dir = tmp_path / "share"
    out_dir.mkdir()
    monkeypatch.setattr(exporttmp, "_same_device", lambda a, b: False)
    seen = {}
    real_write = exporttmp.ExportWork.write_text

    def spy(self, final, text):
        seen["folder"] = self.folder
        seen["mode"] = stat.S_IMODE(self.folder.parent.stat().st_mode)
        seen["marker"] = self.marker.read_text()
        return real_write(self, final, text)
    monkeypatch.setattr(exporttmp.ExportWork, "write_text", spy)
    req = ExportRequest(project=s.path, out=out_dir / "o.mp4", operator="alice",
                        recipient="Bob", organisation="CPS", basis="test")
    run_job(export_job(req))
    assert seen["folder"].parent == out_dir / exporttmp.HIDDEN_NAME and seen["mode"] == 0o700
    assert seen["marker"] == str(seen["folder"].resolve())
    assert _visible(out_dir) == ["o.manifest.json", "o.mp4", "o.redactions.csv", "o.report.pdf"]
    assert list(exporttmp.local_root().iterdir()) == []
    # a killed export's hidden folder there is found through its marker and removed
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    hidden = out_dir / exporttmp.HIDDEN_NAME / f"{gone.pid}-00ff00ff-{exporttmp._host()}"
    hidden.mkdir(parents=True)
    (hidden / "o2.mp4.part").write_bytes(b"partial")
    (exporttmp.local_root() / f"{hidden.name}.where").write_text(str(hidden))
    assert [p.path for p in exporttmp.stale_parts()] == [hidden]
    exporttmp.remove_stale(out_dir)
    assert _visible(out_dir) == ["o.manifest.json", "o.mp4", "o.redactions.csv", "o.report.pdf"]
    assert list(exporttmp.local_root().iterdir()) == []


def test_legacy_part_files_beside_an_output_are_removed_once_old(tmp_path):
    """Earlier versions left `.NAME.mp4.<hex>.part` beside the output after a kill."""
    old = tmp_path / ".case.mp4.0a1b2c3d.part"
    old.write_bytes(b"partial mp4")
    os.utime(old, (time.time() - 2 * exporttmp.STALE_AFTER_S,) * 2)
    recent = tmp_path / ".other.mp4.0a1b2c3e.part"
    recent.write_bytes(b"maybe an old version exporting now")
    assert [p.path for p in exporttmp.stale_parts(tmp_path)] == [old]
    exporttmp.remove_stale(tmp_path)
    assert not old.exists() and recent.exists()


def test_cleanup_never_follows_a_marker_to_a_folder_that_is_not_a_work_folder(tmp_path):
    """A stale or forged ``.where`` marker naming an ordinary folder (old, unwritten for
    hours) must not get that folder deleted: only work folders are ever removed."""
    victim = tmp_path / "Disclosures"
    victim.mkdir()
    (victim / "case_REDACTED.mp4").write_bytes(b"evidence")
    old = time.time() - 2 * exporttmp.STALE_AFTER_S
    os.utime(victim / "case_REDACTED.mp4", (old, old))
    os.utime(victim, (old, old))
    marker = exporttmp.local_root() / "forged.where"
    marker.write_text(str(victim))
    odd = exporttmp.local_root() / "not-a-work-folder"
    odd.mkdir()
    os.utime(odd, (old, old))
    assert exporttmp.stale_parts() == []
    assert exporttmp.remove_stale() == []
    assert (victim / "case_REDACTED.mp4").read_bytes() == b"evidence" and odd.is_dir()
    assert not marker.exists()
