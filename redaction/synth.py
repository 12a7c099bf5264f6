"""Synthetic clips made with PyAV: test fixtures, the self-test and benchmarks.

Frames carry a moving pattern plus optional solid "objects" whose boxes are known,
and the audio is a tone, so that exports can be checked exactly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Optional, Sequence

import av
import numpy as np


@dataclass
class ClipSpec:
    width: int = 320
    height: int = 240
    frames: int = 30
    fps: Fraction = Fraction(25)
    audio_rate: Optional[int] = 48000
    audio_channels: int = 2
    tone_hz: float = 440.0
    tone_amp: float = 0.3
    rotation: int = 0                       # display rotation to record in the stream
    vfr_pattern: Optional[Sequence[int]] = None  # per-frame durations in time-base ticks
    time_base: Fraction = Fraction(1, 90000)
    codec: str = "libx264"
    gop: int = 12
    bframes: int = 2
    metadata: dict = field(default_factory=dict)
    crf: int = 18
    container: str = "mp4"                  # or "matroska" (keeps a 1/1000 time base)
    pix_fmt: str = "yuv420p"                # yuvj420p: a full-range clip


def pattern_frame(i: int, w: int, h: int) -> np.ndarray:
    """A textured, moving, colourful RGB frame (compresses like real video, not flat)."""
    yy, xx = np.mgrid[0:h, 0:w]
    r = (xx * 255 // max(1, w - 1) + i * 3) % 256
    g = (yy * 255 // max(1, h - 1) + i * 2) % 256
    b = ((xx // 16 + yy // 16) % 2) * 120 + 60
    return np.dstack([r, g, np.full_like(r, 0) + b]).astype(np.uint8)


def write_clip(path: str | os.PathLike, spec: ClipSpec = ClipSpec(),
               frame_fn: Optional[Callable[[int], np.ndarray]] = None) -> str:
    """Write an MP4 (H.264 + AAC; ``spec.container``) clip following ``spec``; returns the path."""
    path = os.fspath(path)
    frame_fn = frame_fn or (lambda i: pattern_frame(i, spec.width, spec.height))
    with av.open(path, "w", format=spec.container) as out:
        if spec.metadata:
            out.metadata.update(spec.metadata)
        vs = out.add_stream(spec.codec, rate=spec.fps)
        vs.width, vs.height, vs.pix_fmt = spec.width, spec.height, spec.pix_fmt
        vs.time_base = spec.time_base
        vs.codec_context.time_base = spec.time_base
        if spec.codec == "libx264":
            vs.options = {"crf": str(spec.crf), "preset": "ultrafast", "g": str(spec.gop),
                          "bf": str(spec.bframes)}
            if spec.bframes:
                vs.options["preset"] = "veryfast"
        if spec.rotation:
            vs.set_display_rotation(-spec.rotation)  # display matrix is counter-clockwise
        a_s = None
        if spec.audio_rate:
            layout = "stereo" if spec.audio_channels == 2 else "mono"
            a_s = out.add_stream("aac", rate=spec.audio_rate, layout=layout)
        tick = 0
        step = int(round(1 / (spec.fps * spec.time_base)))
        for i in range(spec.frames):
            frame = av.VideoFrame.from_ndarray(frame_fn(i), format="rgb24")
            frame.pts = tick
            frame.time_base = spec.time_base
            tick += spec.vfr_pattern[i % len(spec.vfr_pattern)] if spec.vfr_pattern else step
            for pkt in vs.encode(frame):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        if a_s is not None:
            duration = float(tick * spec.time_base)
            _write_tone(out, a_s, spec, duration)
    return path


def _write_tone(out, stream, spec: ClipSpec, duration: float) -> None:
    rate = spec.audio_rate
    total = int(round(duration * rate))
    n = 1024
    t0 = 0
    while t0 < total:
        k = min(n, total - t0)
        t = (np.arange(t0, t0 + k) / rate).astype(np.float32)
        tone = (spec.tone_amp * np.sin(2 * np.pi * spec.tone_hz * t)).astype(np.float32)
        data = np.tile(tone, (spec.audio_channels, 1))
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp",
                                           layout="stereo" if spec.audio_channels == 2 else "mono")
        frame.sample_rate = rate
        frame.pts = t0
        frame.time_base = Fraction(1, rate)
        for pkt in stream.encode(frame):
            out.mux(pkt)
        t0 += k
    for pkt in stream.encode():
        out.mux(pkt)
