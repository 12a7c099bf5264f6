"""Export throughput vs real time and vs a plain PyAV transcode with the same settings.

    python bench/export_speed.py [--seconds 10] [--sizes 1280x720,1920x1080]

For each size it makes a 30 fps clip with audio (textured, moving content), a project
with two moving accepted boxes and a muted range, then times in the same run:
  - reference: plain PyAV decode -> encode (same libx264 options, AAC re-encode), and
  - bwv export (decode -> redact -> encode, manifest, hashes).
It prints fps, the multiple of real time, and export/reference throughput.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redaction.edits import AddAudioRange, AddTrack  # noqa: E402
from redaction.export import EncoderSettings, ExportRequest, export_job  # noqa: E402
from redaction.jobs import run_job  # noqa: E402
from redaction.model import AudioRange, Keyframe, Track  # noqa: E402
from redaction.session import ProjectSession  # noqa: E402
from redaction.synth import ClipSpec, write_clip  # noqa: E402


def textured(w: int, h: int):
    """Body-cam-like content: shaking, panning background with faces and plates pasted on
    (bench/bodycam.py, crops from ../shared/eval), or a moving texture if that is absent."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from bodycam import make_scene
        frame, _ = make_scene(w, h, 10_000)
        return frame
    except (FileNotFoundError, ImportError):
        rng = np.random.default_rng(0)
        noise = rng.integers(0, 12, (h, w, 3), dtype=np.uint8)
        yy, xx = np.mgrid[0:h, 0:w]
        return lambda i: (np.dstack([(xx + 4 * i) % 256, (yy + 2 * i) % 256, (xx + yy) // 8 % 256])
                          .astype(np.uint8) // 2 + np.roll(noise, i * 3, axis=1))


def plain_transcode(src: Path, dst: Path, enc: EncoderSettings) -> int:
    n = 0
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mp4",
                                           options={"movflags": "+faststart"}) as out:
        ivs = inp.streams.video[0]
        ivs.thread_type = "AUTO"
        ovs = out.add_stream(enc.codec, rate=ivs.average_rate)
        ovs.width, ovs.height, ovs.pix_fmt = ivs.width, ivs.height, "yuv420p"
        ovs.time_base = ivs.time_base
        ovs.codec_context.time_base = ivs.time_base
        ovs.options = enc.options()
        ias = inp.streams.audio[0]
        oas = out.add_stream("aac", rate=ias.rate, layout=ias.layout.name)
        for packet in inp.demux(ivs, ias):
            for frame in packet.decode():
                if packet.stream.type == "video":
                    frame.pict_type = av.video.frame.PictureType.NONE
                    for p in ovs.encode(frame):
                        out.mux(p)
                    n += 1
                else:
                    frame.pts = None
                    for p in oas.encode(frame):
                        out.mux(p)
        for s in (ovs, oas):
            for p in s.encode():
                out.mux(p)
    return n


def bench_size(w: int, h: int, seconds: float, tmp: Path, reps: int = 2) -> dict:
    frames = int(seconds * 30)
    clip = tmp / f"clip_{w}x{h}.mp4"
    write_clip(clip, ClipSpec(width=w, height=h, frames=frames, fps=Fraction(30),
                              time_base=Fraction(1, 15360), crf=20), frame_fn=textured(w, h))
    enc = EncoderSettings()
    s = ProjectSession.create(clip, tmp / f"p_{w}.bwvproj.json", "bench")
    s.do(AddTrack(Track("t1", "face", "manual", "accepted", "bench",
                        [Keyframe(0, (w * .1, h * .1, w * .1, h * .15)),
                         Keyframe(frames - 1, (w * .7, h * .5, w * .12, h * .18))])))
    s.do(AddTrack(Track("t2", "plate", "manual", "accepted", "bench",
                        [Keyframe(0, (w * .6, h * .8, w * .12, h * .04)),
                         Keyframe(frames - 1, (w * .2, h * .7, w * .1, h * .035))])))
    s.do(AddAudioRange(AudioRange(1.0, 2.0, "mute", "bench", id="a1")))
    s.save()
    # alternate reference and export runs and keep the best of each: the machine's other
    # load then affects both alike
    t_ref = t_exp = float("inf")
    for rep in range(reps):
        t0 = time.perf_counter()
        n = plain_transcode(clip, tmp / f"ref_{w}_{rep}.mp4", enc)
        t_ref = min(t_ref, time.perf_counter() - t0)
        t0 = time.perf_counter()
        res = run_job(export_job(ExportRequest(s.path, tmp / f"out_{w}_{rep}.mp4", "bench", "r",
                                               "o", "b", encoder=enc)))
        t_exp = min(t_exp, time.perf_counter() - t0)
    assert res.frames == n == frames
    return {"size": f"{w}x{h}", "frames": frames, "ref_fps": n / t_ref, "export_fps": frames / t_exp,
            "ref_x_realtime": n / t_ref / 30, "export_x_realtime": frames / t_exp / 30,
            "export_vs_ref": t_ref / t_exp}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = [bench_size(*map(int, s.split("x")), a.seconds, Path(d), a.reps)
                for s in a.sizes.split(",")]
    print(f"{'size':>10} {'frames':>6} {'ref fps':>8} {'export fps':>10} {'ref xRT':>8} "
          f"{'export xRT':>10} {'export/ref':>10}")
    for r in rows:
        print(f"{r['size']:>10} {r['frames']:>6} {r['ref_fps']:8.1f} {r['export_fps']:10.1f} "
              f"{r['ref_x_realtime']:8.2f} {r['export_x_realtime']:10.2f} {r['export_vs_ref']:10.2f}")


if __name__ == "__main__":
    main()
