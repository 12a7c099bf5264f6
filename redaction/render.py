"""Rendering redactions: pure numpy/OpenCV, shared by the GUI preview and the export.

The export works on yuv420p frames (the encoder's layout, so no colour round trip);
the preview renders the same yuv420p frame with the same function and converts it
to RGB for display (:func:`preview_rgb`), so what is previewed is what is disclosed.
"""
from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence

import cv2
import numpy as np

from .media import join_yuv420p, split_yuv420p, yuv420p_to_rgb
from .model import Box, Project, Style, Track

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive), integer pixels


def expand_box(box: Box, margin: float, margin_px: float = 0.0) -> Box:
    """Grow a box by ``margin`` (fraction of its size) plus ``margin_px`` pixels on every side."""
    x, y, w, h = box
    mx, my = w * margin + margin_px, h * margin + margin_px
    return (x - mx, y - my, w + 2 * mx, h + 2 * my)


def style_box(box: Box, style: Style) -> Box:
    """The box ``style`` redacts for the tight ``box``: its fractional and pixel margins."""
    return expand_box(box, style.margin, style.margin_px)


def to_rect(box: Box, width: int, height: int) -> Optional[Rect]:
    """Outward-rounded integer rectangle clipped to the frame; None if nothing is left."""
    x, y, w, h = box
    x0, y0 = max(0, math.floor(x)), max(0, math.floor(y))
    x1, y1 = min(width, math.ceil(x + w)), min(height, math.ceil(y + h))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def frame_rects(project: Project, frame: int, width: int, height: int, *,
                tracks: Optional[Iterable[Track]] = None, style: Optional[Style] = None,
                accept_pending: bool = False) -> list[Rect]:
    """The pixel rectangles to redact on ``frame`` (margin applied, clipped)."""
    style = style or project.style
    if tracks is None:
        tracks = project.redacted_tracks(accept_pending)
    rects = []
    for t in tracks:
        b = t.box_at(frame)
        if b is None:
            continue
        r = to_rect(style_box(b, style), width, height)
        if r is not None:
            rects.append(r)
    return rects


def rgb_to_yuv(color: Sequence[int]) -> tuple[int, int, int]:
    """BT.601 limited range, the same matrix the preview's conversion uses."""
    px = np.array([[list(color)]], dtype=np.uint8)
    # OpenCV's RGB->YUV_I420 needs even sizes
    yuv = cv2.cvtColor(np.repeat(np.repeat(px, 2, 0), 2, 1), cv2.COLOR_RGB2YUV_I420)
    return int(yuv[0, 0]), int(yuv[2, 0]), int(yuv[2, 1])


def _block_size(rect: Rect, strength: int) -> int:
    x0, y0, x1, y1 = rect
    return max(6, math.ceil(max(x1 - x0, y1 - y0) / max(2, strength)))


def _pixelate(plane: np.ndarray, r: Rect, block: int) -> None:
    x0, y0, x1, y1 = r
    roi = plane[y0:y1, x0:x1]
    h, w = roi.shape
    sw, sh = max(1, math.ceil(w / block)), max(1, math.ceil(h / block))
    small = cv2.resize(roi, (sw, sh), interpolation=cv2.INTER_AREA)
    roi[:] = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def _blur(plane: np.ndarray, r: Rect, block: int) -> None:
    x0, y0, x1, y1 = r
    roi = plane[y0:y1, x0:x1]
    h, w = roi.shape
    # Destroy detail first (area downscale to a few cells), then smooth: a Gaussian
    # alone keeps too much recoverable structure.
    sw, sh = max(1, math.ceil(w / block)), max(1, math.ceil(h / block))
    small = cv2.resize(roi, (sw, sh), interpolation=cv2.INTER_AREA)
    up = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    k = max(3, (block | 1) * 2 + 1)
    roi[:] = cv2.GaussianBlur(up, (k, k), 0, borderType=cv2.BORDER_REPLICATE)


def _apply_plane(plane: np.ndarray, rects: list[Rect], style: Style, fill: int, scale: int) -> None:
    for x0, y0, x1, y1 in rects:
        if scale == 2:  # chroma: cover every chroma sample touching the luma rect
            r = (x0 // 2, y0 // 2, (x1 + 1) // 2, (y1 + 1) // 2)
        else:
            r = (x0, y0, x1, y1)
        if style.mode == "solid":
            plane[r[1]:r[3], r[0]:r[2]] = fill
        elif style.mode == "pixelate":
            _pixelate(plane, r, max(1, _block_size((x0, y0, x1, y1), style.strength) // scale))
        elif style.mode == "blur":
            _blur(plane, r, max(1, _block_size((x0, y0, x1, y1), style.strength) // scale))
        else:
            raise ValueError(f"unknown style {style.mode!r}")


def render_yuv420p(frame: np.ndarray, rects: list[Rect], style: Style) -> np.ndarray:
    """Redact a planar yuv420p frame in place and return it."""
    if not rects:
        return frame
    y, u, v = split_yuv420p(frame)
    fy, fu, fv = rgb_to_yuv(style.color)
    _apply_plane(y, rects, style, fy, 1)
    _apply_plane(u, rects, style, fu, 2)
    _apply_plane(v, rects, style, fv, 2)
    if not np.shares_memory(y, frame):  # split made copies (non-contiguous input)
        frame[:] = join_yuv420p(y, u, v)
    return frame


def render_rgb(frame: np.ndarray, rects: list[Rect], style: Style) -> np.ndarray:
    """Redact an RGB frame in place (used for still images, e.g. ``bwv detect`` previews)."""
    for x0, y0, x1, y1 in rects:
        roi = frame[y0:y1, x0:x1]
        if style.mode == "solid":
            roi[:] = np.asarray(style.color, dtype=np.uint8)
        else:
            for c in range(3):
                ch = np.ascontiguousarray(roi[:, :, c])
                fn = _pixelate if style.mode == "pixelate" else _blur
                fn(ch, (0, 0, ch.shape[1], ch.shape[0]),
                   _block_size((x0, y0, x1, y1), style.strength))
                roi[:, :, c] = ch
    return frame


def preview_rgb(yuv_frame: np.ndarray, rects: list[Rect], style: Style) -> np.ndarray:
    """Exactly what the export shows for this frame, as RGB for display."""
    out = render_yuv420p(yuv_frame.copy(), rects, style)
    return yuv420p_to_rgb(out)
