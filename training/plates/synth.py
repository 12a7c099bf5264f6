"""Synthetic number plates: a renderer and a compositor (numpy + OpenCV only).

``render_plate(rng)`` draws one flat plate (RGB + alpha) in one of these styles, roughly
to scale at ``PX_PER_MM`` pixels per millimetre:

* ``uk_rear``   520x111 mm, yellow, black characters ("AB12 CDE"), sometimes a UK/GB band
* ``uk_front``  the same on white
* ``uk_square`` 279x203 mm, two lines, yellow or white
* ``uk_black``  old-style black plate with silver characters
* ``eu``        520x111 mm white plate with the blue EU band and a country code
* ``us``        305x152 mm, pale background, coloured characters and a state line

``paste_plate(image, plate, rng, width_px, centre)`` warps a plate with a random perspective,
lighting and blur onto ``image`` in place and returns its tight axis-aligned box (x, y, w, h).

The characters come from OpenCV's Hershey fonts, so they are not the real UK typeface
(Charles Wright); the detector learns plate shape, colour and "row of dark glyphs" cues.
Used by dataset.py for training and by tests/test_detect_plates.py.
"""
from __future__ import annotations

import math
import string

import cv2
import numpy as np

PX_PER_MM = 0.9
LETTERS_UK = "ABCDEFGHJKLMNOPRSTUVWXYZ"          # no I, Q
DIGITS = string.digits
UK_YELLOW = (247, 205, 15)
EU_BLUE = (0, 51, 153)
FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX,
         cv2.FONT_HERSHEY_COMPLEX)
STYLES = ("uk_rear", "uk_front", "uk_square", "uk_black", "eu", "us")
STYLE_P = (0.28, 0.2, 0.1, 0.04, 0.22, 0.16)


def _choice(rng, s: str, n: int) -> str:
    return "".join(s[i] for i in rng.integers(0, len(s), n))


def uk_registration(rng) -> str:
    if rng.random() < 0.8:                                  # current format, 2001-
        return _choice(rng, LETTERS_UK, 2) + _choice(rng, DIGITS, 2) + " " + _choice(rng, LETTERS_UK, 3)
    return _choice(rng, LETTERS_UK, 1) + _choice(rng, DIGITS, int(rng.integers(1, 4))) + " " + \
        _choice(rng, LETTERS_UK, 3)                         # prefix format


def eu_registration(rng) -> str:
    k = rng.integers(0, 4)
    if k == 0:   # FR / IT style
        return _choice(rng, string.ascii_uppercase, 2) + "-" + _choice(rng, DIGITS, 3) + "-" + \
            _choice(rng, string.ascii_uppercase, 2)
    if k == 1:   # DE style
        return _choice(rng, string.ascii_uppercase, int(rng.integers(1, 4))) + " " + \
            _choice(rng, string.ascii_uppercase, 2) + " " + _choice(rng, DIGITS, int(rng.integers(2, 5)))
    if k == 2:   # NL / ES style
        return _choice(rng, DIGITS, 4) + " " + _choice(rng, "BCDFGHJKLMNPRSTVWXYZ", 3)
    return _choice(rng, string.ascii_uppercase + DIGITS, int(rng.integers(5, 8)))


def us_registration(rng) -> str:
    k = rng.integers(0, 3)
    if k == 0:
        return _choice(rng, DIGITS, 1) + _choice(rng, string.ascii_uppercase, 3) + _choice(rng, DIGITS, 3)
    if k == 1:
        return _choice(rng, string.ascii_uppercase, 3) + "-" + _choice(rng, DIGITS, 4)
    return _choice(rng, string.ascii_uppercase + DIGITS, int(rng.integers(5, 8)))


def _text_block(text: str, w: int, h: int, font: int, colour, bg, bold: bool) -> np.ndarray:
    """``text`` drawn large, cropped to its ink and stretched to exactly ``w`` x ``h``."""
    scale, th = 3.0, 9 if bold else 6
    (tw, tht), base = cv2.getTextSize(text, font, scale, th)
    canvas = np.zeros((tht + base + 2 * th + 8, tw + 2 * th + 8), np.uint8)
    cv2.putText(canvas, text, (th + 4, tht + th + 4), font, scale, 255, th, cv2.LINE_AA)
    ys, xs = np.nonzero(canvas > 40)
    if len(xs) == 0:
        return np.zeros((h, w), np.float32)
    ink = canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return cv2.resize(ink, (max(1, w), max(1, h)), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def _draw_text(img, text, x, y, w, h, colour, rng, bold=None):
    if w < 2 or h < 2:
        return
    font = FONTS[int(rng.integers(0, len(FONTS)))]
    a = _text_block(text, w, h, font, colour, None, rng.random() < 0.6 if bold is None else bold)
    H, W = img.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    a = a[y0 - y:y1 - y, x0 - x:x1 - x, None]
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (roi * (1 - a) + np.array(colour, np.float32) * a).astype(np.uint8)


def _mm(v: float) -> int:
    return max(1, int(round(v * PX_PER_MM)))


def _eu_band(img, rng, height_mm: float, code: str, width_mm: float = 40) -> int:
    bw = _mm(width_mm)
    img[:, :bw] = EU_BLUE
    cx, cy, r = bw // 2, _mm(height_mm * 0.33), max(2, _mm(height_mm * 0.17))
    for k in range(12):                                   # ring of stars (dots)
        t = 2 * np.pi * k / 12
        cv2.circle(img, (int(cx + r * np.cos(t)), int(cy + r * np.sin(t))), max(1, _mm(2)),
                   (255, 204, 0), -1, cv2.LINE_AA)
    _draw_text(img, code, _mm(width_mm * 0.2), _mm(height_mm * 0.62), _mm(width_mm * 0.6),
               _mm(height_mm * 0.3), (255, 255, 255), rng, bold=True)
    return bw


def render_plate(rng, style: str | None = None) -> tuple[np.ndarray, str]:
    """One flat plate as an RGBA uint8 image and its style name."""
    if style is None:
        style = STYLES[int(rng.choice(len(STYLES), p=STYLE_P))]
    if style == "uk_square":
        W, H = 279, 203
    elif style == "us":
        W, H = 305, 152
    else:
        W, H = 520, 111
    img = np.zeros((_mm(H), _mm(W), 3), np.uint8)
    ink = (int(rng.integers(0, 40)),) * 3
    if style in ("uk_rear", "uk_square") and (style == "uk_rear" or rng.random() < 0.6):
        bg = tuple(int(np.clip(c + rng.integers(-20, 12), 0, 255)) for c in UK_YELLOW)
    elif style == "uk_black":
        bg, ink = (int(rng.integers(5, 35)),) * 3, (int(rng.integers(180, 240)),) * 3
    elif style == "us":
        bg = tuple(int(v) for v in rng.integers(170, 256, 3))
        ink = tuple(int(v) for v in rng.integers(0, 120, 3))
    else:
        bg = (int(rng.integers(215, 256)),) * 3
    img[:] = bg
    x0 = _mm(11)
    if style == "eu":
        x0 = _eu_band(img, rng, H, _choice(rng, "DFINLBEPAS", int(rng.integers(1, 3)))) + _mm(6)
    elif style in ("uk_rear", "uk_front") and rng.random() < 0.3:
        x0 = _eu_band(img, rng, H, "UK" if rng.random() < 0.7 else "GB") + _mm(6)
    if style == "uk_square":
        reg = uk_registration(rng).split(" ")
        _draw_text(img, reg[0], _mm(30), _mm(18), _mm(W - 60), _mm(79), ink, rng)
        _draw_text(img, reg[1], _mm(30), _mm(18 + 79 + 13), _mm(W - 60), _mm(79), ink, rng)
    elif style == "us":
        _draw_text(img, _choice(rng, string.ascii_uppercase, int(rng.integers(4, 11))),
                   _mm(70), _mm(8), _mm(165), _mm(22), ink, rng, bold=False)
        _draw_text(img, us_registration(rng), _mm(20), _mm(40), _mm(W - 40), _mm(80), ink, rng)
        if rng.random() < 0.5:
            _draw_text(img, _choice(rng, string.ascii_lowercase, int(rng.integers(6, 14))),
                       _mm(60), _mm(128), _mm(185), _mm(14), ink, rng, bold=False)
    else:
        reg = uk_registration(rng) if style.startswith("uk") else eu_registration(rng)
        tw = min(_mm(W) - x0 - _mm(11), _mm(len(reg) * 57))
        x = x0 + (_mm(W) - x0 - _mm(11) - tw) // 2
        _draw_text(img, reg, x, _mm(16), tw, _mm(79), ink, rng)
    if rng.random() < 0.5:                                 # thin border / rim
        cv2.rectangle(img, (0, 0), (img.shape[1] - 1, img.shape[0] - 1),
                      ink if rng.random() < 0.5 else (90, 90, 90), max(1, _mm(3)))
    alpha = np.full(img.shape[:2], 255, np.uint8)
    return np.dstack([img, alpha]), style


def _perspective_quad(w: float, h: float, rng) -> np.ndarray:
    """Destination corners (TL, TR, BR, BL) of a plate of size w x h seen at an angle."""
    yaw = rng.uniform(-0.6, 0.6) if rng.random() < 0.7 else 0.0       # radians
    pitch = rng.uniform(-0.35, 0.35)
    roll = np.deg2rad(rng.normal(0, 5))
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    Ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    Rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    Rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    p = pts @ (Rz @ Rx @ Ry).T
    f = w * rng.uniform(1.5, 6.0)                      # focal length: near = strong perspective
    p[:, 2] += f
    q = p[:, :2] * (f / p[:, 2:3])
    q *= w / max(1e-6, q[:, 0].max() - q[:, 0].min())  # keep the requested width
    return q


def paste_plate(image: np.ndarray, plate: np.ndarray, rng, width_px: float,
                centre: tuple[float, float], *, clean: bool = False) -> tuple[float, float, float, float]:
    """Warp ``plate`` (RGBA) onto ``image`` (HxWx3 uint8 RGB, modified in place).

    ``width_px`` is the width of the plate's bounding box, ``centre`` its centre. With
    ``clean`` the plate is pasted frontal, without lighting changes or blur. Returns the
    tight box (x, y, w, h) of the plate in ``image``, clipped to the image.
    """
    ph, pw = plate.shape[:2]
    h_px = width_px * ph / pw
    q = np.array([[-width_px / 2, -h_px / 2], [width_px / 2, -h_px / 2],
                  [width_px / 2, h_px / 2], [-width_px / 2, h_px / 2]]) if clean \
        else _perspective_quad(width_px, h_px, rng)
    q = q + np.asarray(centre, np.float64)
    H, W = image.shape[:2]
    x0, y0 = np.floor(q.min(0)).astype(int) - 2
    x1, y1 = np.ceil(q.max(0)).astype(int) + 2
    rx0, ry0, rx1, ry1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if rx1 - rx0 < 2 or ry1 - ry0 < 2:
        return (0.0, 0.0, 0.0, 0.0)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    M = cv2.getPerspectiveTransform(src, (q - [rx0, ry0]).astype(np.float32))
    rgba = plate.astype(np.float32)
    if not clean:
        gain = rng.uniform(0.35, 1.25) * rng.uniform(0.85, 1.15, 3)          # light level, colour cast
        grad = np.linspace(rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0), pw)[None, :, None]
        rgba[..., :3] = np.clip(rgba[..., :3] * gain * (grad if rng.random() < 0.4 else 1.0), 0, 255)
        if rng.random() < 0.1:                                                # dirt / glare blobs
            for _ in range(int(rng.integers(1, 4))):
                c = (int(rng.integers(0, pw)), int(rng.integers(0, ph)))
                cv2.circle(rgba, c, int(rng.integers(2, max(3, ph // 6))),
                           (*([float(rng.integers(0, 256))] * 3), 255.0), -1)
    warped = cv2.warpPerspective(rgba, M, (rx1 - rx0, ry1 - ry0), flags=cv2.INTER_AREA
                                 if width_px < pw else cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    if not clean and rng.random() < 0.5:
        k = rng.uniform(0.3, 1.6) * max(1.0, width_px / 120)
        warped = cv2.GaussianBlur(warped, (0, 0), k)
    a = warped[..., 3:4] / 255.0
    roi = image[ry0:ry1, rx0:rx1].astype(np.float32)
    image[ry0:ry1, rx0:rx1] = np.clip(roi * (1 - a) + warped[..., :3] * a, 0, 255).astype(np.uint8)
    bx0, by0 = np.clip(q.min(0), 0, [W, H])
    bx1, by1 = np.clip(q.max(0), 0, [W, H])
    return (float(bx0), float(by0), float(bx1 - bx0), float(by1 - by0))


def procedural_background(rng, h: int, w: int) -> np.ndarray:
    """A plate-free scene-like background: gradients, boxes, lines, blobs and noise (RGB)."""
    img = np.zeros((h, w, 3), np.float32)
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    t = np.linspace(0, 1, h)[:, None, None] if rng.random() < 0.5 else np.linspace(0, 1, w)[None, :, None]
    img += c0 * (1 - t) + c1 * t
    img = np.ascontiguousarray(img.astype(np.uint8))
    for _ in range(int(rng.integers(3, 25))):
        col = tuple(int(v) for v in rng.integers(0, 256, 3))
        k = rng.integers(0, 4)
        p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if k == 0:
            q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.rectangle(img, p, q, col, -1 if rng.random() < 0.7 else int(rng.integers(1, 6)))
        elif k == 1:
            cv2.circle(img, p, int(rng.integers(3, max(4, w // 4))), col, -1)
        elif k == 2:
            q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(img, p, q, col, int(rng.integers(1, 8)))
        else:
            cv2.putText(img, _choice(rng, string.ascii_letters, int(rng.integers(2, 8))), p,
                        FONTS[int(rng.integers(0, len(FONTS)))], rng.uniform(0.3, 2), col, int(rng.integers(1, 4)))
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 3)).astype(np.float32)
    img += rng.normal(0, rng.uniform(0, 12), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def render_distractor(rng) -> np.ndarray:
    """A plate-free look-alike as RGBA: a car badge / lettering with no plate behind it,
    or a sign with several lines of text. Pasted as a hard negative (no box)."""
    k = rng.integers(0, 3)
    if k < 2:                                              # badge / loose lettering
        word = _choice(rng, string.ascii_letters + DIGITS, int(rng.integers(3, 9)))
        h = int(rng.integers(20, 40))
        w = int(h * len(word) * rng.uniform(0.5, 0.9))
        a = _text_block(word, w, h, FONTS[int(rng.integers(0, len(FONTS)))], None, None, rng.random() < 0.5)
        if rng.random() < 0.3:                             # script-like slant
            M = np.float32([[1, rng.uniform(-0.4, 0.4), h * 0.4], [0, 1, 0]])
            a = cv2.warpAffine(a, M, (w + h, h))
        col = np.array([rng.integers(150, 256)] * 3 if k == 0 else rng.integers(0, 256, 3), np.float32)
        rgb = np.empty(a.shape + (3,), np.float32)
        rgb[:] = col
        if k == 0:                                         # chrome: vertical light gradient
            rgb *= np.linspace(1.0, 0.55, a.shape[0])[:, None, None]
        return np.dstack([np.clip(rgb, 0, 255), a * 255]).astype(np.uint8)
    H, W = int(rng.integers(60, 140)), int(rng.integers(50, 130))
    img = np.zeros((H, W, 3), np.uint8)
    img[:] = [int(v) for v in rng.integers(0, 256, 3)]
    ink = tuple(int(v) for v in rng.integers(0, 256, 3))
    n = int(rng.integers(2, 5))
    lh = H // (n + 1)
    for i in range(n):
        _draw_text(img, _choice(rng, string.ascii_letters + DIGITS + " ", int(rng.integers(3, 10))).strip() or "A",
                   int(W * 0.1), int(lh * (i + 0.6)), int(W * rng.uniform(0.4, 0.8)), int(lh * 0.7), ink, rng)
    return np.dstack([img, np.full((H, W), 255, np.uint8)])


# -- on-screen-display (OSD) overlays: hard negatives drawn straight onto the image ---------
# Body-worn cameras, dashcams and CCTV burn a timestamp, a device ID and sometimes speed or
# GPS into every frame: light digits, often outlined or shadowed, on one or two lines near
# a corner. They are axis-aligned and unwarped, so they are drawn directly (no perspective).

OSD_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
             cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _osd_date(rng) -> str:
    y, m, d = int(rng.integers(2005, 2031)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    k = int(rng.integers(0, 9))
    return (f"{y:04d}-{m:02d}-{d:02d}", f"{y:04d}/{m:02d}/{d:02d}", f"{d:02d}/{m:02d}/{y:04d}",
            f"{m:02d}-{d:02d}-{y:04d}", f"{m:02d}/{d:02d}/{y:04d}", f"{d:02d}.{m:02d}.{y:04d}",
            f"{d:02d}-{MONTHS[m - 1]}-{y:04d}", f"{y:04d}.{m:02d}.{d:02d}", f"{d:02d}/{m:02d}/{y % 100:02d}")[k]


def _osd_time(rng) -> str:
    h, mi, s = int(rng.integers(0, 24)), int(rng.integers(0, 60)), int(rng.integers(0, 60))
    k = int(rng.integers(0, 6))
    if k == 0:
        return f"{h:02d}:{mi:02d}:{s:02d}"
    if k == 1:
        return f"{(h % 12) or 12:02d}:{mi:02d}:{s:02d} {'AM' if h < 12 else 'PM'}"
    if k == 2:
        return f"{(h % 12) or 12}:{mi:02d}:{s:02d}{'AM' if h < 12 else 'PM'}"
    if k == 3:
        return f"{h:02d}:{mi:02d}"
    if k == 4:
        return f"{h:02d}:{mi:02d}:{s:02d}.{int(rng.integers(0, 1000)):03d}"
    return f"{h:02d}:{mi:02d}:{s:02d} " + ("UTC", "Z", "GMT", "+0100", "-0500", "BST")[int(rng.integers(0, 6))]


def _osd_device(rng) -> str:
    n = lambda k: _choice(rng, DIGITS, k)  # noqa: E731
    k = int(rng.integers(0, 10))
    return (f"AXON BODY {int(rng.integers(2, 5))} X{n(8)}", f"CAM {n(2)}", f"CAM-{n(int(rng.integers(1, 4)))}",
            f"CH{n(2)}", f"BWV {n(4)}", f"ID:{n(4)}", f"UNIT {n(int(rng.integers(2, 5)))}",
            f"{_choice(rng, string.ascii_uppercase, int(rng.integers(2, 6)))} {n(int(rng.integers(3, 9)))}",
            f"OFFICER {n(4)}", f"DVR{n(1)} CAMERA {n(2)}")[k]


def _osd_speed(rng) -> str:
    v = int(rng.integers(0, 140))
    return (f"{v} MPH", f"{v} km/h", f"{v:03d}KM/H", f"{v}MPH", f"SPD {v:03d}")[int(rng.integers(0, 5))]


def _osd_gps(rng) -> str:
    la, lo = rng.uniform(-60, 70), rng.uniform(-130, 150)
    k = int(rng.integers(0, 4))
    ns, ew = "N" if la >= 0 else "S", "E" if lo >= 0 else "W"
    if k == 0:
        return f"{ns}{abs(la):.5f} {ew}{abs(lo):.5f}"
    if k == 1:
        return f"{abs(la):.4f}{ns} {abs(lo):.4f}{ew}"
    if k == 2:
        return f"LAT {la:.4f} LON {lo:.4f}"
    return f"{la:+.6f} {lo:+.6f}"


def osd_lines(rng) -> list[str]:
    """One to three lines of OSD text (date/time first in most layouts)."""
    date, time_ = _osd_date(rng), _osd_time(rng)
    k = rng.random()
    if k < 0.35:
        lines = [date, time_] if rng.random() < 0.8 else [time_, date]
    elif k < 0.6:
        lines = [date + " " + time_]
    elif k < 0.75:
        lines = [date + " " + time_, _osd_device(rng)]
    elif k < 0.85:
        lines = [_osd_device(rng), date + "  " + time_]
    elif k < 0.92:
        lines = [(time_, date, _osd_device(rng))[int(rng.integers(0, 3))]]
    else:
        lines = [(_osd_speed(rng), _osd_gps(rng), _osd_device(rng))[int(rng.integers(0, 3))]]
    if rng.random() < 0.12:
        lines.append(_osd_speed(rng) if rng.random() < 0.5 else _osd_gps(rng))
    return lines[:3]


def render_osd(rng, line_h: float, lines: list[str] | None = None) -> np.ndarray:
    """An OSD text block as float32 RGBA (alpha 0..1), axis-aligned, ``line_h`` px per line
    (cap height of the digits). Light text, with a dark outline, a drop shadow or neither,
    sometimes on a semi-transparent dark bar; sometimes blocky (drawn small, scaled up)."""
    lines = lines or osd_lines(rng)
    font = OSD_FONTS[int(rng.integers(0, len(OSD_FONTS)))]
    pix = int(rng.integers(2, 4)) if rng.random() < 0.2 and line_h >= 10 else 1   # blocky OSD
    lh = max(4.0, line_h / pix)
    (_, ch), _ = cv2.getTextSize("0", font, 1.0, 1)
    scale = lh / ch
    thick = max(1, int(round(lh / rng.uniform(7, 16))))
    effect = rng.choice(3, p=(0.45, 0.3, 0.25))                    # outline, shadow, none
    ow = max(1, int(round(thick * rng.uniform(0.6, 1.5))))
    sh = max(1, int(round(lh * rng.uniform(0.05, 0.15))))
    gap = lh * rng.uniform(0.35, 0.9)
    align_right = rng.random() < 0.3
    widths = [cv2.getTextSize(t, font, scale, thick)[0][0] for t in lines]
    m = int(ow + sh + 2 + lh * rng.uniform(0.1, 0.5))
    W = max(widths) + 2 * m
    H = int(len(lines) * lh + (len(lines) - 1) * gap) + 2 * m + int(lh * 0.35)
    fill = np.zeros((H, W), np.uint8)
    edge = np.zeros((H, W), np.uint8)
    aa = cv2.LINE_AA if rng.random() < 0.75 else cv2.LINE_8
    for i, (t, w) in enumerate(zip(lines, widths)):
        org = (m + (max(widths) - w if align_right else 0), int(m + lh + i * (lh + gap)))
        if effect == 0:
            cv2.putText(edge, t, org, font, scale, 255, thick + 2 * ow, aa)
        elif effect == 1:
            cv2.putText(edge, t, (org[0] + sh, org[1] + sh), font, scale, 255, thick, aa)
        cv2.putText(fill, t, org, font, scale, 255, thick, aa)
    if pix > 1:
        fill = cv2.resize(fill, (W * pix, H * pix), interpolation=cv2.INTER_NEAREST)
        edge = cv2.resize(edge, (W * pix, H * pix), interpolation=cv2.INTER_NEAREST)
        H, W = H * pix, W * pix
    f = fill.astype(np.float32) / 255
    e = edge.astype(np.float32) / 255 * (1 - f)
    k = rng.random()
    if k < 0.55:
        col = np.full(3, rng.uniform(225, 256))                              # white
    elif k < 0.75:
        col = np.array([rng.uniform(220, 256), rng.uniform(200, 256), rng.uniform(0, 120)])  # yellow
    elif k < 0.9:
        col = np.full(3, rng.uniform(160, 225))                              # light grey
    else:
        col = rng.uniform(0, 256, 3)                                         # any colour
    dark = np.full(3, rng.uniform(0, 50))
    opacity = rng.uniform(0.75, 1.0) if rng.random() < 0.3 else 1.0
    a = np.clip(f + e, 0, 1)[..., None]
    prem = col * f[..., None] + dark * e[..., None]                         # premultiplied colour
    if rng.random() < 0.25:                                                  # dark bar behind
        bar = rng.uniform(0.3, 0.8)
        prem = prem + rng.uniform(0, 40) * bar * (1 - a)
        a = a + bar * (1 - a)
    rgba = np.dstack([prem / np.maximum(a, 1e-6), a * opacity]).astype(np.float32)
    return rgba


def draw_osd(image: np.ndarray, rng, line_h: tuple[float, float] = (6, 34),
             avoid: list | tuple = ()) -> list[tuple[int, int, int, int]]:
    """Burn 1-2 OSD text blocks into ``image`` (HxWx3 uint8 RGB, in place): usually at a
    corner or an edge, sometimes anywhere; none overlapping a box in ``avoid`` (x, y, w, h).
    Returns the blocks' rectangles (x, y, w, h) clipped to the image. No plate box."""
    H, W = image.shape[:2]
    out, avoid = [], list(avoid)
    lh = math.exp(rng.uniform(math.log(line_h[0]), math.log(line_h[1])))   # one size per frame
    for _ in range(1 if rng.random() < 0.6 else 2):
        rgba = render_osd(rng, lh)
        h, w = rgba.shape[:2]
        k, mx, my = rng.random(), int(rng.uniform(-0.2, 1.5) * lh), int(rng.uniform(-0.2, 1.5) * lh)
        if k < 0.65:                                                          # a corner
            x = mx if rng.random() < 0.5 else W - w - mx
            y = my if rng.random() < 0.5 else H - h - my
        elif k < 0.8:                                                         # top/bottom edge
            x = int(rng.uniform(-0.2, 1.0) * max(1, W - w))
            y = my if rng.random() < 0.5 else H - h - my
        else:                                                                 # anywhere
            x = int(rng.uniform(-0.3, 1.0) * max(1, W - w))
            y = int(rng.uniform(-0.3, 1.0) * max(1, H - h))
        x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        if any(not (x1 <= bx or bx + bw <= x0 or y1 <= by or by + bh <= y0) for bx, by, bw, bh in avoid):
            continue
        lay = rgba[y0 - y:y1 - y, x0 - x:x1 - x]
        a = lay[..., 3:4]
        roi = image[y0:y1, x0:x1].astype(np.float32)
        image[y0:y1, x0:x1] = np.clip(roi * (1 - a) + lay[..., :3] * a, 0, 255).astype(np.uint8)
        out.append((x0, y0, x1 - x0, y1 - y0))
        avoid.append(out[-1])
    return out


# -- car badges, emblems, lit signs, rear lights: more hard negatives (RGBA, pasted warped) --
BADGE_WORDS = ("KIA", "FORD", "SAAB", "TOYOTA", "XTERRA", "CIVIC", "GOLF", "TDI", "GTI", "4MATIC",
               "HYBRID", "SPORT", "TURBO", "QUATTRO", "ECOBOOST", "V6", "4x4", "AWD", "LIMITED", "Focus",
               "Corolla", "Polo", "Astra", "Transit", "XLT", "SE", "RAV4", "CR-V", "Sprinter")
SIGN_WORDS = ("TAXI", "EXIT", "STOP", "POLICE", "BUS", "OPEN", "HOTEL", "PARKING", "P", "BAR",
              "PIZZA", "ONE WAY", "KEEP LEFT", "NO ENTRY", "SALE", "CAFE", "AMBULANCE")


def _chrome(h: int, w: int, rng) -> np.ndarray:
    """A chrome-like vertical gradient (bright top, dark band, bright bottom) as HxWx3."""
    t = np.linspace(0, 1, h)[:, None]
    mid = rng.uniform(0.35, 0.65)
    v = 1 - 0.6 * np.exp(-((t - mid) ** 2) / (2 * rng.uniform(0.05, 0.2) ** 2))
    v = v * rng.uniform(180, 255)
    return np.repeat(np.broadcast_to(v, (h, w))[..., None], 3, 2).astype(np.float32)


def _word_mask(word: str, h: int, w: int, rng, slant: bool = False) -> np.ndarray:
    a = _text_block(word, w, h, FONTS[int(rng.integers(0, len(FONTS)))], None, None, rng.random() < 0.5)
    if slant:
        M = np.float32([[1, -0.3, 0.3 * h], [0, 1, 0]])
        a = cv2.warpAffine(a, M, (w, h))
    return a


def render_badge(rng) -> np.ndarray:
    """A plate-free look-alike as RGBA uint8: an oval badge with lettering (Ford-like), a
    round or ringed emblem, chrome model lettering with an edge, a lit sign with a short
    word (light letters on a dark/coloured box), or a rear-light cluster. No box."""
    k = int(rng.integers(0, 5))
    if k == 0:                                             # oval badge with script lettering
        h = int(rng.integers(24, 60))
        w = int(h * rng.uniform(1.8, 2.8))
        img = _chrome(h, w, rng)
        alpha = np.zeros((h, w), np.float32)
        cv2.ellipse(alpha, (w // 2, h // 2), (w // 2 - 1, h // 2 - 1), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
        inner = np.zeros((h, w), np.float32)
        rim = max(1, int(h * rng.uniform(0.06, 0.14)))
        cv2.ellipse(inner, (w // 2, h // 2), (w // 2 - 1 - rim, h // 2 - 1 - rim), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
        fill = np.array(rng.integers(0, 256, 3) if rng.random() < 0.3 else
                        (rng.integers(0, 40), rng.integers(20, 70), rng.integers(70, 160)), np.float32)
        img = img * (1 - inner[..., None]) + fill * inner[..., None]
        word = BADGE_WORDS[int(rng.integers(0, len(BADGE_WORDS)))]
        ww, wh = int(w * rng.uniform(0.5, 0.75)), int(h * rng.uniform(0.35, 0.55))
        m = np.zeros((h, w), np.float32)
        slant = rng.random() < 0.6
        m[(h - wh) // 2:(h - wh) // 2 + wh, (w - ww) // 2:(w - ww) // 2 + ww] = _word_mask(word, wh, ww, rng, slant)
        img = img * (1 - m[..., None]) + np.float32(rng.uniform(200, 255)) * m[..., None]
        return np.dstack([np.clip(img, 0, 255), alpha * 255]).astype(np.uint8)
    if k == 1:                                             # round / ringed emblem (chrome strokes)
        s = int(rng.integers(24, 64))
        m = np.zeros((s, s), np.float32)
        t = max(1, int(s * rng.uniform(0.05, 0.1)))
        c = s // 2
        j = int(rng.integers(0, 3))
        if j == 0:                                         # ring with letters inside (VW-like)
            cv2.circle(m, (c, c), c - t, 1.0, t, cv2.LINE_AA)
            word = _choice(rng, "VWMBHSAT", int(rng.integers(1, 3)))
            q = int(s * 0.55)
            m[(s - q) // 2:(s - q) // 2 + q, (s - q) // 2:(s - q) // 2 + q] = np.maximum(
                m[(s - q) // 2:(s - q) // 2 + q, (s - q) // 2:(s - q) // 2 + q], _word_mask(word, q, q, rng))
        elif j == 1:                                       # three ellipses (Toyota-like)
            cv2.ellipse(m, (c, c), (c - t, int((c - t) * 0.7)), 0, 0, 360, 1.0, t, cv2.LINE_AA)
            cv2.ellipse(m, (c, int(c * 0.8)), (int(c * 0.55), int(c * 0.25)), 0, 0, 360, 1.0, t, cv2.LINE_AA)
            cv2.ellipse(m, (c, int(c * 1.05)), (int(c * 0.2), int(c * 0.5)), 0, 0, 360, 1.0, t, cv2.LINE_AA)
        else:                                              # interlocked rings / star
            n = int(rng.integers(2, 5))
            r = s / (n + 1)
            for i in range(n):
                cv2.circle(m, (int(r * (i + 1)), c), int(r * 0.9), 1.0, t, cv2.LINE_AA)
        img = _chrome(s, s, rng)
        return np.dstack([img, m * 255]).astype(np.uint8)
    if k == 2:                                             # chrome model lettering, dark edge
        word = BADGE_WORDS[int(rng.integers(0, len(BADGE_WORDS)))]
        h = int(rng.integers(18, 40))
        w = max(h, int(h * len(word) * rng.uniform(0.55, 0.9)))
        a = _word_mask(word, h, w, rng, rng.random() < 0.3)
        pad = max(1, h // 12)
        a = cv2.copyMakeBorder(a, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        edge = cv2.dilate(a, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8))
        img = _chrome(*a.shape, rng) * a[..., None] + rng.uniform(0, 60) * (edge - a)[..., None]
        al = np.maximum(a, edge * rng.uniform(0.3, 0.9))
        img = img / np.maximum(al, 1e-6)[..., None] * (al[..., None] > 0)
        return np.dstack([np.clip(img, 0, 255), al * 255]).astype(np.uint8)
    if k == 3:                                             # lit sign: light letters on dark/colour
        word = SIGN_WORDS[int(rng.integers(0, len(SIGN_WORDS)))]
        h = int(rng.integers(20, 50))
        w = max(h, int(h * max(1.0, len(word) * rng.uniform(0.6, 0.9))))
        img = np.zeros((h, w, 3), np.float32)
        img[:] = rng.choice([(0, 120, 60), (180, 20, 20), (20, 40, 140), (10, 10, 10), (230, 120, 0)]) * \
            rng.uniform(0.7, 1.2)
        ink = np.array((255, 255, 255) if rng.random() < 0.6 else rng.integers(150, 256, 3), np.float32)
        mw, mh = int(w * rng.uniform(0.7, 0.9)), int(h * rng.uniform(0.55, 0.8))
        m = np.zeros((h, w), np.float32)
        m[(h - mh) // 2:(h - mh) // 2 + mh, (w - mw) // 2:(w - mw) // 2 + mw] = _word_mask(word, mh, mw, rng)
        img = img * (1 - m[..., None]) + ink * m[..., None]
        if rng.random() < 0.5:                             # glow
            img = cv2.GaussianBlur(img, (0, 0), max(0.5, h / 30))
        return np.dstack([np.clip(img, 0, 255), np.full((h, w), 255, np.float32)]).astype(np.uint8)
    # rear-light cluster: red/amber/white segments with a bright core
    h = int(rng.integers(16, 44))
    w = int(h * rng.uniform(1.5, 4.0))
    img = np.zeros((h, w, 3), np.float32)
    al = np.zeros((h, w), np.float32)
    x = 0
    while x < w:
        sw = int(w * rng.uniform(0.15, 0.5))
        lamp = ((200, 20, 20), (255, 140, 0), (230, 230, 230), (120, 0, 0))[int(rng.choice(4, p=(0.55, 0.2, 0.1, 0.15)))]
        col = np.array(lamp, np.float32) * rng.uniform(0.6, 1.1)
        cv2.rectangle(img, (x, 0), (min(w, x + sw) - 1, h - 1), tuple(float(v) for v in col), -1)
        x += sw + int(rng.integers(0, 3))
    cv2.rectangle(al, (0, 0), (w - 1, h - 1), 1.0, -1)
    core = np.exp(-((np.linspace(-1, 1, h)[:, None]) ** 2) / 0.2) * rng.uniform(0, 0.6)
    img = img + (255 - img) * core[..., None]
    for _ in range(int(rng.integers(0, 4))):             # facets / dividers
        xx = int(rng.integers(0, w))
        cv2.line(img, (xx, 0), (xx, h - 1), (40.0, 0.0, 0.0), 1)
    return np.dstack([np.clip(img, 0, 255), al * 255]).astype(np.uint8)
