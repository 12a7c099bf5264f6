#!/usr/bin/env python3
"""Small-plate benchmark: real plates pasted small into wide street frames (issue 12).

Frames come from bench/street_scenes.py: Open Images street photos (training data, their
labelled plates inpainted) scaled to 1280x720, 1920x1080, 2560x1440 and 2560x1920, with 4
plates cut from ../shared/eval plates_us / plates_eu pasted at 1.5-4 % of the frame width,
under four conditions (sharp, motion-blurred, oblique, dark), several seeds. Nothing is
written to the repository; eval images are read only.

Scores (the README metric, score_detections.py's functions): coverage recall (>= 80 % of the
plate box covered by the union of the product's redaction boxes) and false positives per
frame, by plate width in px, by frame size and by condition; seconds per frame as a ratio
against today's ``accurate`` preset, all configurations interleaved frame by frame in the
same run (2 shared cores: only the ratios mean anything).

    python bench/small_plates.py                               # shipped presets vs before
    python bench/small_plates.py --configs before,accurate,raw:640,raw:1280,raw:native --seeds 2
    python bench/small_plates.py --json .bench/small_plates.json

Eval stills whose plate is 1.5-4 % of their own width at native size are scored too (as
their own group); today there are none in plates_us / plates_eu (all plates are wider).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import street_scenes as ss  # noqa: E402

BUCKETS = ((0, 30), (30, 45), (45, 60), (60, 80), (80, 10 ** 9))
TARGET_FRAC = 0.015


def bucket(w: float) -> str:
    for lo, hi in BUCKETS:
        if lo <= w < hi:
            return f"<{hi}" if lo == 0 else (f">={lo}" if hi > 10 ** 8 else f"{lo}-{hi}")
    return "?"


class _Raw:
    """The plate network alone at one input side (or 'native': the frame's long side),
    threshold ``thr``, no verifier."""

    name = "plates"

    def __init__(self, side, thr=0.4):
        from redaction.detect.plates import PlateDetector, _to_detections
        self.det, self.side, self._to = PlateDetector(threshold=thr), side, _to_detections

    def __call__(self, image):
        side = max(image.shape[:2]) if self.side == "native" else int(self.side)
        return self._to(self.det.raw(image, side), image.shape[0], image.shape[1])


def build(spec: str):
    """A detector from a config name: a preset ('accurate', 'fast', 'thorough'),
    'before' (the accurate preset as it was before issue 12: 640 + 960, verified),
    'video:<preset>|before' (built for video: candidates counted as proposals; a preset
    name ending in '-noband' leaves out the video low band of ADR 0008),
    'raw:<side>|native[@thr]' (network alone), or 'preset:<name>:key=value;...' overrides (a tuple as 640+0)."""
    from redaction.detect.plates import PLATE_PRESETS, build_plates
    if spec == "before":
        return build_plates("accurate", **BEFORE)
    if spec.startswith("video:"):                 # every proposal, candidates included
        rest = spec[6:]
        if rest.endswith("-noband"):
            return build_plates(rest[:-len("-noband")], candidates=True, video_proposal_threshold=None)
        return build_plates("accurate", candidates=True, **BEFORE) if rest == "before" \
            else build_plates(rest, candidates=True)
    if spec.startswith("raw:"):
        side, _, thr = spec[4:].partition("@")
        return _Raw(side, float(thr) if thr else 0.4)
    if spec.startswith("preset:"):
        _, name, kv = spec.split(":", 2)
        ov = {}
        for item in filter(None, kv.split(";")):
            k, v = item.split("=")
            ov[k] = None if v == "null" else tuple(json.loads(x) for x in v.split("+")) \
                if "+" in v or k.endswith("sides") else json.loads(v)
        return build_plates(name, **ov)
    if spec in PLATE_PRESETS:
        return build_plates(spec)
    raise SystemExit(f"unknown config {spec!r}")


# The accurate preset before issue 12, as overrides of whatever accurate is now (keys that
# the preset of the day does not know are left out).
BEFORE = {"input_side": 640, "extra_sides": (960,), "proposal_threshold": 0.3, "keep_from": 0.7,
          "video_proposal_threshold": None}


def _before_overrides():
    from redaction.detect.plates import PLATE_PRESETS
    ov = dict(BEFORE)
    if "wide_sides" in PLATE_PRESETS["accurate"]:
        ov["wide_sides"] = None
    return ov


def frames(seeds, sizes, conditions, n_plates):
    bgs, plates = ss.Backgrounds(), ss.EvalPlates()
    for (W, H) in sizes:
        for cond in conditions:
            for s in range(seeds):
                im, boxes = ss.make_frame((W, H), cond, s, bgs, plates, n_plates)
                yield f"{W}x{H}", cond, s, im, boxes


def eval_stills(eval_dir: Path):
    """(name, image, [boxes]) of eval stills whose plate is 1.5-4 % of the image width."""
    out = []
    for s in ("plates_us", "plates_eu"):
        d = eval_dir / "images" / s
        gt = json.loads((d / "gt.json").read_text())
        for name, boxes in sorted(gt["images"].items()):
            W = gt["image_sizes"][name][0]
            bs = [b["box"] for b in boxes if not b.get("ignore")]
            if bs and all(0.015 <= b[2] / W <= 0.04 for b in bs):
                out.append((f"{s}/{name}", ss._rgb(d / name), bs))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="before,accurate,thorough")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--plates", type=int, default=4, help="plates per frame")
    ap.add_argument("--sizes", default=",".join(f"{w}x{h}" for w, h in ss.SIZES))
    ap.add_argument("--conditions", default=",".join(ss.CONDITIONS))
    ap.add_argument("--eval", type=Path, default=ss.SHARED / "eval")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--misses", action="store_true", help="print every missed plate")
    ap.add_argument("--timing", type=int, default=0, metavar="R",
                    help="also time every config R times on 2 sharp frames per size, interleaved, "
                         "and report the median time per frame as a ratio against the first config")
    ap.add_argument("--before-model", default=None,
                    help="the plate_detector.onnx that 'before' runs (default: the registered one); "
                         "for comparing against a replaced model in the same run")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(a.eval))
    import score_detections as sd
    from redaction.render import style_box
    from redaction.model import Style
    global BEFORE
    BEFORE = _before_overrides()
    if a.before_model:
        BEFORE["model_file"] = a.before_model
    style = Style()
    names = [c for c in a.configs.split(",") if c]
    dets = {}
    for n in names:
        try:
            dets[n] = build(n)
        except (ValueError, TypeError) as e:
            print(f"skip {n}: {e}")
    sizes = [tuple(int(v) for v in s.split("x")) for s in a.sizes.split(",")]
    conds = a.conditions.split(",")
    rows = defaultdict(list)        # config -> [(size, cond, width, covered, score)]
    fps = defaultdict(list)         # config -> [(size, cond, n_fp)]
    times = defaultdict(list)       # config -> [(size, seconds)]
    still_rows = defaultdict(list)

    def score(name, im, boxes, key):
        t = time.perf_counter()
        out = dets[name](im)
        dt = time.perf_counter() - t
        H, W = im.shape[:2]
        p = np.array([style_box(d.box, style) for d in out], np.float64).reshape(-1, 4)
        p = sd._clip(sd._xyxy(p) if len(p) else np.zeros((0, 4)), W, H)
        g = sd._xyxy(boxes) if boxes else np.zeros((0, 4))
        cov = [sd.union_coverage(gb, p) >= sd.COVER_FRAC - 1e-9 for gb in g]
        if len(p):
            fr = sd._inter(p, g) / np.maximum(sd._area(p)[:, None], 1e-9) if len(g) else np.zeros((len(p), 1))
            nfp = int((fr.max(1) < sd.FP_OVERLAP).sum())
        else:
            nfp = 0
        return cov, nfp, dt, out

    n_frames = 0
    t_all = time.time()
    for size, cond, seed, im, boxes in frames(a.seeds, sizes, conds, a.plates):
        n_frames += 1
        for name in dets:
            cov, nfp, dt, out = score(name, im, boxes, (size, cond, seed))
            for b, c in zip(boxes, cov):
                rows[name].append((size, cond, b[2], c))
                if a.misses and not c:
                    print(f"  miss {name} {size} {cond} seed {seed}: plate {[round(v) for v in b]}; "
                          f"dets {[(round(d.box[0]), round(d.box[1]), round(d.box[2]), round(d.score, 2)) for d in out]}")
            fps[name].append((size, cond, nfp))
            times[name].append((size, dt))
        if n_frames % 8 == 0:
            print(f"  {n_frames} frames, {time.time() - t_all:.0f} s", flush=True)
    for sname, im, boxes in eval_stills(a.eval):
        for name in dets:
            cov, nfp, dt, _ = score(name, im, boxes, None)
            still_rows[name].append((sname, cov, nfp))

    def rec(sel):
        sel = list(sel)
        return (sum(c for c in sel) / len(sel), len(sel)) if sel else (float("nan"), 0)

    ref = names[0]
    summary = {}
    if not n_frames:
        dets_scored = {}
    else:
        dets_scored = dets
    print(f"\n{n_frames} frames x {a.plates} plates; coverage recall of the product's boxes "
          f"(n plates) / FP per frame; time ratio against '{ref}' (same frames, interleaved)")
    bks = [bucket(lo + 0.5) for lo, _ in BUCKETS]
    print(f"\n{'config':<34} {'all >=1.5%':>12} " + " ".join(f"{b:>12}" for b in bks) + f" {'FP/img':>7} {'s/frame':>8} {'ratio':>6}")
    tref = {sz: np.median([t for s, t in times[ref] if s == sz]) for sz, _ in times[ref]} if ref in times else {}
    for name in dets_scored:
        r = rows[name]
        W_of = {f"{w}x{h}": w for w, h in sizes}
        tgt = rec(c for sz, cd, w, c in r if w >= TARGET_FRAC * W_of[sz] - 0.5)
        per_b = {b: rec(c for sz, cd, w, c in r if bucket(w) == b) for b in bks}
        fp = np.mean([n for _, _, n in fps[name]])
        tt = float(np.mean([t for _, t in times[name]]))
        ratio = float(np.mean([t / tref[s] for s, t in times[name]])) if tref else float("nan")
        print(f"{name:<34} {tgt[0]:7.3f} ({tgt[1]:3d}) " +
              " ".join(f"{per_b[b][0]:6.3f} ({per_b[b][1]:3d})" for b in bks) + f" {fp:7.2f} {tt:8.3f} {ratio:6.2f}")
        summary[name] = {"recall_from_1.5pct": tgt, "by_width": per_b, "fp_per_frame": fp,
                         "s_per_frame": tt, "time_ratio": ratio, "by_size": {}, "by_condition": {}}
    for what, idx in (("frame size", 0), ("condition", 1)):
        keys = [f"{w}x{h}" for w, h in sizes] if idx == 0 else conds
        print(f"\nby {what}: recall (n) / FP per frame" + (" / time ratio" if idx == 0 else ""))
        print(f"{'config':<34} " + " ".join(f"{k:>24}" for k in keys))
        for name in dets_scored:
            cells = []
            for k in keys:
                rr = rec(c for *kk, w, c in rows[name] if kk[idx] == k)
                ff = np.mean([n for *kk, n in fps[name] if kk[idx] == k])
                cell = f"{rr[0]:.3f} ({rr[1]}) / {ff:.2f}"
                if idx == 0 and tref:
                    tr = np.mean([t / tref[s] for s, t in times[name] if s == k])
                    cell += f" / {tr:.2f}"
                cells.append(f"{cell:>24}")
                summary[name]["by_size" if idx == 0 else "by_condition"][k] = {"recall": rr, "fp_per_frame": ff}
            print(f"{name:<34} " + " ".join(cells))
    if any(still_rows.values()):
        print("\neval stills with a plate of 1.5-4 % of their width (native size):")
        for name in dets:
            rr = rec(c for _, cov, _ in still_rows[name] for c in cov)
            print(f"  {name:<34} recall {rr[0]:.3f} ({rr[1]}), FP/img "
                  f"{np.mean([n for *_, n in still_rows[name]]):.2f}")
    else:
        print("\neval stills with a plate of 1.5-4 % of their width at native size: none in plates_us / plates_eu")
    if a.timing:
        bgs, pl = ss.Backgrounds(), ss.EvalPlates()
        print(f"\ntiming: median s/frame over {a.timing} interleaved repeats x 2 frames per size "
              f"(ratio against '{ref}')")
        print(f"{'config':<34} " + " ".join(f"{f'{w}x{h}':>16}" for w, h in sizes))
        tim = defaultdict(lambda: defaultdict(list))
        for W, H in sizes:
            ims = [ss.make_frame((W, H), "sharp", 100 + k, bgs, pl, a.plates)[0] for k in range(2)]
            for d in dets.values():
                d(ims[0])                                   # warm-up at this size
            for _ in range(a.timing):
                for name, d in dets.items():
                    t = time.perf_counter()
                    for im in ims:
                        d(im)
                    tim[name][f"{W}x{H}"].append((time.perf_counter() - t) / len(ims))
        for name in dets:
            cells = []
            for W, H in sizes:
                k = f"{W}x{H}"
                m, m0 = float(np.median(tim[name][k])), float(np.median(tim[ref][k]))
                cells.append(f"{m:7.3f} ({m / m0:4.2f}x)")
                summary.setdefault(name, {}).setdefault("timing", {})[k] = {"s": m, "ratio": m / m0}
            print(f"{name:<34} " + " ".join(f"{c:>16}" for c in cells))
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {time.time() - t_all:.0f} s")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(summary, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
