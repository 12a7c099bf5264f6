"""Rendering: solid fill exact, pixelate/blur destroy detail, margins and clipping."""
import cv2
import numpy as np
import pytest

from redaction.media import split_yuv420p
from redaction.model import Style
from redaction.render import expand_box, preview_rgb, render_rgb, render_yuv420p, to_rect


def textured_yuv(h=240, w=320, seed=1):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    rgb = cv2.GaussianBlur(rgb, (3, 3), 0)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


def test_solid_fill_is_exact_and_leaves_rest_untouched():
    f = textured_yuv()
    orig = f.copy()
    rect = (31, 41, 131, 141)  # odd origin: chroma must still cover the whole box
    render_yuv420p(f, [rect], Style(color=(0, 0, 0)))
    y, u, v = split_yuv420p(f)
    assert (y[41:141, 31:131] == 16).all()
    assert (u[20:71, 15:66] == 128).all() and (v[20:71, 15:66] == 128).all()
    oy = split_yuv420p(orig)[0]
    mask = np.ones_like(y, bool)
    mask[41:141, 31:131] = False
    assert np.array_equal(y[mask], oy[mask])
    rgb = preview_rgb(orig, [rect], Style())
    assert rgb[41:141, 31:131].max() <= 1  # black in RGB too


@pytest.mark.parametrize("mode", ["pixelate", "blur"])
def test_weak_styles_remove_detail(mode):
    f = textured_yuv()
    orig = split_yuv420p(f.copy())[0][40:140, 40:140].astype(np.float64)
    render_yuv420p(f, [(40, 40, 140, 140)], Style(mode=mode))
    red = split_yuv420p(f)[0][40:140, 40:140].astype(np.float64)
    # Laplacian energy (fine detail) falls by over 90 %; correlation with the original is weak
    lap = lambda a: cv2.Laplacian(a, cv2.CV_64F).var()
    assert lap(red) < 0.1 * lap(orig)
    corr = np.corrcoef(orig.ravel(), red.ravel())[0, 1]
    assert corr < 0.5
    if mode == "pixelate":  # blocks of at least 6 px are flat
        assert np.ptp(red[:12, :12]) == 0


def test_margin_and_clipping():
    assert expand_box((10, 10, 100, 50), 0.1) == pytest.approx((0, 5, 120, 60))
    assert expand_box((10, 10, 100, 50), 0.1, 2) == pytest.approx((-2, 3, 124, 64))


def test_pixel_margin_covers_a_small_box_a_fraction_does_not():
    """A 15-px face whose detected box is 3 px off (under one stride of a stride-4 detector):
    15 % of the size alone leaves two columns of it showing; the default 2-px margin covers it."""
    from redaction.render import style_box
    face = (40, 40, 15, 15)
    det = (44, 44, 15, 15)
    x0, y0, _, _ = to_rect(expand_box(det, 0.15), 100, 100)
    assert x0 > face[0] and y0 > face[1]          # floor(44 - 2.25) = 41: a column leaks
    assert Style().margin_px == 2.0
    x0, y0, x1, y1 = to_rect(style_box(det, Style()), 100, 100)
    assert x0 <= face[0] and y0 <= face[1] and x1 >= face[0] + 15 and y1 >= face[1] + 15
    assert to_rect((-20.5, -5, 50, 50), 64, 48) == (0, 0, 30, 45)
    assert to_rect((100, 100, 10, 10), 64, 48) is None


def test_render_rgb_solid():
    img = np.full((50, 60, 3), 200, np.uint8)
    render_rgb(img, [(0, 0, 10, 10)], Style(color=(255, 0, 0)))
    assert (img[:10, :10] == [255, 0, 0]).all() and (img[10:, :] == 200).all()
