"""Preferences dialog: edits the JSON preferences file in the user's config folder.

Values fixed by the machine policy (``redaction.policy``) are shown read-only, with the
policy file named, and are never written to the user's preferences."""
from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QSpinBox)

from redaction.errors import BwvError
from redaction.policy import KEYS, LABELS, load_policy

from ..prefs import Preferences
from ..themes import THEMES


class PreferencesDialog(QDialog):
    def __init__(self, parent, prefs: Preferences):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.prefs = prefs
        f = QFormLayout(self)
        where = QLabel(f"Saved in {Preferences.path()}", self)
        where.setWordWrap(True)
        f.addRow(where)
        try:
            self.policy = load_policy()
        except BwvError as e:
            self.policy = None
            f.addRow(QLabel(f"Machine policy cannot be read: {e}", self))
        fixed = self.policy is not None and self.policy.is_set("redaction_reasons")
        self.reasons = self._lines(self.policy.get("redaction_reasons") if fixed else prefs.reasons,
                                   "Decision reasons, one per line")
        self.reasons_fixed = fixed
        if fixed:
            self._fix(self.reasons)
        f.addRow("Reasons", self.reasons)
        self.bases = self._lines(prefs.bases, "Lawful bases for export, one per line")
        f.addRow("Lawful bases", self.bases)
        self.categories = self._lines(prefs.annotation_categories, "Annotation categories, one per line")
        f.addRow("Annotation categories", self.categories)
        self.org = QLineEdit(prefs.organisation, self)
        self.org.setAccessibleName("Default recipient organisation")
        f.addRow("Default organisation", self.org)
        self.theme = QComboBox(self)
        self.theme.addItems(THEMES)
        self.theme.setCurrentText(prefs.theme)
        self.theme.setAccessibleName("Theme")
        f.addRow("Theme", self.theme)
        self.autosave = QSpinBox(self)
        self.autosave.setRange(1, 600)
        self.autosave.setSuffix(" s")
        self.autosave.setValue(prefs.autosave_seconds)
        self.autosave.setAccessibleName("Autosave interval in seconds")
        f.addRow("Autosave every", self.autosave)
        for key in KEYS:
            if key != "redaction_reasons" and self.policy is not None and self.policy.is_set(key):
                v = self.policy.get(key)
                v = ("on" if v else "off") if isinstance(v, bool) else str(v)
                if key == "database_url":
                    v = next((ln.split(": ", 1)[1] for ln in self.policy.describe()
                              if ln.startswith(LABELS[key])), v)
                e = QLineEdit(v, self)
                e.setAccessibleName(LABELS[key])
                self._fix(e)
                f.addRow(LABELS[key], e)
        bb = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        f.addRow(bb)

    def _lines(self, items, name) -> QPlainTextEdit:
        e = QPlainTextEdit("\n".join(items), self)
        e.setAccessibleName(name)
        e.setToolTip(name)
        e.setMinimumWidth(420)
        e.setMaximumHeight(self.fontMetrics().height() * 7)
        return e

    def _fix(self, w) -> None:
        w.setReadOnly(True)
        w.setEnabled(False)
        w.setProperty("policyFixed", True)
        w.setToolTip(f"Set by the machine policy ({self.policy.path}); ask IT to change it")

    def apply(self) -> Preferences:
        def lines(e):
            return [t.strip() for t in e.toPlainText().splitlines() if t.strip()]
        p = self.prefs
        if not self.reasons_fixed:
            p.reasons = lines(self.reasons) or p.reasons
        p.bases = lines(self.bases) or p.bases
        p.annotation_categories = lines(self.categories) or p.annotation_categories
        p.organisation = self.org.text().strip()
        p.theme = self.theme.currentText()
        p.autosave_seconds = self.autosave.value()
        p.save()
        return p
