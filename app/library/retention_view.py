"""Library tab "Retention": the clips due for erasure (and those held), the evidential clips
due for MoPI review (record retain/dispose with the reason), guessed capture times to
confirm or correct, and a retention run as a job (the library's runner)."""
from __future__ import annotations

import datetime as dt
import html
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QComboBox, QDateEdit, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSplitter, QTableWidget, QTextBrowser,
                               QVBoxLayout, QWidget)

from redaction.errors import BwvError

from ..dialogs import store_forms
from .common import CLASS_LABELS, item

COLUMNS = ["Clip", "Case", "Name", "Captured (UTC)", "Classification", "MoPI review", "Why"]


def confirmation_text(ids: list, as_of) -> str:
    """What the user confirms before a retention run: the count and the clip ids."""
    if not ids:
        return (f"Retention as of {as_of} (UTC): no clip is due for erasure now. Record the "
                "run (MoPI reviews due, unclassified clips flagged)? Nothing is erased.")
    return (f"Erase {len(ids)} clip(s) now: clip {', '.join(str(i) for i in ids)} (as of "
            f"{as_of}, UTC), with their projects, edit logs, exports held in the store and "
            "caches? This cannot be undone. Only these clips are erased, each checked again "
            "as it is erased; held clips are kept.")


class RetentionView(QWidget):
    def __init__(self, lib):
        super().__init__(lib)
        self.lib = lib
        self.last_confirmation = ""      # the question asked before the last run
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        self.retention = QTextBrowser(self)
        self.retention.setAccessibleName("Retention report")
        self.retention.setMaximumHeight(self.fontMetrics().height() * 6)
        top.addWidget(self.retention, 1)
        self.run_btn = QPushButton("Run retention now…", self)
        self.run_btn.setAccessibleName("Run retention")
        self.run_btn.clicked.connect(self.run_retention)
        top.addWidget(self.run_btn, 0, Qt.AlignTop)
        v.addLayout(top)
        split = QSplitter(Qt.Vertical, self)
        _, self.erase_table = self._table(split, "Due for erasure (a retention run erases these; "
                                          "held ones are kept)", "Clips due for erasure")
        box, self.review_table = self._table(split, "Evidential clips due for MoPI review",
                                             "MoPI reviews due")
        row = QHBoxLayout()
        self.review_decision = QComboBox(box)
        self.review_decision.setAccessibleName("MoPI decision")
        self.review_decision.addItem("Retain", "retain")
        self.review_decision.addItem("Dispose", "dispose")
        self.review_reason = QLineEdit(box)
        self.review_reason.setAccessibleName("Reason for the MoPI decision")
        self.review_reason.setPlaceholderText("Reason for the decision (recorded)")
        self.review_next = QDateEdit(box)
        self.review_next.setCalendarPopup(True)
        self.review_next.setDisplayFormat("yyyy-MM-dd")
        self.review_next.setAccessibleName("Next review (retain)")
        self.review_next.setMinimumDate(store_forms.qdate(
            dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)))
        self.review_next.setToolTip("Retain: the next MoPI review date (after today, within "
                                    "the policy's review period)")
        self.review_decision.currentIndexChanged.connect(
            lambda *_: self.review_next.setEnabled(self.review_decision.currentData() == "retain"))
        self.review_btn = QPushButton("Record decision", box)
        self.review_btn.setAccessibleName("Record the MoPI decision")
        self.review_btn.clicked.connect(self.record_review_selected)
        row.addWidget(self.review_decision)
        row.addWidget(self.review_reason, 1)
        row.addWidget(QLabel("next review", box))
        row.addWidget(self.review_next)
        row.addWidget(self.review_btn)
        box.layout().addLayout(row)
        box, self.guessed_table = self._table(split, "Capture time guessed (no usable time in "
                                              "the file, or an implausibly old camera time): "
                                              "confirm or correct it",
                                              "Guessed capture times")
        row = QHBoxLayout()
        row.addStretch(1)
        self.capture_btn = QPushButton("Confirm or correct…", box)
        self.capture_btn.setAccessibleName("Confirm or correct the capture time")
        self.capture_btn.clicked.connect(self.capture_time_selected)
        row.addWidget(self.capture_btn)
        box.layout().addLayout(row)
        v.addWidget(split, 1)

    def _table(self, split, title: str, name: str):
        box = QGroupBox(title, split)
        bv = QVBoxLayout(box)
        t = QTableWidget(0, len(COLUMNS), box)
        t.setAccessibleName(name)
        t.setHorizontalHeaderLabels(COLUMNS)
        t.setSelectionBehavior(QTableWidget.SelectRows)
        t.setSelectionMode(QTableWidget.SingleSelection)
        t.horizontalHeader().setStretchLastSection(True)
        t.verticalHeader().hide()
        t.itemSelectionChanged.connect(self.lib._update_buttons)
        bv.addWidget(t, 1)
        split.addWidget(box)
        return box, t

    def update_buttons(self, busy: bool) -> None:
        gated, why_not = self.lib._gated, self.lib.why_not
        gated(self.run_btn, "retention_run", "Erase the clips due now (non-evidential "
              "past the policy's days, evidential with a dispose decision); progress "
              "and cancel below", not busy)
        has_review = bool(self.review_table.selectionModel().selectedRows())
        for w in (self.review_decision, self.review_reason, self.review_next):
            w.setEnabled(why_not("retention_review") is None)
        self.review_next.setEnabled(self.review_next.isEnabled()
                                    and self.review_decision.currentData() == "retain")
        gated(self.review_btn, "retention_review", "Record the MoPI review decision "
              "(retain with the next review date, or dispose) with the reason", has_review)
        gated(self.capture_btn, "retention_review", "Confirm the stored capture time or "
              "correct it, with how it was established",
              bool(self.guessed_table.selectionModel().selectedRows()))

    def fill(self, o) -> None:
        if o.next_review is not None:    # the policy's period from today, as the CLI's default
            latest = store_forms.qdate(o.next_review)
            self.review_next.setMaximumDate(latest)
            self.review_next.setDate(latest)

        def ids(xs):
            return ", ".join(str(x.id) for x in xs) or "none"

        def held(xs):     # each with its own reason: a capture time, an open request
            return "; ".join(f"{x.id} ({x.note.removeprefix('held: ')})" for x in xs) or "none"
        self.retention.setHtml(
            f"<b>Retention as of {html.escape(o.as_of.isoformat())} (UTC)</b> · "
            f"would be erased by a retention run now (clip ids): {ids(o.erase)} · "
            f"erasure left unfinished: {ids(o.unfinished)}<br>"
            f"Held (due, but not erased): "
            f"{html.escape(held(o.held))}<br>"
            f"Evidential clips due for MoPI review: {ids(o.review_due)} · "
            f"unclassified clips flagged (classify them): {ids(o.unclassified)}<br>"
            f"Capture time guessed (a supervisor confirms or corrects it): "
            f"{ids(o.capture_guessed)}")
        erase = [(c, c.note) for c in o.erase] + [(c, c.note) for c in o.held] + \
                [(c, "erasure interrupted: the next run completes it") for c in o.unfinished]
        self._fill_clip_table(self.erase_table, erase)
        self._fill_clip_table(self.review_table, [(c, "review date reached")
                                                  for c in o.review_due])
        from redaction.store.retention import HELD_GUESSED
        held_guessed = {h.id for h in o.held if h.note == HELD_GUESSED}
        self._fill_clip_table(self.guessed_table, [
            (c, ("held by retention until confirmed: " if c.id in held_guessed
                 else "not confirmed: ") + c.guess_reason)
            for c in o.capture_guessed])
        self.lib._update_buttons()

    @staticmethod
    def _fill_clip_table(t: QTableWidget, rows: list) -> None:
        t.setRowCount(len(rows))
        for row, (c, why) in enumerate(rows):
            cells = [c.id, c.case, c.name, c.captured[:19].replace("T", " ")
                     + (" (guessed)" if c.capture_guessed else ""),
                     CLASS_LABELS.get(c.classification, c.classification), c.review_due or "",
                     why]
            for col, text in enumerate(cells):
                it = item(text)
                it.setData(Qt.UserRole, c.id)
                if why.startswith("held"):
                    it.setForeground(QBrush(QColor("#ffb000")))
                t.setItem(row, col, it)
        t.resizeColumnsToContents()
        if not rows:
            t.setRowCount(0)

    # -- actions ---------------------------------------------------------------------------
    def run_retention(self) -> bool:
        """services.retention_job in the library's JobRunner, with progress and cancel.

        The list is planned afresh (a dry run, ``retention_run`` right: an administrator
        without footage rights sees the clip ids too) and always confirmed, with the count
        and the clip ids; the run erases only the confirmed clips, each checked again as
        it is erased (a clip no longer due is skipped and reported)."""
        from redaction import services
        from redaction.jobs import run_job
        lib = self.lib
        user = lib.user
        try:
            planned = run_job(services.retention_job(user, dry_run=True))
        except BwvError as e:
            lib.say(f"Retention failed: {e}", error=True)
            return False
        ids = planned.to_confirm
        self.last_confirmation = confirmation_text(ids, planned.as_of)
        if lib.interactive and QMessageBox.question(
                lib, "Run retention", self.last_confirmation) != QMessageBox.Yes:
            lib.say("Retention run not started: nothing was erased")
            return False
        return lib.runner.start("retention", lambda cancel: services.retention_job(
            user, cancel=cancel, confirmed=ids))

    @staticmethod
    def _selected_in(t: QTableWidget) -> Optional[int]:
        rows = t.selectionModel().selectedRows()
        return t.item(rows[0].row(), 0).data(Qt.UserRole) if rows else None

    @staticmethod
    def select_in(t: QTableWidget, clip_id: int) -> bool:
        for row in range(t.rowCount()):
            if t.item(row, 0).data(Qt.UserRole) == clip_id:
                t.selectRow(row)
                return True
        return False

    def record_review_selected(self):
        from redaction import services
        lib = self.lib
        cid = self._selected_in(self.review_table)
        if cid is None:
            return None
        decision = self.review_decision.currentData()
        nxt = store_forms.pydate(self.review_next.date()) if decision == "retain" else None
        out = lib._service(services.record_review, cid, decision,
                           self.review_reason.text().strip(), lib.user, nxt)
        if out is not None:
            d, next_review = out
            self.review_reason.clear()
            lib.say(f"Clip {cid}: MoPI decision '{d}' recorded"
                    + (f", next review {next_review}" if next_review else
                       "; the next retention run erases it"))
            lib.refresh()
        return out

    def capture_time_selected(self):
        from redaction import services
        lib = self.lib
        cid = self._selected_in(self.guessed_table)
        clip = next((c for c in lib.overview.capture_guessed if c.id == cid), None) \
            if lib.overview is not None else None
        if clip is None:
            return None

        def submit(f):
            ct = services.set_capture_time(cid, f.reason.text().strip(), lib.user,
                                           confirm=f.confirm.isChecked(), captured=f.captured(),
                                           expected_version=clip.version)
            lib.say(f"Clip {cid}: capture time {'confirmed' if f.confirm.isChecked() else 'set'}"
                    f" ({ct.captured[:19].replace('T', ' ')} UTC)")
            lib.refresh()
            return ct
        return lib._open_form(store_forms.CaptureTimeForm(lib, clip, submit))
