"""Speed of the full detect-and-track pass, against a plain decode of the same clip.

    python bench/detect_speed.py [--seconds 6] [--sizes 1280x720,1920x1080] [--preset accurate]
    python bench/detect_speed.py --ab [--extd-period 1.5] # without vs with the periodic EXTD-64 pass
    python bench/detect_speed.py --ab-looks               # the product vs + looks (ADR 0008)
    python bench/detect_speed.py --ab-face-model F.onnx   # the product vs another CenterFace file
    python bench/detect_speed.py --ab-lite 1              # the product vs CenterFace's full plan once a second
    python bench/detect_speed.py --ab-plate-lite 1:960    # the product vs plate passes at 960 between full ones
    python bench/detect_speed.py --ab-follow-up 0.5       # the product vs EXTD-64 follow-ups round missed faces
    python bench/detect_speed.py --ab-hold 1.0            # the product vs the tracker's hold at 1.0 s

The detector is the one the detection job builds (``candidates=True``). ``--ab`` times every
clip with the preset's detector without the periodic EXTD-64 face pass of ADR 0008 and with
it (``factory.VIDEO_EXTD``, on in "accurate" since session 16, every ``--extd-period`` s),
alternately (without, with, without, with), and prints the ratio of the
times: on shared cores only ratios measured side by side mean anything. In the A/B modes the
fps columns are the variant's; the preset as it is gets its own multiple of real time.

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
from lite_args import add_follow_arg, add_lite_args  # noqa: E402
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
    ab = ap.add_mutually_exclusive_group()
    ab.add_argument("--ab", action="store_true",
                    help="interleave the preset without the periodic EXTD-64 pass and with it "
                         "(every --extd-period s)")
    ap.add_argument("--extd-period", type=float, default=None,
                    help="seconds between its runs (--ab; default the product's)")
    ab.add_argument("--ab-looks", action="store_true",
                    help="interleave the product (no looks) and the same with looks round lost tracks")
    ab.add_argument("--ab-face-model", default=None, metavar="ONNX",
                    help="interleave the product and the same with this CenterFace file "
                         "(e.g. an int8 candidate, ADR 0005)")
    add_lite_args(ab, "--ab-lite", "--ab-plate-lite", "interleave the preset as it is and with")
    add_follow_arg(ab, "--ab-follow-up", "interleave the preset as it is and with")
    ab.add_argument("--ab-hold", type=float, default=None, metavar="S",
                    help="interleave the product and the same with the tracker's hold at S seconds "
                         "(the hold decides which tracks are lost in view: the cadence's extra runs)")
    a = ap.parse_args()
    frames = int(a.seconds * 30)
    from redaction.detect.factory import FACE_PRESETS, VIDEO_EXTD, build_detector
    t0 = time.perf_counter()
    before = build_detector(available_kinds(), a.preset, candidates=True)
    detector = before

    def built_with(table: dict, key: str, value):
        """The video detector built with ``table[key] = value`` (the table restored after)."""
        had, saved = key in table, table.get(key)
        table[key] = value
        try:
            return build_detector(available_kinds(), a.preset, candidates=True)
        finally:
            if had:
                table[key] = saved
            else:
                table.pop(key)
    if a.ab:
        before = built_with(FACE_PRESETS[a.preset], "video_extd", None)
        detector = built_with(FACE_PRESETS[a.preset], "video_extd",
                              {**VIDEO_EXTD, "period_s": a.extd_period or VIDEO_EXTD["period_s"]})
    elif a.ab_face_model:
        detector = built_with(FACE_PRESETS[a.preset]["centerface"], "model_file", a.ab_face_model)
    elif a.ab_lite is not None:
        from redaction.detect.factory import lite_setting
        detector = built_with(FACE_PRESETS[a.preset], "video_lite", lite_setting(a.ab_lite))
    elif a.ab_plate_lite is not None:
        from redaction.detect.factory import plate_lite_setting
        from redaction.detect.plates import PLATE_PRESETS
        detector = built_with(PLATE_PRESETS[a.preset], "video_lite", plate_lite_setting(a.ab_plate_lite))
    elif a.ab_follow_up is not None:
        from redaction.detect.factory import follow_setting
        detector = built_with(FACE_PRESETS[a.preset], "video_follow_up", follow_setting(a.ab_follow_up))
    elif a.ab_looks or a.ab_hold is not None:
        before = detector
    else:
        before = None
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

                def timed(det, looks=False, hold=None):
                    t0 = time.perf_counter()
                    more = {} if hold is None else {"hold_s": hold}
                    res = run_job(detect_job(clip, DetectSettings(kinds=available_kinds(), preset=a.preset,
                                                                  every=a.every, looks=looks, **more),
                                             use_cache=False, detector=det))
                    return res, time.perf_counter() - t0
                if before is None:
                    res, t = timed(detector)
                else:
                    t_old = t_new = 0.0
                    for _ in range(2):
                        t_old += timed(before)[1]
                        res, t1 = timed(detector, looks=a.ab_looks, hold=a.ab_hold)
                        t_new += t1
                    t = t_new / 2
                fps = res.frames / t
                what = ("with looks" if a.ab_looks else f"with hold {a.ab_hold:g} s" if a.ab_hold is not None else f"with video_lite {a.ab_lite}" if a.ab_lite
                        else f"with plate video_lite {a.ab_plate_lite}" if a.ab_plate_lite
                        else f"with follow-ups {a.ab_follow_up}" if a.ab_follow_up else f"with {Path(a.ab_face_model).name}"
                        if a.ab_face_model else "with the periodic EXTD pass")
                extra = "" if before is None else (
                    f"   {what}: {t_new / t_old:.2f}x the time (" +
                    ("without it" if a.ab else "the preset as it is") +
                    f": {res.frames / (t_old / 2) / 30:.2f}x real time)")
                print(f"{name:>24} {dec:10.1f} {fps:10.1f} {fps / 30:10.2f} {fps / dec:9.2f} "
                      f"{len(res.tracks):6d}{extra}", flush=True)


if __name__ == "__main__":
    main()
