"""Small forms for the library's disclosure and retention steps: a new request, linking
clips, extending or closing a request, importing clips, a MoPI decision, a capture time.

Each form only collects values: its ``submit`` callback (the library's, which calls
:mod:`redaction.services`) does the work. A refusal or a bad value (BwvError) is shown in
the form in red and the form stays open; on success it closes. No role is checked here.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

from PySide6.QtCore import QDate, QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDateTimeEdit, QDialog,
                               QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from redaction.errors import BwvError

REQUEST_TYPE_LABELS = {"subject_access": "Subject access (SAR)", "foi": "Freedom of information",
                       "cps_court": "CPS / court", "police_internal": "Police internal",
                       "other": "Other"}
OUTCOMES = ("disclosed", "partly disclosed", "refused", "withdrawn", "no footage held")


def qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class StoreForm(QDialog):
    """A form with an error line and OK/Cancel; OK calls ``submit(self)``."""

    def __init__(self, parent: Optional[QWidget], title: str, ok_text: str,
                 submit: Callable[["StoreForm"], object], intro: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self._submit = submit
        self.outcome = None
        self.form = QFormLayout(self)
        if intro:
            lab = QLabel(intro, self)
            lab.setWordWrap(True)
            self.form.addRow(lab)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff6b6b")
        self.error.setAccessibleName("Form message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.ok = self.buttons.button(QDialogButtonBox.Ok)
        self.ok.setText(ok_text)
        self.buttons.accepted.connect(self.try_submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 70)

    def finish(self) -> None:
        """Add the error line and the buttons (after the subclass's rows). Any change to
        an input clears the last error (it described the form as it was)."""
        self.form.addRow(self.error)
        self.form.addRow(self.buttons)
        from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit,
                                       QListWidget, QPlainTextEdit)
        clear = lambda *_: self.error.clear()   # noqa: E731
        for w in self.findChildren(QLineEdit):
            w.textChanged.connect(clear)
        for w in self.findChildren(QPlainTextEdit):
            w.textChanged.connect(clear)
        for w in self.findChildren(QComboBox):
            w.currentIndexChanged.connect(clear)
        for w in self.findChildren(QAbstractSpinBox):
            w.editingFinished.connect(clear)
        for w in self.findChildren(QAbstractButton):
            if w.isCheckable():
                w.toggled.connect(clear)
        for w in self.findChildren(QListWidget):
            w.model().rowsInserted.connect(clear)

    def try_submit(self) -> bool:
        try:
            self.outcome = self._submit(self)
        except BwvError as e:           # PermissionDenied says who may do it
            self.error.setText(str(e))
            return False
        self.accept()
        return True


class NewRequestForm(StoreForm):
    def __init__(self, parent, submit):
        super().__init__(parent, "New disclosure request", "Create request", submit,
                         "A request for footage: who asked, under what, and by when. Subject "
                         "access requests are due one month after receipt; FOI requests 20 "
                         "working days (bank holidays: set the due date).")
        self.rtype = QComboBox(self)
        self.rtype.setAccessibleName("Request type")
        for key, label in REQUEST_TYPE_LABELS.items():
            self.rtype.addItem(label, key)
        self.form.addRow("Type", self.rtype)
        self.requester = QLineEdit(self)
        self.requester.setAccessibleName("Requester")
        self.requester.setPlaceholderText("e.g. J. Smith, CPS Wessex, Press office")
        self.form.addRow("Requester", self.requester)
        today = dt.datetime.now(dt.timezone.utc).date()
        self.received = QDateEdit(qdate(today), self)
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("yyyy-MM-dd")
        self.received.setAccessibleName("Received")
        self.form.addRow("Received", self.received)
        row = QHBoxLayout()
        self.set_due = QCheckBox("Set a due date", self)
        self.due = QDateEdit(qdate(today + dt.timedelta(days=28)), self)
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setAccessibleName("Due date")
        self.due.setEnabled(False)
        self.set_due.toggled.connect(self.due.setEnabled)
        row.addWidget(self.set_due)
        row.addWidget(self.due, 1)
        self.form.addRow("Due", row)
        self.notes = QPlainTextEdit(self)
        self.notes.setAccessibleName("Notes")
        self.notes.setMaximumHeight(self.fontMetrics().height() * 4)
        self.form.addRow("Notes", self.notes)
        self.finish()
        self.requester.setFocus()

    def values(self) -> dict:
        return {"rtype": self.rtype.currentData(), "requester": self.requester.text().strip(),
                "received": pydate(self.received.date()),
                "due": pydate(self.due.date()) if self.set_due.isChecked() else None,
                "notes": self.notes.toPlainText().strip()}


class LinkClipsForm(StoreForm):
    """Tick the clips the request covers (those already linked are ticked and fixed)."""

    def __init__(self, parent, request, clips, submit):
        super().__init__(parent, f"Link clips to REQ-{request.id}", "Link clips", submit,
                         f"Clips covered by REQ-{request.id} ({request.requester}). An "
                         "export for this request may only use linked clips.")
        self.list = QListWidget(self)
        self.list.setAccessibleName("Clips")
        linked = set(request.clips or ())
        for c in clips:
            it = QListWidgetItem(f"{c.id}: {c.case} · {c.name}"
                                 + (f" · exhibit {c.exhibit}" if c.exhibit else ""))
            it.setData(Qt.UserRole, c.id)
            it.setFlags((it.flags() | Qt.ItemIsUserCheckable) & ~(
                Qt.ItemIsEnabled if c.id in linked else Qt.NoItemFlags))
            it.setCheckState(Qt.Checked if c.id in linked else Qt.Unchecked)
            self.list.addItem(it)
        self.form.addRow(self.list)
        self.finish()

    def check(self, clip_id: int, on: bool = True) -> None:
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.data(Qt.UserRole) == clip_id:
                it.setCheckState(Qt.Checked if on else Qt.Unchecked)

    def chosen(self) -> list[int]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.Checked
                and self.list.item(i).flags() & Qt.ItemIsEnabled]


class ExtendForm(StoreForm):
    def __init__(self, parent, request, submit):
        used = sum(e.months for e in request.extensions or ())
        super().__init__(parent, f"Extend REQ-{request.id}", "Extend", submit,
                         "A subject access request may be extended by up to two further "
                         f"months in all, with the reason ({used} used so far). The new due "
                         "date and the reason are recorded.")
        self.months = QSpinBox(self)
        self.months.setRange(1, 2)
        self.months.setSuffix(" month(s)")
        self.months.setAccessibleName("Months")
        self.form.addRow("Extend by", self.months)
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason for the extension")
        self.reason.setPlaceholderText("e.g. complex: 14 clips from 6 officers")
        self.form.addRow("Reason", self.reason)
        self.finish()


class CloseForm(StoreForm):
    def __init__(self, parent, request, submit):
        n = len(request.disclosures or ())
        super().__init__(parent, f"Close REQ-{request.id}", "Close request", submit,
                         f"REQ-{request.id} has {n} disclosure(s) in the register. A closed "
                         "request takes no more exports.")
        self.outcome_box = QComboBox(self)
        self.outcome_box.setEditable(True)
        self.outcome_box.addItems(OUTCOMES)
        self.outcome_box.setAccessibleName("Outcome")
        self.form.addRow("Outcome", self.outcome_box)
        self.finish()


class ImportForm(StoreForm):
    """Clips to import into a case (one at a time, as a job with progress and cancel)."""

    def __init__(self, parent, incidents: list[str], submit, interactive: bool = True):
        super().__init__(parent, "Import clips", "Import", submit,
                         "Each clip is checked (a file that is not a readable video, or a "
                         "truncated one, is refused), hashed, copied into the evidence store "
                         "read-only and verified.")
        self.interactive = interactive
        self.files: list[str] = []
        row = QVBoxLayout()
        self.file_list = QListWidget(self)
        self.file_list.setAccessibleName("Files to import")
        self.file_list.setMaximumHeight(self.fontMetrics().height() * 6)
        row.addWidget(self.file_list)
        add = QPushButton("Add files…", self)
        add.clicked.connect(self.pick)
        row.addWidget(add, 0, Qt.AlignLeft)
        self.form.addRow("Clips", row)
        self.incident = QComboBox(self)
        self.incident.setEditable(True)
        self.incident.addItems(incidents)
        self.incident.setAccessibleName("Case (incident reference)")
        self.incident.lineEdit().setPlaceholderText("e.g. INC-2024-001 (new or existing)")
        self.form.addRow("Case", self.incident)
        self.exhibit = QLineEdit(self)
        self.exhibit.setAccessibleName("Exhibit reference")
        self.exhibit.setPlaceholderText("One per clip, in the order listed: AB/1, AB/2, …")
        self.form.addRow("Exhibit", self.exhibit)
        self.officer = QLineEdit(self)
        self.officer.setAccessibleName("Officer")
        self.form.addRow("Officer", self.officer)
        self.accept_truncated = QCheckBox("Accept a truncated clip (logged and stored on "
                                          "the clip)", self)
        self.accept_truncated.setAccessibleName("Accept a truncated clip")
        self.form.addRow("", self.accept_truncated)
        self.finish()

    def set_files(self, paths) -> None:
        self.files = [str(p) for p in paths]
        self.file_list.clear()
        self.file_list.addItems(self.files)

    def pick(self) -> None:
        if not self.interactive:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, "Clips to import", "",
                                                "Video (*.mp4 *.mov *.mkv *.avi);;All files (*)")
        if paths:
            self.set_files(self.files + [p for p in paths if p not in self.files])

    def values(self) -> dict:
        return {"paths": list(self.files), "incident": self.incident.currentText().strip(),
                "exhibit": self.exhibit.text().strip() or None,
                "officer": self.officer.text().strip() or None,
                "accept_truncated": self.accept_truncated.isChecked()}


class CaptureTimeForm(StoreForm):
    """Confirm a guessed capture time, or correct it (UTC), with how it was established."""

    def __init__(self, parent, clip, submit):
        super().__init__(parent, f"Capture time of clip {clip.id}", "Record", submit,
                         f"{clip.name} ({clip.case}): {clip.guess_reason}. Retention keeps "
                         "the clip until this is confirmed or corrected.")
        self.confirm = QCheckBox("The stored time is right: confirm it", self)
        self.confirm.setChecked(True)
        self.confirm.setAccessibleName("Confirm the stored capture time")
        self.form.addRow("", self.confirm)
        t = dt.datetime.fromisoformat(clip.captured)
        self.when = QDateTimeEdit(QDateTime(qdate(t.date()), _qtime(t), QTimeZone.UTC), self)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.when.setTimeZone(QTimeZone.UTC)
        self.when.setAccessibleName("Corrected capture time (UTC)")
        self.when.setEnabled(False)
        self.confirm.toggled.connect(lambda on: self.when.setEnabled(not on))
        self.form.addRow("Capture time", self.when)
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("How the time was established")
        self.reason.setPlaceholderText("e.g. matches the control-room log / the officer's notes")
        self.form.addRow("Reason", self.reason)
        self.finish()

    def captured(self) -> Optional[dt.datetime]:
        if self.confirm.isChecked():
            return None
        q = self.when.dateTime().toUTC()
        d, t = q.date(), q.time()
        return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(),
                           tzinfo=dt.timezone.utc)


def _qtime(t: dt.datetime):
    from PySide6.QtCore import QTime
    return QTime(t.hour, t.minute, t.second)
