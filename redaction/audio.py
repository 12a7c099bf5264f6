"""Audio redaction on decoded samples: mute or bleep ranges on the source timeline."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .model import AudioRange

BLEEP_HZ = 1000.0
BLEEP_AMPLITUDE = 0.25  # about -12 dBFS: clearly a tone, not painful


def apply_ranges(samples: np.ndarray, t0: float, rate: int, ranges: Iterable[AudioRange]) -> np.ndarray:
    """Mute/bleep ``samples`` (channels x n, float, in place) that start at ``t0`` seconds."""
    n = samples.shape[1]
    t_end = t0 + n / rate
    for r in ranges:
        if r.end <= t0 or r.start >= t_end:
            continue
        a = max(0, int(np.ceil((r.start - t0) * rate - 1e-9)))
        b = min(n, int(np.ceil((r.end - t0) * rate - 1e-9)))
        if b <= a:
            continue
        chans = range(samples.shape[0]) if r.channels is None else \
            [c for c in r.channels if c < samples.shape[0]]
        if r.mode == "mute":
            for c in chans:
                samples[c, a:b] = 0.0
        elif r.mode == "bleep":
            t = t0 + np.arange(a, b, dtype=np.float64) / rate
            tone = (BLEEP_AMPLITUDE * np.sin(2 * np.pi * BLEEP_HZ * t)).astype(samples.dtype)
            for c in chans:
                samples[c, a:b] = tone
        else:
            raise ValueError(f"unknown audio mode {r.mode!r}")
    return samples


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level in dBFS of float samples (full scale = 1.0)."""
    x = np.asarray(samples, dtype=np.float64)
    rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
    return -200.0 if rms <= 1e-10 else 20 * np.log10(rms)


def waveform_envelope(samples: np.ndarray, buckets: int) -> np.ndarray:
    """Peak envelope (buckets x 2: min, max) of mono-mixed samples, for timeline lanes."""
    mono = samples.mean(axis=0) if samples.ndim == 2 else samples
    if mono.size == 0 or buckets <= 0:
        return np.zeros((max(0, buckets), 2), dtype=np.float32)
    edges = np.linspace(0, mono.size, buckets + 1).astype(int)
    out = np.zeros((buckets, 2), dtype=np.float32)
    for i in range(buckets):
        seg = mono[edges[i]:max(edges[i] + 1, edges[i + 1])]
        out[i] = (seg.min(), seg.max())
    return out
