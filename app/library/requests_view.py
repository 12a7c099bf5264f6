"""Library tab "Requests": due dates (overdue highlighted) and details; create, link clips,
extend (with the reason), approve for export (supervisor, four-eyes), close (with the
outcome), each a small form over a :mod:`redaction.services` call."""
from __future__ import annotations

import html
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QMessageBox, QPushButton, QSplitter,
                               QTableWidget, QTextBrowser, QVBoxLayout, QWidget)

from redaction.errors import BwvError

from ..dialogs import store_forms
from .common import DUE_SOON, OVERDUE, item, request_due_text


class RequestsView(QWidget):
    def __init__(self, lib):
        super().__init__(lib)
        self.lib = lib
        self.requests: list = []   # services.RequestRow
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        self.include_closed = QCheckBox("Include closed requests", self)
        self.include_closed.toggled.connect(self.load)
        top.addWidget(self.include_closed)
        top.addStretch(1)
        self.req_buttons = {}
        for name, text, slot in (("new", "New request…", self.new_request),
                                 ("link", "Link clips…", self.link_selected),
                                 ("extend", "Extend…", self.extend_selected),
                                 ("approve", "Approve for export", self.approve_selected),
                                 ("close", "Close…", self.close_selected)):
            b = QPushButton(text, self)
            b.setObjectName(f"request_{name}")
            b.setAccessibleName(text.rstrip("…"))
            b.clicked.connect(slot)
            top.addWidget(b)
            self.req_buttons[name] = b
        v.addLayout(top)
        split = QSplitter(Qt.Vertical, self)
        self.req_table = QTableWidget(0, 9, split)
        self.req_table.setAccessibleName("Requests")
        self.req_table.setHorizontalHeaderLabels(["Request", "Type", "Requester", "Received", "Due",
                                                  "Time left", "Status", "Approved by", "Clips"])
        self.req_table.setSelectionBehavior(QTableWidget.SelectRows)
        self.req_table.setSelectionMode(QTableWidget.SingleSelection)
        self.req_table.horizontalHeader().setStretchLastSection(True)
        self.req_table.verticalHeader().hide()
        self.req_table.itemSelectionChanged.connect(self._request_selected)
        self.req_details = QTextBrowser(split)
        self.req_details.setAccessibleName("Request details")
        split.addWidget(self.req_table)
        split.addWidget(self.req_details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        v.addWidget(split, 1)

    def update_buttons(self) -> None:
        gated, why_not = self.lib._gated, self.lib.why_not
        r = self.selected_request()
        open_ = r is not None and r.status == "open"
        b = self.req_buttons
        gated(b["new"], "request", "Record a new request for disclosure")
        gated(b["link"], "request", "Choose the clips this request covers", open_)
        sar = r is not None and r.type == "subject_access"
        gated(b["extend"], "request", "Extend a subject access request (up to two "
              "further months, with the reason)", open_ and sar)
        approved = r is not None and bool(r.approved_by)
        gated(b["approve"], "approve_export", "Approve disclosure under this request "
              "(four-eyes: a supervisor other than the exporter)", open_ and not approved)
        gated(b["close"], "request", "Close the request with its outcome", open_)
        if r is not None and not open_:
            for name in ("link", "extend", "approve", "close"):
                if why_not("approve_export" if name == "approve" else "request") is None:
                    b[name].setToolTip(f"REQ-{r.id} is closed")
        elif r is not None:
            if not sar and why_not("request") is None:
                b["extend"].setToolTip("Only a subject access request is extended; set another "
                                       "request's due date when it is recorded")
            if approved and why_not("approve_export") is None:
                b["approve"].setToolTip(f"REQ-{r.id} is approved (by {r.approved_by})")

    def load(self, *_) -> None:
        from redaction import services
        try:
            self.requests = services.requests(self.lib.user,
                                              include_closed=self.include_closed.isChecked())
        except BwvError as e:
            self.lib._on_error(str(e))
            return
        t = self.req_table
        t.setRowCount(len(self.requests))
        for row, r in enumerate(self.requests):
            due = request_due_text(r)
            cells = [f"REQ-{r.id}", store_forms.REQUEST_TYPE_LABELS.get(r.type, r.type),
                     r.requester, r.received, r.due or "",
                     due, r.status, r.approved_by or "not approved",
                     len(r.clips or ())]
            for col, text in enumerate(cells):
                it = item(text)
                if r.status == "open" and r.days_left is not None:
                    if r.days_left < 0:
                        it.setBackground(QBrush(OVERDUE))
                        it.setForeground(QBrush(QColor("white")))
                        it.setToolTip("Overdue")
                    elif r.days_left <= 7 and col == 5:
                        it.setBackground(QBrush(DUE_SOON))
                t.setItem(row, col, it)
        t.resizeColumnsToContents()
        self.req_details.setHtml("<i>Select a request to see its details.</i>" if self.requests
                                 else "<i>No requests.</i>")
        self.lib._update_buttons()

    def _request_selected(self) -> None:
        self.lib._update_buttons()
        rows = self.req_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.requests):
            return
        r = self.requests[rows[0].row()]
        e = html.escape
        ext = "".join(f"<li>+{x.months} month(s) to {e(x.new_due)}: {e(x.reason)} "
                      f"({e(x.by)})</li>" for x in r.extensions) or "<li>none</li>"
        dis = "".join(f"<li>{e(d['date'][:10])}: {e(d['recipient'])}, {e(d['organisation'])} "
                      f"({e(d['basis'])}), sha256 {e(d['export_sha256'][:16])}…, "
                      f"{e(d.get('output') or '')}</li>"
                      for d in r.disclosures) or "<li>none</li>"
        due = request_due_text(r)
        self.req_details.setHtml(
            f"<h3>REQ-{r.id}: {e(store_forms.REQUEST_TYPE_LABELS.get(r.type, r.type))}"
            f" from {e(r.requester)}</h3>"
            f"<p>Received {e(r.received)}; due {e(r.due or 'no due date')}"
            f"{' (' + e(due) + ')' if due else ''}; status <b>{e(r.status)}</b>"
            f"{'; outcome ' + e(r.outcome) if r.outcome else ''}</p>"
            f"<p>Created by {e(r.created_by or '')}"
            f"{'; approved for export by ' + e(r.approved_by) if r.approved_by else '; not approved for export'}</p>"
            f"<p>Linked clips: {', '.join(str(c) for c in r.clips) or 'none'}</p>"
            f"<p>Notes: {e(r.notes or '')}</p>"
            f"<p><b>Extensions</b></p><ul>{ext}</ul><p><b>Disclosures</b></p><ul>{dis}</ul>")

    # -- create, link, extend, approve, close ---------------------------------------------
    def selected_request(self) -> Optional[dict]:
        rows = self.req_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.requests):
            return None
        return self.requests[rows[0].row()]

    def select_request(self, request_id: int) -> bool:
        for row, r in enumerate(self.requests):
            if r.id == request_id:
                self.req_table.selectRow(row)
                self._request_selected()     # also when the row was selected already
                return True
        return False

    def _after_request(self, ref, what: str) -> None:
        self.lib.say(f"REQ-{ref.id}: {what}")
        self.lib.refresh()
        self.select_request(ref.id)

    def new_request(self):
        from redaction import services
        lib = self.lib

        def submit(f):
            v = f.values()
            ref = services.create_request(v["rtype"], v["requester"], lib.user,
                                          received=v["received"], due=v["due"], notes=v["notes"])
            self._after_request(ref, "created" + (f", due {ref.due}" if ref.due else ""))
            return ref
        return lib._open_form(store_forms.NewRequestForm(lib, submit))

    def link_selected(self):
        from redaction import services
        lib, r = self.lib, self.selected_request()
        if r is None:
            return None

        def submit(f):
            ids = f.chosen()
            ref = services.link_clips(r.id, ids, lib.user)
            self._after_request(ref, f"linked clip(s) {', '.join(map(str, ids)) or 'none'}; "
                                     f"covers {', '.join(map(str, ref.clips)) or 'no clips'}")
            return ref
        return lib._open_form(store_forms.LinkClipsForm(lib, r, lib.present_clips(), submit))

    def extend_selected(self):
        from redaction import services
        lib, r = self.lib, self.selected_request()
        if r is None:
            return None

        def submit(f):
            ref = services.extend_request(r.id, f.months.value(), f.reason.text().strip(),
                                          lib.user)
            self._after_request(ref, f"extended to {ref.due}")
            return ref
        return lib._open_form(store_forms.ExtendForm(lib, r, submit))

    def close_selected(self):
        from redaction import services
        lib, r = self.lib, self.selected_request()
        if r is None:
            return None

        def submit(f):
            ref = services.close_request(r.id, f.outcome_box.currentText().strip(), lib.user)
            self._after_request(ref, f"closed ({ref.outcome})")
            return ref
        return lib._open_form(store_forms.CloseForm(lib, r, submit))

    def approve_selected(self):
        """Four-eyes: a supervisor approves disclosure under the selected request."""
        from redaction import services
        lib, r = self.lib, self.selected_request()
        if r is None:
            return None
        if lib.interactive and QMessageBox.question(
                lib, "Approve for export",
                f"Approve disclosure under REQ-{r.id} ({r.requester})? Exports answering "
                "it may then be made by a disclosure officer other than you. Your approval is "
                "recorded.") != QMessageBox.Yes:
            return None
        ref = lib._service(services.approve_request, r.id, lib.user, r.clips)
        if ref is not None:
            self._after_request(ref, f"approved for export by {ref.approved_by}")
        return ref
