"""The library browser (Library menu): the disclosure flow over the case store.

* Cases and clips: classification and the retention countdown; import clips into a case (a
  job with progress and cancel; a truncated clip is refused unless accepted, logged).
* Requests: due dates (overdue highlighted) and details; create, link clips, extend (with
  the reason), approve for export (supervisor, four-eyes) and close (with the outcome).
* Disclosure register: every export entered for a request (date, recipient, organisation,
  basis, sha256, path), all requests or one.
* Retention: the clips due for erasure (and those held), the evidential clips due for MoPI
  review (record retain/dispose with the reason), guessed capture times to confirm or
  correct, and a retention run as a job with progress and cancel.

Reads come from :mod:`redaction.store.api` and :mod:`redaction.services` (role-checked,
consultations logged); every change is a :mod:`redaction.services` call, which checks the
role and audits a refusal. This window checks no role: it only greys out what the role
does not allow (:class:`app.access_ui.Gate`, with the reason as tooltip) and shows the
service's refusal (who may do it) when an action is reached anyway. Opening a clip asks the
window to open the verified evidence file (``api.open_clip`` re-hashes it and refuses a clip
that changed).
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Callable, Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QProgressBar, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QTextBrowser,
                               QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from redaction.errors import BwvError

from ..dialogs import store_forms
from ..worker import JobRunner

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
        self.interactive = getattr(parent, "interactive", True)
        self.cases: list[dict] = []
        self.requests: list[dict] = []
        self.register: list = []
        self.overview = None
        self.form = None                 # the last form opened (tests fill it in)
        self.runner = JobRunner(self)    # import and retention runs
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
        v.addLayout(self._job_row())
        self.resize(1100, 640)
        self._update_buttons()

    # -- roles, messages, jobs -------------------------------------------------------------
    def why_not(self, right: str) -> Optional[str]:
        """None if the role allows ``right`` (for greying out only: the services decide)."""
        return self.gate.why_not(right) if self.gate is not None else None

    def _gated(self, button, right: str, tip: str, enabled: bool = True) -> None:
        why = self.why_not(right)
        button.setEnabled(enabled and why is None)
        button.setToolTip(tip if why is None else f"Not allowed: {why}")

    def say(self, text: str, error: bool = False) -> None:
        """The outcome of the last action, in the window (errors also to the main window)."""
        self.message.setStyleSheet("color: #ff6b6b" if error else "")
        self.message.setText(text)
        if error:
            self._on_error(text)

    def _service(self, fn, *args, **kw):
        """Call a service; a refusal or bad value is shown and None returned."""
        try:
            return fn(*args, **kw)
        except BwvError as e:
            self.say(str(e), error=True)
            return None

    def _open_form(self, form):
        self.form = form
        if self.interactive:
            form.exec()
        else:
            form.show()
        return form

    def _job_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Library message")
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        row.addWidget(self.message, 1)
        self.job_label = QLabel("", self)
        self.job_bar = QProgressBar(self)
        self.job_bar.setAccessibleName("Library job progress")
        self.job_bar.setMaximumWidth(self.fontMetrics().horizontalAdvance("x") * 30)
        self.job_cancel = QToolButton(self)
        self.job_cancel.setText("Cancel")
        self.job_cancel.setAccessibleName("Cancel the library job")
        self.job_cancel.clicked.connect(self.runner.cancel)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
            row.addWidget(w)
        self.runner.started.connect(self._job_started)
        self.runner.progress.connect(self._job_progress)
        self.runner.finished.connect(self._job_finished)
        self.runner.failed.connect(self._job_failed)
        self.runner.cancelled.connect(self._job_cancelled)
        return row

    def _job_started(self, name: str) -> None:
        self.job_label.setText(name.capitalize() + "…")
        self.job_bar.setRange(0, 0)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.show()
        self._update_buttons()

    def _job_progress(self, p) -> None:
        self.job_bar.setRange(0, max(1, p.total))
        self.job_bar.setValue(p.done)
        self.job_label.setText(p.message or self.runner.name)

    def _job_ended(self) -> None:
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
        self.refresh()

    def _job_finished(self, result) -> None:
        name = self.runner.name
        if name == "import":
            done = list(result or [])
            self.say(f"Imported {len(done)} clip(s): " + "; ".join(
                f"{r.name} as clip {r.id} in {r.case}"
                + (" (capture time guessed: a supervisor confirms it)" if r.capture_guessed
                   else "") + (" (truncated, accepted)" if r.truncated else "")
                for r in done))
        elif name == "retention":
            r = result
            self.say(f"Retention run as of {r.as_of}: erased {len(r.erase)} clip(s)"
                     + (f", completed {len(r.unfinished)} interrupted erasure(s)"
                        if r.unfinished else "")
                     + f"; {len(r.review_due)} due for MoPI review")
        self._job_ended()

    def _job_failed(self, msg: str) -> None:
        if self.runner.name == "import" and "truncated" in msg:
            cli = "pass --accept-truncated to import it anyway"
            hint = "tick “Accept a truncated clip” in the import form to import it anyway"
            msg = (msg.replace(cli, hint) if cli in msg else
                   msg + f": refused, nothing stored ({hint}, logged and stored on the clip)")
        self.say(f"{self.runner.name.capitalize()} failed: {msg}", error=True)
        if self.interactive:
            QMessageBox.warning(self, f"{self.runner.name.capitalize()} refused", msg)
        self._job_ended()

    def _job_cancelled(self) -> None:
        self.say(f"{self.runner.name.capitalize()} cancelled: what was done before the cancel "
                 "is kept (and logged); the rest was not started.")
        self._job_ended()

    # -- tabs ----------------------------------------------------------------------------
    def _clips_tab(self) -> None:
        page = QWidget(self)
        v = QVBoxLayout(page)
        top = QHBoxLayout()
        self.import_btn = QPushButton("Import clips…", page)
        self.import_btn.setAccessibleName("Import clips into a case")
        self.import_btn.clicked.connect(self.import_dialog)
        top.addWidget(self.import_btn)
        top.addStretch(1)
        v.addLayout(top)
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
        top = QHBoxLayout()
        self.include_closed = QCheckBox("Include closed requests", page)
        self.include_closed.toggled.connect(self._load_requests)
        top.addWidget(self.include_closed)
        top.addStretch(1)
        self.req_buttons = {}
        for name, text, slot in (("new", "New request…", self.new_request),
                                 ("link", "Link clips…", self.link_selected),
                                 ("extend", "Extend…", self.extend_selected),
                                 ("approve", "Approve for export", self.approve_selected),
                                 ("close", "Close…", self.close_selected)):
            b = QPushButton(text, page)
            b.setObjectName(f"request_{name}")
            b.setAccessibleName(text.rstrip("…"))
            b.clicked.connect(slot)
            top.addWidget(b)
            self.req_buttons[name] = b
        v.addLayout(top)
        split = QSplitter(Qt.Vertical, page)
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
        self.tabs.addTab(page, "Requests")

    def _register_tab(self) -> None:
        page = QWidget(self)
        v = QVBoxLayout(page)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show", page))
        self.reg_filter = QComboBox(page)
        self.reg_filter.setAccessibleName("Register for request")
        self.reg_filter.addItem("All requests", None)
        self.reg_filter.currentIndexChanged.connect(lambda *_: self._load_register())
        top.addWidget(self.reg_filter)
        top.addStretch(1)
        v.addLayout(top)
        self.reg_table = QTableWidget(0, 9, page)
        self.reg_table.setAccessibleName("Disclosure register")
        self.reg_table.setHorizontalHeaderLabels(["#", "Date (UTC)", "Request", "Recipient",
                                                  "Organisation", "Lawful basis",
                                                  "Export sha256", "Path", "Recorded by"])
        self.reg_table.setSelectionBehavior(QTableWidget.SelectRows)
        self.reg_table.setSelectionMode(QTableWidget.SingleSelection)
        self.reg_table.horizontalHeader().setStretchLastSection(True)
        self.reg_table.verticalHeader().hide()
        self.reg_table.itemSelectionChanged.connect(self._register_selected)
        v.addWidget(self.reg_table, 1)
        self.reg_detail = QLabel("Select an entry to see its full sha256 and path.", page)
        self.reg_detail.setWordWrap(True)
        self.reg_detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.reg_detail.setAccessibleName("Register entry")
        v.addWidget(self.reg_detail)
        self.tabs.addTab(page, "Disclosure register")

    def _retention_tab(self) -> None:
        page = QWidget(self)
        v = QVBoxLayout(page)
        top = QHBoxLayout()
        self.retention = QTextBrowser(page)
        self.retention.setAccessibleName("Retention report")
        self.retention.setMaximumHeight(self.fontMetrics().height() * 6)
        top.addWidget(self.retention, 1)
        self.run_btn = QPushButton("Run retention now…", page)
        self.run_btn.setAccessibleName("Run retention")
        self.run_btn.clicked.connect(self.run_retention)
        top.addWidget(self.run_btn, 0, Qt.AlignTop)
        v.addLayout(top)
        split = QSplitter(Qt.Vertical, page)
        cols = ["Clip", "Case", "Name", "Captured (UTC)", "Classification", "MoPI review",
                "Why"]

        def table(title: str, name: str):
            box = QGroupBox(title, split)
            bv = QVBoxLayout(box)
            t = QTableWidget(0, len(cols), box)
            t.setAccessibleName(name)
            t.setHorizontalHeaderLabels(cols)
            t.setSelectionBehavior(QTableWidget.SelectRows)
            t.setSelectionMode(QTableWidget.SingleSelection)
            t.horizontalHeader().setStretchLastSection(True)
            t.verticalHeader().hide()
            t.itemSelectionChanged.connect(self._update_buttons)
            bv.addWidget(t, 1)
            split.addWidget(box)
            return box, t

        _, self.erase_table = table("Due for erasure (a retention run erases these; held ones "
                                    "are kept)", "Clips due for erasure")
        box, self.review_table = table("Evidential clips due for MoPI review", "MoPI reviews due")
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
        self.review_next.setDate(store_forms.qdate(
            dt.datetime.now(dt.timezone.utc).date().replace(day=1) + dt.timedelta(days=365 * 5)))
        self.review_next.setToolTip("Retain: the next MoPI review date")
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
        box, self.guessed_table = table("Capture time guessed (the file's modification time): "
                                        "confirm or correct it", "Guessed capture times")
        row = QHBoxLayout()
        row.addStretch(1)
        self.capture_btn = QPushButton("Confirm or correct…", box)
        self.capture_btn.setAccessibleName("Confirm or correct the capture time")
        self.capture_btn.clicked.connect(self.capture_time_selected)
        row.addWidget(self.capture_btn)
        box.layout().addLayout(row)
        v.addWidget(split, 1)
        self.tabs.addTab(page, "Retention")

    # -- loading -------------------------------------------------------------------------
    def refresh(self) -> bool:
        from redaction import services
        from redaction.store import api
        req = self.selected_request()
        try:
            self.cases = api.library(self.user)
            self.overview = services.retention_overview(self.user)
            all_requests = api.list_requests(self.user, include_closed=True)
        except BwvError as e:
            self._on_error(str(e))
            return False
        self._fill_tree()
        self._fill_retention(self.overview)
        self._fill_register_filter(all_requests)
        self._load_register()
        self._load_requests()
        if req is not None:
            self.select_request(req["id"])
        n = sum(len(c["clips"]) for c in self.cases)
        self.summary.setText(f"{len(self.cases)} case(s), {n} clip(s), "
                             f"{len(self.requests)} request(s) shown · acting as {self.user}")
        self._update_buttons()
        return True

    def _update_buttons(self) -> None:
        """Enable what the selection and the role allow (the reason as tooltip otherwise)."""
        busy = self.runner.busy
        self._gated(self.import_btn, "import", "Import clips into a case (checked, hashed, "
                    "copied read-only, verified); progress and cancel below", not busy)
        r = self.selected_request()
        open_ = r is not None and r["status"] == "open"
        b = self.req_buttons
        self._gated(b["new"], "request", "Record a new request for disclosure")
        self._gated(b["link"], "request", "Choose the clips this request covers", open_)
        self._gated(b["extend"], "request", "Extend a subject access request (up to two "
                    "further months, with the reason)", open_)
        self._gated(b["approve"], "approve_export", "Approve disclosure under this request "
                    "(four-eyes: a supervisor other than the exporter)", open_)
        self._gated(b["close"], "request", "Close the request with its outcome", open_)
        if r is not None and not open_:
            for name in ("link", "extend", "approve", "close"):
                if self.why_not("approve_export" if name == "approve" else "request") is None:
                    b[name].setToolTip(f"REQ-{r['id']} is closed")
        self._gated(self.run_btn, "retention_run", "Erase the clips due now (non-evidential "
                    "past the policy's days, evidential with a dispose decision); progress "
                    "and cancel below", not busy)
        has_review = bool(self.review_table.selectionModel().selectedRows())
        for w in (self.review_decision, self.review_reason, self.review_next):
            w.setEnabled(self.why_not("retention_review") is None)
        self.review_next.setEnabled(self.review_next.isEnabled()
                                    and self.review_decision.currentData() == "retain")
        self._gated(self.review_btn, "retention_review", "Record the MoPI review decision "
                    "(retain with the next review date, or dispose) with the reason",
                    has_review)
        self._gated(self.capture_btn, "retention_review", "Confirm the stored capture time or "
                    "correct it, with how it was established",
                    bool(self.guessed_table.selectionModel().selectedRows()))

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
                     due, r["status"], r.get("approved_by") or "not approved",
                     len(r.get("clips") or ())]
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
        self._update_buttons()

    def _fill_register_filter(self, requests: list[dict]) -> None:
        box = self.reg_filter
        keep = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem("All requests", None)
        for r in requests:
            box.addItem(f"REQ-{r['id']}: {r['requester']} ({r['status']})", r["id"])
        box.setCurrentIndex(max(0, box.findData(keep)))
        box.blockSignals(False)

    def _load_register(self) -> None:
        from redaction import services
        self.register = self._service(services.disclosure_register, self.user,
                                      self.reg_filter.currentData()) or []
        t = self.reg_table
        t.setRowCount(len(self.register))
        for row, d in enumerate(self.register):
            cells = [d.id, d.date[:16].replace("T", " "), f"REQ-{d.request}", d.recipient,
                     d.organisation, d.basis, d.sha256[:16] + "…", d.path, d.recorded_by]
            for col, text in enumerate(cells):
                t.setItem(row, col, _item(text, d.sha256 if col == 6 else
                                          (d.path if col == 7 else "")))
        t.resizeColumnsToContents()
        t.clearSelection()
        self.reg_detail.setText("Select an entry to see its full sha256 and path." if self.register
                                else "No disclosures entered" + (
                                    " for this request." if self.reg_filter.currentData() else "."))

    def _register_selected(self) -> None:
        rows = self.reg_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.register):
            return
        d = self.register[rows[0].row()]
        self.reg_detail.setText(f"#{d.id} REQ-{d.request} to {d.recipient} ({d.organisation}), "
                                f"{d.basis}; sha256 {d.sha256}; {d.path}")

    def _fill_retention(self, o) -> None:
        def ids(xs):
            return ", ".join(str(x.id) for x in xs) or "none"
        self.retention.setHtml(
            f"<b>Retention as of {html.escape(o.as_of.isoformat())} (UTC)</b> · "
            f"would be erased by a retention run now (clip ids): {ids(o.erase)} · "
            f"erasure left unfinished: {ids(o.unfinished)}<br>"
            f"Held: capture time not confirmed (due, but not erased): {ids(o.held)}<br>"
            f"Evidential clips due for MoPI review: {ids(o.review_due)} · "
            f"unclassified clips flagged (classify them): {ids(o.unclassified)}<br>"
            f"Capture time guessed (file modification time; a supervisor confirms or "
            f"corrects it): {ids(o.capture_guessed)}")
        erase = [(c, c.note) for c in o.erase] + [(c, c.note) for c in o.held] + \
                [(c, "erasure interrupted: the next run completes it") for c in o.unfinished]
        self._fill_clip_table(self.erase_table, erase)
        self._fill_clip_table(self.review_table, [(c, "review date reached")
                                                  for c in o.review_due])
        self._fill_clip_table(self.guessed_table, [
            (c, "held by retention until confirmed" if c in o.held else "not confirmed")
            for c in o.capture_guessed])
        self._update_buttons()

    def _fill_clip_table(self, t: QTableWidget, rows: list) -> None:
        t.setRowCount(len(rows))
        for row, (c, why) in enumerate(rows):
            cells = [c.id, c.case, c.name, c.captured[:19].replace("T", " ")
                     + (" (guessed)" if c.capture_guessed else ""),
                     CLASS_LABELS.get(c.classification, c.classification), c.review_due or "",
                     why]
            for col, text in enumerate(cells):
                it = _item(text)
                it.setData(Qt.UserRole, c.id)
                if why.startswith("held"):
                    it.setForeground(QBrush(QColor("#ffb000")))
                t.setItem(row, col, it)
        t.resizeColumnsToContents()
        if not rows:
            t.setRowCount(0)

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
        self._update_buttons()
        rows = self.req_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.requests):
            return
        r = self.requests[rows[0].row()]
        e = html.escape
        ext = "".join(f"<li>+{x['months']} month(s) to {e(x['new_due'])}: {e(x['reason'])} "
                      f"({e(x['by'])})</li>" for x in r["extensions"]) or "<li>none</li>"
        dis = "".join(f"<li>{e(d['date'][:10])}: {e(d['recipient'])}, {e(d['organisation'])} "
                      f"({e(d['basis'])}), sha256 {e(d['export_sha256'][:16])}…, "
                      f"{e(d.get('output') or '')}</li>"
                      for d in r["disclosures"]) or "<li>none</li>"
        due = request_due_text(r)
        self.req_details.setHtml(
            f"<h3>REQ-{r['id']}: {e(store_forms.REQUEST_TYPE_LABELS.get(r['type'], r['type']))}"
            f" from {e(r['requester'])}</h3>"
            f"<p>Received {e(r['received'])}; due {e(r['due'] or 'no due date')}"
            f"{' (' + e(due) + ')' if due else ''}; status <b>{e(r['status'])}</b>"
            f"{'; outcome ' + e(r['outcome']) if r.get('outcome') else ''}</p>"
            f"<p>Created by {e(r['created_by'] or '')}"
            f"{'; approved for export by ' + e(r['approved_by']) if r.get('approved_by') else '; not approved for export'}</p>"
            f"<p>Linked clips: {', '.join(str(c) for c in r['clips']) or 'none'}</p>"
            f"<p>Notes: {e(r.get('notes') or '')}</p>"
            f"<p><b>Extensions</b></p><ul>{ext}</ul><p><b>Disclosures</b></p><ul>{dis}</ul>")

    # -- requests: create, link, extend, approve, close -----------------------------------
    def selected_request(self) -> Optional[dict]:
        rows = self.req_table.selectionModel().selectedRows() if hasattr(self, "req_table") else []
        if not rows or rows[0].row() >= len(self.requests):
            return None
        return self.requests[rows[0].row()]

    def select_request(self, request_id: int) -> bool:
        for row, r in enumerate(self.requests):
            if r["id"] == request_id:
                self.req_table.selectRow(row)
                self._request_selected()     # also when the row was selected already
                return True
        return False

    def _after_request(self, ref, what: str) -> None:
        self.say(f"REQ-{ref.id}: {what}")
        self.refresh()
        self.select_request(ref.id)

    def new_request(self):
        from redaction import services

        def submit(f):
            v = f.values()
            ref = services.create_request(v["rtype"], v["requester"], self.user,
                                          received=v["received"], due=v["due"], notes=v["notes"])
            self._after_request(ref, "created" + (f", due {ref.due}" if ref.due else ""))
            return ref
        return self._open_form(store_forms.NewRequestForm(self, submit))

    def present_clips(self) -> list[dict]:
        return [x for c in self.cases for x in c["clips"] if x["state"] == "present"]

    def link_selected(self):
        from redaction import services
        r = self.selected_request()
        if r is None:
            return None

        def submit(f):
            ids = f.chosen()
            ref = services.link_clips(r["id"], ids, self.user)
            self._after_request(ref, f"linked clip(s) {', '.join(map(str, ids)) or 'none'}; "
                                     f"covers {', '.join(map(str, ref.clips)) or 'no clips'}")
            return ref
        return self._open_form(store_forms.LinkClipsForm(self, r, self.present_clips(), submit))

    def extend_selected(self):
        from redaction import services
        r = self.selected_request()
        if r is None:
            return None

        def submit(f):
            ref = services.extend_request(r["id"], f.months.value(), f.reason.text().strip(),
                                          self.user)
            self._after_request(ref, f"extended to {ref.due}")
            return ref
        return self._open_form(store_forms.ExtendForm(self, r, submit))

    def close_selected(self):
        from redaction import services
        r = self.selected_request()
        if r is None:
            return None

        def submit(f):
            ref = services.close_request(r["id"], f.outcome_box.currentText().strip(), self.user)
            self._after_request(ref, f"closed ({ref.outcome})")
            return ref
        return self._open_form(store_forms.CloseForm(self, r, submit))

    def approve_selected(self):
        """Four-eyes: a supervisor approves disclosure under the selected request."""
        from redaction import services
        r = self.selected_request()
        if r is None:
            return None
        if self.interactive and QMessageBox.question(
                self, "Approve for export",
                f"Approve disclosure under REQ-{r['id']} ({r['requester']})? Exports answering "
                "it may then be made by a disclosure officer other than you. Your approval is "
                "recorded.") != QMessageBox.Yes:
            return None
        ref = self._service(services.approve_request, r["id"], self.user)
        if ref is not None:
            self._after_request(ref, f"approved for export by {ref.approved_by}")
        return ref

    # -- import (a job) --------------------------------------------------------------------
    def import_dialog(self, paths=None):
        incidents = [c["incident"] for c in self.cases]

        def submit(f):
            v = f.values()
            if not v["paths"]:
                raise BwvError("choose the clips to import (Add files…)")
            if not v["incident"]:
                raise BwvError("give the case's incident reference")
            if not self.start_import(**v):
                raise BwvError("another library job is running: wait for it or cancel it")
            return v
        f = store_forms.ImportForm(self, incidents, submit, self.interactive)
        if paths:
            f.set_files(paths)
        return self._open_form(f)

    def start_import(self, paths, incident: str, **options) -> bool:
        """services.import_job in the library's JobRunner (role refused in the job: shown)."""
        from redaction import services
        user, paths = self.user, list(paths)
        self.tabs.setCurrentIndex(0)
        return self.runner.start("import", lambda cancel: services.import_job(
            paths, incident, user, cancel=cancel, **options))

    # -- retention -------------------------------------------------------------------------
    def run_retention(self) -> bool:
        """services.retention_job in the library's JobRunner, with progress and cancel."""
        from redaction import services
        if self.interactive and self.overview is not None:
            n = len(self.overview.erase) + len(self.overview.unfinished)
            if QMessageBox.question(
                    self, "Run retention",
                    f"Erase {n} clip(s) now (with their projects, exports and caches)? This "
                    "cannot be undone; held clips are kept.") != QMessageBox.Yes:
                return False
        user = self.user
        return self.runner.start("retention",
                                 lambda cancel: services.retention_job(user, cancel=cancel))

    def _selected_in(self, t: QTableWidget) -> Optional[int]:
        rows = t.selectionModel().selectedRows()
        return t.item(rows[0].row(), 0).data(Qt.UserRole) if rows else None

    def select_in(self, t: QTableWidget, clip_id: int) -> bool:
        for row in range(t.rowCount()):
            if t.item(row, 0).data(Qt.UserRole) == clip_id:
                t.selectRow(row)
                return True
        return False

    def record_review_selected(self):
        from redaction import services
        cid = self._selected_in(self.review_table)
        if cid is None:
            return None
        decision = self.review_decision.currentData()
        nxt = store_forms.pydate(self.review_next.date()) if decision == "retain" else None
        out = self._service(services.record_review, cid, decision,
                            self.review_reason.text().strip(), self.user, nxt)
        if out is not None:
            d, next_review = out
            self.review_reason.clear()
            self.say(f"Clip {cid}: MoPI decision '{d}' recorded"
                     + (f", next review {next_review}" if next_review else
                        "; the next retention run erases it"))
            self.refresh()
        return out

    def capture_time_selected(self):
        from redaction import services
        cid = self._selected_in(self.guessed_table)
        clip = next((c for c in self.overview.capture_guessed if c.id == cid), None) \
            if self.overview is not None else None
        if clip is None:
            return None

        def submit(f):
            ct = services.set_capture_time(cid, f.reason.text().strip(), self.user,
                                           confirm=f.confirm.isChecked(), captured=f.captured(),
                                           expected_version=clip.version)
            self.say(f"Clip {cid}: capture time {'confirmed' if f.confirm.isChecked() else 'set'}"
                     f" ({ct.captured[:19].replace('T', ' ')} UTC)")
            self.refresh()
            return ct
        return self._open_form(store_forms.CaptureTimeForm(self, clip, submit))
