"""Library tab "Disclosure register": every export entered for a request (date, recipient,
organisation, basis, sha256, path), all requests or one (services.disclosure_register)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableWidget, QVBoxLayout, QWidget

from .common import item


class RegisterView(QWidget):
    def __init__(self, lib):
        super().__init__(lib)
        self.lib = lib
        self.register: list = []
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show", self))
        self.reg_filter = QComboBox(self)
        self.reg_filter.setAccessibleName("Register for request")
        self.reg_filter.addItem("All requests", None)
        self.reg_filter.currentIndexChanged.connect(lambda *_: self.load())
        top.addWidget(self.reg_filter)
        top.addStretch(1)
        v.addLayout(top)
        self.reg_table = QTableWidget(0, 9, self)
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
        self.reg_detail = QLabel("Select an entry to see its full sha256 and path.", self)
        self.reg_detail.setWordWrap(True)
        self.reg_detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.reg_detail.setAccessibleName("Register entry")
        v.addWidget(self.reg_detail)

    def fill_filter(self, requests: list[dict]) -> None:
        box = self.reg_filter
        keep = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem("All requests", None)
        for r in requests:
            box.addItem(f"REQ-{r.id}: {r.requester} ({r.status})", r.id)
        box.setCurrentIndex(max(0, box.findData(keep)))
        box.blockSignals(False)

    def load(self) -> None:
        from redaction import services
        self.register = self.lib._service(services.disclosure_register, self.lib.user,
                                          self.reg_filter.currentData()) or []
        t = self.reg_table
        t.setRowCount(len(self.register))
        for row, d in enumerate(self.register):
            cells = [d.id, d.date[:16].replace("T", " "), f"REQ-{d.request}", d.recipient,
                     d.organisation, d.basis, d.sha256[:16] + "…", d.path, d.recorded_by]
            for col, text in enumerate(cells):
                t.setItem(row, col, item(text, d.sha256 if col == 6 else
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
