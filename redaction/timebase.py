"""Frame index <-> presentation time <-> timecode. Frame index is the one time base.

Presentation times come from the clip's own packet timestamps (see
:class:`redaction.media.FrameIndex`), so variable-frame-rate clips map correctly.
Timecodes (HH:MM:SS:FF) are display only and use the nominal rate.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Optional


def timecode(frame: int, fps: Fraction) -> str:
    """``HH:MM:SS:FF`` for a frame index at the nominal rate (non-drop-frame)."""
    if fps <= 0:
        fps = Fraction(25)
    nominal = max(1, round(float(fps)))
    seconds_total = Fraction(frame) / fps
    s = math.floor(seconds_total)
    ff = int(frame - math.ceil(s * fps)) if fps.denominator != 1 else frame % nominal
    ff = max(0, min(nominal - 1, ff))
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{ff:02d}"


def parse_timecode(text: str, fps: Fraction,
                   index_at_time: Optional[Callable[[float], int]] = None) -> int:
    """Parse ``HH:MM:SS:FF``, ``HH:MM:SS.mmm``, ``SS.s`` seconds or a plain frame index ``#N``/``N``.
    A time in seconds is the frame shown then by ``index_at_time`` (the clip's own timestamps:
    a variable-frame-rate clip) when given, else at the nominal rate ``fps``."""
    text = text.strip()
    if not text:
        raise ValueError("empty time")
    if text.startswith("#") or text.isdigit():
        return int(text.lstrip("#"))
    parts = text.split(":")
    if len(parts) == 4:
        h, m, s, f = (int(p) for p in parts)
        # the second's first frame as :func:`timecode` counts it (rounded up)
        return math.ceil((h * 3600 + m * 60 + s) * Fraction(fps)) + f
    secs = 0.0
    for p in parts:
        secs = secs * 60 + float(p)
    if not math.isfinite(secs):
        raise ValueError(f"not a time: {text}")
    if index_at_time is None or secs < 0:    # before the clip: negative, for the caller to refuse
        return round(secs * fps)
    return index_at_time(secs)


def seconds_label(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
