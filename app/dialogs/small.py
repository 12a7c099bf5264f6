"""Small dialogs: go to frame/timecode, audio range, annotation."""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QInputDialog, QLineEdit, QWidget)

from redaction.model import AUDIO_MODES
from redaction.timebase import parse_timecode


def goto_frame(text: str, media, count: int) -> int:
    """The frame a typed frame index or time names (a time through the clip's own timestamps),
    kept inside the clip; ValueError with a one-line message if it names none."""
    try:
        i = parse_timecode(text, media.fps, media.index_at_time)
    except ValueError:
        raise ValueError(f"Go to: not a frame index or timecode: {text.strip()!r}") from None
    return max(0, min(count - 1, i))


def ask_goto(parent: QWidget, media, current: int, count: int) -> Optional[int]:
    """The frame to go to, or None when cancelled; ValueError (one line) for text naming none."""
    text, ok = QInputDialog.getText(parent, "Go to", "Frame index (e.g. 250 or #250) or timecode "
                                    "(HH:MM:SS:FF, HH:MM:SS.mmm, or seconds):", text=str(current))
    if not ok or not text.strip():
        return None
    return goto_frame(text, media, count)


def ask_text(parent: QWidget, title: str, label: str, default: str = "") -> Optional[str]:
    """One line of text, or None when cancelled or empty."""
    text, ok = QInputDialog.getText(parent, title, label, text=default)
    return text.strip() if ok and text.strip() else None


class _EditDialog(QDialog):
    """OK / Cancel, and optionally a destructive Delete that sets ``deleted``."""
    deleted = False

    def _buttons(self, form: QFormLayout, delete_label: Optional[str]) -> None:
        bb = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        if delete_label:
            bb.addButton(delete_label, QDialogButtonBox.DestructiveRole).clicked.connect(self._delete)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        form.addRow(bb)

    def _delete(self) -> None:
        self.deleted = True
        self.accept()


class AudioRangeDialog(_EditDialog):
    def __init__(self, parent, start: float, end: float, duration: float, reasons: list[str],
                 mode: str = "mute", reason: str = "", allow_delete: bool = False):
        super().__init__(parent)
        self.setWindowTitle("Audio redaction")
        self.deleted = False
        f = QFormLayout(self)
        self.start = QDoubleSpinBox(self)
        self.end = QDoubleSpinBox(self)
        for w, v, name in ((self.start, start, "Start"), (self.end, end, "End")):
            w.setRange(0, max(duration, end))
            w.setDecimals(3)
            w.setSuffix(" s")
            w.setValue(v)
            w.setAccessibleName(f"{name} (seconds)")
            f.addRow(name, w)
        self.mode = QComboBox(self)
        self.mode.addItems(AUDIO_MODES)
        self.mode.setCurrentText(mode)
        self.mode.setAccessibleName("Mode: mute or bleep")
        f.addRow("Mode", self.mode)
        self.reason = QComboBox(self)
        self.reason.setEditable(True)
        self.reason.addItems(["Third party speech", "Personal data spoken (name, address, DoB)",
                              "Radio transmission", *reasons])
        self.reason.setCurrentText(reason or self.reason.itemText(0))
        self.reason.setAccessibleName("Reason")
        f.addRow("Reason", self.reason)
        self._buttons(f, "Delete range" if allow_delete else None)

    def values(self) -> tuple[float, float, str, str]:
        return self.start.value(), self.end.value(), self.mode.currentText(), self.reason.currentText().strip()


class AnnotationDialog(_EditDialog):
    def __init__(self, parent, frame: int, end: Optional[int], categories: list[str],
                 category: str = "incident", note: str = "", allow_delete: bool = False):
        super().__init__(parent)
        self.setWindowTitle("Annotation")
        self.deleted = False
        f = QFormLayout(self)
        f.addRow("Frames", QLineEdit(f"{frame}" + (f"–{end}" if end is not None else ""), self,
                                     readOnly=True))
        self.category = QComboBox(self)
        self.category.setEditable(True)
        self.category.addItems(categories)
        self.category.setCurrentText(category)
        self.category.setAccessibleName("Category")
        f.addRow("Category", self.category)
        self.note = QLineEdit(note, self)
        self.note.setAccessibleName("Note")
        self.note.setMinimumWidth(320)
        f.addRow("Note", self.note)
        self._buttons(f, "Delete" if allow_delete else None)
