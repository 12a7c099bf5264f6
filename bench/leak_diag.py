"""Why does the detector never find an object of the leak benchmark? (bench/leak_check.py)

For chosen objects of a hard scene (bench/hard_scenes.py), renders the scene's frames (no
encoding) and, on every ``--step``-th frame where the object is graded (>= 24 px, half
visible), runs every detector pass on a window around it at the resize factor the product's
pass would use, plus levers the product does not use (lower thresholds, upscaling, rotation,
EXTD-64, the plate network without its verifier), and reports for each pass the best score of
a box matching the object (IoU >= 0.3 with its ground-truth box, as the grader's track test),
over all sampled frames, with how many frames reach 0.05 / the product's bar.

    python bench/leak_diag.py --json /tmp/leak.json            # every never-found object there
    python bench/leak_diag.py --scenario pan500 --seed 1 --objects 0

Windows: the object's box grown 3x its size each way (at least 320 px), cut from the frame;
the detectors are convolutional, so a pass on the window at the same factor scores the
object about as the full-frame pass does (BlazeFace, which sees a fixed 192x192 input, is
also run on the whole frame, as the product runs it). Measurement only.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hard_scenes import HardScene, scenario  # noqa: E402

MIN_PX = 24


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(1e-9, (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def best(rows, gt, off=(0, 0)) -> float:
    """Best score of rows [x1, y1, x2, y2, s] (window pixels, offset ``off``) matching ``gt``."""
    s = 0.0
    for r in np.asarray(rows).reshape(-1, 5):
        b = (r[0] + off[0], r[1] + off[1], r[2] + off[0], r[3] + off[1])
        if _iou(b, gt) >= 0.3:
            s = max(s, float(r[4]))
    return s


def rotate_rows(rows, m_inv):
    """Boxes found on a rotated window -> axis-aligned boxes around their corners in the window."""
    out = []
    for x1, y1, x2, y2, s in np.asarray(rows).reshape(-1, 5):
        c = cv2.transform(np.float32([[[x1, y1], [x2, y1], [x2, y2], [x1, y2]]]), m_inv)[0]
        out.append([*c.min(0), *c.max(0), s])
    return np.float32(out).reshape(-1, 5)


class Passes:
    def __init__(self):
        from redaction.detect.extd import EXTD
        from redaction.detect.faces import BlazeFace, CenterFace
        from redaction.detect.plate_verify import PlateVerifier
        from redaction.detect.plates import PlateDetector
        self.cf = CenterFace(threshold=0.02, coarse=None)
        self.cf_noguard = CenterFace(threshold=0.02, coarse=None, guard=False)
        self.extd = EXTD(threshold=0.02)
        self.bf = BlazeFace(threshold=0.05)
        self.pd = PlateDetector(threshold=0.02)
        self.pv = PlateVerifier()

    def face(self, frame, gt, fac_native: float) -> dict:
        """fac_native: the factor of the product's full-resolution CenterFace pass."""
        H, W = frame.shape[:2]
        x0, y0, x1, y1 = gt
        s = max(x1 - x0, y1 - y0)
        wx0, wy0 = int(max(0, x0 - 3 * s)), int(max(0, y0 - 3 * s))
        wx1, wy1 = int(min(W, x1 + 3 * s)), int(min(H, y1 + 3 * s))
        if wx1 - wx0 < 320:
            wx0, wx1 = max(0, (wx0 + wx1) // 2 - 160), min(W, (wx0 + wx1) // 2 + 160)
        if wy1 - wy0 < 320:
            wy0, wy1 = max(0, (wy0 + wy1) // 2 - 160), min(H, (wy0 + wy1) // 2 + 160)
        win = np.ascontiguousarray(frame[wy0:wy1, wx0:wx1])
        off = (wx0, wy0)
        out = {}
        for f in (fac_native, 1.5, 2.0, 0.75):
            out[f"cf x{f:.2f}"] = best(self.cf._pass(win, f, 0.02), gt, off)
        out["cf x1 noguard"] = best(self.cf_noguard._pass(win, fac_native, 0.02), gt, off)
        grey = cv2.cvtColor(cv2.cvtColor(win, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        out["cf grey x1"] = best(self.cf._pass(grey, fac_native, 0.02), gt, off)
        out["cf grey x2"] = best(self.cf._pass(grey, 2.0, 0.02), gt, off)
        c = ((win.shape[1]) / 2, (win.shape[0]) / 2)
        for ang in (-25, 25):
            m = cv2.getRotationMatrix2D(c, ang, 1.0)
            rot = cv2.warpAffine(win, m, (win.shape[1], win.shape[0]), borderMode=cv2.BORDER_REFLECT)
            mi = cv2.invertAffineTransform(m)
            out[f"cf rot{ang:+d} x1"] = best(rotate_rows(self.cf._pass(rot, fac_native, 0.02), mi), gt, off)
            out[f"cf rot{ang:+d} x2"] = best(rotate_rows(self.cf._pass(rot, 2.0, 0.02), mi), gt, off)
        for f in (1.0, 2.0):
            out[f"extd x{f:.0f}"] = best(self.extd._pass(win, f, 0.02), gt, off)
        out["bf window"] = best(self.bf.raw(win), gt, off)
        out["bf frame"] = best(self.bf.raw(frame), gt)
        return out

    def plate(self, frame, gt, sides: tuple[int, ...]) -> dict:
        H, W = frame.shape[:2]
        x0, y0, x1, y1 = gt
        s = max(x1 - x0, y1 - y0)
        wx0, wy0 = int(max(0, x0 - 3 * s)), int(max(0, y0 - 3 * s))
        wx1, wy1 = int(min(W, x1 + 3 * s)), int(min(H, y1 + 3 * s))
        win = np.ascontiguousarray(frame[wy0:wy1, wx0:wx1])
        off = (wx0, wy0)
        out = {}
        for side in (*sides, max(H, W), int(1.5 * max(H, W))):
            f = side / max(H, W)
            rows = self.pd.raw(win, max(1, round(max(win.shape[:2]) * f)))
            rows = np.asarray(rows).reshape(-1, 5)
            out[f"plate {side}"] = best(rows, gt, off)
            # verifier's fused score of the best matching proposal at this side
            m = [r for r in rows if _iou((r[0] + off[0], r[1] + off[1], r[2] + off[0], r[3] + off[1]), gt) >= 0.3]
            if m:
                r = max(m, key=lambda r: r[4])
                fused = self.pv(frame, [(r[0] + off[0], r[1] + off[1], r[2] - r[0], r[3] - r[1])], [float(r[4])])
                out[f"plate {side} verified"] = float(fused[0])
            else:
                out[f"plate {side} verified"] = 0.0
        return out


def diagnose(name: str, seed: int, objects: list[int], seconds: float, step: int, passes: Passes) -> dict:
    sc = scenario(name)
    frames = int(round(seconds * 30))
    scene = HardScene(sc, frames, seed)
    W, H = sc.size
    from redaction.detect.faces import CenterFace
    from redaction.detect.factory import FACE_PRESETS
    from redaction.detect.plates import PLATE_PRESETS, MultiScalePlateDetector
    cfp = FACE_PRESETS["accurate"]["centerface"]
    fac_native = min(1.0, math.sqrt(cfp["max_pixels"] / (W * H)))
    pp = PLATE_PRESETS["accurate"]
    sides = MultiScalePlateDetector.__new__(MultiScalePlateDetector)
    sides.sides, sides.wide_sides, sides.wide_from = (pp["input_side"], *pp["extra_sides"]), pp["wide_sides"], pp["wide_from"]
    sides = sides.sides_for(H, W)
    res: dict = {k: {"best": defaultdict(float), "n": 0, "hits05": defaultdict(int), "size": []} for k in objects}
    for i in range(frames):
        frame = scene.frame(i)
        if i % step:
            continue
        for k, kind, box, (x0, y0, vis, region), tags in scene.gt(i):
            if k not in res or min(box[2], box[3]) < MIN_PX or vis.sum() < 0.5 * region.sum():
                continue
            gt = (box[0], box[1], box[0] + box[2], box[1] + box[3])
            r = passes.face(frame, gt, fac_native) if kind == "face" else passes.plate(frame, gt, sides)
            o = res[k]
            o["kind"], o["tags"] = kind, list(tags)
            o["n"] += 1
            o["size"].append(min(box[2], box[3]))
            for p, v in r.items():
                o["best"][p] = max(o["best"][p], v)
                o["hits05"][p] += v >= 0.05
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", help="a leak_check --json file: diagnose its never-found leaking objects")
    ap.add_argument("--scenario")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--objects", default="")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--step", type=int, default=6)
    ap.add_argument("--out", help="write the results here (JSON)")
    a = ap.parse_args()
    jobs: dict = defaultdict(list)
    if a.json:
        d = json.loads(Path(a.json).read_text())
        for r in d["results"]:
            for k, o in r["objects"].items():
                if o["leaked"] and not o["tracks"]:
                    jobs[(r["scenario"], r["seed"])].append(int(k))
    if a.scenario:
        jobs[(a.scenario, a.seed)] += [int(k) for k in a.objects.split(",") if k]
    passes = Passes()
    allres = []
    for (name, seed), objs in jobs.items():
        res = diagnose(name, seed, objs, a.seconds, a.step, passes)
        for k, o in res.items():
            if not o["n"]:
                continue
            print(f"\n{name} seed {seed} obj {k} {o['kind']} {o['tags']} ~{np.median(o['size']):.0f}px, "
                  f"{o['n']} sampled frames: best score (frames >= 0.05)")
            for p, v in o["best"].items():
                print(f"   {p:<22} {v:.3f} ({o['hits05'][p]})")
            allres.append({"scenario": name, "seed": seed, "obj": k, "kind": o["kind"], "tags": o["tags"],
                           "size": float(np.median(o["size"])), "n": o["n"], "best": dict(o["best"]),
                           "hits05": dict(o["hits05"])})
    if a.out:
        Path(a.out).write_text(json.dumps(allres, indent=1))


if __name__ == "__main__":
    main()
