"""Leak check on hard body-worn-camera scenes: detect, accept every proposal, export, then
count ground-truth object-frames whose pixels are still visible.

    python bench/leak_check.py [--scenarios all|pan1000,pose,...] [--seeds 0,1]
                               [--seconds 6] [--preset accurate] [--every K] [--json out.json]

Scenes: bench/hard_scenes.py (pans up to 2,000 px/s with acceleration, roll, zoom, shake,
motion blur, approach/retreat, objects entering at the edges, occlusions, profile and tilted
faces, oblique and small plates at 720p/1080p/1440p). Crops come from ../shared/eval:
measurement only.

An object-frame is graded when its face/plate region is at least 24 px on its shorter side
and at least half of it is visible (not off the picture or behind an occluder or another
object); it leaks when under 80 % of its visible pixels are covered in the decoded export
(a pixel is covered when it differs from the source by more than 12 levels or is the solid
fill). Reported per scenario, per object tag and overall: leaked object-frames (and how
many of them belong to objects no track ever covered: detector misses, not tracking losses),
the longest run of consecutive leaked frames of one object, how many tracks each object was
split into (distinct tracks with a detection on it), the share of the picture redacted, and detection
speed as a multiple of real time. Targets (issue "No face or plate left visible on unseen footage"):
0 leaked up to 1,000 px/s pans, under 0.5 % beyond, no object in more than 2 tracks.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hard_scenes import SCENARIOS, scenario, write_scene  # noqa: E402
from lite_args import add_follow_arg, add_lite_args  # noqa: E402
from redaction.detect.apply import add_to_project  # noqa: E402
from redaction.detect.job import DetectSettings, detect_job  # noqa: E402
from redaction.edits import SetStatus  # noqa: E402
from redaction.export import ExportRequest, export_job  # noqa: E402
from redaction.jobs import run_job  # noqa: E402
from redaction.media import MediaSource  # noqa: E402
from redaction.render import frame_rects  # noqa: E402
from redaction.session import ProjectSession  # noqa: E402

MIN_PX = 24


def _iou(a, b) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(1e-9, a[2] * a[3] + b[2] * b[3] - inter)


def grade(scene, clip: Path, out: Path, project, frames: int) -> dict:
    w, h = scene.sc.size
    tracks = project.redacted_tracks(False)
    per_obj: dict[int, dict] = {}
    redacted = []
    with MediaSource(clip) as a, MediaSource(out) as b:
        for i in range(frames):
            rects = frame_rects(project, i, w, h, tracks=tracks)
            m = np.zeros((h, w), bool)
            for x0, y0, x1, y1 in rects:
                m[y0:y1, x0:x1] = True
            redacted.append(m.mean())
            objs = [g for g in scene.gt(i) if min(g[2][2], g[2][3]) >= MIN_PX]
            if not objs:
                continue
            fa, fb = a.frame(i).astype(np.int16), b.frame(i).astype(np.int16)
            for k, kind, box, (x0, y0, vis, region), tags in objs:
                if vis.sum() < 0.5 * region.sum():
                    continue
                ys, xs = np.nonzero(vis)
                ys, xs = ys + y0, xs + x0
                diff = np.abs(fa[ys, xs] - fb[ys, xs]).max(axis=1)
                covered = ((diff > 12) | (fb[ys, xs].max(axis=1) < 8)).mean()
                o = per_obj.setdefault(k, {"kind": kind, "tags": tags, "frames": 0, "leaked": [],
                                           "tracks": set(), "size": []})
                o["frames"] += 1
                o["size"].append(min(box[2], box[3]))
                if covered < 0.8:
                    o["leaked"].append(i)
                for t in tracks:                 # tracks whose detections found this object
                    if i in t.scores and _iou(t.box_at(i), box) >= 0.3:
                        o["tracks"].add(t.id)
    for o in per_obj.values():
        run = best = 0
        prev = None
        for f in o["leaked"]:
            run = run + 1 if prev is not None and f == prev + 1 else 1
            best, prev = max(best, run), f
        o["longest"] = best
        o["splits"] = len(o["tracks"])
        o["tracks"] = sorted(o["tracks"])
    return {"objects": per_obj, "redacted_share": float(np.mean(redacted)) if redacted else 0.0}


def run(name: str, seed: int, seconds: float, preset: str, every, tmp: Path, looks: bool = False,
        fps: int = 30, crf: int = 18, hold: Optional[float] = None) -> dict:
    sc = scenario(name)
    clip = tmp / f"{name}_{seed}.mp4"
    scene = write_scene(clip, sc, seconds=seconds, seed=seed, fps=fps, crf=crf)
    frames = scene.frames
    from redaction.detect.factory import available_kinds
    t0 = time.perf_counter()
    res = run_job(detect_job(clip, DetectSettings(kinds=available_kinds(), preset=preset, every=every,
                                                     looks=looks,
                                                     **({} if hold is None else {"hold_s": hold})),
                             use_cache=False))
    t_detect = time.perf_counter() - t0
    s = ProjectSession.create(clip, tmp / f"{name}_{seed}.bwvproj.json", "bench")
    tracks = add_to_project(s, res)
    if tracks:
        s.do(SetStatus([t.id for t in tracks], "accepted", "bench", "bench"))
    s.save()
    out = tmp / f"{name}_{seed}_out.mp4"
    run_job(export_job(ExportRequest(s.path, out, "bench", "r", "o", "b")))
    g = grade(scene, clip, out, s.project, frames)
    for p in (clip, out):
        p.unlink(missing_ok=True)
    return {"scenario": name, "seed": seed, "frames": frames, "tracks": len(tracks),
            "realtime": frames / fps / t_detect, **g}


def summarise(results: list[dict]) -> dict:
    by_sc: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    unfound: dict = defaultdict(int)   # leaked frames of objects no track ever covered
    by_tag: dict = defaultdict(lambda: [0, 0])
    longest: dict = defaultdict(int)
    splits: dict = defaultdict(int)
    share: dict = defaultdict(list)
    speed: dict = defaultdict(list)
    for r in results:
        n = r["scenario"]
        share[n].append(r["redacted_share"])
        speed[n].append(r["realtime"])
        for o in r["objects"].values():
            c = by_sc[n][o["kind"]]
            c[0] += o["frames"]
            c[1] += len(o["leaked"])
            longest[n] = max(longest[n], o["longest"])
            if not o["tracks"]:
                unfound[n] += len(o["leaked"])
            splits[n] = max(splits[n], o["splits"])
            for t in set(o["tags"]) | {o["kind"]}:
                by_tag[t][0] += o["frames"]
                by_tag[t][1] += len(o["leaked"])
    return {"scenarios": {n: {"face": v["face"], "plate": v["plate"], "longest_run": longest[n],
                              "max_tracks_per_object": splits[n], "never_found": unfound[n],
                              "redacted_share": float(np.mean(share[n])),
                              "realtime": float(np.mean(speed[n]))} for n, v in by_sc.items()},
            "tags": {t: v for t, v in sorted(by_tag.items())}}


def _pct(c) -> str:
    return f"{c[1]:>4} / {c[0]:<5} ({100 * c[1] / c[0]:.1f} %)" if c[0] else "   - / 0"


def print_report(summary: dict) -> None:
    print(f"\n{'scenario':<18} {'faces leaked / graded':<24} {'plates leaked / graded':<24} "
          f"{'run':>4} {'trk/obj':>7} {'unfound':>7} {'redacted':>8} {'x RT':>5}")
    tot = {"face": [0, 0], "plate": [0, 0]}
    for n, v in summary["scenarios"].items():
        for k in tot:
            tot[k][0] += v[k][0]
            tot[k][1] += v[k][1]
        print(f"{n:<18} {_pct(v['face']):<24} {_pct(v['plate']):<24} {v['longest_run']:>4} "
              f"{v['max_tracks_per_object']:>7} {v['never_found']:>7} {100 * v['redacted_share']:>7.1f}% "
              f"{v['realtime']:>5.2f}")
    print(f"{'overall':<18} {_pct(tot['face']):<24} {_pct(tot['plate']):<24}")
    print("run: longest run of leaked frames of one object; trk/obj: most tracks one object was "
          "split into (tracks with a detection on it);\nunfound: leaked frames of objects "
          "the detector never found")
    print("\nby object condition (leaked / graded object-frames):")
    for t, c in summary["tags"].items():
        print(f"  {t:<22} {_pct(c)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", default="all", help="comma list, or all: " + ",".join(s.name for s in SCENARIOS))
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--preset", default="accurate")
    ap.add_argument("--every", type=int, default=None, help="default: the product's scheduling")
    ap.add_argument("--fps", type=int, default=30, help="frame rate of the generated clips (UK cameras: 25 or 30)")
    ap.add_argument("--crf", type=int, default=18,
                    help="H.264 quality of the generated clips: 18 near-lossless; 23-28 is what a "
                         "body-worn camera's 8-12 Mbit/s gives at 1080p")
    ap.add_argument("--video-extd", default=None, metavar="S[:PIXELS]",
                    help="the periodic EXTD-64 face pass (ADR 0008; on in 'accurate') every S "
                         "seconds, capped at PIXELS (default factory.VIDEO_EXTD's); 0: without it")
    ap.add_argument("--hold", type=float, default=None, metavar="S",
                    help="the tracker's hold in seconds (default: the product's, DEFAULT_HOLD_S)")
    ap.add_argument("--looks", action="store_true",
                    help="looks round lost tracks between full runs (off in the product; ADR 0008, 'Looks')")
    ap.add_argument("--face-model", metavar="ONNX", help="run the preset's CenterFace with this "
                    "centerface.onnx (a candidate model, e.g. training/faces/night_centerface.py's)")
    ap.add_argument("--face-night", metavar="ONNX[:BELOW[:union]]", help="CenterFace runs this night model on "
                    "pictures darker than BELOW (default 60; redaction.detect.light.picture_brightness), "
                    "instead of the shipped model or, with :union, as well as it")
    ap.add_argument("--plate-model", default=None, metavar="ONNX",
                    help="run the preset's plate detector with this plate_detector.onnx (a candidate model)")
    ap.add_argument("--plate-verifier", default=None, metavar="ONNX",
                    help="with --plate-model: the verifier (ONNX beside its .json) that goes with it")
    add_lite_args(ap, "--video-lite", "--plate-lite", "detect with")
    add_follow_arg(ap, "--follow-up", "detect with")
    ap.add_argument("--json", help="write every result (per object) to this file")
    ap.add_argument("--verbose", action="store_true", help="list every leaking object")
    a = ap.parse_args()
    names = [s.name for s in SCENARIOS] if a.scenarios == "all" else a.scenarios.split(",")
    if a.video_extd:
        from redaction.detect.factory import FACE_PRESETS, VIDEO_EXTD
        period, _, pixels = a.video_extd.partition(":")
        FACE_PRESETS[a.preset]["video_extd"] = None if float(period) <= 0 else {
            **VIDEO_EXTD, "period_s": float(period), **({"max_pixels": int(pixels)} if pixels else {})}
    if a.video_lite is not None:
        from redaction.detect.factory import FACE_PRESETS, lite_setting
        FACE_PRESETS[a.preset]["video_lite"] = lite_setting(a.video_lite)
    if a.follow_up is not None:
        from redaction.detect.factory import FACE_PRESETS, follow_setting
        FACE_PRESETS[a.preset]["video_follow_up"] = follow_setting(a.follow_up)
    from redaction.detect.plates import PLATE_PRESETS
    if a.plate_lite is not None:
        from redaction.detect.factory import plate_lite_setting
        PLATE_PRESETS[a.preset]["video_lite"] = plate_lite_setting(a.plate_lite)
    for key, path in (("model_file", a.plate_model), ("verifier_file", a.plate_verifier)):
        if path:
            PLATE_PRESETS[a.preset][key] = path
    if a.face_model:
        from redaction.detect.factory import FACE_PRESETS
        FACE_PRESETS[a.preset]["centerface"] = {**FACE_PRESETS[a.preset]["centerface"], "model_file": a.face_model}
    if a.face_night:
        from redaction.detect.factory import night_setting
        from redaction.detect.factory import FACE_PRESETS
        FACE_PRESETS[a.preset]["centerface"] = {**FACE_PRESETS[a.preset]["centerface"], **night_setting(a.face_night)}
    results = []
    with tempfile.TemporaryDirectory() as d:
        for name in names:
            for seed in map(int, a.seeds.split(",")):
                r = run(name, seed, a.seconds, a.preset, a.every, Path(d), looks=a.looks, fps=a.fps, crf=a.crf,
                        hold=a.hold)
                results.append(r)
                leaked = sum(len(o["leaked"]) for o in r["objects"].values())
                graded = sum(o["frames"] for o in r["objects"].values())
                print(f"{name} seed {seed}: {r['tracks']} tracks, {leaked} of {graded} object-frames "
                      f"leaked, detect {r['realtime']:.2f}x real time", flush=True)
                if a.verbose:
                    for k, o in r["objects"].items():
                        if o["leaked"] or o["splits"] > 2:
                            print(f"   obj {k} {o['kind']} {o['tags']} ~{np.median(o['size']):.0f}px: "
                                  f"{len(o['leaked'])}/{o['frames']} leaked, run {o['longest']}, "
                                  f"frames {o['leaked'][:12]}, tracks {o['tracks']}")
    summary = summarise(results)
    print_report(summary)
    if a.json:
        for r in results:
            for o in r["objects"].values():
                o["size"] = float(np.median(o["size"]))
        from redaction.track_settings import DEFAULT_HOLD_S, TRACKER_VERSION
        run_info = {"argv": sys.argv[1:], "hold_s": DEFAULT_HOLD_S if a.hold is None else a.hold,
                    "tracker_version": TRACKER_VERSION}
        Path(a.json).write_text(json.dumps({"run": run_info, "summary": summary, "results": results},
                                           indent=1, default=str))


if __name__ == "__main__":
    main()
