"""Synthetic body-cam-like clips with real face and plate crops on a shaking background.

Used by bench/leak_check.py and bench/detect_speed.py. The crops come from
../shared/eval (measurement only: they are read at bench time, never committed).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "images"


@dataclass
class Obj:
    kind: str
    patch: np.ndarray          # RGB
    start: int
    end: int
    p0: tuple[float, float]    # world position (top-left) at start
    v: tuple[float, float]     # px per frame

    def box(self, i: int, cam: tuple[float, float]) -> tuple[int, int, int, int]:
        t = i - self.start
        x = self.p0[0] + self.v[0] * t - cam[0]
        y = self.p0[1] + self.v[1] * t - cam[1]
        h, w = self.patch.shape[:2]
        return int(round(x)), int(round(y)), w, h


def _crops(set_name: str, pad: float, limit: int, rng) -> list[np.ndarray]:
    gt = json.loads((SHARED / set_name / "gt.json").read_text())
    out = []
    for name, boxes in sorted(gt["images"].items()):
        img = cv2.imread(str(SHARED / set_name / name))
        if img is None:
            continue
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        for b in boxes:
            if b.get("ignore"):
                continue
            x, y, w, h = b["box"]
            x0, y0 = int(max(0, x - w * pad)), int(max(0, y - h * pad))
            x1, y1 = int(min(img.shape[1], x + w * (1 + pad))), int(min(img.shape[0], y + h * (1 + pad)))
            if x1 - x0 > 8 and y1 - y0 > 8:
                out.append((img[y0:y1, x0:x1], (x - x0, y - y0, w, h)))
    rng.shuffle(out)
    return out[:limit]


def make_scene(w: int, h: int, frames: int, seed: int = 0, faces: int = 8, plates: int = 4,
               min_px: int = 24, max_px: int = 140):
    """Returns (frame_fn(i) -> RGB, gt(i) -> list[(kind, (x, y, w, h))])."""
    rng = np.random.default_rng(seed)
    tex = rng.integers(30, 200, (h // 16 + 20, w // 16 + 20, 3), dtype=np.uint8)
    tex = cv2.resize(tex, (tex.shape[1] * 16, tex.shape[0] * 16), interpolation=cv2.INTER_CUBIC)
    objs: list[tuple[Obj, tuple]] = []
    for kind, set_name, n, pad in (("face", "faces_dlib", faces, 0.25), ("plate", "plates_eu", plates, 0.15)):
        for patch, inner in _crops(set_name, pad, n, rng):
            target = rng.uniform(min_px, max_px if kind == "face" else max_px * 1.5)
            s = target / max(inner[2], inner[3]) if kind == "face" else target / inner[2]
            ph, pw = max(4, int(patch.shape[0] * s)), max(4, int(patch.shape[1] * s))
            patch = cv2.resize(patch, (pw, ph), interpolation=cv2.INTER_AREA)
            inner = tuple(v * s for v in inner)
            start = int(rng.integers(0, frames // 2))
            end = int(min(frames - 1, start + rng.integers(frames // 3, frames)))
            p0 = (rng.uniform(0.05, 0.8) * w, rng.uniform(0.1, 0.75) * h)
            v = (rng.uniform(-2, 2), rng.uniform(-0.7, 0.7))
            objs.append((Obj(kind, patch, start, end, p0, v), inner))

    def cam(i: int) -> tuple[float, float]:
        # a walking wearer: slow pan plus chest shake (a few px at 2-3 Hz) and a jolt
        shake = 6 * np.sin(i * 2 * np.pi * 2.3 / 30) + 3 * np.sin(i * 2 * np.pi * 5.1 / 30)
        return (40 + 0.8 * i % (tex.shape[1] - w - 80) + shake,
                40 + 4 * np.sin(i * 2 * np.pi * 1.7 / 30) + (12 if (i // 45) % 7 == 3 else 0))

    def frame(i: int) -> np.ndarray:
        cx, cy = cam(i)
        x, y = int(cx), int(cy)
        f = tex[y:y + h, x:x + w].copy()
        for o, _ in objs:
            if not o.start <= i <= o.end:
                continue
            bx, by, bw, bh = o.box(i, (0, 0))
            _paste(f, o.patch, bx, by)
        noise = rng.integers(-3, 4, f.shape, dtype=np.int16)
        return np.clip(f.astype(np.int16) + noise, 0, 255).astype(np.uint8)

    def gt(i: int, with_mask: bool = False) -> list[tuple]:
        """``(kind, (x, y, w, h))`` of each object's face/plate box on frame ``i``; with
        ``with_mask``, ``(kind, box, visible)`` where ``visible`` (h x w bool, integer box
        ``int(x), int(y)``) is True where the object's own pixels are shown: patches pasted
        later (in front) and the frame's edges hide the rest."""
        out = []
        live = [(o, inner) for o, inner in objs if o.start <= i <= o.end]
        for n, (o, inner) in enumerate(live):
            bx, by, _, _ = o.box(i, (0, 0))
            box = (bx + inner[0], by + inner[1], inner[2], inner[3])
            if not with_mask:
                out.append((o.kind, box))
                continue
            x0, y0, bw, bh = int(box[0]), int(box[1]), int(box[2]), int(box[3])
            ys, xs = np.mgrid[y0:y0 + bh, x0:x0 + bw]
            vis = (xs >= 0) & (ys >= 0) & (xs < w) & (ys < h)
            for front, _ in live[n + 1:]:
                fx, fy, fw, fh = front.box(i, (0, 0))
                vis &= ~((xs >= fx) & (xs < fx + fw) & (ys >= fy) & (ys < fy + fh))
            out.append((o.kind, box, vis))
        return out

    return frame, gt


def _paste(f: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    h, w = patch.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(f.shape[1], x + w), min(f.shape[0], y + h)
    if x1 > x0 and y1 > y0:
        f[y0:y1, x0:x1] = patch[y0 - y:y1 - y, x0 - x:x1 - x]


def write_bodycam(path, w=1280, h=720, seconds=8.0, seed=0, **kw):
    from redaction.synth import ClipSpec, write_clip
    frames = int(seconds * 30)
    frame, gt = make_scene(w, h, frames, seed, **kw)
    write_clip(path, ClipSpec(width=w, height=h, frames=frames, fps=Fraction(30),
                              time_base=Fraction(1, 15360), crf=18), frame_fn=frame)
    return gt, frames
