"""Sound for decoded-path playback: the clip's audio through Qt Multimedia (QAudioSink),
with the project's mute/bleep ranges applied in Redacted preview (the export's own
``redaction.audio.apply_ranges``), so what is heard in preview is what is disclosed.

Only at 1x forwards (other speeds play silent). The audio position is the playback clock
while it runs. Without an output device or Qt Multimedia, :func:`probe_audio` says why and
playback stays silent.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Iterator, Optional

import av
import numpy as np
from PySide6.QtCore import QObject, QTimer

from redaction.audio import apply_ranges
from redaction.media import open_container, timeline_origin

log = logging.getLogger("bwv.gui.audio")
RATE = 48000


def pcm_chunks(path: str, t0: float, ranges=None, rate: int = RATE,
               stop: Optional[threading.Event] = None) -> Iterator[np.ndarray]:
    """Float32 stereo chunks (2 x n) from ``t0`` seconds (relative to the first video frame),
    redacted by ``ranges`` when given."""
    c = open_container(path)
    try:
        if not c.streams.audio:
            return
        a = c.streams.audio[0]
        v0 = timeline_origin(path)   # frame 0, as the export places the sound
        if t0 > 0:
            c.seek(int((t0 + v0) / a.time_base), stream=a, backward=True)
        res = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
        for frame in c.decode(a):
            if stop is not None and stop.is_set():
                return
            for rf in res.resample(frame):
                if rf.pts is None:
                    continue
                t = float(rf.pts * rf.time_base) - v0
                x = rf.to_ndarray().astype(np.float32, copy=True)
                if t + x.shape[1] / rate <= t0:
                    continue
                if t < t0:  # trim to the start position
                    x = x[:, int(round((t0 - t) * rate)):]
                    t = t0
                if ranges:
                    apply_ranges(x, t, rate, ranges)
                yield x
    finally:
        c.close()


def probe_audio() -> tuple[bool, str]:
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return False, "decoded playback silent (no Qt Multimedia)"
    dev = QMediaDevices.defaultAudioOutput()
    if dev.isNull():
        return False, "decoded playback silent (no audio device)"
    return True, f"decoded playback sound: {dev.description()}"


class AudioOut(QObject):
    """Push-mode QAudioSink fed by a decoding thread."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.available, self.status = probe_audio()
        self._sink = None
        self._io = None
        self._q: "queue.Queue[bytes]" = queue.Queue(maxsize=64)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._pending = b""
        self._t0 = 0.0
        self._timer = QTimer(self, interval=10, timeout=self._feed)

    @property
    def running(self) -> bool:
        return self._sink is not None

    def start(self, path: str, t0: float, ranges=None) -> bool:
        if not self.available:
            return False
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices
        self.stop()
        fmt = QAudioFormat()
        fmt.setSampleRate(RATE)
        fmt.setChannelCount(2)
        fmt.setSampleFormat(QAudioFormat.Int16)
        self._sink = QAudioSink(QMediaDevices.defaultAudioOutput(), fmt, self)
        self._stop = threading.Event()
        self._q = queue.Queue(maxsize=64)
        self._pending = b""
        self._t0 = t0
        self._thread = threading.Thread(target=self._produce, args=(path, t0, ranges, self._stop),
                                        daemon=True, name="bwv-audio")
        self._thread.start()
        self._io = self._sink.start()
        self._timer.start()
        return True

    def _produce(self, path, t0, ranges, stop) -> None:
        try:
            for x in pcm_chunks(path, t0, ranges, stop=stop):
                pcm = (np.clip(x.T, -1, 1) * 32767).astype("<i2").tobytes()
                while not stop.is_set():
                    try:
                        self._q.put(pcm, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except Exception as e:  # noqa: BLE001 - sound is best effort; the picture goes on
            log.warning("audio playback stopped: %s", e)

    def _feed(self) -> None:
        if self._sink is None or self._io is None:
            return
        free = self._sink.bytesFree()
        while free > 0:
            if not self._pending:
                try:
                    self._pending = self._q.get_nowait()
                except queue.Empty:
                    return
            n = self._io.write(self._pending[:free])
            if n <= 0:
                return
            self._pending = self._pending[n:]
            free -= n

    def position_s(self) -> Optional[float]:
        if self._sink is None:
            return None
        return self._t0 + self._sink.processedUSecs() / 1e6

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        if self._sink is not None:
            self._sink.stop()
            self._sink.deleteLater()
        self._sink, self._io = None, None
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
