"""The lite plan of a video face detector between full ones (ADR 0013, session 11).

CenterFace's full plan (native resolution, and x1.5 on 720p) is most of a detection run's
cost. On video it runs once every ``full_every_s`` s; the detection frames between run one
pass capped at ``lite_max_pixels`` (1280x736) plus, for each face the tracker follows that
the lite pass would see under ``lite_detail_px`` px, a **window** round it at the full
plan's resolution, so a small face found by a full pass is not lost on the frames between
(a face entering at the picture's edge was, without windows). New small faces are found by
the next full pass, and the tracker's pre-hold covers the frames before it.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

WINDOW_SIZES = 2.5       # a window: the face's box plus this many box sizes each way ...
WINDOW_PAD = 32          # ... plus this many px (one frame of a fast pan, the hint is a frame old)
MAX_WINDOW_SHARE = 0.35  # windows covering more of the picture than this: run the full plan


def detail_windows(faces, width: int, height: int, lite_factor: float, detail_px: float
                   ) -> Optional[list[tuple[int, int, int, int]]]:
    """Windows ``(x0, y0, x1, y1)`` round the faces (``(x, y, w, h)`` boxes the tracker
    follows) that the lite pass, at ``lite_factor``, would see under ``detail_px`` px on
    their shorter side; overlapping windows merged. None when they would cover more than
    :data:`MAX_WINDOW_SHARE` of the picture (the full plan is then cheaper and surer)."""
    wins: list[list[int]] = []
    for x, y, w, h in faces or ():
        if min(w, h) * lite_factor >= detail_px:
            continue
        r = WINDOW_SIZES * max(w, h) + WINDOW_PAD
        x0, y0 = max(0, int(x - r)), max(0, int(y - r))
        x1, y1 = min(width, int(math.ceil(x + w + r))), min(height, int(math.ceil(y + h + r)))
        if x1 - x0 >= 8 and y1 - y0 >= 8:
            wins.append([x0, y0, x1, y1])
    merged = True
    while merged:                      # merge overlapping windows (a few faces: quadratic is fine)
        merged = False
        for i in range(len(wins)):
            for j in range(i + 1, len(wins)):
                a, b = wins[i], wins[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    wins[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del wins[j]
                    merged = True
                    break
            if merged:
                break
    area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in wins)
    if area > MAX_WINDOW_SHARE * width * height:
        return None
    return [tuple(w) for w in wins]


def inside_window(boxes: np.ndarray, win: tuple[int, int, int, int], width: int, height: int,
                  tol: float = 1.5) -> np.ndarray:
    """Mask of the ``[x1, y1, x2, y2, ...]`` frame-coordinate boxes found in ``win`` that do
    not touch one of its sides lying inside the picture: a face cut by the window's edge is
    found truncated there (and would out-score the lite pass's whole box in NMS); it is left
    to the lite pass, which sees it whole (a followed face lies well inside its window)."""
    x0, y0, x1, y1 = win
    return ~(((x0 > 0) & (boxes[:, 0] <= x0 + tol)) | ((y0 > 0) & (boxes[:, 1] <= y0 + tol))
             | ((x1 < width) & (boxes[:, 2] >= x1 - tol)) | ((y1 < height) & (boxes[:, 3] >= y1 - tol)))
