"""The timeline dock's content: the lanes plus a scroll bar and zoom buttons. The lanes sit
in a vertical scroll area: with more tracks than the dock's height holds at the label's
font height, they scroll instead of squeezing the rows."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QScrollArea, QScrollBar, QToolButton,
                               QVBoxLayout, QWidget)

from .lanes import TimelineView


class TimelinePanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = TimelineView(self)
        self.area = QScrollArea(self)
        self.area.setWidget(self.view)
        self.area.setWidgetResizable(True)
        self.area.setFrameShape(QFrame.NoFrame)
        self.area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.area.setAccessibleName("Timeline lanes")
        self.scroll = QScrollBar(Qt.Horizontal, self)
        self.scroll.setAccessibleName("Timeline scroll")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.area, 1)
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        for text, name, slot in (("−", "Zoom timeline out", lambda: self.view.zoom(0.5)),
                                 ("+", "Zoom timeline in", lambda: self.view.zoom(2.0)),
                                 ("Fit", "Fit the whole clip", self.fit)):
            b = QToolButton(self)
            b.setText(text)
            b.setAccessibleName(name)
            b.setToolTip(name)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addWidget(self.scroll, 1)
        lay.addLayout(row)
        self.view.viewChanged.connect(self._sync_scroll)
        self.scroll.valueChanged.connect(self._scrolled)
        self._sync_scroll()

    def fit(self) -> None:
        self.view.fit = True
        self.view._update_fit()
        self.view.viewChanged.emit()
        self.view.update()

    def show_row(self, tid) -> None:
        """Scroll the lanes up or down so the track's row is in view (a selection)."""
        v = self.view
        ids = [t.id for t in v.doc.project.tracks] if v.doc else []
        if tid in ids:
            y0, h = v.lanes()["lane"]
            self.area.ensureVisible(0, int(y0 + (ids.index(tid) + 0.5) * h), 0, int(h))

    def _sync_scroll(self) -> None:
        v = self.view
        if not v.doc or v.fit:
            self.scroll.setRange(0, 0)
            return
        vis = int(v.visible_frames())
        self.scroll.blockSignals(True)
        self.scroll.setRange(0, max(0, v.doc.frame_count - vis))
        self.scroll.setPageStep(max(1, vis))
        self.scroll.setValue(int(v.offset))
        self.scroll.blockSignals(False)

    def _scrolled(self, value: int) -> None:
        self.view.offset = float(value)
        self.view.update()
