"""The leak benchmark's light conditions (bench/scene_light.py): night under street lamps,
blue emergency lights, a subject in shade against a bright background. The light changes
the picture, never where the scene's objects are."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scene_light import SceneLight  # noqa: E402

W, H = 320, 180
WORLD = (240, 640)


def _picture(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(60, 220, (H, W, 3), dtype=np.uint8)


def _cam(dx: float = 0.0) -> np.ndarray:
    return np.array([[1.0, 0, -100 - dx], [0, 1.0, -30], [0, 0, 1]])


def test_day_is_the_picture_unchanged():
    light = SceneLight("day", WORLD, (W, H), 30.0, 0)
    img = _picture()
    assert light.apply(img, _cam(), 0) is img
    assert light.object_gain() == 1.0 and not light.noisy


def test_night_is_dark_tinted_noisy_and_repeatable():
    img = _picture()
    a = [SceneLight("night", WORLD, (W, H), 30.0, 3).apply(img, _cam(), 0) for _ in range(2)]
    assert np.array_equal(a[0], a[1])                       # same seed, same picture
    night = a[0].astype(float)
    assert night.mean() < 0.6 * img.mean()                  # dark
    r, b = night[..., 0].mean(), night[..., 2].mean()
    assert r > 1.3 * b                                      # sodium lamps: orange
    flat = np.full((H, W, 3), 128, np.uint8)                # noise on a flat grey picture
    assert SceneLight("night", WORLD, (W, H), 30.0, 3).apply(flat, _cam(), 0)[60:120, 100:200].std() > 1.0
    other = SceneLight("night", WORLD, (W, H), 30.0, 4).apply(img, _cam(), 0)
    assert not np.array_equal(other, a[0])                  # another seed, other lamps


def test_the_lamps_belong_to_the_world_not_the_screen():
    """Panning the camera moves the pools of light across the picture with the world."""
    light = SceneLight("night", WORLD, (W, H), 30.0, 1)
    flat = np.full((H, W, 3), 160, np.uint8)
    lit = [light.apply(flat, _cam(dx), i).astype(float).mean(axis=(0, 2)) for i, dx in enumerate((0.0, 80.0))]
    # the brightness profile across the picture, shifted 80 px left by an 80-px pan
    # (gains differ between the frames: compare shapes, normalised)
    p0 = lit[0][80:] / lit[0][80:].mean()
    p1 = lit[1][:-80] / lit[1][:-80].mean()
    unshifted = lit[1][80:] / lit[1][80:].mean()
    assert np.abs(p0 - p1).mean() < np.abs(p0 - unshifted).mean()


def test_blue_lights_flash_twice_every_0_4_s():
    light = SceneLight("night_blue", WORLD, (W, H), 30.0, 2)
    flashes = [light._flash(i) for i in range(120)]
    assert 16 <= sum(flashes) <= 24                         # 4 s: 20 flashes of ~1.5 frames
    flat = np.full((H, W, 3), 150, np.uint8)
    on = next(i for i, f in enumerate(flashes) if f)
    off = next(i for i, f in enumerate(flashes) if not f and i > on + 3)
    blue = [light.apply(flat, _cam(), i).astype(float) for i in (on, off)]
    assert blue[0][..., 2].mean() > 1.5 * blue[1][..., 2].mean()


def test_backlit_subjects_are_in_shade_and_the_background_is_bright():
    light = SceneLight("backlit", WORLD, (W, H), 30.0, 0)
    gains = [light.object_gain() for _ in range(50)]
    assert 0.15 <= min(gains) and max(gains) <= 0.35
    img = _picture()
    assert light.apply(img, _cam(), 0).mean() > img.mean()


def test_an_unknown_light_is_refused():
    with pytest.raises(KeyError):
        SceneLight("dusk", WORLD, (W, H), 30.0, 0)


EVAL = ROOT.parent / "shared" / "eval" / "images"


@pytest.mark.skipif(not (EVAL / "faces_dlib" / "gt.json").exists(), reason="../shared/eval is not beside the repository")
def test_a_night_scene_is_the_day_scene_in_another_light():
    from hard_scenes import HardScene, scenario
    night = scenario("night")
    scenes = [HardScene(sc, 12, seed=1) for sc in (night, replace(night, light="day"))]
    frames = [[s.frame(i) for i in range(12)][-1] for s in scenes]
    gts = [s.gt(11) for s in scenes]
    assert [g[2] for g in gts[0]] == [g[2] for g in gts[1]]          # the same objects, same place
    assert all("night" in g[4] for g in gts[0]) and not any("night" in g[4] for g in gts[1])
    assert frames[0].mean() < 0.7 * frames[1].mean()
