"""Per-frame detector recall on the hard scenes, the picture as it is or pre-processed.

    python bench/light_recall.py [--scenarios night,night_blue,backlit,still,pan250]
                                 [--seeds 0,1] [--step 6] [--preset accurate]
                                 [--ways "as is,lift,lift strong,gain 3,clahe,grey world"]
                                 [--face-model candidate.onnx]

Renders each scene (bench/hard_scenes.py, no encoding) and, on every ``--step``-th frame,
runs the video detector (``candidates=True``, full plan: no job hints) on the frame as it
is and after each pre-processing way of :data:`WAYS`, interleaved. It was written to test
whether lifting dark pictures before detection finds the faces and plates the detectors
miss at night (ADR 0008, "Light"): it does not, so the product has no such step.
``--face-model`` runs each way with a candidate CenterFace as well (rows marked ``*``);
``--face-night`` with a candidate night model switched in on dark pictures.
Reported per scenario: the share of graded object-frames (>= 24 px, half visible) that a
sure detection finds (IoU >= 0.3 with the ground-truth box), that any detection finds
(candidates included), sure detections per frame that match no object (IoU < 0.1 with
every ground-truth box, visible or not: the backgrounds' own unlabelled faces and plates
count here too), and the mean time per frame. The leak check (bench/leak_check.py) is the
measure of what reaches the export; this one isolates the detector.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hard_scenes import HardScene, scenario  # noqa: E402
from redaction.detect.factory import build_detector  # noqa: E402

MIN_PX = 24


def lift(image: np.ndarray, dark: float = 70.0, gamma: float = 0.5, max_gain: float = 4.0,
         blur_frac: float = 0.03, step: int = 8) -> np.ndarray:
    """Dark areas lifted: the local brightness b (brightest channel, blurred over
    ``blur_frac`` of the longer side at 1/``step`` size) below ``dark`` gets the gain of the
    tone curve b -> dark * (b / dark) ** gamma, at most ``max_gain``; brighter areas are
    left as they are (a daylight picture passes unchanged)."""
    h, w = image.shape[:2]
    sw, sh = max(1, w // step), max(1, h // step)
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA).max(axis=2)
    local = np.maximum(cv2.GaussianBlur(small.astype(np.float32), (0, 0), max(1.0, blur_frac * max(sw, sh))), 1.0)
    g = np.minimum(np.where(local < dark, (dark / local) ** (1.0 - gamma), 1.0), max_gain).astype(np.float32)
    if float(g.max()) <= 1.0:
        return image
    full = cv2.resize(g, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(image.astype(np.float32) * full[..., None], 0, 255).astype(np.uint8)


def _gain(image: np.ndarray, g: float) -> np.ndarray:
    return np.clip(image.astype(np.float32) * g, 0, 255).astype(np.uint8)


def _clahe(image: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def _grey_world(image: np.ndarray) -> np.ndarray:
    f = image.astype(np.float32)
    m = f.reshape(-1, 3).mean(0)
    return np.clip(f * (m.mean() / np.maximum(m, 1.0)), 0, 255).astype(np.uint8)


WAYS = {
    "as is": lambda x: x,
    "lift": lift,
    "lift strong": lambda x: lift(x, dark=110, gamma=0.35, max_gain=5.0),
    "gain 3": lambda x: _gain(x, 3.0),
    "clahe": _clahe,
    "grey world": _grey_world,
    "denoise + gain 3": lambda x: cv2.fastNlMeansDenoisingColored(_gain(x, 3.0), None, 7, 7, 5, 15),
}


def _iou(a, b) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(1e-9, a[2] * a[3] + b[2] * b[3] - inter)


def score(dets, gt) -> tuple[dict, int]:
    """Per graded object (kind -> [graded, sure hit, any hit]) and unmatched sure boxes."""
    per: dict = defaultdict(lambda: [0, 0, 0])
    for k, kind, box, (_x0, _y0, vis, region), _tags in gt:
        if min(box[2], box[3]) < MIN_PX or vis.sum() < 0.5 * region.sum():
            continue
        m = [d for d in dets if d.kind == kind and _iou(d.box, box) >= 0.3]
        per[kind][0] += 1
        per[kind][1] += any(d.sure for d in m)
        per[kind][2] += bool(m)
    false = sum(1 for d in dets if d.sure and all(_iou(d.box, g[2]) < 0.1 for g in gt))
    return per, false


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", default="night,night_blue,backlit,still,pan250")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--step", type=int, default=6)
    ap.add_argument("--preset", default="accurate")
    ap.add_argument("--ways", default="as is,lift", help="comma list of: " + ", ".join(WAYS))
    ap.add_argument("--face-model", metavar="ONNX", help="a candidate centerface.onnx: each way is run "
                    "with the shipped model and with this one")
    ap.add_argument("--face-night", metavar="ONNX[:BELOW[:union]]", help="... or CenterFace with this night model "
                    "on pictures darker than BELOW (default 60; :union: as well as the shipped one)")
    a = ap.parse_args()
    dets = {"": build_detector(("face", "plate"), a.preset, candidates=True)}
    if a.face_model or a.face_night:
        from redaction.detect.factory import FACE_PRESETS, night_setting
        extra = {"model_file": a.face_model} if a.face_model else night_setting(a.face_night)
        FACE_PRESETS[a.preset]["centerface"] = {**FACE_PRESETS[a.preset]["centerface"], **extra}
        dets[" *"] = build_detector(("face", "plate"), a.preset, candidates=True)
    for w in a.ways.split(","):
        if w.strip() not in WAYS:
            ap.error(f"no way {w!r}; choose from {', '.join(WAYS)}")
    ways = [(w.strip(), m) for w in a.ways.split(",") for m in dets]   # " *": the candidate model
    print(f"{'scenario':<14} {'way':<16} {'faces sure/any (graded)':>24} {'plates sure/any (graded)':>25} "
          f"{'false/frame':>11} {'ms/frame':>9}")
    for name in a.scenarios.split(","):
        tot = {w: [defaultdict(lambda: [0, 0, 0]), 0, 0.0] for w in ways}
        n = 0
        for seed in (int(s) for s in a.seeds.split(",")):
            scene = HardScene(scenario(name), int(round(a.seconds * 30)), seed)
            for i in range(scene.frames):
                frame = scene.frame(i)
                if i % a.step:
                    continue
                gt = scene.gt(i)
                n += 1
                for w in ways:
                    t = time.perf_counter()
                    found = dets[w[1]](WAYS[w[0]](frame))
                    tot[w][2] += time.perf_counter() - t
                    per, false = score(found, gt)
                    for kind, v in per.items():
                        for j in range(3):
                            tot[w][0][kind][j] += v[j]
                    tot[w][1] += false
        for w in ways:
            per, false, secs = tot[w]
            cells = []
            for kind in ("face", "plate"):
                g, s, anyhit = per[kind]
                cells.append(f"{s / max(1, g):.3f}/{anyhit / max(1, g):.3f} ({g})")
            print(f"{name:<14} {w[0] + w[1]:<16} {cells[0]:>24} {cells[1]:>25} {false / max(1, n):>11.2f} "
                  f"{1000 * secs / max(1, n):>9.0f}", flush=True)


if __name__ == "__main__":
    main()
