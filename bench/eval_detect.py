#!/usr/bin/env python3
"""Detection benchmark on ../shared/eval (a benchmark, not a test; takes a few minutes).

For every image set in ../shared/eval/images whose kind was asked for, runs the detector
that ``redaction.detect.build_detector(kinds, preset)`` builds, writes the predictions as
``bwv detect`` JSONL (``{"image", "kind", "box", "score"}``, boxes = the redaction boxes the
product applies, i.e. grown by the default style margin), scores them with the README
metric (score_detections.py, imported from ../shared/eval) and prints one table per set
beside the reference figures of issue 3, with ms/image.

    python bench/eval_detect.py                       # faces (+ plates once a plate detector exists)
    python bench/eval_detect.py --kinds face --preset fast
    python bench/eval_detect.py --ablations           # every face configuration in ADR 0005
    python bench/eval_detect.py --closeups            # + synthetic close-ups (faces_dlib crops)
    python bench/eval_detect.py --kinds plate --plate-ablations   # plates without / with the verifier (ADR 0011)

Nothing is written outside ``--out`` (default .bench/detect/, git-ignored). Eval data is
read only, never copied into the repository.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from redaction.detect import build_detector  # noqa: E402
from redaction.detect.factory import BUILDERS, PRESETS  # noqa: E402
from redaction.model import Style  # noqa: E402

DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
STYLE = Style()                          # the product's default redaction style
MARGIN = STYLE.margin                    # fraction added on every side by the product
PRED_SCALE = 1 + 2 * MARGIN              # the same growth, as score_detections' --pred-scale

# Issue 3's table (measured by the issue's author; boxes grown 1.3x; 2 cores).
REFERENCE = {
    "faces_wider": [("BlazeFace full-range, conf 0.5", 0.22, 0.05, 6),
                    ("BlazeFace 3x3 tiles, conf 0.3", 0.47, 3.4, 63),
                    ("CenterFace (cv2.dnn), thr 0.2", 0.81, 2.1, 46),
                    ("CenterFace, thr 0.5", 0.59, 0.07, 42)],
    "plates_us": [("OpenCV Russian-plate cascade", 0.39, 1.4, 277)],
    "plates_eu": [("OpenCV Russian-plate cascade", 0.94, 0.6, 58)],
}
TARGETS = {"faces_wider": "target: cov >= 0.92 at <= 1 FP/img",
           "faces_dlib": "target: cov >= 0.98",
           "plates_us": "target: cov >= 0.95 at <= 0.2 FP/img",
           "plates_eu": "target: cov >= 0.95 at <= 0.2 FP/img"}


def _face_ablations() -> dict:
    """Face configurations tried for ADR 0005 (name -> zero-argument builder)."""
    from redaction.detect.extd import EXTD
    from redaction.detect.faces import BlazeFace, CenterFace, CombinedFaceDetector
    cf = CenterFace
    return {
        "blazeface whole, 0.5": lambda: BlazeFace(threshold=0.5),
        "blazeface whole+tiles 208, 0.5": lambda: BlazeFace(threshold=0.5, tile=208),
        "centerface x1, 0.5": lambda: cf(threshold=0.5, coarse=None),
        "centerface x1, 0.3": lambda: cf(threshold=0.3, coarse=None),
        "centerface x1, 0.2": lambda: cf(threshold=0.2, coarse=None),
        "centerface x1.5, 0.3": lambda: cf(threshold=0.3, scales=(1.5,), coarse=None),
        "centerface x1+x1.5, 0.3": lambda: cf(threshold=0.3, scales=(1.0, 1.5), coarse=None),
        "centerface x1+coarse480, 0.3": lambda: cf(threshold=0.3, coarse=480),
        "centerface x1+coarse240, 0.3": lambda: cf(threshold=0.3, coarse=240),
        "centerface x1+x1.5+coarse240, 0.3": lambda: cf(threshold=0.3, scales=(1.0, 1.5), coarse=240),
        "centerface x1+x1.5+coarse240, 0.25": lambda: cf(threshold=0.25, scales=(1.0, 1.5), coarse=240),
        "centerface(cv2.dnn) x1+x1.5+coarse240, 0.3":
            lambda: cf(threshold=0.3, scales=(1.0, 1.5), coarse=240, backend="cv2"),
        "union cf x1+x1.5+coarse240 0.3 + bf 0.5":
            lambda: CombinedFaceDetector([cf(threshold=0.3, scales=(1.0, 1.5), coarse=240),
                                          BlazeFace(threshold=0.5)]),
        "union cf x1+x1.5+coarse240 0.3 + bf 0.7":
            lambda: CombinedFaceDetector([cf(threshold=0.3, scales=(1.0, 1.5), coarse=240),
                                          BlazeFace(threshold=0.7)]),
        # EXTD-64 (preset thorough = extd 0.25 first, then cf from 0.5, then bf 0.7)
        "extd x1, 0.2": lambda: EXTD(threshold=0.2),
        "extd x1, 0.25": lambda: EXTD(threshold=0.25),
        "extd x1, 0.5": lambda: EXTD(threshold=0.5),
        "extd x1, 0.25, onnxruntime": lambda: EXTD(threshold=0.25, backend="ort"),
        "union accurate + extd 0.4 (centerface first)":
            lambda: CombinedFaceDetector([cf(threshold=0.3, scales=(1.0, 1.5), coarse=240),
                                          BlazeFace(threshold=0.7), EXTD(threshold=0.4)]),
        "centerface accurate passes, close-up guard off":
            lambda: cf(threshold=0.3, scales=(1.0, 1.5), coarse=240, guard=False),
    }


# ----------------------------------------------------------------------------- data


def load_sets(eval_dir: Path, kinds, only=None):
    import score_detections as sd
    sets = []
    for d in sorted((eval_dir / "images").iterdir()):
        gt_path = d / "gt.json"
        if not gt_path.is_file() or (only and d.name not in only):
            continue
        gt = sd.load_gt(gt_path)
        if gt["kind"] in kinds:
            sets.append((d.name, d, gt))
    return sets


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"{path}: cannot read image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def closeup_set(eval_dir: Path):
    """Synthetic close-ups: each faces_dlib face cropped so it fills 30/50/70/90 % of the
    frame height, resized to a 1080-high frame (body-worn camera at arm's length)."""
    import score_detections as sd
    src = eval_dir / "images" / "faces_dlib"
    gt = sd.load_gt(src / "gt.json")
    images, out_gt = {}, {"kind": "face", "images": {}, "image_sizes": {}}
    for name in sorted(gt["images"]):
        im = read_rgb(src / name)
        for k, b in enumerate(gt["images"][name]):
            x, y, w, h = b["box"]
            for frac in (0.3, 0.5, 0.7, 0.9):
                m = (1 / frac - 1) / 2
                x0, y0 = int(max(0, x - m * w)), int(max(0, y - m * h))
                x1, y1 = int(min(im.shape[1], x + w + m * w)), int(min(im.shape[0], y + h + m * h))
                crop = im[y0:y1, x0:x1]
                f = 1080 / crop.shape[0]
                big = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
                key = f"{name}#{k}@{int(frac * 100)}"
                images[key] = big
                boxes = []
                for j, o in enumerate(gt["images"][name]):   # every face inside the crop
                    ox, oy, ow, oh = o["box"]
                    cx0, cy0 = max(ox, x0), max(oy, y0)
                    cx1, cy1 = min(ox + ow, x1), min(oy + oh, y1)
                    if cx1 <= cx0 or cy1 <= cy0:
                        continue
                    inside = (cx1 - cx0) * (cy1 - cy0) / (ow * oh)
                    boxes.append({"box": [(ox - x0) * f, (oy - y0) * f, ow * f, oh * f],
                                  "ignore": j != k and inside < 0.9})
                out_gt["images"][key] = boxes
                out_gt["image_sizes"][key] = [big.shape[1], big.shape[0]]
    return images, out_gt


# ----------------------------------------------------------------------------- run + score


def grow(box, style=STYLE):
    """The redaction box the product applies to a tight detector box (its default style)."""
    from redaction.render import style_box
    return style_box(box, style)


def run_set(detector, images: dict, kind: str, out_path: Path | None):
    """Detect on every image; returns (tight preds, product-box preds, ms/image)."""
    preds, grown, lines, total = {}, {}, [], 0.0
    for name, im in images.items():
        t = time.perf_counter()
        dets = detector(im)
        total += time.perf_counter() - t
        preds[name] = [(*d.box, d.score, d.kind) for d in dets]
        grown[name] = [(*grow(d.box), d.score, d.kind) for d in dets]
        for d in dets:
            gx, gy, gw, gh = grow(d.box)
            lines.append(json.dumps({"image": name, "kind": d.kind,
                                     "box": [round(v, 2) for v in (gx, gy, gw, gh)],
                                     "score": round(d.score, 4)}))
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text("\n".join(lines) + ("\n" if lines else ""))
    return preds, grown, 1000 * total / max(1, len(images))


def score(gt, preds, scale):
    import score_detections as sd
    return sd.score_set(gt, preds, pred_scale=scale)["summary"]


def ms_1080p(detector, sample: np.ndarray, reps: int = 5) -> float:
    frame = cv2.resize(sample, (1920, 1080), interpolation=cv2.INTER_LINEAR)
    detector(frame)
    t = time.perf_counter()
    for _ in range(reps):
        detector(frame)
    return 1000 * (time.perf_counter() - t) / reps


def speed_table(builders: dict, sample: np.ndarray, reps: int = 7) -> dict:
    """Median ms/frame at 720p and 1080p, configurations interleaved round-robin so that
    load from other processes hits them alike (2 shared cores: compare ratios)."""
    dets = {label: b() for label, b in builders.items()}
    out = {}
    for w, h in ((1280, 720), (1920, 1080)):
        frame = cv2.resize(sample, (w, h), interpolation=cv2.INTER_LINEAR)
        times: dict[str, list] = {label: [] for label in dets}
        for d in dets.values():
            d(frame)                                   # warm-up: shapes, buffers
        for _ in range(reps):
            for label, d in dets.items():
                t = time.perf_counter()
                d(frame)
                times[label].append(1000 * (time.perf_counter() - t))
        for label, ts in times.items():
            out.setdefault(label, {})[f"{w}x{h}"] = float(np.median(ts))
    return out


def _speed_configs() -> dict:
    from redaction.detect.extd import EXTD
    from redaction.detect.faces import BlazeFace, CenterFace
    cfgs = {f"face preset={p}": (lambda p=p: build_detector(("face",), p)) for p in PRESETS}
    cfgs.update({
        "centerface x1 only, onnxruntime": lambda: CenterFace(coarse=None, backend="ort"),
        "centerface x1 only, cv2.dnn": lambda: CenterFace(coarse=None, backend="cv2"),
        "centerface coarse240 only": lambda: CenterFace(scales=(), coarse=240),
        "blazeface whole frame": lambda: BlazeFace(threshold=0.7),
        "extd x1 only, cv2.dnn": lambda: EXTD(backend="cv2"),
        "extd x1 only, onnxruntime": lambda: EXTD(backend="ort"),
    })
    return cfgs


def fmt_row(label, cov, fp, ms, iou=None, cov_tight=None, extra=""):
    def f(v, spec):
        return format(v, spec) if v is not None else "-"
    return (f"  {label:<44} {f(cov, '.3f'):>7} {f(fp, '.2f'):>7} {f(ms, '.0f'):>7}"
            f" {f(iou, '.3f'):>7} {f(cov_tight, '.3f'):>9} {extra}")


HEADER = (f"  {'detector':<44} {'cov@1.3':>7} {'FP/img':>7} {'ms/img':>7}"
          f" {'iou50':>7} {'cov tight':>9} product cov / FP/img / over-red")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", type=Path, default=Path(os.environ.get("BWV_EVAL_DIR", DEFAULT_EVAL)))
    ap.add_argument("--kinds", default=",".join(BUILDERS), help="comma list (default: every kind with a detector)")
    ap.add_argument("--preset", action="append", choices=PRESETS,
                    help="preset(s) to run (default: all presets)")
    ap.add_argument("--sets", default=None, help="comma list of set names (default: all)")
    ap.add_argument("--ablations", action="store_true", help="also run the face configurations of ADR 0005")
    ap.add_argument("--closeups", action="store_true", help="also score synthetic 1080p close-ups")
    ap.add_argument("--plate-ablations", action="store_true",
                    help="also run the plate detector without its verifier, and the verifier at other thresholds (ADR 0011)")
    ap.add_argument("--out", type=Path, default=ROOT / ".bench" / "detect")
    ap.add_argument("--json", type=Path, default=None, help="write all summaries here")
    ap.add_argument("--plate-model", default=None, metavar="ONNX",
                    help="also score the plate presets with this plate_detector.onnx in place of the "
                         "shipped one (a candidate model, e.g. a fine-tune), in the same run")
    ap.add_argument("--plate-verifier", default=None, metavar="ONNX",
                    help="with --plate-model: the verifier (ONNX beside its .json) that goes with it")
    ap.add_argument("--face-model", default=None, metavar="ONNX",
                    help="also score the face presets with this CenterFace ONNX file in place of the "
                         "shipped one (a candidate, e.g. training/faces/qat_centerface.py), in the same run")
    ap.add_argument("--face-night", default=None, metavar="ONNX[:BELOW[:union]]",
                    help="also score the face presets with this CenterFace night model run on pictures "
                         "darker than BELOW (default 60; :union: as well as the shipped one), in the same run")
    ap.add_argument("--only", default=None, help="run only configurations whose label contains this")
    ap.add_argument("--speed", action="store_true",
                    help="only the interleaved 720p/1080p speed table (face configurations)")
    a = ap.parse_args(argv)
    if a.speed and a.face_model:
        ap.error("--speed does not time --face-model; use bench/detect_speed.py --ab-face-model")
    if a.speed:
        sample = read_rgb(next(iter(sorted((a.eval / "images" / "faces_dlib").glob("*.jpg")))))
        res = speed_table(_speed_configs(), sample)
        print(f"{'configuration':<40} {'1280x720':>9} {'1920x1080':>10}   (median ms/frame, interleaved)")
        for label, r in res.items():
            print(f"{label:<40} {r['1280x720']:9.0f} {r['1920x1080']:10.0f}")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        return 0
    if not (a.eval / "score_detections.py").is_file():
        print(f"{a.eval}: no score_detections.py (is ../shared/eval there?)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(a.eval))
    kinds = tuple(k for k in a.kinds.split(",") if k)
    presets = a.preset or list(PRESETS)
    sets = load_sets(a.eval, kinds, set(a.sets.split(",")) if a.sets else None)
    asked = {gt["kind"] for _, _, gt in sets}
    for k in sorted(asked - set(BUILDERS)):
        print(f"note: no '{k}' detector is registered yet; its sets are scored as empty")

    configs = []   # (label, kind, builder)
    for p in presets:
        for k in kinds:
            if k in BUILDERS:
                configs.append((f"{k} preset={p}", k, lambda p=p, k=k: build_detector((k,), p)))
    if a.plate_model and "plate" in kinds:
        from redaction.detect.plates import build_plates
        for p in presets:
            configs.append((f"plate preset={p}, model {Path(a.plate_model).name}", "plate",
                            lambda p=p: build_plates(p, model_file=a.plate_model,
                                                     verifier_file=a.plate_verifier)))
    if a.face_model and "face" in kinds:
        import hashlib

        from redaction.detect.factory import build_faces
        tag = f"{Path(a.face_model).name} {hashlib.sha256(Path(a.face_model).read_bytes()).hexdigest()[:8]}"
        for p in presets:
            configs.append((f"face preset={p}, model {tag}", "face",
                            lambda p=p: build_faces(p, centerface={"model_file": a.face_model})))
    if a.face_night and "face" in kinds:
        from redaction.detect.factory import build_faces, night_setting
        for p in presets:
            configs.append((f"face preset={p}, night {Path(a.face_night).name}", "face",
                            lambda p=p: build_faces(p, centerface=night_setting(a.face_night))))
    if a.ablations and "face" in kinds:
        configs += [(label, "face", b) for label, b in _face_ablations().items()]
    if a.plate_ablations and "plate" in kinds:
        from redaction.detect.plates import build_plates
        for mf in (None, a.plate_model) if a.plate_model else (None,):
            tag = f", model {Path(mf).name}" if mf else ""
            for p in presets:
                configs.append((f"plate preset={p}{tag}, detector alone (0.4)", "plate",
                                lambda p=p, mf=mf: build_plates(p, verify=False, model_file=mf)))
                for t in (0.5, 0.6, 0.8):
                    configs.append((f"plate preset={p}{tag}, verified >= {t}", "plate",
                                    lambda p=p, t=t, mf=mf: build_plates(
                                        p, verified_threshold=t, model_file=mf,
                                        verifier_file=a.plate_verifier if mf else None)))

    if a.only:
        configs = [c for c in configs if a.only in c[0]]
    data = [(name, gt, {n: read_rgb(d / n) for n in sorted(gt["images"])}) for name, d, gt in sets]
    if a.closeups and "face" in kinds:
        ims, gt = closeup_set(a.eval)
        data.append(("faces_dlib_closeups", gt, ims))
    sample = data[0][2][next(iter(data[0][2]))] if data else np.zeros((416, 416, 3), np.uint8)

    results: dict[str, list] = {name: [] for name, _, _ in data}
    speed = {}
    for label, kind, builder in configs:
        t = time.perf_counter()
        det = builder()
        load_ms = 1000 * (time.perf_counter() - t)
        speed[label] = (load_ms, ms_1080p(det, sample))
        for name, gt, ims in data:
            if gt["kind"] != kind:
                continue
            slug = "".join(c if c.isalnum() else "_" for c in label)
            preds, grown, ms = run_set(det, ims, kind, a.out / name / f"{slug}.jsonl")
            s13 = score(gt, preds, PRED_SCALE)
            s10 = score(gt, preds, 1.0)
            sp = score(gt, grown, 1.0)
            results[name].append({"config": label, "ms_per_image": ms, **s13,
                                  "coverage_recall_tight": s10["coverage_recall"],
                                  "product": {k: sp[k] for k in ("coverage_recall", "fp_per_image",
                                                                 "over_redaction")}})
            print(f"[{name}] {label}: product boxes cov={sp['coverage_recall']:.3f} "
                  f"fp/img={sp['fp_per_image']:.2f}; x{PRED_SCALE:.1f} cov={s13['coverage_recall']:.3f} "
                  f"fp/img={s13['fp_per_image']:.2f}; {ms:.0f} ms/img", flush=True)

    print(f"\nScores: 'cov@1.3' = the detector's boxes grown x{PRED_SCALE:.2f} (issue 3's metric); "
          f"'product' = the boxes the product redacts ({MARGIN:.2f} of the size + {STYLE.margin_px:g} px "
          "each side: cover / FP/img / over-redaction); 'cov tight' = the detector's own boxes.")
    for name, gt, ims in data:
        print(f"\n== {name} ({len(ims)} images) {TARGETS.get(name, '')}")
        print(HEADER)
        for r in results[name]:
            pr = r["product"]
            print(fmt_row(r["config"], r["coverage_recall"], r["fp_per_image"], r["ms_per_image"],
                          r["iou50_recall"], r["coverage_recall_tight"],
                          f"{pr['coverage_recall']:.3f} / {pr['fp_per_image']:.2f} / "
                          f"{pr['over_redaction']:.4f}"))
        if gt["kind"] not in BUILDERS:
            empty = score(gt, {}, PRED_SCALE)
            print(fmt_row(f"(no {gt['kind']} detector registered)", empty["coverage_recall"],
                          empty["fp_per_image"], None))
        for label, cov, fp, ms in REFERENCE.get(name, []):
            print(fmt_row(f"issue 3 ref: {label}", cov, fp, ms))
    if speed:
        print("\n== speed on a 1920x1080 frame (ms/frame, this machine, this run)")
        for label, (load_ms, ms) in speed.items():
            print(f"  {label:<44} {ms:7.0f} ms/frame  (load {load_ms:.0f} ms)")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({"results": results, "speed_1080p": speed}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
