"""EXTD-64 face detector (clovaai/EXTD_Pytorch, MIT): a small S3FD-style detector strong on crowds.

The ONNX file (``resources/models/extd_64.onnx``) is the upstream ``weights/EXTD_64.pth``
converted by ``training/faces/convert_extd.py``; it outputs, for each of six levels
(strides 4..128, one square anchor of 16..512 px per cell), a face probability map and
S3FD box offsets. This module does what upstream's ``PriorBox`` and ``Detect`` did: priors,
decoding (variances 0.1 / 0.2) and NMS (IoU 0.3), in numpy. Runs through ``cv2.dnn``
(measured 2-2.5x faster than onnxruntime for this graph on 2 cores) or onnxruntime.

It costs about 0.3 s on a 416x416 image on 2 cores (60x CenterFace's cost per pixel), so it
is used for still images (preset ``thorough``), not on every video frame: figures in
docs/adr/0005-face-detector.md.
"""
from __future__ import annotations

import logging
import math
import threading

import cv2
import numpy as np

from .base import Detection, EveryPeriod
from .faces import _EMPTY, _check_image, nms, to_detections
from .models import manifest, model_bytes

log = logging.getLogger(__name__)

MODEL = "extd_64"
MEAN_RGB = np.array([123.0, 117.0, 104.0], np.float32)   # upstream cfg.img_mean, RGB order
STEPS = (4, 8, 16, 32, 64, 128)
ANCHORS = (16, 32, 64, 128, 256, 512)
VARIANCE = (0.1, 0.2)
OUTPUTS = tuple(n for k in range(6) for n in (f"conf{k}", f"loc{k}"))


def decode_level(conf: np.ndarray, loc: np.ndarray, step: int, anchor: int, thr: float) -> np.ndarray:
    """One level's ``conf`` (H, W) and ``loc`` (4, H, W) -> ``(N, 5)`` boxes in input pixels."""
    ys, xs = np.nonzero(conf >= thr)
    if len(ys) == 0:
        return _EMPTY
    d = loc[:, ys, xs]
    cx = (xs + 0.5) * step + d[0] * VARIANCE[0] * anchor
    cy = (ys + 0.5) * step + d[1] * VARIANCE[0] * anchor
    w = anchor * np.exp(np.clip(d[2] * VARIANCE[1], -10, 10))
    h = anchor * np.exp(np.clip(d[3] * VARIANCE[1], -10, 10))
    return np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, conf[ys, xs]]).astype(np.float32)


class EXTD:
    """EXTD-64 at one or more scales (resize factors; each pass capped at ``max_pixels``).

    ``threshold``: face probability from which a box is kept; ``nms_iou``: upstream's 0.3;
    ``max_side``: boxes whose longer side exceeds this share of the image's shorter side
    are dropped (EXTD's few false positives at that size are walls and cars; the
    CenterFace coarse pass covers close-ups). ``backend``: ``"cv2"`` (default, faster),
    ``"ort"`` or ``"auto"``.
    """

    name = "extd64"
    kinds = ("face",)

    def __init__(self, threshold: float = 0.5, scales=(1.0,), max_pixels: int = 1_000_000,
                 nms_iou: float = 0.3, max_side: float = 1.0, backend: str = "cv2",
                 threads: int | None = None, model_root=None):
        self.threshold = float(threshold)
        self.scales = tuple(float(s) for s in scales)
        self.max_pixels = int(max_pixels)
        self.nms_iou = float(nms_iou)
        self.max_side = float(max_side)
        if backend not in ("auto", "ort", "cv2"):
            raise ValueError(f"unknown EXTD backend {backend!r}")
        data = model_bytes(MODEL, root=model_root)      # sha256 checked on these bytes
        self.backend = backend
        if backend in ("ort", "auto"):
            try:
                from .faces import CenterFace
                self._sess = CenterFace._ort_session(data, threads)
                self.backend = "ort"
            except Exception:
                if backend == "ort":
                    raise
                log.warning("onnxruntime cannot run EXTD; using cv2.dnn", exc_info=True)
                self.backend = "cv2"
        if self.backend == "cv2":
            self._net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
        self._lock = threading.Lock()

    def models(self) -> list[dict]:
        return manifest([MODEL])

    def _forward(self, blob: np.ndarray) -> list[np.ndarray]:
        if self.backend == "ort":
            return self._sess.run(list(OUTPUTS), {"input": blob})
        self._net.setInput(blob)
        return self._net.forward(list(OUTPUTS))

    def factors(self, w: int, h: int) -> list[float]:
        cap = math.sqrt(self.max_pixels / max(1, w * h))
        out: list[float] = []
        for s in self.scales:
            f = min(s, cap)
            if all(max(f, k) / min(f, k) >= 1.15 for k in out):
                out.append(f)
        return out

    def _pass(self, image: np.ndarray, f: float, thr: float) -> np.ndarray:
        h, w = image.shape[:2]
        nw, nh = max(16, round(w * f)), max(16, round(h * f))
        img = image if (nw, nh) == (w, h) else cv2.resize(
            image, (nw, nh), interpolation=cv2.INTER_AREA if nw < w else cv2.INTER_LINEAR)
        blob = (img.astype(np.float32) - MEAN_RGB).transpose(2, 0, 1)[None]
        outs = self._forward(np.ascontiguousarray(blob))
        parts = [decode_level(outs[2 * k][0, 0], outs[2 * k + 1][0], STEPS[k], ANCHORS[k], thr)
                 for k in range(6)]
        boxes = np.concatenate(parts)
        if len(boxes):
            boxes[:, [0, 2]] *= w / nw
            boxes[:, [1, 3]] *= h / nh
        return boxes

    def raw(self, image: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """``(N, 5)`` float32 ``[x1, y1, x2, y2, score]`` after NMS across all scales."""
        _check_image(image)
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            return _EMPTY
        thr = self.threshold if threshold is None else float(threshold)
        with self._lock:
            parts = [self._pass(image, f, thr) for f in self.factors(w, h)]
        boxes = np.concatenate(parts) if parts else _EMPTY
        if len(boxes) and self.max_side < 1.0:
            side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
            boxes = boxes[side <= self.max_side * min(w, h)]
        return nms(boxes, self.nms_iou)

    def __call__(self, image: np.ndarray) -> list[Detection]:
        h, w = image.shape[:2]
        return to_detections(self.raw(image), w, h)


class Periodic:
    """A face detector member that runs on one detection frame in every ``period_s`` seconds
    of video and reports nothing on the others (video, ADR 0008 "never-found objects": a
    periodic EXTD-64 pass finds faces CenterFace scores under 0.1 on every frame, at a
    fraction of the cost of running it on every detection frame).

    The job tells it each detection frame before the call (:func:`~redaction.detect.base.tell_frame`),
    also the cached ones on resume, so a resumed run runs it on the same frames. Without
    that hint (stills) it runs on every call. A frame number lower than the last run's (the
    next clip, for a detector reused across clips) starts again."""

    kinds = ("face",)

    def __init__(self, det, period_s: float = 1.0):
        self.det, self.period_s = det, float(period_s)
        self.name = f"{det.name}/{self.period_s:g}s"
        self.threshold = det.threshold
        self._every = EveryPeriod(self.period_s)
        self._due = True

    def models(self) -> list[dict]:
        return self.det.models()

    def at_frame(self, frame: int, fps: float, **hints) -> None:
        self._due = self._every.due(frame, fps)

    def raw(self, image: np.ndarray) -> np.ndarray:
        return self.det.raw(image) if self._due else _EMPTY

    def __call__(self, image: np.ndarray) -> list[Detection]:
        h, w = image.shape[:2]
        return to_detections(self.raw(image), w, h)
