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
from .base import Detection, EveryPeriod, forget_hints, tell_frame
from .lite import detail_windows, inside_window

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
        from .ortenv import onnxruntime
        ort = onnxruntime()
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
# at 960 px long side, for plates that are small in the frame, and unites both passes; on a
# wide frame (longer side over ``wide_from`` = 1280: 1080p and up) it runs one pass at 1280
# instead (``wide_sides``), where a plate of 1.5 % of the width is still 19 px, for about
# the same network cost (+23 % of pixels at 1080p). "thorough" runs 640 and a pass at the
# frame's own size (0) on wide frames: more recall on small plates, ~3.5x the time.
# All presets propose from 0.3 and let the verifier decide (plate_verify.py, ADR 0011),
# except that a proposal scored ``keep_from`` or more by the detector is always kept;
# ``threshold`` is the detector's own threshold when the verifier is off (verify=False).
# On video (``candidates=True``) every proposal the verifier does not confirm is a candidate.
PLATE_PRESETS: dict[str, dict] = {
    "fast": {"threshold": 0.4, "input_side": 640, "verify": True, "proposal_threshold": 0.3,
             "keep_from": 0.7},
    "accurate": {"threshold": 0.4, "input_side": 640, "extra_sides": (960,), "verify": True,
                 "proposal_threshold": 0.3, "keep_from": 0.7, "wide_sides": (1280,), "wide_from": 1280,
                 "video_proposal_threshold": 0.15, "video_low_fused": 0.6},
    "thorough": {"threshold": 0.4, "input_side": 640, "extra_sides": (960,), "verify": True,
                 "proposal_threshold": 0.3, "keep_from": 0.7, "wide_sides": (640, 0),
                 "wide_from": 1280},
}


class MultiScalePlateDetector:
    """PlateDetector passes at several ``input_side`` values on one ONNX session, boxes
    united and de-duplicated by NMS.

    ``wide_sides``: the sides used instead when the frame's longer side exceeds
    ``wide_from`` (wide frames: 1080p and up, where a 1.5 % plate is under 15 px at 960).
    A side of 0 means the frame's own longer side (a pass at native resolution); no pass
    ever enlarges the frame beyond ``max_upscale`` x its size.

    ``lite_sides`` / ``full_every_s`` (video): those sides run on every frame size on the
    detection frames between full ones, which come once every ``full_every_s`` s of video
    and on cuts (the job's :meth:`at_frame` hint; without it every call is full). As for
    faces (:mod:`~redaction.detect.lite`), each plate the tracker follows that the lite
    sides would see under ``lite_detail_px`` px high gets a window at the full plan's
    finest scale; where the windows would cover over 35 % of the picture, the full sides
    run instead, with the lite sides they lack."""

    name = "plates"
    kinds = ("plate",)

    def __init__(self, base: PlateDetector, extra_sides: tuple[int, ...] = (),
                 wide_sides: tuple[int, ...] | None = None, wide_from: int = 1280,
                 lite_sides: tuple[int, ...] | None = None, full_every_s: float | None = None,
                 lite_detail_px: float = 16.0):
        self.base, self.sides = base, (base.input_side, *extra_sides)
        self.wide_sides = tuple(wide_sides) if wide_sides else None
        self.wide_from = int(wide_from)
        self.lite_sides = tuple(lite_sides) if lite_sides and full_every_s else None
        self.lite_detail_px = float(lite_detail_px)
        self._full = EveryPeriod(full_every_s) if self.lite_sides else None
        self._lite = False
        self._plates: list = []

    def models(self) -> list[dict]:
        return self.base.models()

    def at_frame(self, frame: int, fps: float, plates=None, cut: bool = False, **_) -> None:
        if self._full is not None:
            self._lite = not self._full.due(frame, fps, force=cut)
            self._plates = list(plates or ())

    def forget_hints(self) -> None:
        self._lite, self._plates = False, []

    def sides_for(self, h: int, w: int, lite: bool = False) -> tuple[int, ...]:
        """The input sides run on an h x w frame (``lite``: between full frames)."""
        long = max(h, w)
        if lite and self.lite_sides:
            sides = self.lite_sides
        else:
            sides = self.wide_sides if self.wide_sides and long > self.wide_from else self.sides
        return tuple(dict.fromkeys(long if s == 0 else int(s) for s in sides))

    def __call__(self, image: np.ndarray) -> list[Detection]:
        lite, plates, self._lite, self._plates = self._lite, self._plates, False, []   # one call only
        h, w = image.shape[:2]
        sides, wins = self.sides_for(h, w), None
        if lite:
            lite_sides = self.sides_for(h, w, lite=True)
            wins = detail_windows(plates, w, h, max(lite_sides) / max(h, w), self.lite_detail_px)
            if wins is not None:
                sides = lite_sides
            else:                       # the full plan, and the lite sides it lacks
                sides = tuple(dict.fromkeys(sides + lite_sides))
        parts = [self.base.raw(image, side) for side in sides]
        if wins:
            f = max(self.sides_for(h, w)) / max(h, w)         # the full plan's finest scale
            for win in wins:
                x0, y0, x1, y1 = win
                b = self.base.raw(image[y0:y1, x0:x1], max(1, round(max(x1 - x0, y1 - y0) * f)))
                if len(b):
                    b = b + np.array([x0, y0, x0, y0, 0], np.float32)
                    parts.append(b[inside_window(b, win, w, h)])
        b = np.concatenate(parts, 0)
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
    scores.

    ``candidates`` (video): the verifier may lower a proposal's priority but never drops it.
    Every proposal it does not confirm is reported as a candidate (``Detection.sure``
    False) carrying its fused score, which the tracker keeps when it recurs or extends a
    track (ADR 0011, 2026-12 addendum). Stills (the default) report confirmed boxes only.

    ``propose_from`` / ``low_fused`` (video, the low band): ``base`` then proposes from a
    lower score than the preset's proposal threshold ``propose_from``; a proposal under it is
    kept only when the verifier's fused score reaches ``low_fused`` (confirmed from
    ``threshold`` as usual, else a candidate). Oblique plates in a wearer's turn are scored
    0.15-0.3 by the network but backed by the verifier (ADR 0008, "never found"), while the
    band's street texture is not, so it adds few candidates."""

    name = "plates"
    kinds = ("plate",)

    def __init__(self, base, verifier, threshold: float, keep_from: float = 1.01,
                 candidates: bool = False, propose_from: float = 0.0, low_fused: float = 1.01):
        self.base, self.verifier, self.threshold = base, verifier, float(threshold)
        self.keep_from = float(keep_from)
        self.candidates = bool(candidates)
        self.propose_from = float(propose_from)
        self.low_fused = float(low_fused)

    def models(self) -> list[dict]:
        return self.base.models() + self.verifier.models()

    def at_frame(self, frame: int, fps: float, **hints) -> None:
        tell_frame(self.base, frame, fps, **hints)

    def forget_hints(self) -> None:
        forget_hints(self.base)

    def __call__(self, image: np.ndarray) -> list[Detection]:
        dets = self.base(image)
        if not dets:
            return []
        fused = self.verifier(image, [d.box for d in dets], [d.score for d in dets])
        out = []
        for d, f in zip(dets, fused):
            f = float(f)
            if d.score >= self.keep_from:
                out.append(Detection("plate", d.box, max(f, d.score)))
            elif d.score < self.propose_from and f < self.low_fused:
                continue                        # the low band: kept only where the verifier backs it
            elif f >= self.threshold:
                out.append(Detection("plate", d.box, f))
            elif self.candidates:
                out.append(Detection("plate", d.box, f, sure=False))
        return out


def build_plates(preset: str = "accurate", verify: bool | None = None, candidates: bool = False,
                 **overrides):
    """The plate detector of ``preset`` (a key of :data:`PLATE_PRESETS`). ``verify``
    (default: the preset's) adds the second-stage verifier: the detector then proposes from
    ``proposal_threshold`` and the verifier's fused score decides. ``candidates`` (video):
    every proposal the verifier does not confirm is reported as a candidate for the tracker
    to confirm, with its fused score."""
    if preset not in PLATE_PRESETS:
        raise ValueError(f"unknown detector preset {preset!r}; choose one of {', '.join(PLATE_PRESETS)}")
    cfg = {**PLATE_PRESETS[preset], **overrides}
    extra = tuple(cfg.pop("extra_sides", ()) or ())
    wide = cfg.pop("wide_sides", None)
    wide_from = cfg.pop("wide_from", 1280)
    preset_verify = bool(cfg.pop("verify", False))
    verify = preset_verify if verify is None else verify
    proposal = cfg.pop("proposal_threshold", None)
    vthr = cfg.pop("verified_threshold", None)
    keep_from = cfg.pop("keep_from", 1.01)
    low_from = cfg.pop("video_proposal_threshold", None)
    low_fused = cfg.pop("video_low_fused", 1.01)
    verifier_file = cfg.pop("verifier_file", None)     # experiments: another verifier (.onnx + .json)
    lite = cfg.pop("video_lite", None) if candidates else None    # {"sides": ..., "full_every_s": ...}
    cfg.pop("video_lite", None)

    def multi(det):
        if not (extra or wide or lite):
            return det
        return MultiScalePlateDetector(det, extra, wide, wide_from,
                                       *((lite["sides"], lite["full_every_s"]) if lite else ()))

    if not verify:
        return multi(PlateDetector(**cfg))
    if "threshold" in overrides:
        raise ValueError("with the verifier on, set proposal_threshold (what the detector proposes "
                         "from) or verified_threshold (the fused score kept), not threshold")
    from .plate_verify import PlateVerifier
    verifier = PlateVerifier(verifier_file)
    propose = cfg["threshold"] if proposal is None else proposal
    low = candidates and low_from is not None and low_from < propose
    det = multi(PlateDetector(**{**cfg, "threshold": low_from if low else propose}))
    return VerifiedPlateDetector(det, verifier, verifier.threshold if vthr is None else vthr, keep_from,
                                 candidates, propose if low else 0.0, low_fused if low else 1.01)
