"""Speed of the full detect-and-track pass, against a plain decode of the same clip.

    python bench/detect_speed.py [--seconds 6] [--sizes 1280x720,1920x1080] [--preset accurate]

Clips: a real one (../shared/eval/videos/intel_people_one_by_one.mp4, scaled to each size and
re-timed to 30 fps) and a synthetic body-cam clip (real face and plate crops on a shaking
background). Reports frames per second, the multiple of real time (30 fps) and the ratio to
a plain PyAV decode of the same clip, measured in the same run.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bodycam import write_bodycam  # noqa: E402
from redaction.detect.factory import available_kinds  # noqa: E402
from redaction.detect.job import DetectSettings, detect_job  # noqa: E402
from redaction.jobs import run_job  # noqa: E402
from redaction.synth import ClipSpec, write_clip  # noqa: E402

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "videos" / "intel_people_one_by_one.mp4"


def scaled_real(dst: Path, w: int, h: int, frames: int) -> Path:
    imgs = []
    with av.open(str(REAL)) as c:
        for f in c.decode(video=0):
            imgs.append(cv2.resize(f.to_ndarray(format="rgb24"), (w, h), interpolation=cv2.INTER_LINEAR))
            if len(imgs) >= frames:
                break
    write_clip(dst, ClipSpec(width=w, height=h, frames=len(imgs), fps=Fraction(30),
                             time_base=Fraction(1, 15360), crf=20), frame_fn=lambda i: imgs[i])
    return dst


def plain_decode(path: Path) -> float:
    t0 = time.perf_counter()
    n = 0
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            f.to_ndarray()
            n += 1
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument("--preset", default="accurate")
    ap.add_argument("--every", type=int, default=None, help="default: the product default (about 5 runs/s)")
    a = ap.parse_args()
    frames = int(a.seconds * 30)
    from redaction.detect.factory import build_detector
    t0 = time.perf_counter()
    detector = build_detector(available_kinds(), a.preset)
    print(f"preset {a.preset}, every {a.every or 'default (about 5 runs/s)'}; models loaded once in "
          f"{time.perf_counter() - t0:.2f} s (not in the figures below: a shift's worth of clips "
          "shares one load)")
    print(f"{'clip':>24} {'decode fps':>10} {'detect fps':>10} {'x realtime':>10} {'vs decode':>9} {'tracks':>6}")
    with tempfile.TemporaryDirectory() as d:
        for size in a.sizes.split(","):
            w, h = map(int, size.split("x"))
            clips = []
            if REAL.exists():
                clips.append((f"real {size}", scaled_real(Path(d) / f"real_{w}.mp4", w, h, frames)))
            p = Path(d) / f"bodycam_{w}.mp4"
            write_bodycam(p, w, h, seconds=a.seconds)
            clips.append((f"bodycam {size}", p))
            for name, clip in clips:
                dec = plain_decode(clip)
                t0 = time.perf_counter()
                res = run_job(detect_job(clip, DetectSettings(kinds=available_kinds(), preset=a.preset,
                                                              every=a.every), use_cache=False,
                                         detector=detector))
                fps = res.frames / (time.perf_counter() - t0)
                print(f"{name:>24} {dec:10.1f} {fps:10.1f} {fps / 30:10.2f} {fps / dec:9.2f} "
                      f"{len(res.tracks):6d}")


if __name__ == "__main__":
    main()
