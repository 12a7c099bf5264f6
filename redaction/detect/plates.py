"""Number-plate detector: our own PlateNet (training/plates/), run with onnxruntime.

:class:`PlateDetector` is a :class:`~redaction.detect.base.Detector`: called on an HxWx3
uint8 RGB image it returns ``Detection(kind="plate", box=(x, y, w, h), score)`` with tight
boxes in image pixels (no redaction margin). The image is scaled so its longer side is
``input_side`` (640 by default, so a 1080p frame runs at 640x384), padded to a multiple
of 32, and the network's stride-4 centre heat map and box distances are decoded here
(3x3 peak picking, threshold, NMS). Figures: docs/adr/0006-plate-detector.md.

The model file is checked against its sha256 in :mod:`redaction.detect.models` and loaded
once per detector.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import MediaError
from .base import Detection

MODEL_NAME = "plate_detector"
STRIDE = 4
REG_MIN, REG_MAX = -3.0, 5.0        # must match training/plates/model.py


class PlateDetector:
    """Callable plate detector (kind ``"plate"``).

    ``threshold``: minimum score; ``input_side``: the longer side the image is scaled to;
    ``nms_iou``: overlap above which the weaker of two boxes is dropped; ``threads``:
    onnxruntime intra-op threads (default: min(2, CPUs)); ``model_file``: another ONNX file
    (tests, experiments), used without a registry check.
    """

    name = "plates"
    kinds = ("plate",)

    def __init__(self, threshold: float = 0.4, input_side: int = 640, nms_iou: float = 0.4,
                 threads: int | None = None, model_file: str | os.PathLike | None = None):
        import onnxruntime as ort
        self.threshold, self.input_side, self.nms_iou = float(threshold), int(input_side), float(nms_iou)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        if model_file is None:
            from .models import info, model_bytes
            data = model_bytes(MODEL_NAME)
            self._model = {"name": MODEL_NAME, "file": info(MODEL_NAME).file, "sha256": info(MODEL_NAME).sha256}
        else:
            data = Path(model_file).read_bytes()
            import hashlib
            self._model = {"name": MODEL_NAME, "file": Path(model_file).name,
                           "sha256": hashlib.sha256(data).hexdigest()}
        self._sess = ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])
        self._input = self._sess.get_inputs()[0].name

    def models(self) -> list[dict]:
        return [dict(self._model)]

    def raw(self, image: np.ndarray, input_side: int | None = None) -> np.ndarray:
        """(K,5) float array [x0, y0, x1, y1, score] after NMS, in image pixels, unclipped.

        ``input_side`` overrides the detector's for this call (multi-scale passes)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise MediaError(f"plate detector needs an HxWx3 uint8 image, got {image.dtype} {image.shape}")
        h, w = image.shape[:2]
        if h < 1 or w < 1:
            return np.zeros((0, 5), np.float32)
        s = (input_side or self.input_side) / max(h, w)
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        im = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        H, W = -(-nh // 32) * 32, -(-nw // 32) * 32
        x = np.zeros((1, 3, H, W), np.float32)
        x[0, :, :nh, :nw] = im.transpose(2, 0, 1)
        hm, reg = self._sess.run(None, {self._input: x})
        return _decode(hm[0, 0], reg[0], self.threshold, self.nms_iou, 1.0 / s, nh / STRIDE, nw / STRIDE)

    def __call__(self, image: np.ndarray) -> list[Detection]:
        return _to_detections(self.raw(image), image.shape[0], image.shape[1])


def _decode(hm: np.ndarray, reg: np.ndarray, threshold: float, nms_iou: float, scale: float,
            valid_h: float, valid_w: float) -> np.ndarray:
    """Heat-map peaks above ``threshold`` -> boxes [x0, y0, x1, y1, score] * ``scale``."""
    logit_t = float(np.log(threshold / (1 - threshold)))
    peaks = (hm >= logit_t) & (hm >= cv2.dilate(hm, np.ones((3, 3), np.uint8)))
    ys, xs = np.nonzero(peaks)
    keep = (ys < valid_h + 1) & (xs < valid_w + 1)           # ignore the zero padding
    ys, xs = ys[keep], xs[keep]
    if len(ys) == 0:
        return np.zeros((0, 5), np.float32)
    score = 1 / (1 + np.exp(-hm[ys, xs]))
    d = np.exp(np.clip(reg[:, ys, xs], REG_MIN, REG_MAX)) * STRIDE
    cx, cy = (xs + 0.5) * STRIDE, (ys + 0.5) * STRIDE
    boxes = np.stack([cx - d[0], cy - d[1], cx + d[2], cy + d[3]], 1) * scale
    if len(boxes) > 1:
        idx = cv2.dnn.NMSBoxes([[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in boxes],
                               [float(v) for v in score], threshold, nms_iou)
        idx = np.array(idx, int).reshape(-1)
        boxes, score = boxes[idx], score[idx]
    return np.concatenate([boxes, score[:, None]], 1).astype(np.float32)


# Presets (figures: docs/adr/0006-plate-detector.md). "accurate" also looks at the frame
# at 960 px long side, for plates that are small in the frame, and unites both passes.
# Both presets propose from 0.3 and let the verifier decide (plate_verify.py, ADR 0011),
# except that a proposal scored ``keep_from`` or more by the detector is always kept;
# ``threshold`` is the detector's own threshold when the verifier is off (verify=False).
# On video (``candidates=True``) boxes fused from ``video_candidates`` up are candidates.
PLATE_PRESETS: dict[str, dict] = {
    "fast": {"threshold": 0.4, "input_side": 640, "verify": True, "proposal_threshold": 0.3,
             "keep_from": 0.7, "video_candidates": 0.4},
    "accurate": {"threshold": 0.4, "input_side": 640, "extra_sides": (960,), "verify": True,
                 "proposal_threshold": 0.3, "keep_from": 0.7, "video_candidates": 0.4},
}


class MultiScalePlateDetector:
    """PlateDetector passes at several ``input_side`` values on one ONNX session, boxes
    united and de-duplicated by NMS."""

    name = "plates"
    kinds = ("plate",)

    def __init__(self, base: PlateDetector, extra_sides: tuple[int, ...]):
        self.base, self.sides = base, (base.input_side, *extra_sides)

    def models(self) -> list[dict]:
        return self.base.models()

    def __call__(self, image: np.ndarray) -> list[Detection]:
        b = np.concatenate([self.base.raw(image, side) for side in self.sides], 0)
        if len(b) > 1:
            idx = cv2.dnn.NMSBoxes([[float(r[0]), float(r[1]), float(r[2] - r[0]), float(r[3] - r[1])] for r in b],
                                   [float(v) for v in b[:, 4]], self.base.threshold, self.base.nms_iou)
            b = b[np.array(idx, int).reshape(-1)]
        return _to_detections(b, image.shape[0], image.shape[1])


def _to_detections(b: np.ndarray, h: int, w: int) -> list[Detection]:
    out = []
    for x0, y0, x1, y1, sc in b:
        x0, y0 = max(0.0, float(x0)), max(0.0, float(y0))
        x1, y1 = min(float(w), float(x1)), min(float(h), float(y1))
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            out.append(Detection("plate", (x0, y0, x1 - x0, y1 - y0), float(sc)))
    return out


class VerifiedPlateDetector:
    """Proposals from ``base`` (run at a low threshold) re-scored by a
    :class:`~redaction.detect.plate_verify.PlateVerifier`; a box is reported when the fused
    score reaches ``threshold``, with the fused score as its score. A proposal the detector
    itself scores ``keep_from`` or more is kept whatever the verifier says (recall first:
    the verifier may not veto what the detector is sure of), with the higher of the two
    scores."""

    name = "plates"
    kinds = ("plate",)

    def __init__(self, base, verifier, threshold: float, keep_from: float = 1.01,
                 candidate_threshold: float | None = None):
        self.base, self.verifier, self.threshold = base, verifier, float(threshold)
        self.keep_from = float(keep_from)
        # video: boxes fused from here up to the threshold are reported as candidates
        # (Detection.sure False), which the tracker keeps only when they recur or extend a track
        self.candidate_threshold = candidate_threshold

    def models(self) -> list[dict]:
        return self.base.models() + self.verifier.models()

    def __call__(self, image: np.ndarray) -> list[Detection]:
        dets = self.base(image)
        if not dets:
            return []
        fused = self.verifier(image, [d.box for d in dets], [d.score for d in dets])
        out = []
        cand = self.candidate_threshold
        for d, f in zip(dets, fused):
            f = float(f)
            if d.score >= self.keep_from:
                out.append(Detection("plate", d.box, max(f, d.score)))
            elif f >= self.threshold:
                out.append(Detection("plate", d.box, f))
            elif cand is not None and f >= cand:
                out.append(Detection("plate", d.box, f, sure=False))
        return out


def build_plates(preset: str = "accurate", verify: bool | None = None, candidates: bool = False,
                 **overrides):
    """The plate detector of ``preset`` (``fast`` or ``accurate``). ``verify`` (default: the
    preset's) adds the second-stage verifier: the detector then proposes from
    ``proposal_threshold`` and the verifier's fused score decides. ``candidates`` (video):
    boxes the verifier scores from ``video_candidates`` up to its threshold are reported as
    candidates for the tracker to confirm."""
    if preset not in PLATE_PRESETS:
        raise ValueError(f"unknown detector preset {preset!r}; choose one of {', '.join(PLATE_PRESETS)}")
    cfg = {**PLATE_PRESETS[preset], **overrides}
    extra = tuple(cfg.pop("extra_sides", ()))
    preset_verify = bool(cfg.pop("verify", False))
    verify = preset_verify if verify is None else verify
    proposal = cfg.pop("proposal_threshold", None)
    vthr = cfg.pop("verified_threshold", None)
    keep_from = cfg.pop("keep_from", 1.01)
    video_cand = cfg.pop("video_candidates", None)
    if not verify:
        det = PlateDetector(**cfg)
        return MultiScalePlateDetector(det, extra) if extra else det
    if "threshold" in overrides:
        raise ValueError("with the verifier on, set proposal_threshold (what the detector proposes "
                         "from) or verified_threshold (the fused score kept), not threshold")
    from .plate_verify import PlateVerifier
    verifier = PlateVerifier()
    det = PlateDetector(**{**cfg, "threshold": cfg["threshold"] if proposal is None else proposal})
    det = MultiScalePlateDetector(det, extra) if extra else det
    return VerifiedPlateDetector(det, verifier, verifier.threshold if vthr is None else vthr, keep_from,
                                 video_cand if candidates else None)
