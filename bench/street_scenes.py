"""Wide street frames with small real plates pasted in (for bench/small_plates.py).

Backgrounds: photos of ../shared/train/plates_openimages (Open Images street and car
scenes, CC BY) whose labelled plates are all small, with every labelled plate box inpainted
(so a real plate left in the background neither counts as a false positive nor as a hidden
positive), scaled up and cropped to the frame size. Unlabelled plates in those photos (the
set has a few) are not inpainted and count as false positives if found: the same noise as
in the evaluation sets.

Plates: cut from ../shared/eval plates_us / plates_eu (measurement only; nothing is
written anywhere) with some car around them, resized so the plate box is 1.5-4 % of the
frame width, feathered into the frame. Conditions: ``sharp``, ``motion`` (a linear motion
blur over the whole frame, as a moving wearer gives), ``oblique`` (the plate warped in
perspective, yaw 35-60 deg), ``dark`` (the frame darkened with a gamma and sensor noise).
Every frame is JPEG re-encoded (q 80), like video.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CONDITIONS = ("sharp", "motion", "oblique", "dark")
SIZES = ((1280, 720), (1920, 1080), (2560, 1440), (2560, 1920))


def _rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"{path}: cannot read image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class Backgrounds:
    """Open Images photos, landscape, >= 800 px wide, every labelled plate < 8 % of the
    width, with the labelled plates inpainted. Loaded lazily, cached."""

    def __init__(self, root: Path = SHARED / "train" / "plates_openimages"):
        self.root = root
        labels = json.loads((root / "labels.json").read_text())["images"]
        self.items = []
        for name in sorted(labels):
            boxes = [b["box"] for b in labels[name]]
            self.items.append((name, boxes))
        self._cache: dict[str, np.ndarray] = {}
        self._ok: list[int] | None = None

    def pick(self, rng) -> np.ndarray:
        while True:
            name, boxes = self.items[int(rng.integers(0, len(self.items)))]
            if name in self._cache:
                return self._cache[name]
            im = _rgb(self.root / name)
            H, W = im.shape[:2]
            if W < 800 or W < H or any(b[2] > 0.08 * W for b in boxes):
                continue
            mask = np.zeros((H, W), np.uint8)
            for x, y, w, h in boxes:                      # the box grown 1.4x, inpainted
                cx, cy = x + w / 2, y + h / 2
                cv2.rectangle(mask, (int(cx - 0.7 * w) - 2, int(cy - 0.7 * h) - 2),
                              (int(cx + 0.7 * w) + 2, int(cy + 0.7 * h) + 2), 255, -1)
            if mask.any():
                im = cv2.inpaint(im, mask, 5, cv2.INPAINT_TELEA)
            self._cache[name] = im
            return im


class EvalPlates:
    """Plate crops (with context) from the evaluation sets plates_us and plates_eu."""

    def __init__(self, eval_dir: Path = SHARED / "eval"):
        self.items = []
        for s in ("plates_us", "plates_eu"):
            d = eval_dir / "images" / s
            gt = json.loads((d / "gt.json").read_text())
            for name in sorted(gt["images"]):
                for b in gt["images"][name]:
                    if not b.get("ignore"):
                        self.items.append((d / name, b["box"]))
        self._cache: dict[Path, np.ndarray] = {}

    def pick(self, rng):
        """(crop RGB, plate box (x, y, w, h) inside the crop)."""
        path, (x, y, w, h) = self.items[int(rng.integers(0, len(self.items)))]
        if path not in self._cache:
            self._cache[path] = _rgb(path)
        im = self._cache[path]
        H, W = im.shape[:2]
        mx, my = 0.35 * w, max(0.8 * h, 0.2 * w)
        x0, y0 = int(max(0, x - mx)), int(max(0, y - my))
        x1, y1 = int(min(W, x + w + mx)), int(min(H, y + h + my))
        return im[y0:y1, x0:x1], (x - x0, y - y0, w, h)


def _paste(frame, crop, pbox, width_px, centre, rng, oblique: bool):
    """Scale ``crop`` so its plate box is ``width_px`` wide (after the warp, for oblique),
    feather it into ``frame`` with the plate centred at ``centre``; returns the plate's tight
    box (x, y, w, h) in the frame, or None when it would leave the frame."""
    ch, cw = crop.shape[:2]
    px, py, pw, ph = pbox
    src_q = np.float32([[px, py], [px + pw, py], [px + pw, py + ph], [px, py + ph]])
    if oblique:                                   # yaw about the vertical axis, some roll
        yaw = math.radians(rng.uniform(35, 60)) * (1 if rng.random() < 0.5 else -1)
        roll = math.radians(rng.uniform(-8, 8))
        f = 3.0 * pw
        pts = []
        for X, Y in [(0, 0), (cw, 0), (cw, ch), (0, ch)] + [tuple(p) for p in src_q]:
            X, Y = X - (px + pw / 2), Y - (py + ph / 2)
            x3, z3 = X * math.cos(yaw), f + X * math.sin(yaw)
            u, v = f * x3 / z3, f * Y / z3
            pts.append((u * math.cos(roll) - v * math.sin(roll), u * math.sin(roll) + v * math.cos(roll)))
        pts = np.float32(pts)
    else:
        pts = np.float32([(X - (px + pw / 2), Y - (py + ph / 2)) for X, Y in
                          [(0, 0), (cw, 0), (cw, ch), (0, ch)] + [tuple(p) for p in src_q]])
    plate_q = pts[4:]
    s = width_px / max(1e-6, plate_q[:, 0].max() - plate_q[:, 0].min())
    pts = pts * s + np.float32(centre)
    H, W = frame.shape[:2]
    pq = pts[4:]
    bx0, by0 = pq.min(0)
    bx1, by1 = pq.max(0)
    if bx0 < 1 or by0 < 1 or bx1 > W - 1 or by1 > H - 1:
        return None
    M = cv2.getPerspectiveTransform(np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]]), pts[:4])
    alpha = np.zeros((ch, cw), np.float32)
    fe = max(2, int(0.12 * min(cw, ch)))           # feathered border of the context
    alpha[fe:-fe, fe:-fe] = 1
    alpha = cv2.GaussianBlur(alpha, (0, 0), fe / 2)
    alpha[int(py):int(math.ceil(py + ph)), int(px):int(math.ceil(px + pw))] = 1
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    warped = cv2.warpPerspective(crop, M, (W, H), flags=interp, borderMode=cv2.BORDER_CONSTANT)
    a = cv2.warpPerspective(alpha, M, (W, H), flags=cv2.INTER_LINEAR)[..., None]
    x0, y0 = max(0, int(pts[:4, 0].min()) - 1), max(0, int(pts[:4, 1].min()) - 1)
    x1, y1 = min(W, int(pts[:4, 0].max()) + 2), min(H, int(pts[:4, 1].max()) + 2)
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(roi * (1 - a[y0:y1, x0:x1]) + warped[y0:y1, x0:x1] * a[y0:y1, x0:x1],
                                  0, 255).astype(np.uint8)
    return (float(bx0), float(by0), float(bx1 - bx0), float(by1 - by0))


def make_frame(size, condition: str, seed: int, bgs: Backgrounds, plates: EvalPlates,
               n_plates: int = 4, frac=(0.015, 0.04)):
    """One (frame RGB, [plate boxes]) for ``size`` (W, H), ``condition``, ``seed``."""
    W, H = size
    rng = np.random.default_rng([seed, W, H, CONDITIONS.index(condition)])
    bg = bgs.pick(rng)
    bh, bw = bg.shape[:2]
    s = max(W / bw, H / bh)
    big = cv2.resize(bg, (max(W, round(bw * s)), max(H, round(bh * s))), interpolation=cv2.INTER_CUBIC)
    ox, oy = int(rng.integers(0, big.shape[1] - W + 1)), int(rng.integers(0, big.shape[0] - H + 1))
    frame = np.ascontiguousarray(big[oy:oy + H, ox:ox + W])
    boxes: list[tuple] = []
    # widths spread over the range: one per equal log-step slot, jittered
    lo, hi = math.log(frac[0]), math.log(frac[1])
    slots = rng.permutation(n_plates)
    for k in range(n_plates):
        f = math.exp(lo + (hi - lo) * (slots[k] + rng.random()) / n_plates)
        for _ in range(30):
            c = (rng.uniform(0.05 * W, 0.95 * W), rng.uniform(0.35 * H, 0.93 * H))
            wpx = f * W
            cand = (c[0] - 0.9 * wpx, c[1] - 0.9 * wpx, 1.8 * wpx, 1.8 * wpx)
            if any(not (cand[0] + cand[2] < b[0] or b[0] + b[2] < cand[0] or cand[1] + cand[3] < b[1]
                        or b[1] + b[3] < cand[1]) for b in boxes):
                continue
            crop, pbox = plates.pick(rng)
            b = _paste(frame, crop, pbox, wpx, c, rng, condition == "oblique")
            if b is not None:
                boxes.append(b)
                break
    if condition == "motion":                      # wearer moving: linear blur, whole frame
        L = max(3, int(round(W * rng.uniform(0.003, 0.006))))
        ang = rng.uniform(-30, 30) + (90 if rng.random() < 0.25 else 0)
        k = np.zeros((L, L), np.float32)
        k[L // 2, :] = 1
        k = cv2.warpAffine(k, cv2.getRotationMatrix2D(((L - 1) / 2, (L - 1) / 2), ang, 1), (L, L))
        frame = cv2.filter2D(frame, -1, k / max(1e-6, k.sum()))
    elif condition == "dark":                      # dusk / shade: gamma, gain, sensor noise
        x = (frame.astype(np.float32) / 255) ** rng.uniform(1.6, 2.2) * rng.uniform(0.45, 0.7) * 255
        x += rng.normal(0, rng.uniform(3, 6), x.shape)
        frame = np.clip(x, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    frame = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return frame, boxes
