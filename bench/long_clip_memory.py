"""Peak memory of the detection job against clip length (the throughput issue: a shift-long clip).

    python bench/long_clip_memory.py [--minutes 10,30,120] [--size 320x180] [--real-detector]

Generates synthetic clips (a textured scene panning and rolling, a red square crossing it
every 10 s, a cut every 2 minutes) of each length in a temporary folder (never committed),
runs the detection job on each in a fresh process and reports that process's peak resident
memory (ru_maxrss) beside the same figure for the shortest clip: memory that grows with the
clip shows as a ratio above 1. The detector is a colour threshold by default (the models'
memory does not depend on the clip; a 2-hour clip through the real models takes hours on 2
cores); ``--real-detector`` uses the product's detector (``accurate``).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_long(path: Path, minutes: float, w: int, h: int) -> int:
    import av
    n = int(minutes * 60 * 30)
    rng = np.random.default_rng(0)
    tex = np.kron(rng.integers(0, 160, (h // 8 + 80, w // 8 + 80), dtype=np.uint8),
                  np.ones((8, 8), np.uint8))
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "30", "preset": "ultrafast", "g": "60"}
        s.codec_context.time_base = Fraction(1, 30)
        for i in range(n):
            k = i % 3600
            ox = int(320 + 300 * np.sin(k / 90))
            oy = int(320 + 200 * np.cos(k / 130))
            g = tex[oy // 1 % 320: oy // 1 % 320 + h, ox % 320: ox % 320 + w]
            img = np.dstack([g // 2, g, g]).astype(np.uint8)
            t = i % 300
            if t < 150:
                x = 10 + t * (w - 60) // 150
                img[h // 3:h // 3 + 30, x:x + 30] = (255, 0, 0)
            if (i // 3600) % 2:                   # every other 2 minutes: another "shot"
                img = img[:, ::-1].copy()
            fr = av.VideoFrame.from_ndarray(img, format="rgb24")
            fr.pts = i
            for p in s.encode(fr):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return n


def child(clip: str, real: bool) -> None:
    from redaction.detect.base import Detection
    from redaction.detect.job import DetectSettings, detect_job
    from redaction.jobs import run_job

    class Red:
        name, kinds = "red", ("face",)

        def models(self):
            return [{"name": "red", "sha256": "0" * 64}]

        def __call__(self, rgb):
            m = (rgb[..., 0] > 180) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)
            ys, xs = np.nonzero(m)
            if xs.size < 20:
                return []
            return [Detection("face", (float(xs.min()), float(ys.min()), float(np.ptp(xs) + 1),
                                       float(np.ptp(ys) + 1)), 0.9)]
    t0 = time.perf_counter()
    res = run_job(detect_job(clip, DetectSettings(kinds=("face",) if not real else ("face", "plate")),
                             detector=None if real else Red(), use_cache=False))
    print(json.dumps({"frames": res.frames, "tracks": len(res.tracks), "seconds": time.perf_counter() - t0,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", default="10,30,120")
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--real-detector", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.real_detector)
        return
    w, h = map(int, a.size.split("x"))
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for m in map(float, a.minutes.split(",")):
            clip = Path(d) / f"long_{m:g}.mp4"
            t0 = time.perf_counter()
            n = write_long(clip, m, w, h)
            made = time.perf_counter() - t0
            cmd = [sys.executable, __file__, "--child", str(clip)] + (["--real-detector"] if a.real_detector else [])
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode:
                raise SystemExit(f"{clip}: detection failed: {p.stderr.strip().splitlines()[-1]}")
            out = p.stdout.strip().splitlines()[-1]
            r = json.loads(out)
            rows.append((m, r))
            print(f"{m:6g} min ({n} frames, made in {made:.0f} s): peak RSS {r['peak_rss_mb']:.0f} MB, "
                  f"{r['tracks']} tracks, detection {r['frames'] / 30 / r['seconds']:.1f}x real time, "
                  f"RSS vs the shortest clip {r['peak_rss_mb'] / rows[0][1]['peak_rss_mb']:.2f}x", flush=True)
            clip.unlink()


if __name__ == "__main__":
    main()
