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
def test_ray_executor_retries_a_lost_worker_and_replaces_a_dead_actor(tmp_path, ray_cluster):
    from redaction.batch import BatchRun, folder_items
    from redaction.batch.ray_exec import RayExecutor
    from redaction.detect.job import DetectSettings
    from redaction.project_io import default_project_path, load_project
    # long enough that the worker is still on the clip when its (queued, possibly late on a
    # loaded machine) early progress report arrives and the test kills it
    clips = make_clips(tmp_path / "clips", 3, frames=450)
    settings = DetectSettings(kinds=("face",), preset="fast")
    run = BatchRun(folder_items(tmp_path / "clips"), settings, RayExecutor(ray_cluster, 2), "t.o")
    killed = None
    events = []
    for ev in run.run():
        events.append(ev)
        if killed is None and ev.kind == "progress" and ev.done >= 10:
            killed = (ev.index, int(ev.worker.rsplit(":", 1)[1]))
            os.kill(killed[1], signal.SIGKILL)        # the actor's worker process, mid-clip
    assert killed is not None
    assert run.summary.done == 3 and run.summary.failed == 0, run.summary.errors
    assert run.attempts[killed[0]] == 2               # Ray restarted the actor, retried the clip
    starts = [ev.worker for ev in events if ev.kind == "start" and ev.index == killed[0]]
    assert starts[0] != starts[1]                     # on a new worker process
    for c in clips:
        assert load_project(default_project_path(c)).extra["detection"]["frames"] == 450
    # the same code path as the local executor: a second run skips every clip
    again = BatchRun(folder_items(tmp_path / "clips"), settings, RayExecutor(ray_cluster), "t.o")
    assert list(again.run()) == [] and again.summary.skipped == 3
    # a clip that loses its worker more often than the retries allow fails, naming the loss;
    # the pool leaves the dead actor out, and a fresh one takes its place (with one actor,
    # every later clip was reported lost without being run); on the same cluster, since
    # starting one takes tens of seconds
    make_clips(tmp_path / "more", 2, frames=451)          # other clips: no cached detections
    run = BatchRun(folder_items(tmp_path / "more"), settings,
                   RayExecutor(ray_cluster, 1, retries=0), "t.o")
    killed = None
    for ev in run.run():
        if killed is None and ev.kind == "progress" and ev.done >= 10:
            killed = ev.index
            os.kill(int(ev.worker.rsplit(":", 1)[1]), signal.SIGKILL)
    assert killed is not None
    assert run.summary.failed == 1 and run.summary.done == 1, run.summary.errors
    assert "lost 1 times" in " ".join(run.summary.errors.values()), run.summary.errors


def test_watch_takes_clips_as_they_arrive_then_stops_when_idle(tmp_path):
    make_clips(tmp_path / "in", 1)
    p = subprocess.Popen([*BWV, "batch", "detect", "--watch", str(tmp_path / "in"), "--workers", "1",
                          "--interval", "0.3", "--settle", "0.5", "--idle-exit", "6", *FAST],
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


# -- fixes of the QA round (s16): watch, working folder, reviewed projects, messages --------

def small_clip(path: Path, i: int = 0, frames: int = 30) -> Path:
    """A 160x120 clip of 1 s; ``i`` changes its content (and so its sha256)."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def frame(k):
        f = np.full((120, 160, 3), 50 + 40 * i, np.uint8)
        f[40:70, (3 * k + 10 * i) % 120:(3 * k + 10 * i) % 120 + 30] = (200, 160, 90)
        return f
    return Path(write_clip(path, ClipSpec(frames=frames, width=160, height=120, audio_rate=None),
                           frame_fn=frame))


def test_watch_takes_a_clip_again_once_it_changed_and_waits_while_it_is_copied(tmp_path):
    """A non-video ``x.mp4`` that failed and is then replaced by a clip, and a half-copied
    ``half.mp4`` that failed and is then completed, are both taken again; ``slow.mp4``,
    written in pieces, is not taken until it has stopped changing for --settle seconds."""
    src = tmp_path / "src"
    real_x, real_half, real_slow = (small_clip(src / f"{n}.mp4", i)
                                    for i, n in enumerate(("x", "half", "slow")))
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "x.mp4").write_text("this is not a video")
    data = real_half.read_bytes()
    (inbox / "half.mp4").write_bytes(data[:len(data) // 2])     # a copy that stalled

    def copy_slowly():
        body = real_slow.read_bytes()
        step = len(body) // 6 + 1
        with open(inbox / "slow.mp4", "wb") as f:
            for k in range(0, len(body), step):
                f.write(body[k:k + step])
                f.flush()
                time.sleep(0.3)

    import threading
    p = subprocess.Popen([*BWV, "batch", "detect", "--watch", str(inbox), "--workers", "1",
                          "--interval", "0.2", "--settle", "1.5", "--idle-exit", "4", *FAST,
                          "--projects", str(tmp_path / "projects")],
                         cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines, writer = [], None
    try:
        for line in p.stdout:
            lines.append(line)
            failed = {x.split()[1].rstrip(":") for x in lines if x.startswith("failed  ")}
            if writer is None and failed == {"x.mp4", "half.mp4"}:
                os.replace(real_x, inbox / "x.mp4")                  # replaced by a real clip
                with open(inbox / "half.mp4", "ab") as f:            # the copy completes
                    f.write(data[len(data) // 2:])
                writer = threading.Thread(target=copy_slowly)
                writer.start()
        assert p.wait(120) == 0, "".join(lines)
    finally:
        p.kill()
        if writer:
            writer.join()
    out = "".join(lines)
    assert lines[0].startswith(f"watching {inbox.resolve()} "), out
    assert f"projects in {(tmp_path / 'projects').resolve()}" in lines[0], out
    done = sorted(x.split()[1].rstrip(":") for x in lines if x.startswith("done    "))
    assert done == ["half.mp4", "slow.mp4", "x.mp4"], out
    assert not any(x.startswith("failed  slow.mp4") for x in lines), out   # never taken half-written
    assert "watch stopped (idle): 3 clip(s) done, 0 failed, 0 interrupted" in out, out


def test_watch_summary_names_the_clips_that_failed(tmp_path):
    inbox = tmp_path / "in"
    small_clip(inbox / "good.mp4")
    (inbox / "bad.mp4").write_text("not a video")
    r = subprocess.run([*BWV, "batch", "detect", "--watch", str(inbox), "--workers", "1",
                        "--interval", "0.2", "--settle", "0.3", "--idle-exit", "1", *FAST],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr[-2000:]
    assert "watch stopped (idle): 1 clip(s) done, 1 failed, 0 interrupted" in r.stdout
    assert any(x.startswith("  failed       bad.mp4: ") for x in r.stdout.splitlines()), r.stdout


def test_a_rerun_from_another_working_folder_skips_the_clips_done(tmp_path):
    """The state file records absolute paths: the same batch run from another working
    folder (with a relative --projects) finds the projects and runs nothing again."""
    for i in range(2):
        small_clip(tmp_path / "clips" / f"c{i}.mp4", i)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    def run(cwd, projects):
        return subprocess.run([*BWV, "batch", "detect", "../clips", "--workers", "1", *FAST,
                               "--projects", projects], cwd=tmp_path / cwd, capture_output=True,
                              text=True, timeout=240, env={**os.environ, "PYTHONPATH": str(REPO)})
    first = run("a", "projs")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "2 done, 0 skipped" in first.stdout
    from redaction.paths import data_dir
    (state,) = (data_dir() / "batch").glob("detect-*.jsonl")
    for line in state.read_text().splitlines():
        assert Path(json.loads(line)["project"]).is_absolute()
    again = run("b", "../a/projs")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "2 clip(s), 2 already done with these settings, 0 to run" in again.stdout, again.stdout
    for i in range(2):
        assert detection_edits(tmp_path / "a" / "projs" / f"c{i}.bwvproj.json") == 1


class _FakeExecutor:
    """Stands in for a worker pool: a 'detection' with two face tracks on each clip, so
    the driver's handling (:class:`BatchRun`, the one path of both executors) is tested
    without running the detector."""
    name = "fake"

    def run(self, items, settings):
        from redaction.batch.worker import Event
        from redaction.detect.job import DetectResult
        from redaction.fsutil import sha256_file
        from redaction.model import Keyframe, Track
        for it in items:
            sha = sha256_file(it.path)
            tracks = [Track("", "face", origin="auto", keyframes=[Keyframe(0, (10 + 60 * k, 10, 40, 40)),
                                                               Keyframe(20, (12 + 60 * k, 12, 40, 40))])
                      for k in range(2)]
            yield Event("start", it.index, "fake:1")
            yield Event("done", it.index, "fake:1", 30, 30, sha256=sha,
                        result=DetectResult(tracks, 30, 2, settings=settings, source_sha256=sha))


def test_a_project_with_review_decisions_is_skipped_unless_forced(tmp_path):
    """Detection replaces only pending proposals: run again on a reviewed project, it would
    propose the accepted face again (twice redacted, one pending) and the rejected one again
    (pending). A batch skips such a clip, and says so, unless forced."""
    from redaction import services
    from redaction.batch import BatchRun, StateFile, folder_items, write_project
    from redaction.detect.job import DetectSettings
    from redaction.errors import ProjectError
    from redaction.project_io import load_project
    from redaction.session import ProjectSession
    small_clip(tmp_path / "clips" / "c.mp4")
    settings = DetectSettings(kinds=("face",), preset="fast")
    state = StateFile.for_settings(settings, tmp_path / "state")

    def batch(**kw):
        br = BatchRun(folder_items(tmp_path / "clips", projects=tmp_path / "p"), settings,
                      _FakeExecutor(), "test.officer", state=state, **kw)
        events = list(br.run())
        return br, events
    br, _ = batch()
    assert br.summary.done == 1
    proj = tmp_path / "p" / "c.bwvproj.json"
    s = ProjectSession.open(proj, "test.officer")
    a, b = (t.id for t in s.project.tracks)
    services.decide(s, [a], "accepted", "a face")
    services.decide(s, [b], "rejected", "not a face")
    services.save(s)
    br, events = batch(redo=True)
    assert br.summary.reviewed == ["c.mp4"] and br.todo == [] and events == []
    assert br.summary.skipped == 1
    assert sorted(t.status for t in load_project(proj).tracks) == ["accepted", "rejected"]
    # reviewed during the batch (after the clip was queued): the driver refuses to write
    (item,) = folder_items(tmp_path / "clips", projects=tmp_path / "p")
    (done,) = [ev for ev in _FakeExecutor().run([item], settings) if ev.kind == "done"]
    with pytest.raises(ProjectError, match="review decision"):
        write_project(item, done.result, done.sha256, "test.officer")
    br, _ = batch(redo=True, force=True)                # forced: detected again...
    assert br.summary.done == 1
    # ... but the objects the officer decided on are not proposed again (detect/apply.py)
    forced = load_project(proj)
    assert sorted(t.status for t in forced.tracks) == ["accepted", "rejected"]
    assert forced.extra["detection"]["already_decided"] == 2


def test_a_clip_whose_content_changed_since_its_project_says_so(tmp_path):
    from redaction.batch import BatchRun, StateFile, folder_items
    from redaction.detect.job import DetectSettings
    clip = small_clip(tmp_path / "clips" / "c.mp4", 0)
    settings = DetectSettings(kinds=("face",), preset="fast")
    state = StateFile.for_settings(settings, tmp_path / "state")

    def batch():
        br = BatchRun(folder_items(tmp_path / "clips"), settings, _FakeExecutor(),
                      "test.officer", state=state)
        list(br.run())
        return br
    assert batch().summary.done == 1
    small_clip(tmp_path / "other.mp4", 1).replace(clip)     # the same path, other content
    br = batch()
    assert br.summary.failed == 1
    err = br.summary.errors["c.mp4"]
    assert "the clip's content changed since its project was made" in err, err
    assert "another clip" not in err


@pytest.mark.parametrize("option, value, message", [
    ("--workers", "-3", "--workers must be at least 1 (got -3)"),
    ("--every", "-5", "--every must be at least 1 (got -5)"),
    ("--state-dir", "FILE", "FILE: not a folder (--state-dir)"),
    ("--projects", "FILE", "FILE: not a folder (--projects)"),
])
def test_unusable_options_are_refused_up_front_in_one_line(tmp_path, option, value, message):
    small_clip(tmp_path / "clips" / "c.mp4")
    f = tmp_path / "afile"
    f.write_text("a file, not a folder")
    value = str(f) if value == "FILE" else value
    r = bwv("batch", "detect", tmp_path / "clips", *FAST, option, value)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip().splitlines() == [
        f"bwv batch: error: {message.replace('FILE', str(f))}"], r.stderr
    assert "start" not in r.stdout                  # refused before any detection

