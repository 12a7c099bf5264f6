"""Clips with synthesised speech at known times (espeak-ng): tests, the self-check and the
speech benchmark. Never used on evidence.

``speech_clip(path, parts)`` speaks each text with ``espeak-ng`` (British English by default)
and lays the parts one after another, with a gap, under a small moving picture; it returns
where each part's speech lies (seconds from the first frame, silence trimmed).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import wave
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import av
import numpy as np


@dataclass(frozen=True)
class Part:
    text: str
    start: float      # speech start and end (seconds from the first video frame)
    end: float


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str = "en-gb", wpm: int = 130) -> tuple[np.ndarray, int]:
    """Mono float32 samples and their rate for ``text``."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    return x, rate


def _active(x: np.ndarray, rate: int, thr: float = 0.01) -> tuple[int, int]:
    idx = np.flatnonzero(np.abs(x) > thr)
    return (int(idx[0]), int(idx[-1]) + 1) if idx.size else (0, 0)


def speech_clip(path: str | os.PathLike, texts: Sequence[str], *, voice: str = "en-gb",
                wpm: int = 130, gap_s: float = 0.6, lead_s: float = 0.5, fps: int = 10,
                size: tuple[int, int] = (160, 120)) -> list[Part]:
    """Write an MP4 (H.264 + mono AAC) of ``texts`` spoken in turn; return their times."""
    rate = None
    pieces, parts = [np.zeros(0, np.float32)], []
    pos = 0
    for text in texts:
        x, r = speak(text, voice, wpm)
        rate = rate or r
        a, b = _active(x, r)
        x = x[a:b]
        pad = int((lead_s if not parts else gap_s) * r)
        pieces.append(np.zeros(pad, np.float32))
        pos += pad
        parts.append(Part(text, pos / r, (pos + len(x)) / r))
        pieces.append(x)
        pos += len(x)
    pieces.append(np.zeros(int(lead_s * rate), np.float32))
    audio = np.concatenate(pieces) * 0.8
    duration = len(audio) / rate
    frames = int(np.ceil(duration * fps))
    w, h = size
    with av.open(os.fspath(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": "30"}
        a_s = out.add_stream("aac", rate=rate, layout="mono")
        yy, xx = np.mgrid[0:h, 0:w]
        for i in range(frames):
            rgb = np.dstack([(xx * 2 + i * 4) % 256, (yy * 2) % 256,
                             np.full_like(xx, 90)]).astype(np.uint8)
            vf = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            vf.pts = i
            vf.time_base = Fraction(1, fps)
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        for t0 in range(0, len(audio), 1024):
            chunk = np.ascontiguousarray(audio[None, t0:t0 + 1024])
            af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            af.sample_rate = rate
            af.pts = t0
            af.time_base = Fraction(1, rate)
            for pkt in a_s.encode(af):
                out.mux(pkt)
        for pkt in a_s.encode():
            out.mux(pkt)
    return parts
