"""Playback: the decoded path (exact frames + overlays, real time by the clock,
dropping frames if decoding falls behind) and, when libvlc is usable, VLC with sound.

J/L shuttle: each press in the same direction steps up the speed ladder; K stops.
Backwards play seeks frame by frame through the decoded path.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

SPEEDS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 4.0)


class Playback(QObject):
    stateChanged = Signal(bool)      # playing?
    speedChanged = Signal(float)     # signed speed (negative = backwards)

    def __init__(self, doc, vlc_surface=None, parent=None, audio=None):
        super().__init__(parent)
        self.doc = doc
        self.vlc = vlc_surface
        self.audio = audio          # AudioOut: sound for the decoded path (1x forwards)
        self.using_vlc = False
        self.speed = 1.0
        self.direction = 1
        self.playing = False
        self.shown = 0      # frames displayed since play
        self.skipped = 0    # frames dropped to keep real time
        self._t0 = 0.0
        self._f0 = 0
        self._audio_last = (None, 0.0)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)

    def set_doc(self, doc) -> None:
        self.pause()
        self.doc = doc

    # -- control ----------------------------------------------------------------------
    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self, with_sound: bool = False) -> None:
        if self.doc is None:
            return
        if self.playing:
            self.pause()
        if self.direction > 0 and self.doc.frame >= self.doc.frame_count - 1:
            self.doc.seek(0)
        self.playing = True
        self.shown = self.skipped = 0
        self._restart_clock()
        if with_sound and self.vlc is not None and self.direction > 0:
            self.using_vlc = True
            self.vlc.open(str(self.doc.media.path))
            self.vlc.play_from(self.doc.media.time_of(self.doc.frame), self.speed)
        else:
            self._start_audio()
        self._timer.start()
        self.stateChanged.emit(True)

    def _start_audio(self) -> None:
        a = self.audio
        if a is None or not a.available or self.direction < 0 or self.speed != 1.0 \
                or not self.doc.media.info.audio:
            return
        # the ranges the export redacts: accepted, and pending as the preview shows them
        # (the only export that runs with pending ranges redacts them; ADR 0003)
        ranges = self.doc.project.redacted_audio(accept_pending=True) \
            if self.doc.mode == "preview" else None
        a.start(str(self.doc.media.path), self.doc.media.time_of(self.doc.frame), ranges)

    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        if self.audio is not None:
            self.audio.stop()
        self.playing = False
        if self.using_vlc:
            t = self.vlc.stop()
            self.using_vlc = False
            self.doc.seek(self.doc.media.index_at_time(t))  # snap to the exact decoded frame
        self.stateChanged.emit(False)

    def set_speed(self, speed: float) -> None:
        self.speed = min(max(abs(speed), SPEEDS[0]), SPEEDS[-1])
        self._restart_clock()
        if self.playing and not self.using_vlc and self.audio is not None:
            self.audio.stop()
            self._start_audio()
        if self.using_vlc:
            self.vlc.set_rate(self.speed)
        self.speedChanged.emit(self.speed * self.direction)

    def shuttle(self, direction: int) -> None:
        """J (-1) / L (+1): start, or go one step faster in that direction."""
        if self.playing and direction == self.direction:
            i = min(len(SPEEDS) - 1, SPEEDS.index(self.speed) + 1) if self.speed in SPEEDS else 3
            self.set_speed(SPEEDS[i])
            return
        was_vlc = self.using_vlc
        self.pause()
        self.direction = direction
        self.speed = 1.0
        self.speedChanged.emit(self.speed * self.direction)
        self.play(with_sound=was_vlc and direction > 0)

    def stop_shuttle(self) -> None:
        self.pause()
        self.direction = 1

    # -- clock ----------------------------------------------------------------------------
    def _restart_clock(self) -> None:
        self._audio_last = (None, time.monotonic())
        self._t0 = time.monotonic()
        self._f0 = self.doc.frame if self.doc else 0

    def _tick(self) -> None:
        doc = self.doc
        if self.using_vlc:
            i = doc.media.index_at_time(self.vlc.position_s())
            if i != doc.frame:
                doc.seek(i)  # drives the timecode and timeline; the picture is VLC's
            if not self.vlc.player.is_playing() and time.monotonic() - self._t0 > 1.0:
                self.pause()
            return
        audio_t = self.audio.position_s() if self.audio is not None and self.audio.running else None
        now = time.monotonic()
        if audio_t is not None:
            if audio_t != self._audio_last[0]:
                self._audio_last = (audio_t, now)
            elif now - self._audio_last[1] > 0.5 and now - self._t0 > 1.0:
                self.audio.stop()    # the sound stalled: carry on silent, on the wall clock
                self._f0, self._t0 = doc.frame, now
                audio_t = None
        if audio_t is not None:   # the sound card is the clock while sound plays
            secs = audio_t
        else:
            elapsed = time.monotonic() - self._t0
            secs = doc.media.time_of(self._f0) + self.direction * elapsed * self.speed
        target = doc.media.index_at_time(max(0.0, secs))
        if target == doc.frame:
            if self.direction < 0 and secs <= 0:
                self.pause()
            return
        if abs(target - doc.frame) > 1:
            self.skipped += abs(target - doc.frame) - 1
        self.shown += 1
        doc.seek(target)
        if (self.direction > 0 and target >= doc.frame_count - 1) or \
                (self.direction < 0 and target <= 0):
            self.pause()
