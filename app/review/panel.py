"""Review dock: decision controls, bulk decisions, the filterable track list, coverage."""
from __future__ import annotations

from typing import Optional


import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QMenu, QProgressBar, QPushButton, QSizePolicy,
                               QSpinBox, QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout,
                               QWidget)

from redaction.model import KINDS
from redaction.workspace import default_reason, focus_kind, reason_for_kind, span_problem

from ..themes import alert_color
from .checks import ChecksBox

FILTERS = [("Pending first", None), ("Pending only", "pending"), ("Redact (accepted)", "accepted"),
           ("Rejected", "rejected"), ("Keep clear", "keep_clear")]
STATUS_LABEL = {"pending": "Pending", "accepted": "Redact", "rejected": "Rejected",
                "keep_clear": "Keep clear"}
COLUMNS = ["", "Track", "Kind", "Span (frames)", "Conf.", "Status", "Reason"]


def rgb_icon(rgb: np.ndarray) -> QIcon:
    rgb = np.ascontiguousarray(rgb)
    img = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format_RGB888)
    return QIcon(QPixmap.fromImage(img.copy()))


class ReviewPanel(QWidget):
    jumpRequested = Signal(str)            # track id
    kindRequested = Signal(str)
    acceptAllRequested = Signal(str)       # kind
    rejectShortRequested = Signal(int)

    def __init__(self, actions: dict, reasons: list[str], parent=None):
        super().__init__(parent)
        self.setAccessibleName("Review panel")
        self.doc = None
        self.icons: dict[str, QIcon] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)

        box = QGroupBox("Decision", self)
        g = QGridLayout(box)
        g.setContentsMargins(6, 6, 6, 6)
        self.current = QLabel("No track selected", box)
        self.current.setWordWrap(True)
        self.current.setAccessibleName("Selected track")
        g.addWidget(self.current, 0, 0, 1, 3)
        g.addWidget(QLabel("Reason", box), 1, 0)
        self.reason = QComboBox(box)
        self.reason.setEditable(True)
        self.reason.setAccessibleName("Reason")
        self.reason.setToolTip("Reason recorded with the decision: pick one or type your own")
        self.reason.addItems(reasons)
        # the text the panel filled in itself (a stock reason to redact): Reject and Keep
        # clear need a reason the officer chose (controllers.editing.decide)
        self._auto_reason = self.reason.currentText()
        self._chosen = False            # the officer picked or typed the reason shown
        # the reason just recorded for Reject or Keep clear, while the box still shows it and
        # the officer has not picked or typed it again: not a reason to redact (carried_reason)
        self._carried: Optional[str] = None
        self.reason.activated.connect(self._reason_chosen)
        self.reason.lineEdit().textEdited.connect(self._reason_chosen)
        self.reason.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.reason.setMinimumContentsLength(12)
        g.addWidget(self.reason, 1, 1, 1, 2)
        for c, name in enumerate(("accept", "reject", "keep_clear")):
            g.addWidget(self._button(actions[name], box), 2, c)
        for c, name in enumerate(("set_start", "set_end")):
            g.addWidget(self._button(actions[name], box), 3, c)
        self.kind = QComboBox(box)
        self.kind.setAccessibleName("Kind of the selected track")
        self.kind.setToolTip("Kind of the selected track")
        self.kind.addItems(KINDS)
        self.kind.activated.connect(lambda i: self.kindRequested.emit(self.kind.itemText(i)))
        g.addWidget(self.kind, 3, 2)
        for c, name in enumerate(("split", "merge", "delete")):
            g.addWidget(self._button(actions[name], box), 4, c)
        lay.addWidget(box)

        bulk = QGroupBox("Bulk (one undo each)", self)
        bl = QHBoxLayout(bulk)
        bl.setContentsMargins(6, 6, 6, 6)
        # a push button sizes itself for its text and the menu arrow (a tool button in
        # instant-popup mode drew the arrow over the end of "Accept all…")
        acc = QPushButton("Accept all…", bulk)
        acc.setAccessibleName("Accept all pending tracks of a kind")
        acc.setToolTip("Accept every pending track of a kind (with the reason for that kind)")
        menu = QMenu(acc)
        for k in KINDS:
            menu.addAction(f"…{k}s", lambda k=k: self._accept_all(k))
        acc.setMenu(menu)
        self.accept_all = acc
        bl.addWidget(acc)
        rej = QToolButton(bulk)
        rej.setText("Reject shorter than")
        rej.setToolTip("Reject every pending track shorter than this many frames")
        rej.setAccessibleName("Reject pending tracks shorter than N frames")
        self.short_n = QSpinBox(bulk)
        self.short_n.setRange(1, 100000)
        self.short_n.setValue(5)
        self.short_n.setSuffix(" fr")
        self.short_n.setAccessibleName("Minimum track length in frames")
        rej.clicked.connect(lambda: self.rejectShortRequested.emit(self.short_n.value()))
        bl.addWidget(rej)
        bl.addWidget(self.short_n)
        bl.addStretch(1)
        lay.addWidget(bulk)
        self.bulk = bulk

        frow = QHBoxLayout()
        frow.addWidget(QLabel("Show", self))
        self.filter = QComboBox(self)
        self.filter.setAccessibleName("Track filter")
        for label, _ in FILTERS:
            self.filter.addItem(label)
        self.filter.currentIndexChanged.connect(self.refresh)
        frow.addWidget(self.filter, 1)
        self.counts = QLabel("", self)
        frow.addWidget(self.counts)
        lay.addLayout(frow)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setAccessibleName("Tracks")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setIconSize(QSize(40, 40))
        self.table.verticalHeader().setDefaultSectionSize(44)
        hh = self.table.horizontalHeader()
        for c in range(len(COLUMNS) - 1):
            hh.setSectionResizeMode(c, QHeaderView.ResizeToContents)
        hh.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.Stretch)
        self.table.cellClicked.connect(self._clicked)
        self.table.cellActivated.connect(self._clicked)
        lay.addWidget(self.table, 1)

        self.checks = ChecksBox(self)
        lay.addWidget(self.checks)

        cov = QHBoxLayout()
        cov.addWidget(QLabel("Watched in preview", self))
        self.coverage = QProgressBar(self)
        self.coverage.setAccessibleName("Coverage: share of frames watched in redacted preview")
        self.coverage.setRange(0, 1000)
        self.coverage.setFormat("%p%")
        cov.addWidget(self.coverage, 1)
        lay.addLayout(cov)

    def set_redact_allowed(self, why) -> None:
        """Grey what edits the project outside the actions (the kind, bulk decisions, marking
        a check done) when the role may not redact; ``why``: the reason, or None."""
        tip = "" if why is None else f"Not allowed: {why}"
        self.bulk.setEnabled(why is None)
        self.bulk.setToolTip(tip)
        self.kind.setEnabled(why is None)
        self.kind.setToolTip(tip or "Kind of the selected track")
        self.checks.set_allowed(why)

    @staticmethod
    def _button(action, parent) -> QToolButton:
        b = QToolButton(parent)
        b.setDefaultAction(action)
        b.setToolButtonStyle(Qt.ToolButtonTextOnly)
        b.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        return b

    # -- data -------------------------------------------------------------------------
    def set_doc(self, doc) -> None:
        self.doc = doc
        self.icons = {}
        self.refresh()
        self.show_coverage(doc.coverage() if doc else 0.0)

    def set_icons(self, crops: dict) -> None:
        for k, rgb in crops.items():
            self.icons[k] = rgb_icon(rgb)
        self.refresh()

    def ordered_tracks(self):
        if not self.doc:
            return []
        want = FILTERS[self.filter.currentIndex()][1]
        tracks = self.doc.project.tracks
        if want is None:
            return sorted(tracks, key=lambda t: (t.status != "pending", t.first_frame))
        return sorted((t for t in tracks if t.status == want), key=lambda t: t.first_frame)

    def refresh(self) -> None:
        tracks = self.ordered_tracks()
        t_all = self.doc.project.tracks if self.doc else []
        npend = sum(t.status == "pending" for t in t_all)
        nout = sum(span_problem(t, self.doc.frame_count) is not None for t in t_all) if self.doc else 0
        self.counts.setText(f"{len(t_all)} tracks, {npend} pending"
                            + (f", {nout} outside the clip" if nout else ""))
        # refill a table emptied of its rows: setting the items of one that still has them
        # (and a selected row) costs time in the square of the rows, even after
        # clearContents (600 tracks: 49 s a selection); keep where the list was scrolled
        scroll = self.table.verticalScrollBar().value()
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(0)
        self.table.setRowCount(len(tracks))
        sel_row = -1
        for r, t in enumerate(tracks):
            conf = t.mean_score()
            low = "low_confidence" in t.flags
            outside = span_problem(t, self.doc.frame_count)
            vals = ["", t.id, t.kind, f"{t.first_frame}–{t.last_frame}" + (" ⚠" if outside else ""),
                    ("" if conf is None else f"{conf:.2f}") + (" low" if low else ""),
                    STATUS_LABEL.get(t.status, t.status), t.reason]
            for c, v in enumerate(vals):
                it = QTableWidgetItem(v)
                if c == 0:
                    ic = self.icons.get(t.id)
                    if ic is not None:
                        it.setIcon(ic)
                it.setData(Qt.UserRole, t.id)
                if c == 3 and outside:
                    it.setForeground(QBrush(alert_color()))
                    it.setToolTip(f"Track {t.id}: {outside}. Shorten it with Start/End here, or "
                                  "delete it.")
                if c == 4 and low:
                    it.setForeground(QBrush(alert_color()))
                    it.setToolTip("Low confidence: only candidates (below the detector's threshold "
                                  "or doubted by the plate verifier). Look before deciding.")
                self.table.setItem(r, c, it)
            if self.doc and t.id == self.doc.selected:
                sel_row = r
        if sel_row >= 0:
            self.table.selectRow(sel_row)
        else:
            self.table.clearSelection()
        self.table.verticalScrollBar().setValue(scroll)
        self.table.setUpdatesEnabled(True)
        self.checks.set_checks(self.doc.checks() if self.doc else [])
        self.show_selected()
        self.follow_kind()

    def reasons(self) -> list[str]:
        return [self.reason.itemText(i) for i in range(self.reason.count())]

    def follow_kind(self, kind=None) -> None:
        """Offer the stock reason for the kind being decided (the selected track's, else the
        pending tracks' most common kind): a plate-only project never starts on "Third party
        face". The reviewer's own wording is kept."""
        if kind is None and self.doc is not None:
            kind = focus_kind(self.doc.project.tracks, self.doc.selected_track())
        text = default_reason(self.reason.currentText(), kind, self.reasons())
        if text != self.reason.currentText():
            self.reason.setCurrentText(text)
            self._auto_reason = text
            self._chosen = False

    def _accept_all(self, kind: str) -> None:
        self.follow_kind(kind)      # the reason recorded is the one for that kind
        self.acceptAllRequested.emit(kind)

    def show_selected(self) -> None:
        t = self.doc.selected_track() if self.doc else None
        if t is None:
            self.current.setText("No track selected: click a box or a row, or draw a box")
            return
        conf = t.mean_score()
        self.current.setText(
            f"<b>{t.id}</b> {t.kind} ({t.origin}) · frames {t.first_frame}–{t.last_frame} "
            f"({t.last_frame - t.first_frame + 1}) · <b>{STATUS_LABEL.get(t.status, t.status)}</b>"
            + (f" · conf. {conf:.2f}" if conf is not None else "")
            + (f"<br>{t.reason}" + (f" — {t.decided_by}" if t.decided_by else "") if t.reason else ""))
        self.kind.setCurrentText(t.kind)

    def show_coverage(self, frac: float) -> None:
        self.coverage.setValue(int(round(frac * 1000)))
        self.coverage.setFormat(f"{frac * 100:.1f}%")

    def reason_text(self) -> str:
        return self.reason.currentText().strip()

    def _reason_chosen(self, *_) -> None:
        self._chosen = True
        self._carried = None

    def carry_reason(self) -> None:
        """The reason shown was just recorded for not redacting a track."""
        self._carried = self.reason_text()

    def carried_reason(self) -> Optional[str]:
        """The reason shown if it is the one just given for not redacting a track (the box
        keeps it for the next decision), else None."""
        return self._carried if self._carried and self.reason_text() == self._carried else None

    def offer_reason_for(self, kind: str) -> None:
        """Show the stock reason to redact a ``kind`` (filled in by the panel, not chosen)."""
        text = reason_for_kind(kind, self.reasons())
        if text:
            self.reason.setCurrentText(text)
            self._auto_reason, self._chosen, self._carried = text, False, None

    def reason_chosen(self) -> bool:
        """False while the reason is the one the panel filled in (a stock reason to redact)
        and the officer has not picked or typed one (picking that same reason counts)."""
        return bool(self.reason_text()) and (self._chosen
                                             or self.reason.currentText() != self._auto_reason)

    def _clicked(self, row: int, col: int) -> None:
        it = self.table.item(row, 1)
        if it is not None:
            self.jumpRequested.emit(it.data(Qt.UserRole))
