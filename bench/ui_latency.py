"""UI latency at 1080p: frame-step key press -> new frame painted, vs the engine's raw
frame fetch measured in the same run; also while a background job (detection, else an
export) runs; and decoded-path playback speed (frames shown per second vs the clip rate).

    QT_QPA_PLATFORM=offscreen python bench/ui_latency.py [--frames 150] [--steps 120]

Prints a table and writes .bench/ui_latency.json. Target (issue 4): p95 < 50 ms on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def summary(xs):
    return {"n": len(xs), "median_ms": round(statistics.median(xs) * 1000, 2),
            "p95_ms": round(pct(xs, 95) * 1000, 2), "max_ms": round(max(xs) * 1000, 2)}


def raw_fetch(clip, frames, fmt="rgb24"):
    from redaction.media import MediaSource
    src = MediaSource(clip)
    out = []
    for i in frames:
        t = time.perf_counter()
        src.frame(i, fmt)
        out.append(time.perf_counter() - t)
    src.close()
    return out


def step_latency(app, win, key, mod, n, start=0):
    from PySide6.QtTest import QTest
    win.doc.seek(start)
    app.processEvents()
    painted = {}
    win.view.painted.connect(lambda i: painted.setdefault(i, time.perf_counter()))
    out = []
    for _ in range(n):
        before = win.doc.frame
        painted.clear()
        t = time.perf_counter()
        QTest.keyClick(win.view, key, mod)
        target = win.doc.frame
        if target == before:
            break
        while target not in painted:
            app.processEvents()
        out.append(painted[target] - t)
    win.view.painted.disconnect()
    return out


def playback(app, win, mode, seconds):
    win.doc.set_mode(mode)
    win.doc.seek(0)
    app.processEvents()
    pb = win.playback
    pb.play()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds and pb.playing:
        app.processEvents()
    el = time.perf_counter() - t0
    shown, skipped = pb.shown, pb.skipped
    pb.pause()
    fps = float(win.doc.media.fps)
    return {"mode": mode, "seconds": round(el, 2), "frames_shown": shown, "frames_dropped": skipped,
            "shown_fps": round(shown / el, 1), "clip_fps": fps,
            "realtime_share": round(shown / max(1, shown + skipped), 3)}


def background_job(path):
    """A CPU-heavy engine job for the window's JobRunner: detection if present, else export."""
    try:
        from redaction.detect.factory import available_kinds
        from redaction.detect.job import DetectSettings, detect_job
        st = DetectSettings(kinds=available_kinds())
        if os.environ.get("BWV_BENCH_DETECT_THREAD"):
            return f"detection {'+'.join(st.kinds)} (thread)", \
                lambda cancel: detect_job(path, st, cancel, use_cache=False)
        from app.procjob import process_job
        return f"detection {'+'.join(st.kinds)} (process)", process_job(detect_job, path, st, use_cache=False)
    except ImportError:
        return None, None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--play-seconds", type=float, default=6.0)
    ap.add_argument("--clip", help="use this clip instead of a generated 1080p one")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bwv-uilat-"))
    for v in ("CONFIG", "DATA", "CACHE", "LOG"):
        os.environ[f"BWV_{v}_DIR"] = str(tmp / v.lower())
    from redaction.synth import ClipSpec, write_clip
    clip = args.clip or write_clip(tmp / "hd.mp4", ClipSpec(width=1920, height=1080, frames=args.frames,
                                                            fps=Fraction(25), gop=50, crf=23))
    from app.main import make_app
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from PySide6.QtCore import Qt
    app = make_app()
    win = MainWindow("bench", Preferences(), interactive=False)
    win.resize(1920, 1080)
    win.show()
    win.open_path(clip)
    win.wait_idle(120000)
    n = min(args.steps, win.doc.frame_count - 1)
    res = {"clip": str(clip), "size": list(win.doc.size), "cpus": os.cpu_count(),
           "view_px": [win.view.width(), win.view.height()]}
    res["raw_fetch_rgb_seq"] = summary(raw_fetch(clip, range(1, n + 1)))
    res["raw_fetch_yuv_seq"] = summary(raw_fetch(clip, range(1, n + 1), "yuv420p"))
    res["step_edit"] = summary(step_latency(app, win, Qt.Key_Right, Qt.NoModifier, n))
    res["step_back_edit"] = summary(step_latency(app, win, Qt.Key_Left, Qt.NoModifier, min(n, 40), start=n))
    win.doc.set_mode("preview")
    win.doc.add_box((800, 300, 200, 240))
    res["step_preview"] = summary(step_latency(app, win, Qt.Key_Right, Qt.NoModifier, n))
    win.doc.set_mode("edit")
    name, factory = background_job(str(clip))
    if factory is not None:
        seen = []
        win.runner.progress.connect(lambda p: seen.append(p.done))
        win.runner.start(name, factory)
        t0 = time.perf_counter()
        while (not seen or seen[-1] < 3) and win.runner.busy and time.perf_counter() - t0 < 120:
            app.processEvents()      # measure only once detection is really running
        res["job_frames_before"] = seen[-1] if seen else 0
        res["background_job"] = name
        print(f"background job: {name}")
        res["step_edit_during_job"] = summary(step_latency(app, win, Qt.Key_Right, Qt.NoModifier, n))
        res["raw_fetch_rgb_seq_during_job"] = summary(raw_fetch(clip, range(1, n + 1)))
        res["job_still_running_at_end"] = win.runner.busy
        res["job_frames_during"] = (seen[-1] if seen else 0) - res["job_frames_before"]
        print(f"job progressed {res['job_frames_during']} frames during the stepping; "
              f"still running: {win.runner.busy}")
        win.runner.cancel()
        win.runner.wait(60000)
    res["playback"] = [playback(app, win, m, args.play_seconds) for m in ("edit", "preview")]
    win.shutdown()
    out = REPO / ".bench"
    out.mkdir(exist_ok=True)
    (out / "ui_latency.json").write_text(json.dumps(res, indent=1))
    ref = res["raw_fetch_rgb_seq"]["median_ms"]
    print(f"clip {res['size'][0]}x{res['size'][1]}, view {res['view_px']}, {res['cpus']} CPUs")
    for k, v in res.items():
        if isinstance(v, dict) and "median_ms" in v:
            print(f"{k:32s} median {v['median_ms']:7.2f} ms  p95 {v['p95_ms']:7.2f} ms  "
                  f"(x{v['median_ms'] / ref:4.1f} raw rgb fetch)")
    for p in res["playback"]:
        print(f"playback {p['mode']:8s} shown {p['shown_fps']:5.1f} fps of {p['clip_fps']:.0f} "
              f"({p['realtime_share'] * 100:.0f}% of frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
