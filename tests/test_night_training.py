"""The night renderer of training/faces/night_centerface.py (the student's input when
CenterFace teaches itself to see in the dark): darker, noisy, in the network's input range,
and repeatable for a seed. Torch is not needed to render."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _night():
    import sys
    sys.path.insert(0, str(ROOT / "training" / "faces"))
    spec = importlib.util.spec_from_file_location("night_centerface", ROOT / "training" / "faces" / "night_centerface.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.night


def test_night_is_darker_noisy_in_range_and_repeatable():
    night = _night()
    day = np.random.default_rng(0).uniform(80, 230, (96, 128, 3)).astype(np.float32)
    outs = [night(day, np.random.default_rng(s)) for s in range(12)]
    for o in outs:
        assert o.shape == day.shape and o.min() >= 0 and o.max() <= 255
        assert np.array_equal(o, np.round(o))                 # whole levels, as a camera's
    assert np.mean([o.mean() for o in outs]) < 0.6 * day.mean()
    assert np.array_equal(night(day, np.random.default_rng(5)), outs[5])
    flat = np.full((96, 128, 3), 150, np.float32)
    assert night(flat, np.random.default_rng(1)).std() > 0.5     # sensor noise and light fall-off
