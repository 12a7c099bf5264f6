"""The export's audio lane: decoded audio -> redaction -> trimmed to the kept ranges -> AAC
(moved out of :mod:`redaction.export`)."""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

import av
import numpy as np

from .audio import apply_ranges


class AudioLane:
    """Decoded audio -> redaction -> trim to the kept ranges -> AAC frames of 1024.

    Runs on its own thread (see :func:`_encode`): the audio codecs leave the thread's
    floating-point state changed, and libx264's rate control, run after them on the same
    thread, then made slightly different streams from identical frames (measured: exports
    of one project differed run to run). Separate threads keep every export reproducible.

    Samples pass through as packed float ("flt"), held here as channels x n: PyAV finds a
    planar frame's planes by looking for a null pointer after them, and a frame of eight
    channels fills every slot, so it read past the frame (a 7.1 source crashed the export).
    """

    def __init__(self, ias, oas, layout, seg_times, ranges, video_start_s):
        self.ias, self.oas, self.layout = ias, oas, layout
        self.rate = int(ias.rate)
        self.seg = seg_times
        self.ranges = ranges
        self.t_origin = float(video_start_s)
        self.resampler = av.AudioResampler(format="flt", layout=layout, rate=self.rate)
        self.buf: list[np.ndarray] = []
        self.buffered = 0
        self.out_samples = 0
        # where the next decoded sample lies on the source timeline (seconds from the first
        # video frame): decoded frames are taken as contiguous unless their timestamp says
        # otherwise by more than the container can express (its time base: Matroska stores
        # milliseconds, so a frame of 1024 samples is stamped up to half a millisecond off)
        self.next_t: Optional[float] = None
        self.jitter_s = float(ias.time_base or 0) + 1.5 / self.rate
        self.channels = oas.codec_context.channels
        self.ready: list = []  # encoded packets for the muxer (which stays on the main thread)

    def packet(self, packet) -> list:
        """Decode one demuxed packet and return the AAC packets it completes."""
        for frame in packet.decode():
            self.push(frame)
        return self._drain()

    def finish(self) -> list:
        self._finish()
        return self._drain()

    def _drain(self) -> list:
        out, self.ready = self.ready, []
        return out

    def push(self, frame) -> None:
        for rf in self.resampler.resample(frame):
            self._take(rf)

    def _take(self, rf) -> None:
        t0 = self.next_t if rf.pts is None else float(rf.pts * rf.time_base) - self.t_origin
        if t0 is None:
            return
        if self.next_t is not None and abs(t0 - self.next_t) <= self.jitter_s:
            t0 = self.next_t   # contiguous: a rounded timestamp must not cut or pad the sound
        data = rf.to_ndarray().reshape(-1, self.channels).T.astype(np.float32)  # a copy
        self.next_t = t0 + data.shape[1] / self.rate
        apply_ranges(data, t0, self.rate, self.ranges)
        n = data.shape[1]
        for s0, s1, o0 in self.seg:
            a = max(0, int(round((s0 - t0) * self.rate)))
            b = min(n, int(round((s1 - t0) * self.rate)))
            if b <= a:
                continue
            # place the first kept sample of a segment exactly where that segment starts
            target = int(round((o0 + (t0 + a / self.rate - s0)) * self.rate))
            if target > self.out_samples:  # gap (e.g. audio starts late): pad with silence
                pad = target - self.out_samples
                self._emit(np.zeros((data.shape[0], pad), np.float32))
            elif target < self.out_samples:
                a += self.out_samples - target
                if a >= b:
                    continue
            self._emit(data[:, a:b])

    def _emit(self, chunk: np.ndarray) -> None:
        self.buf.append(chunk)
        self.buffered += chunk.shape[1]
        self.out_samples += chunk.shape[1]
        while self.buffered >= 1024:
            self._encode(1024)

    def _encode(self, n: int) -> None:
        data = np.concatenate(self.buf, axis=1) if len(self.buf) > 1 else self.buf[0]
        head, rest = data[:, :n], data[:, n:]
        self.buf = [rest] if rest.shape[1] else []
        self.buffered = rest.shape[1]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(head.T).reshape(1, -1),
                                           format="flt", layout=self.layout)
        frame.sample_rate = self.rate
        frame.pts = self.out_samples - self.buffered - n
        frame.time_base = Fraction(1, self.rate)
        for pkt in self.oas.encode(frame):
            self.ready.append(pkt)

    def _finish(self) -> None:
        for rf in self.resampler.resample(None):
            self._take(rf)
        # pad to the end of the video timeline, then flush
        end = int(round(sum(s1 - s0 for s0, s1, _ in self.seg) * self.rate))
        if end > self.out_samples:
            self._emit(np.zeros((self.channels, end - self.out_samples), np.float32))
        elif end < self.out_samples and self.buffered:
            cut = min(self.buffered, self.out_samples - end)
            last = self.buf[-1]
            self.buf[-1] = last[:, :last.shape[1] - cut]
            self.buffered -= cut
            self.out_samples -= cut
        if self.buffered:
            self._encode(self.buffered)
        for pkt in self.oas.encode(None):
            self.ready.append(pkt)
