"""Mine plate proposals for the verifier (training/plates/verifier/README.md).

Draws ``--train-samples`` / ``--val-samples`` 640x640 samples with the detector's own sample generator
(dataset.py: scaled crops of the training photos, synthetic UK/EU/US plates pasted in, badge
/ sign / OSD-text hard negatives, photometric noise), runs the shipped plate detector on each
at both of the ``accurate`` preset's input sides with a low threshold, and labels every
proposal against the sample's boxes:

* positive: IoU >= 0.4 with a plate box, or >= 70 % of the proposal inside a plate box that
  it covers >= 50 %; plates cut by the sample's edge count (the detector's trainer ignores
  them, but a plate half out of the picture still has to be redacted);
* negative: < 10 % of the proposal inside every box (the scorer's false-positive rule);
* anything in between is dropped.

Proposals are clipped to the sample, as ``plates._to_detections`` clips them at run time.

Each plate box also gives ``--jitter`` positive crops with the box shifted and scaled a
little (detector boxes are never exact), and each hard negative the generator drew (badge,
sign, OSD text block) gives ``--jitter`` negative crops (the block, and a random part of
it), whether or not the detector fired on it: the shipped detector was fine-tuned against
the synthetic ones, so it rarely proposes them, yet it still fires on real burned-in
timestamps. Output: one ``.npz`` (crops, features, detector
scores, labels, kind of row) per split. Validation samples come from the validation photos
only (prepare_data.py's split), so the fusion weights are fitted on photos neither model
trained on.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(ROOT), str(HERE.parent)]

from redaction.detect.plate_verify import box_features, crop_for  # noqa: E402

SIDES = (640, 960)
_W: dict = {}


def _iou_inside(p, boxes):
    """(IoU, fraction of p inside, fraction of the box covered by p) against each box."""
    px0, py0, px1, py1 = p[0], p[1], p[0] + p[2], p[1] + p[3]
    out = []
    for x, y, w, h in boxes:
        iw = max(0.0, min(px1, x + w) - max(px0, x))
        ih = max(0.0, min(py1, y + h) - max(py0, y))
        i = iw * ih
        pa, ba = max(p[2] * p[3], 1e-6), max(w * h, 1e-6)
        out.append((i / (pa + ba - i), i / pa, i / ba))
    return out


def label(p, boxes) -> int | None:
    """1 plate, 0 not a plate, None undecided (see the module docstring)."""
    ov = _iou_inside(p, boxes)
    if any(iou >= 0.4 or (inside >= 0.7 and cover >= 0.5) for iou, inside, cover in ov):
        return 1
    if all(inside < 0.1 for _, inside, _ in ov):
        return 0
    return None


def small_mix() -> dict:
    """--small (issue 12): the sample mix of train.py's ``smallmix`` recipe (small,
    motion-blurred and dark plates), taken from the recipe itself so the two cannot drift."""
    from train import FINETUNE_SMALLMIX
    return {k: FINETUNE_SMALLMIX[k] for k in ("p_small", "p_motion", "p_dark", "scale_min")}


def _init(data: str, split: str, threshold: float, seed: int, detector: str | None = None,
          small: bool = False) -> None:
    import cv2
    cv2.setNumThreads(1)
    from dataset import PlateDataset, load_real
    from redaction.detect.plates import PlateDetector
    _W["ds"] = PlateDataset(load_real(data, split), size=640, p_synth=0.5, p_procedural=0.05,
                            p_distract=0.5, p_osd=0.5, p_badge=0.5, seed=seed,
                            **(small_mix() if small else {}))
    _W["det"] = PlateDetector(threshold=threshold, threads=1, model_file=detector)


def _one(i: int):
    rng = np.random.default_rng([_W["ds"].seed, i])
    negs: list = []
    img, bx = _W["ds"].sample(rng, negatives=negs)
    boxes = [tuple(float(v) for v in b[:4]) for b in bx]   # "ignore" (cut by the crop) still a plate
    H, W = img.shape[:2]
    rows = []                                    # (crop, features, score, label, kind)
    props = np.concatenate([_W["det"].raw(img, s) for s in SIDES], 0)
    for x0, y0, x1, y1, sc in props:
        x0, y0, x1, y1 = max(0.0, x0), max(0.0, y0), min(float(W), x1), min(float(H), y1)
        p = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))     # clipped, as at run time
        if p[2] < 2 or p[3] < 2:
            continue
        lab = label(p, boxes)
        if lab is not None:
            rows.append((crop_for(img, p), box_features(p, H, W), float(sc), lab, 0))
    for b in boxes:                              # partly visible plates too: still plates
        if b[2] < 6 or b[3] < 3:
            continue
        for _ in range(_W["jitter"]):
            x, y, w, h = b
            s = np.exp(rng.uniform(-0.15, 0.15, 2))
            nw, nh = w * s[0], h * s[1]
            cx, cy = x + w / 2 + rng.uniform(-0.12, 0.12) * w, y + h / 2 + rng.uniform(-0.15, 0.15) * h
            p = (cx - nw / 2, cy - nh / 2, nw, nh)
            rows.append((crop_for(img, p), box_features(p, H, W), -1.0, 1, 1))
    for x, y, w, h in negs:                      # the drawn hard negatives themselves
        if w < 6 or h < 3:
            continue
        for k in range(_W["jitter"]):
            fw, fh = (rng.uniform(0.85, 1.15), rng.uniform(0.85, 1.15)) if k == 0 else \
                (rng.uniform(0.35, 1.0), rng.uniform(0.4, 1.0))
            nw, nh = w * fw, h * fh
            p = (x + rng.uniform(0, max(0.0, w - nw)) if fw < 1 else x + w / 2 - nw / 2,
                 y + rng.uniform(0, max(0.0, h - nh)) if fh < 1 else y + h / 2 - nh / 2, nw, nh)
            if label(p, boxes) == 0:
                rows.append((crop_for(img, p), box_features(p, H, W), -1.0, 0, 2))
    return rows


def mine(data: str, split: str, n: int, out: Path, threshold: float, seed: int, workers: int,
         jitter: int, detector: str | None = None, small: bool = False) -> None:
    t0 = time.time()
    _W["jitter"] = jitter
    with mp.get_context("fork").Pool(workers, _init, (data, split, threshold, seed, detector, small)) as pool:
        rows = [r for rs in pool.imap(_one, range(n), chunksize=8) for r in rs]
    crops = np.stack([r[0] for r in rows])
    feats = np.stack([r[1] for r in rows])
    np.savez_compressed(out, crops=crops, feats=feats, score=np.array([r[2] for r in rows], np.float32),
                        label=np.array([r[3] for r in rows], np.int8), kind=np.array([r[4] for r in rows], np.int8))
    lab, kind = np.array([r[3] for r in rows]), np.array([r[4] for r in rows])
    print(f"{split}: {n} samples -> {len(rows)} crops (proposals: {((kind == 0) & (lab == 1)).sum()} plate, "
          f"{((kind == 0) & (lab == 0)).sum()} not; jittered plates: {(kind == 1).sum()}; "
          f"drawn negatives: {(kind == 2).sum()}) "
          f"in {time.time() - t0:.0f} s -> {out}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "artifacts" / "plates_data"))
    ap.add_argument("--out", default=str(ROOT / "artifacts" / "plates_verifier"))
    ap.add_argument("--train-samples", type=int, default=5000)
    ap.add_argument("--val-samples", type=int, default=1000)
    ap.add_argument("--threshold", type=float, default=0.2)
    ap.add_argument("--jitter", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--detector", default=None, metavar="ONNX",
                    help="mine with this plate_detector.onnx (default: the shipped one)")
    ap.add_argument("--small", action="store_true",
                    help="draw samples with the small-plate mix (small, motion-blurred, dark plates)")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for split, n, seed in (("val", a.val_samples, a.seed + 1), ("train", a.train_samples, a.seed)):
        mine(a.data, split, n, out / f"{split}.npz", a.threshold, seed, a.workers, a.jitter,
             a.detector, a.small)


if __name__ == "__main__":
    main()
