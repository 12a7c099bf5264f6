"""``bwv batch detect``: the local executor on several generated clips (a killed and resumed
run included), the policy's Ray address, and the Ray executor on a real local Ray cluster
with a worker killed mid-batch."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from redaction.synth import ClipSpec, write_clip

from helpers import REPO

BWV = [sys.executable, "-m", "redaction"]
FAST = ["--preset", "fast", "--kinds", "face"]


def make_clips(folder: Path, n: int, frames: int = 60) -> list[Path]:
    """``n`` small clips that differ (so their sha256 and detection caches differ)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        def frame(k, i=i):
            f = np.full((240, 320, 3), 40 + 30 * i, np.uint8)
            x = (4 * k + 20 * i) % 280
            f[100:140, x:x + 40] = (200, 180 - 20 * i, 90)
            return f
        out.append(Path(write_clip(folder / f"clip{i}.mp4",
                                   ClipSpec(frames=frames, width=320, height=240, audio_rate=None),
                                   frame_fn=frame)))
    return out


def bwv(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*BWV, *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=240, **kw)


def detection_edits(project: Path) -> int:
    log = project.with_name(project.name.replace(".bwvproj.json", ".editlog.jsonl"))
    n = 0
    for line in log.read_text().splitlines():
        e = json.loads(line)
        if "detection" in json.dumps(e.get("details", {}).get("describe", "")) or \
                "detection:" in json.dumps(e):
            n += e.get("action") == "apply"
    return n


def test_local_batch_detects_every_clip_then_skips_them(tmp_path):
    clips = make_clips(tmp_path / "clips", 3)
    (tmp_path / "clips" / "notes.txt").write_text("not a clip")
    r = bwv("batch", "detect", tmp_path / "clips", "--workers", "2", *FAST)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "3 clip(s), 0 already done" in r.stdout
    assert "3 done, 0 skipped, 0 failed of 3" in r.stdout
    workers = {line.split(" on ")[1] for line in r.stdout.splitlines() if line.startswith("start")}
    assert len(workers) == 2                        # both worker processes took clips
    from redaction.project_io import default_project_path, load_project
    for c in clips:
        proj = default_project_path(c)              # where the window opens the clip's project
        p = load_project(proj)
        assert p.extra["detection"]["settings"]["preset"] == "fast"
        assert detection_edits(proj) == 1           # one logged edit in its edit log
    assert bwv("verify", default_project_path(clips[0])).returncode == 0
    again = bwv("batch", "detect", tmp_path / "clips", *FAST)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "3 already done with these settings, 0 to run" in again.stdout
    assert all(detection_edits(default_project_path(c)) == 1 for c in clips)
    # other settings are another batch: every clip runs again
    other = bwv("batch", "detect", tmp_path / "clips", "--workers", "1", "--every", "3",
                *FAST, "--projects", tmp_path / "projects")
    assert other.returncode == 0, other.stderr[-2000:]
    assert "0 already done" in other.stdout
    assert sorted(p.name for p in (tmp_path / "projects").iterdir()
                  if p.name.endswith(".bwvproj.json")) == [f"clip{i}.bwvproj.json" for i in range(3)]


def test_a_clip_that_cannot_be_read_fails_alone(tmp_path):
    make_clips(tmp_path / "clips", 1)
    (tmp_path / "clips" / "broken.mp4").write_text("this is not a video")
    r = bwv("batch", "detect", tmp_path / "clips", "--workers", "1", *FAST)
    assert r.returncode == 1
    assert "1 done, 0 skipped, 1 failed of 2" in r.stdout
    assert any(line.startswith("failed  broken.mp4: ") for line in r.stdout.splitlines())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is dead
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_a_killed_batch_resumes_where_it_stopped(tmp_path):
    clips = make_clips(tmp_path / "clips", 3, frames=240)
    cmd = [*BWV, "batch", "detect", str(tmp_path / "clips"), "--workers", "1", *FAST]
    err = open(tmp_path / "stderr.txt", "w")
    p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True)
    lines, worker = [], None
    try:
        for line in p.stdout:          # clip1 may start before clip0's result is handled
            lines.append(line)
            if line.startswith("start   clip1.mp4 on "):
                worker = int(line.rsplit(":", 1)[1])
            if worker is not None and any(x.startswith("done    clip0.mp4") for x in lines):
                break
        if worker is None:
            p.wait(30)
            err.close()
        assert worker is not None, ("".join(lines) + "\nstderr:\n"
                                    + (tmp_path / "stderr.txt").read_text()[-3000:])
        from redaction.paths import cache_dir
        caches = cache_dir() / "clips"
        deadline = time.monotonic() + 60             # wait until clip1 is well under way
        while time.monotonic() < deadline:
            sizes = [f.stat().st_size for f in caches.rglob("detect-*.jsonl")]
            if len(sizes) >= 2 and min(sizes) > 4000:
                break
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    finally:
        p.kill()
    deadline = time.monotonic() + 15                 # the orphaned worker stops by itself
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
    r = bwv("batch", "detect", tmp_path / "clips", "--workers", "1", *FAST)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "3 clip(s), 1 already done with these settings, 2 to run" in r.stdout
    done1 = next(x for x in r.stdout.splitlines() if x.startswith("done    clip1.mp4"))
    assert "resumed at frame" in done1               # from the per-clip detection cache
    assert int(done1.split("resumed at frame ")[1].split()[0].rstrip(",")) > 0
    from redaction.project_io import default_project_path
    assert [detection_edits(default_project_path(c)) for c in clips] == [1, 1, 1]


def test_the_machine_policy_decides_the_ray_cluster(tmp_path, monkeypatch):
    from redaction import batch, policy
    assert batch.ray_address(None) is None
    assert batch.ray_address("head:6379") == "head:6379"
    machine = tmp_path / "policy.json"
    machine.write_text(json.dumps({"ray_address": "force-ray:6379", "require_store": False}))
    monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", [machine])
    monkeypatch.setenv("RAY_ADDRESS", "elsewhere:6379")
    other = tmp_path / "dev.json"
    other.write_text(json.dumps({"ray_address": "dev:6379"}))
    monkeypatch.setenv("BWV_POLICY_FILE", str(other))
    assert batch.ray_address(None) == "force-ray:6379"
    assert batch.ray_address("mine:6379") == "force-ray:6379"
    machine.write_text(json.dumps({"ray_address": "two words"}))
    with pytest.raises(policy.PolicyError, match="ray_address"):
        policy.load_policy(reload=True)


# -- Ray ---------------------------------------------------------------------------------

def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def ray_cluster(tmp_path, monkeypatch):
    """A real one-node Ray cluster on the loopback (its own ports and temp folder),
    started with ``ray start --head --block`` in its own process group and torn down by
    ending that group (never ``ray stop``, which would end other users' clusters)."""
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")   # loopback addresses only
    pytest.importorskip("ray")
    from ray._private import ray_constants
    monkeypatch.setattr(ray_constants, "ENABLE_RAY_CLUSTER", False)  # if imported before
    import tempfile
    temp = Path(tempfile.mkdtemp(prefix="bwvray", dir="/tmp"))     # short: socket paths
    port = _free_port()
    cmd = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block",
           "--port", str(port), "--node-ip-address", "127.0.0.1", "--num-cpus", "2",
           "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", str(temp),
           "--object-store-memory", str(80 * 1024 * 1024),
           "--node-manager-port", str(_free_port()), "--object-manager-port", str(_free_port()),
           "--dashboard-agent-listen-port", str(_free_port()),
           "--dashboard-agent-grpc-port", str(_free_port()),
           "--runtime-env-agent-port", str(_free_port()),
           "--metrics-export-port", str(_free_port())]
    head = subprocess.Popen(cmd, stdout=open(tmp_path / "ray.log", "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    address = f"127.0.0.1:{port}"
    import ray
    try:
        deadline = time.monotonic() + 120
        while True:
            if head.poll() is not None:
                pytest.fail("ray start failed: " + (tmp_path / "ray.log").read_text()[-3000:])
            if "Ray runtime started" in (tmp_path / "ray.log").read_text():
                break
            assert time.monotonic() < deadline, (tmp_path / "ray.log").read_text()[-3000:]
            time.sleep(0.3)
        ray.init(address=address, log_to_driver=False, configure_logging=False)
        yield address
    finally:
        ray.shutdown()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(head.pid, sig)
            except ProcessLookupError:
                break
            try:
                head.wait(5)
                time.sleep(1)
            except subprocess.TimeoutExpired:
                continue
        _end_leftovers(temp)
        import shutil
        shutil.rmtree(temp, ignore_errors=True)


def _end_leftovers(temp: Path) -> None:
    """Ray processes of this cluster that left the process group (they name its folder)."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if str(temp) in (d / "cmdline").read_bytes().decode(errors="replace"):
                    os.kill(int(d.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue


@pytest.mark.slow
def test_ray_executor_retries_a_clip_whose_worker_was_killed(tmp_path, ray_cluster):
    from redaction.batch import BatchRun, folder_items
    from redaction.batch.ray_exec import RayExecutor
    from redaction.detect.job import DetectSettings
    from redaction.project_io import default_project_path, load_project
    clips = make_clips(tmp_path / "clips", 3, frames=150)
    settings = DetectSettings(kinds=("face",), preset="fast")
    run = BatchRun(folder_items(tmp_path / "clips"), settings, RayExecutor(ray_cluster, 2), "t.o")
    killed = None
    events = []
    for ev in run.run():
        events.append(ev)
        if killed is None and ev.kind == "progress" and ev.done >= 30:
            killed = (ev.index, int(ev.worker.rsplit(":", 1)[1]))
            os.kill(killed[1], signal.SIGKILL)        # the actor's worker process, mid-clip
    assert killed is not None
    assert run.summary.done == 3 and run.summary.failed == 0, run.summary.errors
    assert run.attempts[killed[0]] == 2               # Ray restarted the actor, retried the clip
    starts = [ev.worker for ev in events if ev.kind == "start" and ev.index == killed[0]]
    assert starts[0] != starts[1]                     # on a new worker process
    for c in clips:
        assert load_project(default_project_path(c)).extra["detection"]["frames"] == 150
    # the same code path as the local executor: a second run skips every clip
    again = BatchRun(folder_items(tmp_path / "clips"), settings, RayExecutor(ray_cluster), "t.o")
    assert list(again.run()) == [] and again.summary.skipped == 3


def test_watch_takes_clips_as_they_arrive_then_stops_when_idle(tmp_path):
    make_clips(tmp_path / "in", 1)
    p = subprocess.Popen([*BWV, "batch", "detect", "--watch", str(tmp_path / "in"), "--workers", "1",
                          "--interval", "0.3", "--idle-exit", "6", *FAST],
                         cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if line.startswith("done    clip0.mp4"):
            make_clips(tmp_path / "later", 2)            # a second clip arrives (moved in whole)
            os.replace(tmp_path / "later" / "clip1.mp4", tmp_path / "in" / "clip1.mp4")
    assert p.wait(120) == 0, "".join(lines)
    done = [x.split()[1].rstrip(":") for x in lines if x.startswith("done")]
    assert done == ["clip0.mp4", "clip1.mp4"], "".join(lines)


def test_a_clip_whose_bytes_differ_from_its_recorded_sha256_is_refused(tmp_path):
    """A store clip's evidence file that changed since import is never detected and
    recorded under its old hash: the worker hashes the file and refuses the mismatch."""
    from redaction.batch.worker import BatchItem, detect_clip
    from redaction.detect.job import DetectSettings
    (clip,) = make_clips(tmp_path / "c", 1)
    item = BatchItem(0, str(clip), clip.name, sha256="0" * 64, clip_id=7)
    events = []
    ev = detect_clip(item, DetectSettings(kinds=("face",), preset="fast"), events.append)
    assert ev.kind == "failed" and "does not match" in str(ev.error)
