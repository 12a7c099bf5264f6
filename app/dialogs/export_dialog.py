"""Export dialog: recipient, organisation, lawful basis, style, optional ranges.

Export is disabled while any track is pending, unless the officer ticks the explicit
override (pending tracks are then redacted, and the override is logged by the UI and
by the engine). The export runs in the window's JobRunner with progress and cancel;
the last page shows the output, the manifest and the sha256 with an open-folder button.

With a case store, an open disclosure request the clip is linked to can be chosen (the only
one is chosen already): it is checked before the export
(open, four-eyes approval) and the export is entered in the disclosure register afterwards,
as ``bwv export --request`` does; both are the engine's service layer
(``services.authorise_export`` / ``services.finish_export``). When four-eyes approval is
required, "(none)" is refused; an export for internal review without a request is offered
only where the policy allows it (marked in the manifest, logged).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QUrl, Qt, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QStackedWidget,
                               QVBoxLayout, QWidget)

from redaction.export import ExportRequest, export_job
from redaction.model import STYLE_MODES
from redaction.paths import data_dir
from redaction.timebase import parse_timecode


def parse_ranges(text: str, fps, media=None) -> Optional[list[tuple[int, int]]]:
    """``"0-250, 00:00:20:00-00:00:25:00"`` -> inclusive frame ranges; empty -> None (whole clip).
    With ``media`` (the clip), a time in seconds is the frame shown then by the clip's own
    timestamps, as Go to takes it (on a variable-frame-rate clip the average rate is seconds
    out), and a time past the clip's end is refused (the frame index would be held at the
    last frame)."""
    text = text.strip()
    if not text:
        return None
    index_at_time = None
    if media is not None:
        def index_at_time(secs: float) -> int:
            if secs > media.info.duration_s:
                raise ValueError(f"{secs:g} s is past the clip's end ({media.info.duration_s:.3f} s)")
            return media.index_at_time(secs)
    out = []
    for part in text.split(","):
        a, sep, b = part.strip().partition("-")
        if not sep:
            raise ValueError(f"range {part.strip()!r} needs a start and an end (a-b)")
        out.append((parse_timecode(a, fps, index_at_time), parse_timecode(b, fps, index_at_time)))
    return out


def default_output(doc, name: Optional[str] = None) -> Path:
    """A free name in the data folder's exports; ``name``: the clip's original name (a clip
    held in the case store is stored under its sha256)."""
    folder = data_dir() / "exports"
    from redaction.fsutil import private_dir
    private_dir(folder)
    stem = Path(name).stem if name else Path(doc.session.source_path).stem
    n = 1
    out = folder / f"{stem}-redacted.mp4"
    while out.exists():
        n += 1
        out = folder / f"{stem}-redacted-{n}.mp4"
    return out


class ExportDialog(QDialog):
    exported = Signal()     # an export finished and its register entry or audit row is written

    def __init__(self, parent, doc, runner, bases: list[str], organisation: str = "",
                 requests: Optional[list[dict]] = None, name: Optional[str] = None):
        super().__init__(parent)
        self.setWindowTitle("Export redacted copy")
        self.setAccessibleName("Export dialog")
        self.setMinimumWidth(560)
        self.doc, self.runner = doc, runner
        self.result = None
        self.requests = list(requests or [])
        self.clip_name = name
        self.disclosure_id: Optional[int] = None
        self.permit = None                 # services.ExportPermit of the running export
        self.stack = QStackedWidget(self)
        QVBoxLayout(self).addWidget(self.stack)
        self._form_page(bases, organisation)
        self._progress_page()
        self._done_page()
        runner.progress.connect(self._progress)
        runner.finished.connect(self._finished)
        runner.failed.connect(self._failed)
        runner.cancelled.connect(self._cancelled)
        self.validate()

    # -- pages -------------------------------------------------------------------------
    def _form_page(self, bases, organisation) -> None:
        page = QWidget(self)
        f = QFormLayout(page)
        pend = self.doc.project.pending()
        auto = [t for t in pend if t.origin == "auto"]
        self.pending_note = QLabel(page)
        self.pending_note.setWordWrap(True)
        self.override = QCheckBox("Override: redact the pending tracks as if accepted (logged)", page)
        self.override.setAccessibleName("Override pending tracks")
        if pend:
            what = f"{len(pend)} track(s) still pending review ({len(auto)} from detection)"
            self._pending_text = (
                f"<b>Export is disabled:</b> {what}. Decide them first, or tick the override.",
                f"<b>Override:</b> {what} will be redacted as if accepted; the manifest and "
                "the report name them and you as the one who confirmed it.")
            self.pending_note.setText(self._pending_text[0])
            self.override.toggled.connect(lambda on: self.pending_note.setText(self._pending_text[on]))
            f.addRow(self.pending_note)
            f.addRow(self.override)
        else:
            self.override.hide()
            self.pending_note.hide()
        open_checks = [c for c in self.doc.checks() if not c.done]
        self.checks_note = QLabel(page)
        self.checks_note.setWordWrap(True)
        self.checks_note.setAccessibleName("Open checks before export")
        if open_checks:
            self.checks_note.setText(
                f"<b>{len(open_checks)} check(s) not yet done</b> (frames no detection covered, "
                "tracked objects lost in view, low-confidence proposals, dark footage): see \u201cChecks before export\u201d in the review "
                "panel. The export's manifest lists them.")
            f.addRow(self.checks_note)
        else:
            self.checks_note.hide()
        row = QHBoxLayout()
        self.out = QLineEdit(str(default_output(self.doc, self.clip_name)), page)
        self.out.setAccessibleName("Output file")
        row.addWidget(self.out, 1)
        b = QPushButton("Browse…", page)
        b.clicked.connect(self._browse)
        row.addWidget(b)
        f.addRow("Output file", row)
        self.request_box = QComboBox(page)
        self.request_box.setAccessibleName("Disclosure request")
        self.request_box.addItem("(none: not entered in the disclosure register)", None)
        for r in self.requests:
            due = f", due {r.due}" if r.due else ""
            from .store_forms import REQUEST_TYPE_LABELS
            approval = f", approved by {r.approved_by}" if r.approved_by else ", not approved"
            self.request_box.addItem(f"REQ-{r.id}: {REQUEST_TYPE_LABELS.get(r.type, r.type)} "
                                     f"from {r.requester}{due}{approval}", r.id)
        self.request_box.setToolTip("The disclosure request this export answers: it is recorded in "
                                    "the disclosure register with the recipient and the sha256")
        from redaction import services
        try:
            self.four_eyes = services.four_eyes_required()
            review_ok = self.four_eyes and services.internal_review_allowed()
        except Exception:  # noqa: BLE001 - the export itself is refused if the store fails
            self.four_eyes, review_ok = True, False
        if self.four_eyes:
            self.request_box.setItemText(0, "(none: refused, four-eyes approval needs an "
                                            "approved request)")
        if len(self.requests) == 1:     # the clip is on one open request: this answers it
            self.request_box.setCurrentIndex(1)
        elif not self.requests:
            self.request_box.setToolTip("No open request lists this clip: link it to the "
                                        "request in the library (Requests) to export for it")
        if self.requests or self.four_eyes:
            f.addRow("Request", self.request_box)
        else:
            self.request_box.hide()
        self.internal_review = QCheckBox("For internal review only, not for disclosure "
                                         "(no request; marked in the manifest, logged)", page)
        self.internal_review.setAccessibleName("Internal review export")
        if review_ok:
            f.addRow(self.internal_review)
        else:
            self.internal_review.hide()
        self.recipient = QLineEdit(page)
        self.recipient.setAccessibleName("Recipient")
        self.recipient.setPlaceholderText("Who receives this copy")
        f.addRow("Recipient", self.recipient)
        self.org = QLineEdit(organisation, page)
        self.org.setAccessibleName("Organisation")
        f.addRow("Organisation", self.org)
        self.basis = QComboBox(page)
        self.basis.setEditable(True)
        self.basis.addItems(bases)
        # no basis is pre-selected: the officer states the one this disclosure rests on (a
        # subject-access basis pre-filled for a CPS request would go into the register)
        self.basis.setCurrentIndex(-1)
        self.basis.lineEdit().setPlaceholderText("Choose the lawful basis for this disclosure")
        self.basis.setAccessibleName("Lawful basis")
        f.addRow("Lawful basis", self.basis)
        self.style_mode = QComboBox(page)
        self.style_mode.addItems(STYLE_MODES)
        self.style_mode.setCurrentText(self.doc.project.style.mode)
        self.style_mode.setAccessibleName("Redaction style")
        self.style_mode.setToolTip("Another style becomes the project's (a logged, undoable "
                                   "edit) when the export starts, so the redacted preview "
                                   "shows what is exported")
        f.addRow("Style", self.style_mode)
        self.ranges = QLineEdit(page)
        self.ranges.setAccessibleName("Clip ranges")
        self.ranges.setPlaceholderText("Whole clip, or e.g. 0-250, 00:00:20:00-00:00:25:00")
        f.addRow("Ranges", self.ranges)
        self.error = QLabel(page)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff6b6b")
        f.addRow(self.error)
        bl = QHBoxLayout()
        bl.addStretch(1)
        cancel = QPushButton("Cancel", page)
        cancel.clicked.connect(self.reject)
        self.go = QPushButton("Export", page)
        self.go.setDefault(True)
        self.go.setAccessibleName("Start export")
        self.go.clicked.connect(self.start)
        bl.addWidget(cancel)
        bl.addWidget(self.go)
        f.addRow(bl)
        for w in (self.recipient, self.org, self.out, self.ranges):
            w.textChanged.connect(self.validate)
        self.basis.currentTextChanged.connect(self.validate)
        self.override.toggled.connect(self.validate)
        self.stack.addWidget(page)

    def _progress_page(self) -> None:
        page = QWidget(self)
        v = QVBoxLayout(page)
        self.status = QLabel("Starting…", page)
        v.addWidget(self.status)
        self.bar = QProgressBar(page)
        self.bar.setAccessibleName("Export progress")
        v.addWidget(self.bar)
        c = QPushButton("Cancel export", page)
        c.clicked.connect(self.runner.cancel)
        v.addWidget(c, 0, Qt.AlignRight)
        self.stack.addWidget(page)

    def _done_page(self) -> None:
        page = QWidget(self)
        v = QVBoxLayout(page)
        v.addWidget(QLabel("<h3>Export complete</h3>", page))
        self.summary = QLabel(page)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.summary.setWordWrap(True)
        v.addWidget(self.summary)
        row = QHBoxLayout()
        row.addStretch(1)
        self.open_folder = QPushButton("Open folder", page)
        self.open_folder.clicked.connect(self._open_folder)
        close = QPushButton("Close", page)
        close.clicked.connect(self.accept)
        row.addWidget(self.open_folder)
        row.addWidget(close)
        v.addLayout(row)
        self.stack.addWidget(page)

    # -- logic -------------------------------------------------------------------------
    def export_allowed(self) -> bool:
        return not self.doc.project.pending() or self.override.isChecked()

    def validate(self) -> bool:
        missing = [n for n, w in (("recipient", self.recipient), ("organisation", self.org),
                                  ("output file", self.out)) if not w.text().strip()]
        if not self.basis.currentText().strip():
            missing.append("lawful basis")
        msg = ""
        try:
            parse_ranges(self.ranges.text(), self.doc.media.fps, self.doc.media)
        except ValueError as e:
            msg = str(e)
        if missing:
            msg = "Needed: " + ", ".join(missing)
        ok = self.export_allowed() and not msg
        self.go.setEnabled(ok)
        self.go.setToolTip("" if ok else (msg or "Pending tracks: decide them or tick the override"))
        self.error.setText(msg)
        return ok

    def request(self) -> ExportRequest:
        return ExportRequest(
            project=self.doc.session.path, out=Path(self.out.text().strip()),
            operator=self.doc.user, recipient=self.recipient.text().strip(),
            organisation=self.org.text().strip(), basis=self.basis.currentText().strip(),
            style=self.style_mode.currentText(),
            accept_pending=bool(self.doc.project.pending()) and self.override.isChecked(),
            ranges=parse_ranges(self.ranges.text(), self.doc.media.fps, self.doc.media),
            request_id=self.request_id(), purpose=self.purpose())

    def purpose(self) -> str:
        return ("internal_review" if self.request_id() is None
                and self.internal_review.isChecked() else "disclosure")

    def request_id(self):
        rid = self.request_box.currentData()
        return None if rid is None else str(rid)

    def start(self) -> None:
        if not self.validate() or self.runner.busy:
            return
        req = self.request()
        from redaction import services
        from redaction.errors import BwvError
        if req.style != self.doc.project.style.mode:   # what is exported is previewed
            from redaction.edits import SetStyle           # (before the export's audit row)
            if not self.doc.do(SetStyle(req.style)):
                self.error.setText(f"the style could not be set to {req.style}")
                return
        try:   # refuse before any work: no right, closed or unapproved request, no request
            self.permit = services.authorise_export(
                self.doc.user, req.request_id, req.purpose,
                project=str(req.project), output=str(req.out), gui=True)
            req.audit_head = services.audit_anchor()   # recorded in the manifest
            self.doc.save()
        except BwvError as e:
            self.error.setText(str(e))
            return
        self.stack.setCurrentIndex(1)
        # the export appends to this window's session (one log writer; the pending-track
        # override is logged once, by the export, with who confirmed it)
        session = self.doc.session
        self.runner.start("export", lambda cancel: export_job(req, cancel, session=session))

    def _progress(self, p) -> None:
        if self.runner.name != "export":
            return
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.done)
        eta = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
        self.status.setText(f"{p.message or 'Exporting'}: {p.done} of {p.total} frames{eta}")

    def _finished(self, result) -> None:
        if self.stack.currentIndex() != 1:
            return
        self.result = result
        register = ""
        rid = self.permit.request_id if self.permit is not None else None
        from redaction import services
        from redaction.errors import BwvError
        try:
            n = services.finish_export(self.permit, result.manifest, result.sha256)
            if rid is not None:
                self.disclosure_id = n
                register = f"\nRegister: disclosure {n} for REQ-{rid}"
            elif self.permit.purpose == "internal_review":
                register = "\nPurpose:  internal review (not for disclosure; logged)"
        except BwvError as e:
            register = f"\nRegister: NOT RECORDED ({e})"
        report = f"Report:   {result.report}\n" if result.report else ""
        self.summary.setText(f"Output:   {result.out}\nManifest: {result.manifest}\n"
                             f"CSV:      {result.csv}\n{report}SHA-256:  {result.sha256}\n"
                             f"Frames:   {result.frames}{register}"
                             + (f"\nWarning:  {result.note}" if getattr(result, "note", "") else ""))
        self.stack.setCurrentIndex(2)
        self.exported.emit()

    def _failed(self, msg: str) -> None:
        if self.stack.currentIndex() != 1:
            return
        self.error.setText(f"Export failed: {msg}")
        self.stack.setCurrentIndex(0)

    def _cancelled(self) -> None:
        if self.stack.currentIndex() != 1:
            return
        self.error.setText("Export cancelled; nothing was kept.")
        self.stack.setCurrentIndex(0)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.out.text(), "MP4 video (*.mp4)")
        if path:
            self.out.setText(path if path.lower().endswith(".mp4") else path + ".mp4")

    def _open_folder(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.result.out).parent)))

    def reject(self) -> None:
        if self.runner.busy and self.stack.currentIndex() == 1:
            self.runner.cancel()
            return
        super().reject()

    def done(self, r: int) -> None:
        for sig, slot in ((self.runner.progress, self._progress), (self.runner.finished, self._finished),
                          (self.runner.failed, self._failed), (self.runner.cancelled, self._cancelled)):
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().done(r)
