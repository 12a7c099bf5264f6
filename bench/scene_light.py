"""Light for the hard scenes (bench/hard_scenes.py): night under street lamps, emergency
lights at night, and people against a bright background.

Body-worn cameras record much of their evidential footage at night (town centres, domestic
incidents). There a face is dark, noisy, tinted by the lamps and smeared by the camera's
noise reduction, and it brightens and darkens as it walks through pools of lamp light; blue
emergency lights flash over the whole picture twice every few tenths of a second; and by day
a person in front of a bright window or sky is a dark figure, because the camera exposes for
the background. None of this is in the day-lit scenes, so the detectors were never measured
on it.

The model works on linear light (sRGB decoded with a 2.2 power):
- ``night``: a world-anchored illumination map (ambient 0.03-0.06 plus lamp pools that fall
  off as Gaussians of 150-400 px, so objects pass through light and dark), a sodium tint,
  sensor shot and read noise, an auto-exposure gain that follows the picture's brightness
  with a lag (about 0.3 s) and is capped, and the camera's noise reduction (a small blur).
- ``night_blue``: the same with white LED lamps and a blue emergency light flashing twice
  every 0.4 s from one side of the picture (a broad gradient, so one flash lights one side
  more), which the auto-exposure does not follow within a flash.
- ``backlit``: daylight, the background exposed up and partly blown out, veiling glare,
  and every object darkened to 0.15-0.35 of its light (the subject is in shade).

Random draws use their own generator (seeded from the scene's seed), so the day scenes'
objects and motion are the same with or without this module.
"""
from __future__ import annotations

import cv2
import numpy as np

LIGHTS = ("day", "night", "night_blue", "backlit")
GAMMA = 2.2


def _lamps(shape: tuple[int, int], rng) -> np.ndarray:
    """Illumination of the world (at a quarter of its size): ambient plus lamp pools, 0..1."""
    h, w = shape[0] // 4 + 1, shape[1] // 4 + 1
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    m = np.full((h, w), rng.uniform(0.03, 0.06), np.float32)
    for _ in range(max(3, int(shape[1] / 900))):
        cx, cy = rng.uniform(0, w), rng.uniform(0.1 * h, 0.9 * h)
        s = rng.uniform(150, 400) / 4
        m += rng.uniform(0.4, 1.0) * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * s * s))
    return np.clip(m, 0, 1)


class SceneLight:
    """``object_gain()`` once per object when it is placed; ``apply(img, cam, i)`` on each
    rendered frame (after motion blur, before the scene's own noise)."""

    def __init__(self, kind: str, world_shape: tuple[int, int], size: tuple[int, int],
                 fps: float, seed: int):
        if kind not in LIGHTS:
            raise KeyError(f"no light {kind!r}; choose from {', '.join(LIGHTS)}")
        self.kind, self.size, self.fps = kind, size, fps
        self.rng = np.random.default_rng([seed, 1009])
        self.gain = None
        if kind in ("night", "night_blue"):
            self.illum = _lamps(world_shape, self.rng)
            self.tint = np.float32((1.0, 0.72, 0.38) if kind == "night" else (0.9, 0.95, 1.0))
            self.flash_side = float(self.rng.choice([-1.0, 1.0]))
            self.flash_phase = float(self.rng.uniform(0, 0.4))

    @property
    def noisy(self) -> bool:
        """Whether :meth:`apply` adds its own sensor noise (the scene then adds none)."""
        return self.kind in ("night", "night_blue")

    def object_gain(self) -> float:
        return float(self.rng.uniform(0.15, 0.35)) if self.kind == "backlit" else 1.0

    def _flash(self, i: int) -> float:
        """Strength of the blue light on frame ``i``: two 50-ms flashes every 0.4 s."""
        t = (i / self.fps + self.flash_phase) % 0.4
        return 1.0 if (t < 0.05 or 0.1 <= t < 0.15) else 0.0

    def apply(self, img: np.ndarray, cam: np.ndarray, i: int) -> np.ndarray:
        if self.kind == "day":
            return img
        lin = (img.astype(np.float32) / 255.0) ** GAMMA
        W, H = self.size
        if self.kind == "backlit":
            lin = np.clip(lin * 1.6 + 0.03, 0, 1)            # exposed for the sky; glare
        else:
            s = np.diag([0.25, 0.25, 1.0]) @ cam @ np.diag([4.0, 4.0, 1.0])
            small = cv2.warpAffine(self.illum, s[:2], (W // 4 + 1, H // 4 + 1),
                                   flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
            light = cv2.resize(small, (W, H), interpolation=cv2.INTER_LINEAR)[..., None] * self.tint
            if self.kind == "night_blue" and self._flash(i):
                ramp = np.linspace(0.2, 1.0, W, dtype=np.float32)
                ramp = ramp if self.flash_side > 0 else ramp[::-1]
                light = light + 2.5 * ramp[None, :, None] * np.float32((0.02, 0.12, 1.0))
            sig = lin * light * 0.25                            # the sensor's exposure
            sig = sig + self.rng.normal(0, 1, sig.shape).astype(np.float32) * np.sqrt(0.0015 * sig + 0.002 ** 2)
            mean = float(max(1e-4, sig.mean()))
            want = float(np.clip(0.04 / mean, 1.0, 4.0))        # auto-exposure, capped gain
            self.gain = want if self.gain is None else self.gain + 0.12 * (want - self.gain)
            lin = np.clip(sig * self.gain, 0, 1)
        out = (lin ** (1 / GAMMA) * 255.0).astype(np.float32)
        if self.noisy:
            out = cv2.GaussianBlur(out, (0, 0), 0.8)           # the camera's noise reduction
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)
