"""Transport bar: buttons, timecode (HH:MM:SS:FF), frame index, capture time, speed, mode."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget)

from ..document import MODE_LABELS, MODES
from ..elided_label import ElidedLabel
from .playback import SPEEDS


def capture_time(captured: Optional[str], seconds: float) -> Optional[str]:
    """Wall-clock time of a frame from the clip's capture time (the camera's creation_time,
    or the case store's record); a time without a zone is UTC (both keep UTC)."""
    if not captured:
        return None
    try:
        t0 = datetime.fromisoformat(captured.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t0.tzinfo is None:
        t0 = t0.replace(tzinfo=timezone.utc)
    t = t0 + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}" + \
        (" UTC" if t.utcoffset() == timedelta(0) else "")


class TransportBar(QWidget):
    seekRequested = Signal(int)
    speedRequested = Signal(float)
    modeRequested = Signal(str)

    def __init__(self, actions: dict, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Transport")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        for name in ("go_start", "back_second", "step_back", "play", "step_forward",
                     "forward_second", "go_end"):
            b = QToolButton(self)
            b.setDefaultAction(actions[name])
            b.setAutoRaise(True)
            b.setToolButtonStyle(Qt.ToolButtonIconOnly)
            b.setAccessibleName(actions[name].iconText())
            lay.addWidget(b)
        mono = QFontDatabase.systemFont(QFontDatabase.FixedFont)
        self.tc = QLabel("00:00:00:00", self)
        self.tc.setFont(mono)
        self.tc.setAccessibleName("Timecode")
        self.tc.setToolTip("Timecode HH:MM:SS:FF (nominal rate)")
        self.tc.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.tc)
        lay.addWidget(QLabel("Frame", self))
        self.frame = QSpinBox(self)
        self.frame.setAccessibleName("Frame index")
        self.frame.setKeyboardTracking(False)
        self.frame.setFont(mono)
        self.frame.valueChanged.connect(self.seekRequested)
        lay.addWidget(self.frame)
        self.total = QLabel("/ 0", self)
        self.total.setFont(mono)
        lay.addWidget(self.total)
        # the capture time and the view mode give way in a narrow window (1280 px, or 200 %
        # on 2560 px): the whole time stays in the label's text and tooltip
        self.captured = ElidedLabel("", self, max_chars=60, min_chars=6)
        self.captured.setAccessibleName("Capture time")
        self.captured.setToolTip("Wall-clock capture time (from the clip's creation time)")
        lay.addWidget(self.captured)
        lay.addStretch(1)
        self.playback_note = ElidedLabel("", self, max_chars=24, min_chars=6)   # gives way first
        self.playback_note.setAccessibleName("Playback engine")
        lay.addWidget(self.playback_note)
        self.speed = QComboBox(self)
        self.speed.setAccessibleName("Playback speed")
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.activated.connect(lambda i: self.speedRequested.emit(self.speed.itemData(i)))
        self.speed.setToolTip("Playback speed (Ctrl+Up / Ctrl+Down; J/L shuttle)")
        lay.addWidget(self.speed)
        self.mode = QComboBox(self)
        self.mode.setAccessibleName("View mode")
        self.mode.setToolTip("View mode (M cycles Edit / Redacted preview / Original)")
        for m in MODES:
            self.mode.addItem(MODE_LABELS[m], m)
        self.mode.setMinimumWidth(self.mode.fontMetrics().averageCharWidth() * 8 +
                                  self.mode.iconSize().width())
        self.mode.activated.connect(lambda i: self.modeRequested.emit(self.mode.itemData(i)))
        lay.addWidget(self.mode)

    def set_note(self, short: str, full: str) -> None:
        self.playback_note.setText(short)
        self.playback_note.setToolTip(full)

    def set_clip(self, frames: int) -> None:
        self.frame.blockSignals(True)
        self.frame.setRange(0, max(0, frames - 1))
        self.frame.blockSignals(False)
        self.total.setText(f"/ {frames - 1}")

    def show_position(self, index: int, tc: str, captured: Optional[str]) -> None:
        self.tc.setText(tc)
        self.frame.blockSignals(True)
        self.frame.setValue(index)
        self.frame.blockSignals(False)
        self.captured.setText(captured or "capture time unknown")

    def show_speed(self, signed: float) -> None:
        s = abs(signed)
        i = self.speed.findData(s)
        if i >= 0:
            self.speed.setCurrentIndex(i)

    def show_mode(self, mode: str) -> None:
        self.mode.setCurrentIndex(MODES.index(mode))
