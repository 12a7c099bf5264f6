"""Library tab "Cases and clips": the cases' clips with classification and the retention
countdown; classify, open in the workstation, import clips (a job in the library's runner)."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from redaction.errors import BwvError

from ..dialogs import store_forms
from .common import CLASS_LABELS, batch_text, batch_tip, retention_text


class ClipsView(QWidget):
    def __init__(self, lib):
        super().__init__(lib)
        self.lib = lib
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        self.import_btn = QPushButton("Import clips…", self)
        self.import_btn.setAccessibleName("Import clips into a case")
        self.import_btn.clicked.connect(self.import_dialog)
        top.addWidget(self.import_btn)
        top.addStretch(1)
        v.addLayout(top)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Cases and clips")
        self.tree.setHeaderLabels(["Case / clip", "Exhibit", "Captured (UTC)", "Classification",
                                   "Retention", "Imported by", "Batch detection"])
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(lambda it, _c: self.open_selected())
        self.tree.itemSelectionChanged.connect(self._clip_selected)
        v.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.clip_note = QLabel("", self)
        row.addWidget(self.clip_note, 1)
        self.cls_box = QComboBox(self)
        self.cls_box.setAccessibleName("Classification")
        for key, label in CLASS_LABELS.items():
            self.cls_box.addItem(label, key)
        self.cls_reason = QLineEdit(self)
        self.cls_reason.setPlaceholderText("Reason for the classification")
        self.cls_reason.setAccessibleName("Classification reason")
        self.cls_reason.setMinimumWidth(self.fontMetrics().horizontalAdvance("Reason for the classification") + 24)
        self.cls_btn = QPushButton("Classify", self)
        self.cls_btn.setAccessibleName("Set the clip's classification")
        self.cls_btn.clicked.connect(self.classify_selected)
        why = lib.why_not("classify")
        self.cls_allowed = why is None
        self.cls_btn.setToolTip("Record the classification (who and when are logged)" if why is None
                                else f"Not allowed: {why}")
        for w in (self.cls_box, self.cls_reason, self.cls_btn):
            w.setEnabled(False)
            row.addWidget(w)
        self.open_btn = QPushButton("Open in workstation", self)
        self.open_btn.setToolTip("Re-verify the clip's sha256 and open it for review and redaction")
        self.open_btn.setEnabled(False)
        self.open_btn.clicked.connect(self.open_selected)
        row.addWidget(self.open_btn)
        v.addLayout(row)

    def update_buttons(self, busy: bool) -> None:
        self.lib._gated(self.import_btn, "import", "Import clips into a case (checked, hashed, "
                        "copied read-only, verified); progress and cancel below", not busy)

    def fill(self, cases: list[dict]) -> None:
        self.tree.clear()
        today = dt.datetime.now(dt.timezone.utc).date()
        for c in cases:
            status = "" if c.status in (None, "open") else f" ({c.status})"
            top = QTreeWidgetItem([f"{c.incident}  {c.title or ''}".strip() + status,
                                   f"{len(c.clips)} clip(s)", "", "", "", "", ""])
            top.setData(0, Qt.UserRole, None)
            self.tree.addTopLevelItem(top)
            for clip in c.clips:
                ret = retention_text(clip, today)
                it = QTreeWidgetItem([clip.name + (" (truncated)" if clip.truncated
                                                      else ""),
                                      clip.exhibit or "",
                                      clip.captured[:16].replace("T", " ")
                                      + (" (guessed)" if clip.capture_guessed else ""),
                                      CLASS_LABELS.get(clip.classification, clip.classification),
                                      ret, clip.imported_by or "", batch_text(clip)])
                it.setData(0, Qt.UserRole, clip.id)
                if clip.batch:
                    it.setToolTip(6, batch_tip(clip.batch))
                it.setToolTip(0, f"sha256 {clip.sha256}" + (
                    f"\nTruncated (imported with --accept-truncated): {clip.truncated}"
                    if clip.truncated else ""))
                if clip.capture_guessed:
                    from redaction.store.clips import guess_reason
                    it.setToolTip(2, f"A guess: {guess_reason(clip.captured_from)}. A supervisor "
                                     "confirms or corrects it (bwv case capture-time); until "
                                     "then retention keeps the clip.")
                if clip.state != "present":
                    it.setDisabled(True)
                elif ret.startswith("erasure due") or "(due)" in ret:
                    it.setForeground(4, QBrush(QColor("#ff6b6b")))
                top.addChild(it)
            top.setExpanded(True)
        for i in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(i)

    def show_batch(self, rows: dict) -> None:
        """Update only the "Batch detection" cells of these clips (``rows``: id -> ClipRow);
        the tree, its selection and scroll position stay."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                it = top.child(j)
                clip = rows.get(it.data(0, Qt.UserRole))
                if clip is not None:
                    it.setText(6, batch_text(clip))
                    it.setToolTip(6, batch_tip(clip.batch) if clip.batch else "")

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
            clip = self.lib.clip(cid)
            self.cls_box.setCurrentIndex(max(0, self.cls_box.findData(clip.classification)))
        self.clip_note.setText("" if it is None or cid is None else it.toolTip(0))

    def select_clip(self, clip_id: int) -> bool:
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                if top.child(j).data(0, Qt.UserRole) == clip_id:
                    self.tree.setCurrentItem(top.child(j))
                    return True
        return False

    def classify_selected(self) -> bool:
        """services.classify (supervisor; evidential -> other needs the declassify right)."""
        from redaction import services
        from redaction.store.errors import Conflict
        cid = self.selected_clip()
        if cid is None:
            return False
        try:   # as shown: a clip classified meanwhile elsewhere is refused (Conflict)
            services.classify(cid, self.cls_box.currentData(), self.lib.user,
                              reason=self.cls_reason.text().strip(),
                              expected_version=self.lib.clip(cid).version)
        except BwvError as e:
            self.lib._on_error(str(e))
            if isinstance(e, Conflict):     # show what it is now (the reason typed stays)
                self.lib.refresh()
                self.select_clip(cid)
            return False
        self.cls_reason.clear()
        self.lib.refresh()
        self.select_clip(cid)
        return True

    def open_selected(self) -> None:
        cid = self.selected_clip()
        if cid is not None:
            row = next((c for case in self.lib.cases for c in case.clips if c.id == cid), None)
            # the clip's own name: the row's text carries labels (" (truncated)")
            name = row.name if row is not None else self.tree.currentItem().text(0)
            self.lib._open_clip(cid, name, clip=row)

    # -- import (a job) --------------------------------------------------------------------
    def import_dialog(self, paths=None):
        lib = self.lib
        incidents = [c.incident for c in lib.cases]

        def submit(f):
            v = f.values()
            if not v["paths"]:
                raise BwvError("choose the clips to import (Add files…)")
            if not v["incident"]:
                raise BwvError("give the case's incident reference")
            if not self.start_import(**v):
                raise BwvError("another library job is running: wait for it or cancel it")
            return v
        f = store_forms.ImportForm(lib, incidents, submit, lib.interactive)
        if paths:
            f.set_files(paths)
        return lib._open_form(f)

    def start_import(self, paths, incident: str, **options) -> bool:
        """services.import_job in the library's JobRunner (role refused in the job: shown)."""
        from redaction import services
        user, paths = self.lib.user, list(paths)
        self.lib.tabs.setCurrentWidget(self)
        return self.lib.runner.start("import", lambda cancel: services.import_job(
            paths, incident, user, cancel=cancel, **options))
