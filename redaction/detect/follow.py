"""A second opinion on the faces the tracker follows that CenterFace missed (video only).

CenterFace finds a small face on some detection frames and not on others (a 34-px face
walking in at the picture's edge: best score 0.44, on under half the frames), and the track
is lost between. EXTD-64 scores the same face 0.98 (ADR 0008, "objects the detector never
finds"), but costs 10-15x CenterFace per pixel, too much for whole frames on video. So on a
detection frame, each face the tracker follows (the job's :func:`~redaction.detect.base.tell_frame`
hint) that no *sure* box of the frame's own passes overlaps (a candidate, scored under the
detectors' own thresholds, does not count) gets a **follow-up**: EXTD-64 on a small
window round its predicted box, resized so the face is about :data:`FACE_PX` px (EXTD's
smallest anchors are 16 px): a bounded cost (at most :data:`MAX_WINDOWS` windows of about
200x200 px a frame), spent only where a followed face was missed.

Only sure boxes (score >= the follow-up's threshold) are reported: a doubtful box near a lost
track re-anchored it on street texture when looks took candidates (ADR 0008, "Looks").
Boxes cut by a window side inside the picture are dropped (a part of a face).
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from .faces import _EMPTY, iou_matrix, nms
from .lite import inside_window

FACE_PX = 40.0        # a window is resized so the followed face is about this big ...
MAX_UP = 2.0          # ... enlarged at most this much
SEARCH = 1.5          # the window: the predicted box plus this many box sizes each way ...
PAD = 24              # ... plus this many px (the hint is the previous frame's prediction)
MAX_WINDOWS = 3       # follow-ups per detection frame (the smallest faces first)
MISSED_IOU = 0.1      # a followed face is missed when no box of the frame overlaps it this much


class FollowUp:
    """EXTD-64 (or any detector with ``raw(image, threshold)``) on windows round followed
    faces that ``found`` (the frame's own boxes) misses."""

    def __init__(self, det, threshold: float = 0.5, max_windows: int = MAX_WINDOWS):
        self.det = det
        self.threshold = float(threshold)
        self.max_windows = int(max_windows)

    def models(self) -> list[dict]:
        return self.det.models()

    def windows(self, faces, found: np.ndarray, width: int, height: int) -> list[tuple]:
        """``(x0, y0, x1, y1, factor)`` for each followed face (``(x, y, w, h)``) that no
        box of ``found`` (``[x1, y1, x2, y2, score]``: the frame's sure boxes) overlaps,
        smallest first."""
        boxes = [(float(x), float(y), float(w), float(h)) for x, y, w, h in faces or ()
                 if w >= 2 and h >= 2]
        if not boxes:
            return []
        xyxy = np.array([[x, y, x + w, y + h, 1.0] for x, y, w, h in boxes], np.float32)
        if len(found):
            missed = iou_matrix(xyxy, found).max(axis=1) < MISSED_IOU
        else:
            missed = np.ones(len(boxes), bool)
        out = []
        for (x, y, w, h), m in sorted(zip(boxes, missed), key=lambda t: t[0][2] * t[0][3]):
            if not m:
                continue
            r = SEARCH * max(w, h) + PAD
            x0, y0 = max(0, int(x - r)), max(0, int(y - r))
            x1, y1 = min(width, int(math.ceil(x + w + r))), min(height, int(math.ceil(y + h + r)))
            if x1 - x0 < 16 or y1 - y0 < 16:
                continue
            out.append((x0, y0, x1, y1, min(MAX_UP, FACE_PX / max(1.0, min(w, h)))))
            if len(out) >= self.max_windows:
                break
        return out

    def search(self, image: np.ndarray, faces, found: np.ndarray) -> np.ndarray:
        """Boxes ``[x1, y1, x2, y2, score]`` in frame pixels found round the missed faces."""
        h, w = image.shape[:2]
        parts = []
        for x0, y0, x1, y1, f in self.windows(faces, found, w, h):
            crop = image[y0:y1, x0:x1]
            if abs(f - 1.0) > 0.05:
                crop = cv2.resize(crop, (max(16, round((x1 - x0) * f)), max(16, round((y1 - y0) * f))),
                                  interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
            b = self.det.raw(crop, self.threshold)
            if len(b):
                b = b.copy()
                b[:, [0, 2]] = b[:, [0, 2]] * ((x1 - x0) / crop.shape[1]) + x0
                b[:, [1, 3]] = b[:, [1, 3]] * ((y1 - y0) / crop.shape[0]) + y0
                parts.append(b[inside_window(b, (x0, y0, x1, y1), w, h)])
        if not parts:
            return _EMPTY
        return nms(np.concatenate(parts), 0.3)
