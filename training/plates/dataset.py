"""Training samples: real photos with boxes, plus synthetic plates, plus targets.

Each sample is a ``size`` x ``size`` RGB crop:

1. a random scaled crop of a real training photo (centred near a labelled plate 60 % of
   the time), or, with ``p_procedural``, a procedural background;
2. with ``p_synth``, 1-3 synthetic plates (synth.py) pasted where they overlap no plate;
   with ``p_distract``, 1-2 hard negatives (car-badge lettering, multi-line signs), no box;
3. photometric noise: colour/brightness, blur, sensor noise, JPEG re-encoding, greyscale.

The targets follow TTFNet (Liu et al., 2019): an elliptical Gaussian heat map per plate
at stride ``STRIDE`` (peak exactly 1 at the centre cell) and, at the cells inside each
plate's Gaussian core, the distances (left, top, right, bottom) from the cell centre to the
box sides in input pixels, weighted by the Gaussian so that each plate sums to 1.
Boxes cut by the crop edge to under half their area become "ignore" regions (no loss).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np

import synth

STRIDE = 4
ALPHA = 0.54     # Gaussian size for the heat map (fraction of the box)
BETA = 0.54      # region of the box whose cells regress the box


def load_real(root: str | Path, split: str) -> list[tuple[bytes, np.ndarray]]:
    """[(encoded image bytes, boxes Nx4 xywh)] for one split of prepare_data.py's output."""
    root = Path(root)
    labels = json.loads((root / "labels.json").read_text())
    out = []
    for name, rec in sorted(labels["images"].items()):
        if rec["split"] == split:
            out.append(((root / "images" / name).read_bytes(),
                        np.array(rec["boxes"], np.float32).reshape(-1, 4)))
    return out


def decode(buf: bytes) -> np.ndarray:
    im = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB)


def make_targets(boxes: np.ndarray, ignore: np.ndarray, size: int):
    """Heat map (1,h,w), box targets (4,h,w), box weights (1,h,w), loss mask (1,h,w)."""
    h = w = size // STRIDE
    hm = np.zeros((h, w), np.float32)
    reg = np.zeros((4, h, w), np.float32)
    rw = np.zeros((h, w), np.float32)
    mask = np.ones((h, w), np.float32)
    ys = (np.arange(h, dtype=np.float32) + 0.5) * STRIDE
    xs = (np.arange(w, dtype=np.float32) + 0.5) * STRIDE
    for x, y, bw, bh in ignore:
        x0, y0 = int(x // STRIDE), int(y // STRIDE)
        x1, y1 = int(math.ceil((x + bw) / STRIDE)), int(math.ceil((y + bh) / STRIDE))
        mask[max(0, y0):y1, max(0, x0):x1] = 0
    order = np.argsort(-(boxes[:, 2] * boxes[:, 3])) if len(boxes) else []
    for i in order:                                   # big first, small ones overwrite
        x, y, bw, bh = boxes[i]
        cx, cy = x + bw / 2, y + bh / 2
        ci, cj = min(h - 1, int(cy // STRIDE)), min(w - 1, int(cx // STRIDE))
        sx = max(ALPHA * bw / 6, 0.8), max(ALPHA * bh / 6, 0.8)
        g = np.exp(-((xs[None, :] - cx) ** 2) / (2 * sx[0] ** 2) - ((ys[:, None] - cy) ** 2) / (2 * sx[1] ** 2))
        g[ci, cj] = 1.0
        np.maximum(hm, g, out=hm)
        # regression region: Gaussian of the BETA core, cells whose centre is inside the box
        gb = np.exp(-((xs[None, :] - cx) ** 2) / (2 * max(BETA * bw / 6, 0.8) ** 2)
                    - ((ys[:, None] - cy) ** 2) / (2 * max(BETA * bh / 6, 0.8) ** 2))
        inside = (xs[None, :] > x) & (xs[None, :] < x + bw) & (ys[:, None] > y) & (ys[:, None] < y + bh)
        gb = np.where(inside, gb, 0.0)
        gb[ci, cj] = 1.0
        gb[gb < 0.05] = 0
        gb /= gb.sum()
        sel = gb > 0
        rw[sel] = gb[sel]
        X, Y = np.broadcast_to(xs[None, :], (h, w))[sel], np.broadcast_to(ys[:, None], (h, w))[sel]
        reg[0][sel], reg[1][sel] = X - x, Y - y
        reg[2][sel], reg[3][sel] = x + bw - X, y + bh - Y
    return hm[None], reg, rw[None], mask[None]


class PlateDataset:
    """A map-style dataset of ``length`` random samples (torch-free; see train.py)."""

    def __init__(self, real, size: int = 384, length: int = 10000, p_synth: float = 0.6,
                 p_procedural: float = 0.08, p_distract: float = 0.4, seed: int = 0,
                 p_osd: float = 0.0, p_badge: float = 0.0, p_small: float = 0.0,
                 p_motion: float = 0.0, p_dark: float = 0.0, scale_min: float = 0.5,
                 scale_max: float = 2.2):
        self.real, self.size, self.length = real, size, length
        # small-plate fine-tune (issue 12): synthetic plates 8-40 px wide (p_small), linear
        # motion blur (p_motion), dark frames (p_dark), photos scaled from scale_min; at
        # their defaults they draw nothing from the random stream (old configs unchanged)
        self.p_small, self.p_motion, self.p_dark = p_small, p_motion, p_dark
        self.scale_min, self.scale_max = scale_min, scale_max
        self.p_synth, self.p_procedural, self.seed = p_synth, p_procedural, seed
        self.p_distract, self.p_osd, self.p_badge = p_distract, p_osd, p_badge
        self._rng = None

    def __len__(self) -> int:
        return self.length

    def rng(self):
        if self._rng is None:
            cv2.setNumThreads(1)                           # one thread per data worker
            try:
                import torch
                s = torch.initial_seed()
            except ImportError:
                s = self.seed
            self._rng = np.random.default_rng([self.seed, s % (2 ** 32)])
        return self._rng

    def __getitem__(self, i):
        img, boxes = self.sample(self.rng())
        keep = boxes[:, 4] == 0
        hm, reg, rw, mask = make_targets(boxes[keep, :4], boxes[~keep, :4], self.size)
        return np.ascontiguousarray(img.transpose(2, 0, 1)), hm, reg, rw, mask

    # -- sample composition -------------------------------------------------------------
    def sample(self, rng, negatives: list | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(HxWx3 uint8 RGB, boxes Nx5 [x, y, w, h, ignore]). ``negatives``, if given, receives
        the rectangles (x, y, w, h) of the hard negatives drawn (badges, signs, OSD blocks);
        passing it does not change the sample."""
        S = self.size
        if rng.random() < self.p_procedural or not self.real:
            img, boxes = synth.procedural_background(rng, S, S), np.zeros((0, 4), np.float32)
        else:
            img, boxes = self._real_crop(rng)
        ign = np.zeros(len(boxes), bool)
        # crop-cut boxes: keep if >= half visible, else ignore
        if len(boxes):
            cl = np.clip(np.stack([boxes[:, 0], boxes[:, 1], boxes[:, 0] + boxes[:, 2],
                                   boxes[:, 1] + boxes[:, 3]], 1), 0, S)
            vis = (cl[:, 2] - cl[:, 0]).clip(0) * (cl[:, 3] - cl[:, 1]).clip(0)
            frac = vis / np.maximum(boxes[:, 2] * boxes[:, 3], 1e-6)
            on = vis > 0
            boxes = np.stack([cl[:, 0], cl[:, 1], cl[:, 2] - cl[:, 0], cl[:, 3] - cl[:, 1]], 1)[on]
            ign = (frac[on] < 0.5) | (boxes[:, 2] < 3) | (boxes[:, 3] < 2)
        boxes = list(map(tuple, boxes))
        ign = list(ign)
        if rng.random() < self.p_synth:
            for _ in range(int(rng.integers(1, 4))):
                if self.p_small > 0 and rng.random() < self.p_small:
                    wpx = math.exp(rng.uniform(math.log(8), math.log(40)))
                else:
                    wpx = math.exp(rng.uniform(math.log(10), math.log(S * 0.75)))
                c = (rng.uniform(0, S), rng.uniform(0, S))
                ph = wpx * 0.5
                cand = (c[0] - wpx * 0.6, c[1] - ph * 0.6, wpx * 1.2, ph * 1.2)
                if any(_overlap(cand, b) for b in boxes):
                    continue
                plate, _ = synth.render_plate(rng)
                b = synth.paste_plate(img, plate, rng, wpx, c)
                if b[2] >= 3 and b[3] >= 2:
                    full = wpx * wpx * plate.shape[0] / plate.shape[1]
                    boxes.append(b)
                    ign.append(b[2] * b[3] < 0.4 * full)
        if rng.random() < self.p_distract:                 # hard negatives: badges, signs
            for _ in range(int(rng.integers(1, 3))):
                wpx = math.exp(rng.uniform(math.log(16), math.log(S * 0.5)))
                c = (rng.uniform(0, S), rng.uniform(0, S))
                cand = (c[0] - wpx * 0.7, c[1] - wpx * 0.7, wpx * 1.4, wpx * 1.4)
                if not any(_overlap(cand, b) for b in boxes):
                    badge = self.p_badge > 0 and rng.random() < self.p_badge
                    neg = synth.render_badge(rng) if badge else synth.render_distractor(rng)
                    nb = synth.paste_plate(img, neg, rng, wpx, c)
                    if negatives is not None:
                        negatives.append(tuple(float(v) for v in nb))
        # p_osd / p_badge = 0 (the shipped run's config) draw nothing from rng, so that
        # config still gives the same sample stream as before they existed
        flip = None
        if self.p_osd > 0 and rng.random() < self.p_osd:  # burned-in OSD text: a hard negative
            flip = rng.random() < 0.5                      # drawn the right way round after the flip
            view = img[:, ::-1] if flip else img
            view = np.ascontiguousarray(view)
            blocks = synth.draw_osd(view, rng, avoid=[(S - x - w, y, w, h) if flip else (x, y, w, h)
                                                      for x, y, w, h in boxes])
            img = np.ascontiguousarray(view[:, ::-1]) if flip else view
            if negatives is not None:
                negatives.extend((float(S - x - w) if flip else float(x), float(y), float(w), float(h))
                                 for x, y, w, h in blocks)
        img = self._photometric(img, rng)
        if self.p_motion > 0 and rng.random() < self.p_motion:
            img = motion_blur(img, rng)
        if self.p_dark > 0 and rng.random() < self.p_dark:
            img = darken(img, rng)
        if (rng.random() < 0.5) if flip is None else flip:
            img = img[:, ::-1].copy()
            boxes = [(S - x - w, y, w, h) for x, y, w, h in boxes]
            if negatives is not None:
                negatives[:] = [(S - x - w, y, w, h) for x, y, w, h in negatives]
        out = np.array([(*b, float(g)) for b, g in zip(boxes, ign)], np.float32).reshape(-1, 5)
        return img, out

    def _real_crop(self, rng):
        S = self.size
        buf, boxes = self.real[int(rng.integers(0, len(self.real)))]
        im = decode(buf)
        H, W = im.shape[:2]
        # scale relative to the stored (<= 640 px) photo: plates from 0.5x to 2.2x
        s = math.exp(rng.uniform(math.log(self.scale_min), math.log(self.scale_max)))
        s *= 640 / max(H, W)
        if len(boxes) and rng.random() < 0.6:
            b = boxes[int(rng.integers(0, len(boxes)))]
            cx = (b[0] + b[2] / 2) * s + rng.uniform(-0.45, 0.45) * S
            cy = (b[1] + b[3] / 2) * s + rng.uniform(-0.45, 0.45) * S
        else:
            cx, cy = rng.uniform(0, W * s), rng.uniform(0, H * s)
        sy = s * math.exp(rng.uniform(-0.15, 0.15))            # mild aspect jitter
        # keep the crop inside the photo where the photo is big enough
        cx = W * s / 2 if W * s <= S else min(max(cx, S / 2), W * s - S / 2)
        cy = H * sy / 2 if H * sy <= S else min(max(cy * sy / s, S / 2), H * sy - S / 2)
        tx, ty = S / 2 - cx, S / 2 - cy
        M = np.array([[s, 0, tx], [0, sy, ty]], np.float32)
        border = tuple(int(v) for v in rng.integers(0, 256, 3))
        out = cv2.warpAffine(im, M, (S, S), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=border)
        bx = boxes.copy()
        if len(bx):
            bx[:, 0], bx[:, 1] = bx[:, 0] * s + tx, bx[:, 1] * sy + ty
            bx[:, 2], bx[:, 3] = bx[:, 2] * s, bx[:, 3] * sy
        return out, bx

    @staticmethod
    def _photometric(img, rng):
        if rng.random() < 0.8:
            hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.float32)
            hsv[..., 0] = (hsv[..., 0] + rng.uniform(-8, 8)) % 180
            hsv[..., 1] *= rng.uniform(0.6, 1.4)
            hsv[..., 2] = hsv[..., 2] * rng.uniform(0.5, 1.4) + rng.uniform(-25, 25)
            img = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)
        if rng.random() < 0.15:
            img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 1.5))
        if rng.random() < 0.3:
            img = np.clip(img + rng.normal(0, rng.uniform(2, 10), img.shape), 0, 255).astype(np.uint8)
        if rng.random() < 0.3:
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 90))])
            img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        if rng.random() < 0.05:
            img = np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None], 3, 2)
        return img


def motion_blur(img, rng):
    """A linear motion blur of 3-9 px, mostly near horizontal (a walking wearer's camera)."""
    L = int(rng.integers(3, 10))
    ang = rng.uniform(-30, 30) + (90 if rng.random() < 0.25 else 0)
    k = np.zeros((L, L), np.float32)
    k[L // 2, :] = 1
    k = cv2.warpAffine(k, cv2.getRotationMatrix2D(((L - 1) / 2, (L - 1) / 2), ang, 1), (L, L))
    return cv2.filter2D(img, -1, k / max(1e-6, float(k.sum())))


def darken(img, rng):
    """Dusk / shade: a gamma, a gain and sensor noise."""
    x = (img.astype(np.float32) / 255) ** rng.uniform(1.3, 2.4) * rng.uniform(0.35, 0.8) * 255
    x += rng.normal(0, rng.uniform(2, 7), x.shape)
    return np.clip(x, 0, 255).astype(np.uint8)


def _overlap(a, b) -> bool:
    return not (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1])
