"""How bright a picture is: for the night model (faces.CenterFace ``night_below``) and for
the dark-footage check before export (job.DarkRanges, review_checks)."""
from __future__ import annotations

import cv2
import numpy as np

# Under this brightness a picture is dark: the leak check's night scenes measure 24-52 (and
# their flash frames up to 112), its daylight scenes 98-144; 4 of the 100 faces_wider photos
# (night riots and protests) and 3 of the 9 faces_dlib photos are under it (ADR 0008, session 14)
DARK_BELOW = 60.0


def picture_brightness(image: np.ndarray) -> float:
    """The median over the picture (at an eighth of its size) of each pixel's brightest
    channel, 0-255, so that a picture lit by sodium lamps (no blue) counts as lit as it looks."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    return float(np.median(small.max(axis=2)))
