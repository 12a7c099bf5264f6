"""Batch throughput: clips per minute of `bwv batch detect` with 1 and 2 local workers and
on a Ray cluster started on this machine, as ratios to one `bwv detect` run on one clip
in the same benchmark (the plain, one-process way a user would do it one clip at a time).

    .venv/bin/python bench/batch_speed.py [--clips 4] [--seconds 4] [--size 640x360]
                                          [--preset accurate] [--no-ray]

Generated clips (moving blocks over a textured background, 30 fps), each run in fresh
cache and data folders so nothing is skipped; wall time of the whole command, model
loading and worker start included (what a user waits for). The Ray cluster is started
before its timing (its start-up is reported apart) with one CPU per core.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from redaction.synth import ClipSpec, write_clip  # noqa: E402


def make_clips(folder: Path, n: int, seconds: float, w: int, h: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    bg = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    out = []
    for i in range(n):
        def frame(k, i=i):
            f = np.roll(bg, 3 * k + 50 * i, axis=1).copy()
            x = (6 * k + 80 * i) % (w - 80)
            f[h // 3:h // 3 + 60, x:x + 80] = (220, 200 - 30 * i % 200, 60)
            return f
        out.append(Path(write_clip(folder / f"bench{i}.mp4",
                                   ClipSpec(frames=int(seconds * 30), fps=Fraction(30), width=w,
                                            height=h, audio_rate=None), frame_fn=frame)))
    return out


def env_for(tmp: Path, name: str) -> dict:
    e = dict(os.environ)
    for k in ("DATA", "CACHE", "CONFIG", "LOG"):
        e[f"BWV_{k}_DIR"] = str(tmp / name / k.lower())
    e.setdefault("BWV_USER", "bench")
    e["RAY_USAGE_STATS_ENABLED"] = "0"
    e["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"     # loopback addresses only
    return e


def timed(cmd, env) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
    return dt


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start_ray(tmp: Path, env: dict) -> tuple[subprocess.Popen, str, Path]:
    temp = Path(tempfile.mkdtemp(prefix="bwvrayb", dir="/tmp"))
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", "--port",
           str(port), "--node-ip-address", "127.0.0.1", "--num-cpus", str(os.cpu_count()),
           "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", str(temp),
           "--object-store-memory", str(100 * 1024 * 1024)]
    for opt in ("--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
                "--dashboard-agent-grpc-port", "--runtime-env-agent-port", "--metrics-export-port"):
        cmd += [opt, str(free_port())]
    log = tmp / "ray.log"
    head = subprocess.Popen(cmd, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    while "Ray runtime started" not in log.read_text():
        if head.poll() is not None or time.monotonic() > deadline:
            sys.exit("ray start failed:\n" + log.read_text()[-3000:])
        time.sleep(0.3)
    return head, f"127.0.0.1:{port}", temp


def stop_ray(head: subprocess.Popen, temp: Path) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):     # only the cluster this benchmark started
        try:
            os.killpg(head.pid, sig)
            head.wait(10)
            break
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
    shutil.rmtree(temp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--preset", default="accurate")
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args()
    w, h = map(int, a.size.split("x"))
    tmp = Path(tempfile.mkdtemp(prefix="bwv-batch-bench-"))
    try:
        clips = make_clips(tmp / "clips", a.clips, a.seconds, w, h)
        bwv = [sys.executable, "-m", "redaction"]
        det = ["--preset", a.preset]
        rows = []
        t1 = timed([*bwv, "detect", clips[0], *det, "--project", tmp / "single.bwvproj.json"],
                   env_for(tmp, "single"))
        base = 60.0 / t1
        rows.append(("bwv detect, one clip", t1, 1, base))
        for n in (1, 2):
            t = timed([*bwv, "batch", "detect", tmp / "clips", "--workers", str(n), *det,
                       "--quiet"], env_for(tmp, f"local{n}"))
            rows.append((f"batch, local, {n} worker{'s' if n > 1 else ''}", t, a.clips,
                         60.0 * a.clips / t))
        if not a.no_ray:
            env = env_for(tmp, "ray")
            t0 = time.perf_counter()
            head, addr, temp = start_ray(tmp, env)
            up = time.perf_counter() - t0
            try:
                t = timed([*bwv, "batch", "detect", tmp / "clips", "--ray", addr, *det,
                           "--quiet"], env)
            finally:
                stop_ray(head, temp)
            rows.append((f"batch, Ray ({os.cpu_count()} CPUs; cluster start {up:.0f} s apart)",
                         t, a.clips, 60.0 * a.clips / t))
        print(f"{a.clips} clips of {a.seconds:g} s at {w}x{h} 30 fps, preset {a.preset}, "
              f"{os.cpu_count()} cores")
        print(f"{'run':58s} {'wall s':>7s} {'clips':>5s} {'clips/min':>9s} {'ratio':>6s}")
        for name, t, n, cpm in rows:
            print(f"{name:58s} {t:7.1f} {n:5d} {cpm:9.2f} {cpm / base:6.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
