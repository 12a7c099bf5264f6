"""Score the plate detector (and OpenCV's Russian-plate cascade) on the evaluation sets.

    python training/plates/evaluate.py --model resources/models/plate_detector.onnx \
        --eval /work/shared/eval --out artifacts/plates_eval

For each set (plates_us, plates_eu) writes ``<set>_<detector>.jsonl`` predictions and
prints the scorer's figures (coverage recall with ``--pred-scale 1.3``, FP/image) at
several score thresholds, plus the time per image and per 1080p frame on this machine.
Measurement only: nothing here feeds back into training.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from redaction.detect.plates import MultiScalePlateDetector, PlateDetector  # noqa: E402

SETS = ("plates_us", "plates_eu")


def cascade_detector():
    cc = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_russian_plate_number.xml")

    def run(rgb):
        g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        r = cc.detectMultiScale(g, scaleFactor=1.1, minNeighbors=3, minSize=(24, 8))
        return [((float(x), float(y), float(w), float(h)), 1.0) for x, y, w, h in (r if len(r) else [])]
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / "resources/models/plate_detector.onnx"))
    ap.add_argument("--eval", default="/work/shared/eval")
    ap.add_argument("--out", default=str(ROOT / "artifacts/plates_eval"))
    ap.add_argument("--thresholds", default="0.2,0.25,0.3,0.35,0.4,0.5")
    ap.add_argument("--input-side", type=int, default=640)
    ap.add_argument("--extra-sides", default="", help="comma list of further long sides (multi-scale)")
    ap.add_argument("--no-cascade", action="store_true")
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location("score_detections", Path(a.eval) / "score_detections.py")
    sd = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sd)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    ths = [float(t) for t in a.thresholds.split(",")]
    det = PlateDetector(threshold=min(ths), input_side=a.input_side, model_file=a.model)
    if a.extra_sides:
        det = MultiScalePlateDetector(det, tuple(int(v) for v in a.extra_sides.split(",")))
    runners = {"platenet": lambda im: [(d.box, d.score) for d in det(im)]}
    if not a.no_cascade:
        runners["cascade"] = cascade_detector()
    results = {}
    for s in SETS:
        gt_path = Path(a.eval) / "images" / s / "gt.json"
        gt = sd.load_gt(gt_path)
        for name, fn in runners.items():
            pred_path = out / f"{s}_{name}.jsonl"
            times = []
            with open(pred_path, "w") as f:
                for img_name in sorted(gt["images"]):
                    bgr = cv2.imread(str(gt_path.parent / img_name))
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    t = time.perf_counter()
                    dets = fn(rgb)
                    times.append(time.perf_counter() - t)
                    for box, score in dets:
                        f.write(json.dumps({"image": img_name, "kind": "plate", "box": [round(v, 2) for v in box],
                                            "score": round(score, 4)}) + "\n")
            preds = sd.load_predictions(pred_path)
            for t in (ths if name == "platenet" else [None]):
                summ = sd.score_set(gt, preds, min_score=t, pred_scale=1.3, name=f"{s} {name} {t}")["summary"]
                results[f"{s}/{name}/{t}"] = {k: summ[k] for k in ("coverage_recall", "iou50_recall", "fp_per_image",
                                                                    "over_redaction", "n_pred")}
                results[f"{s}/{name}/{t}"]["ms_per_image"] = round(1000 * float(np.median(times)), 1)
                print(sd.format_table([summ]).splitlines()[-1], f"median {1000 * np.median(times):.1f} ms/img",
                      flush=True)
    # speed on a 1080p frame
    frame = cv2.cvtColor(cv2.resize(cv2.imread(str(next((Path(a.eval) / "images" / "plates_us").glob("*.jpg")))),
                                    (1920, 1080)), cv2.COLOR_BGR2RGB)
    for _ in range(3):
        det(frame)
    ts = []
    for _ in range(20):
        t = time.perf_counter()
        det(frame)
        ts.append(time.perf_counter() - t)
    results["speed_1080p_ms_median"] = round(1000 * float(np.median(ts)), 1)
    print(f"1080p frame: median {1000 * np.median(ts):.1f} ms (onnxruntime, long side {a.input_side} "
          f"{a.extra_sides})")
    (out / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
