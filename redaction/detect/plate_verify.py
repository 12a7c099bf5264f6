"""Second-stage check of plate proposals: a small classifier on a crop around each box.

The plate detector (:mod:`.plates`) sees a whole frame at 640-960 px and scores real plates
anywhere from 0.4 to 0.9; the things it confuses with plates (burned-in camera timestamps,
car badges, dealer plates, dark blobs on asphalt, shop signs) score in the same range. A
classifier that looks at each proposal at a fixed resolution, with context around it, tells
them apart better than any threshold on the detector's score (figures:
docs/adr/0011-plate-verifier.md).

:func:`crop_for` is the one definition of the classifier's input; training
(``training/plates/verifier/``) imports it, so the model and the product cannot disagree.
:class:`PlateVerifier` scores a batch of boxes and combines each logit with the detector's
score into the final plate score, using weights (and a threshold) fitted on validation
photos and stored beside the model (``plate_verifier.json``).
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import cv2
import numpy as np

MODEL_NAME = "plate_verifier"
CROP_H, CROP_W = 48, 96           # classifier input (rows, columns)
CONTEXT = 2.0                     # the window is CONTEXT x the box's width ...
MIN_H_FRAC = 0.5                  # ... and at least this fraction of the window's width tall


def window(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The context window (x, y, w, h) around a tight plate box (x, y, w, h)."""
    x, y, w, h = box
    ww = CONTEXT * max(w, 1.0)
    wh = max(CONTEXT * max(h, 1.0), MIN_H_FRAC * ww)
    cx, cy = x + w / 2, y + h / 2
    return cx - ww / 2, cy - wh / 2, ww, wh


def crop_for(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The classifier's CROP_H x CROP_W x 3 uint8 RGB input for ``box`` in ``image``
    (HxWx3 uint8 RGB); parts of the window outside the image are mid-grey."""
    x, y, w, h = window(box)
    H, W = image.shape[:2]
    sx, sy = CROP_W / w, CROP_H / h
    if sx >= 1 or sy >= 1:                       # enlarging (either way): bilinear warp
        M = np.array([[sx, 0, -x * sx], [0, sy, -y * sy]], np.float32)
        return cv2.warpAffine(image, M, (CROP_W, CROP_H), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128))
    # shrinking: cut the window at whole pixels (grey outside the image), then area-average;
    # warpAffine has no area filter, and a 1080p plate shrunk bilinearly aliases
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    x1, y1 = max(x0 + 1, int(np.ceil(x + w))), max(y0 + 1, int(np.ceil(y + h)))
    win = np.full((y1 - y0, x1 - x0, 3), 128, np.uint8)
    ix0, iy0, ix1, iy1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if ix1 > ix0 and iy1 > iy0:
        win[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = image[iy0:iy1, ix0:ix1]
    return cv2.resize(win, (CROP_W, CROP_H), interpolation=cv2.INTER_AREA)


def box_features(box: tuple[float, float, float, float], image_h: int, image_w: int) -> np.ndarray:
    """Scalar features the crop cannot show: log box width relative to the image, log aspect."""
    x, y, w, h = box
    return np.array([math.log(max(w, 1.0) / max(image_w, image_h)), math.log(max(w, 1.0) / max(h, 1.0))],
                    np.float32)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


class PlateVerifier:
    """Scores plate proposals: ``__call__(image, boxes, scores) -> fused scores``.

    ``model_file``/``params_file``: other files (tests, experiments), used without a
    registry check; ``threads``: onnxruntime intra-op threads."""

    def __init__(self, model_file: str | os.PathLike | None = None,
                 params_file: str | os.PathLike | None = None, threads: int | None = None):
        from .ortenv import onnxruntime
        ort = onnxruntime()
        from .models import info, model_bytes
        if model_file is None:
            data = model_bytes(MODEL_NAME)
            params = json.loads(model_bytes(MODEL_NAME + "_params"))
            self._model = {"name": MODEL_NAME, "file": info(MODEL_NAME).file, "sha256": info(MODEL_NAME).sha256}
            pi = info(MODEL_NAME + "_params")
            self._params = {"name": pi.name, "file": pi.file, "sha256": pi.sha256}
        else:
            import hashlib
            data = Path(model_file).read_bytes()
            pf = Path(params_file) if params_file else Path(model_file).with_suffix(".json")
            params = json.loads(pf.read_text())
            self._model = {"name": MODEL_NAME, "file": Path(model_file).name,
                           "sha256": hashlib.sha256(data).hexdigest()}
            self._params = {"name": MODEL_NAME + "_params", "file": pf.name,
                            "sha256": hashlib.sha256(pf.read_bytes()).hexdigest()}
        self.weights = tuple(float(v) for v in params["fuse"])       # a, b, c
        self.threshold = float(params["threshold"])                  # chosen on validation photos
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or 1                     # a few small crops per frame
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        self._sess = ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._sess.get_inputs()]

    def models(self) -> list[dict]:
        return [dict(self._model), dict(self._params)]

    def logits(self, image: np.ndarray, boxes) -> np.ndarray:
        """The classifier's raw logit per box (x, y, w, h)."""
        if len(boxes) == 0:
            return np.zeros(0, np.float32)
        H, W = image.shape[:2]
        x = np.stack([crop_for(image, b) for b in boxes]).transpose(0, 3, 1, 2).astype(np.float32)
        f = np.stack([box_features(b, H, W) for b in boxes])
        return self._sess.run(None, {self._inputs[0]: x, self._inputs[1]: f})[0].reshape(-1)

    def __call__(self, image: np.ndarray, boxes, scores) -> np.ndarray:
        """Fused plate probability per box: sigmoid(a * classifier logit + b * logit(score) + c)."""
        lg = self.logits(image, boxes)
        a, b, c = self.weights
        z = a * lg + b * np.array([_logit(s) for s in scores], np.float32) + c
        return (1 / (1 + np.exp(-z))).astype(np.float32)
