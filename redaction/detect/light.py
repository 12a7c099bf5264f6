"""How bright a picture is: for the night model (faces.CenterFace ``night_below``) and for
the dark-footage check before export (job.DarkRanges, review_checks)."""
from __future__ import annotations

import cv2
import numpy as np

from ..track_settings import DARK_BELOW

__all__ = ["DARK_BELOW", "picture_brightness"]


def picture_brightness(image: np.ndarray) -> float:
    """The median over the picture (at an eighth of its size) of each pixel's brightest
    channel, 0-255, so that a picture lit by sodium lamps (no blue) counts as lit as it looks."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    return float(np.median(small.max(axis=2)))
