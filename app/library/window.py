"""The library browser (Library menu): cases and their clips with classification and the
retention countdown, requests with due dates (overdue highlighted) and their details, the
disclosure register, and what a retention run would do now.

Everything comes from :mod:`redaction.store.api` (role-checked, consultations logged).
Opening a clip asks the window to open the verified evidence file (``api.open_clip``
re-hashes it and refuses a clip that changed).
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Callable, Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QTextBrowser,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from redaction.errors import BwvError

OVERDUE = QColor("#8b1a1a")
DUE_SOON = QColor("#7a5a00")
CLASS_LABELS = {"evidential": "Evidential", "non_evidential": "Non-evidential",
                "unclassified": "Unclassified"}


def retention_text(clip: dict, today: Optional[dt.date] = None) -> str:
    """The countdown shown for a clip: days to erasure, MoPI review date, or a flag."""
    if clip["state"] != "present":
        return f"{clip['state']} ({clip.get('erasure_rule') or 'retention'})"
    cls = clip["classification"]
    if cls == "non_evidential":
        n = clip.get("erase_in_days")
        if n is None:
            return ""
        if clip.get("capture_guessed"):  # retention holds it until a supervisor confirms
            return ("held: capture time not confirmed" if n == 0
                    else f"erased in {n} day{'s' if n != 1 else ''} (capture time guessed)")
        return "erasure due now" if n == 0 else f"erased in {n} day{'s' if n != 1 else ''}"
    if cls == "evidential":
        due = clip.get("review_due")
        if not due:
            return "MoPI review"
        d = dt.date.fromisoformat(due[:10])
        left = (d - (today or dt.datetime.now(dt.timezone.utc).date())).days
        return f"MoPI review {d.isoformat()}" + (" (due)" if left <= 0 else f" (in {left} days)")
    return "unclassified: classify it"


def request_due_text(r: dict) -> str:
    n = r.get("days_left")
    if r.get("due") is None or n is None:
        return ""
    if r["status"] != "open":
        return ""
    return f"OVERDUE by {-n} day(s)" if n < 0 else ("due today" if n == 0 else f"{n} day(s)")


def _item(text, tip: str = "") -> QTableWidgetItem:
    it = QTableWidgetItem("" if text is None else str(text))
    it.setFlags(it.flags() & ~Qt.ItemIsEditable)
    if tip:
        it.setToolTip(tip)
    return it


class LibraryWindow(QWidget):
    """A separate window over the case store for the acting ``user``."""

    def __init__(self, parent, user: str, open_clip: Callable[[int, str], None],
                 on_error: Callable[[str], None], gate=None):
        super().__init__(parent, Qt.Window)
        self.setWindowTitle("BWV Workstation — Library")
        self.setAccessibleName("Library")
        self.setObjectName("LibraryWindow")
        self.user, self._open_clip, self._on_error = user, open_clip, on_error
        self.gate = gate
        self.cases: list[dict] = []
        self.requests: list[dict] = []
        self.register: list[dict] = []
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel("", self)
        top.addWidget(self.summary, 1)
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        v.addLayout(top)
        self.tabs = QTabWidget(self)
        v.addWidget(self.tabs, 1)
        self._clips_tab()
        self._requests_tab()
        self._register_tab()
        self._retention_tab()
        self.resize(1100, 640)

    # -- tabs ----------------------------------------------------------------------------
    def _clips_tab(self) -> None:
        page = QWidget(self)
        v = QVBoxLayout(page)
        self.tree = QTreeWidget(page)
        self.tree.setAccessibleName("Cases and clips")
        self.tree.setHeaderLabels(["Case / clip", "Exhibit", "Captured (UTC)", "Classification",
                                   "Retention", "Imported by"])
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(lambda it, _c: self.open_selected())
        self.tree.itemSelectionChanged.connect(self._clip_selected)
        v.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.clip_note = QLabel("", page)
        row.addWidget(self.clip_note, 1)
        self.cls_box = QComboBox(page)
        self.cls_box.setAccessibleName("Classification")
        for key, label in CLASS_LABELS.items():
            self.cls_box.addItem(label, key)
        self.cls_reason = QLineEdit(page)
        self.cls_reason.setPlaceholderText("Reason for the classification")
        self.cls_reason.setAccessibleName("Classification reason")
        self.cls_reason.setMinimumWidth(self.fontMetrics().horizontalAdvance("Reason for the classification") + 24)
        self.cls_btn = QPushButton("Classify", page)
        self.cls_btn.setAccessibleName("Set the clip's classification")
        self.cls_btn.clicked.connect(self.classify_selected)
        why = self.gate.why_not("classify") if self.gate is not None else None
        self.cls_allowed = why is None
        self.cls_btn.setToolTip("Record the classification (who and when are logged)" if why is None
                                else f"Not allowed: {why}")
        for w in (self.cls_box, self.cls_reason, self.cls_btn):
            w.setEnabled(False)
            row.addWidget(w)
        self.open_btn = QPushButton("Open in workstation", page)
        self.open_btn.setToolTip("Re-verify the clip's sha256 and open it for review and redaction")
        self.open_btn.setEnabled(False)
        self.open_btn.clicked.connect(self.open_selected)
        row.addWidget(self.open_btn)
        v.addLayout(row)
        self.tabs.addTab(page, "Cases and clips")

    def _requests_tab(self) -> None:
        page = QWidget(self)
        v = QVBoxLayout(page)
        self.include_closed = QCheckBox("Include closed requests", page)
        self.include_closed.toggled.connect(self._load_requests)
        v.addWidget(self.include_closed)
        split = QSplitter(Qt.Vertical, page)
        self.req_table = QTableWidget(0, 7, split)
        self.req_table.setAccessibleName("Requests")
        self.req_table.setHorizontalHeaderLabels(["Request", "Type", "Requester", "Received", "Due",
                                                  "Time left", "Status"])
        self.req_table.setSelectionBehavior(QTableWidget.SelectRows)
        self.req_table.setSelectionMode(QTableWidget.SingleSelection)
        self.req_table.horizontalHeader().setStretchLastSection(True)
        self.req_table.itemSelectionChanged.connect(self._request_selected)
        self.req_details = QTextBrowser(split)
        self.req_details.setAccessibleName("Request details")
        split.addWidget(self.req_table)
        split.addWidget(self.req_details)
        v.addWidget(split, 1)
        self.tabs.addTab(page, "Requests")

    def _register_tab(self) -> None:
        self.reg_table = QTableWidget(0, 8, self)
        self.reg_table.setAccessibleName("Disclosure register")
        self.reg_table.setHorizontalHeaderLabels(["#", "Date (UTC)", "Request", "Recipient",
                                                  "Organisation", "Lawful basis",
                                                  "Export sha256", "Recorded by"])
        self.reg_table.horizontalHeader().setStretchLastSection(True)
        self.tabs.addTab(self.reg_table, "Disclosure register")

    def _retention_tab(self) -> None:
        self.retention = QTextBrowser(self)
        self.retention.setAccessibleName("Retention report")
        self.tabs.addTab(self.retention, "Retention")

    # -- loading -------------------------------------------------------------------------
    def refresh(self) -> bool:
        from redaction.store import api
        try:
            self.cases = api.library(self.user)
            self.register = api.disclosure_register(self.user)
            report = api.retention_report(self.user)
        except BwvError as e:
            self._on_error(str(e))
            return False
        self._fill_tree()
        self._fill_register()
        self._fill_retention(report)
        self._load_requests()
        n = sum(len(c["clips"]) for c in self.cases)
        self.summary.setText(f"{len(self.cases)} case(s), {n} clip(s), "
                             f"{len(self.requests)} request(s) shown · acting as {self.user}")
        return True

    def _fill_tree(self) -> None:
        self.tree.clear()
        today = dt.datetime.now(dt.timezone.utc).date()
        for c in self.cases:
            status = "" if c.get("status") in (None, "open") else f" ({c['status']})"
            top = QTreeWidgetItem([f"{c['incident']}  {c.get('title') or ''}".strip() + status,
                                   f"{len(c['clips'])} clip(s)", "", "", "", ""])
            top.setData(0, Qt.UserRole, None)
            self.tree.addTopLevelItem(top)
            for clip in c["clips"]:
                ret = retention_text(clip, today)
                it = QTreeWidgetItem([clip["name"] + (" (truncated)" if clip.get("truncated")
                                                      else ""),
                                      clip.get("exhibit") or "",
                                      clip["captured"][:16].replace("T", " ")
                                      + (" (guessed)" if clip.get("capture_guessed") else ""),
                                      CLASS_LABELS.get(clip["classification"], clip["classification"]),
                                      ret, clip.get("imported_by") or ""])
                it.setData(0, Qt.UserRole, clip["id"])
                it.setToolTip(0, f"sha256 {clip['sha256']}" + (
                    f"\nTruncated (imported with --accept-truncated): {clip['truncated']}"
                    if clip.get("truncated") else ""))
                if clip.get("capture_guessed"):
                    it.setToolTip(2, "No capture time in the file: this is the file's "
                                     "modification time. A supervisor confirms or corrects it "
                                     "(bwv case capture-time); until then retention keeps the "
                                     "clip.")
                if clip["state"] != "present":
                    it.setDisabled(True)
                elif ret.startswith("erasure due") or "(due)" in ret:
                    it.setForeground(4, QBrush(QColor("#ff6b6b")))
                top.addChild(it)
            top.setExpanded(True)
        for i in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(i)

    def _load_requests(self, *_) -> None:
        from redaction.store import api
        try:
            self.requests = api.list_requests(self.user, include_closed=self.include_closed.isChecked())
        except BwvError as e:
            self._on_error(str(e))
            return
        t = self.req_table
        t.setRowCount(len(self.requests))
        for row, r in enumerate(self.requests):
            due = request_due_text(r)
            cells = [f"REQ-{r['id']}", r["type"].replace("_", " "), r["requester"], r["received"], r["due"] or "",
                     due, r["status"]]
            for col, text in enumerate(cells):
                it = _item(text)
                if r["status"] == "open" and r.get("days_left") is not None:
                    if r["days_left"] < 0:
                        it.setBackground(QBrush(OVERDUE))
                        it.setForeground(QBrush(QColor("white")))
                        it.setToolTip("Overdue")
                    elif r["days_left"] <= 7 and col == 5:
                        it.setBackground(QBrush(DUE_SOON))
                t.setItem(row, col, it)
        t.resizeColumnsToContents()
        self.req_details.setHtml("<i>Select a request to see its details.</i>" if self.requests
                                 else "<i>No requests.</i>")

    def _fill_register(self) -> None:
        t = self.reg_table
        t.setRowCount(len(self.register))
        for row, d in enumerate(self.register):
            cells = [d["id"], d["date"][:16].replace("T", " "), f"REQ-{d['request']}",
                     d["recipient"], d["organisation"], d["basis"], d["export_sha256"][:16] + "…",
                     d["recorded_by"]]
            for col, text in enumerate(cells):
                t.setItem(row, col, _item(text, d["export_sha256"] if col == 6 else ""))
        t.resizeColumnsToContents()

    def _fill_retention(self, r: dict) -> None:
        def ids(xs):
            return ", ".join(str(x[0] if isinstance(x, (list, tuple)) else x) for x in xs) or "none"
        self.retention.setHtml(
            f"<h3>Retention as of {html.escape(r['as_of'])} (UTC)</h3>"
            f"<p><b>Would be erased by a retention run now</b> (clip ids): {ids(r['erase'])}</p>"
            f"<p><b>Erasure left unfinished</b>: {ids(r['unfinished'])}</p>"
            f"<p><b>Evidential clips due for MoPI review</b>: {ids(r['review_due'])}</p>"
            f"<p><b>Unclassified clips flagged</b>: {ids(r['unclassified'])}</p>"
            f"<p><b>Held: capture time not confirmed</b> (due, but not erased): "
            f"{ids(r.get('held', []))}</p>"
            f"<p><b>Capture time guessed</b> (file modification time; a supervisor confirms "
            f"or corrects it with <code>bwv case capture-time</code>): "
            f"{ids(r.get('capture_guessed', []))}</p>"
            "<p>Runs and review decisions: <code>bwv retention run</code>, "
            "<code>bwv retention review</code> (supervisor).</p>")

    # -- selection -----------------------------------------------------------------------
    def selected_clip(self) -> Optional[int]:
        it = self.tree.currentItem()
        return it.data(0, Qt.UserRole) if it is not None else None

    def _clip_selected(self) -> None:
        cid = self.selected_clip()
        it = self.tree.currentItem()
        ok = cid is not None and it is not None and not it.isDisabled()
        self.open_btn.setEnabled(ok)
        for w in (self.cls_box, self.cls_reason, self.cls_btn):
            w.setEnabled(ok and self.cls_allowed)
        if ok:
            clip = self.clip(cid)
            self.cls_box.setCurrentIndex(max(0, self.cls_box.findData(clip["classification"])))
        self.clip_note.setText("" if it is None or cid is None else it.toolTip(0))

    def select_clip(self, clip_id: int) -> bool:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                if top.child(j).data(0, Qt.UserRole) == clip_id:
                    self.tree.setCurrentItem(top.child(j))
                    return True
        return False

    def clip(self, clip_id: int) -> Optional[dict]:
        return next((x for c in self.cases for x in c["clips"] if x["id"] == clip_id), None)

    def classify_selected(self) -> bool:
        """services.classify (supervisor; evidential -> other needs the declassify right)."""
        from redaction import services
        cid = self.selected_clip()
        if cid is None:
            return False
        try:
            services.classify(cid, self.cls_box.currentData(), self.user,
                         reason=self.cls_reason.text().strip())
        except BwvError as e:
            self._on_error(str(e))
            return False
        self.cls_reason.clear()
        self.refresh()
        self.select_clip(cid)
        return True

    def open_selected(self) -> None:
        cid = self.selected_clip()
        if cid is not None:
            self._open_clip(cid, self.tree.currentItem().text(0))

    def _request_selected(self) -> None:
        rows = self.req_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.requests):
            return
        r = self.requests[rows[0].row()]
        e = html.escape
        ext = "".join(f"<li>+{x['months']} month(s) to {e(x['new_due'])}: {e(x['reason'])} "
                      f"({e(x['by'])})</li>" for x in r["extensions"]) or "<li>none</li>"
        dis = "".join(f"<li>{e(d['date'][:10])}: {e(d['recipient'])}, {e(d['organisation'])} "
                      f"({e(d['basis'])}), sha256 {e(d['export_sha256'][:16])}…</li>"
                      for d in r["disclosures"]) or "<li>none</li>"
        due = request_due_text(r)
        self.req_details.setHtml(
            f"<h3>REQ-{r['id']}: {e(r['type'])} from {e(r['requester'])}</h3>"
            f"<p>Received {e(r['received'])}; due {e(r['due'] or 'no due date')}"
            f"{' (' + e(due) + ')' if due else ''}; status <b>{e(r['status'])}</b>"
            f"{'; outcome ' + e(r['outcome']) if r.get('outcome') else ''}</p>"
            f"<p>Created by {e(r['created_by'] or '')}"
            f"{'; approved by ' + e(r['approved_by']) if r.get('approved_by') else ''}</p>"
            f"<p>Linked clips: {', '.join(str(c) for c in r['clips']) or 'none'}</p>"
            f"<p>Notes: {e(r.get('notes') or '')}</p>"
            f"<p><b>Extensions</b></p><ul>{ext}</ul><p><b>Disclosures</b></p><ul>{dis}</ul>")
