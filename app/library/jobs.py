"""The library's job line: the last outcome, and import / retention runs (the library's
JobRunner) with progress and Cancel; a refused or failed job is shown in one line."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QProgressBar, QToolButton


class JobRow(QHBoxLayout):
    def __init__(self, lib):
        super().__init__()
        self.lib = lib
        runner = lib.runner
        self.message = QLabel("", lib)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Library message")
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.addWidget(self.message, 1)
        self.job_label = QLabel("", lib)
        self.job_bar = QProgressBar(lib)
        self.job_bar.setAccessibleName("Library job progress")
        self.job_bar.setMaximumWidth(lib.fontMetrics().horizontalAdvance("x") * 30)
        self.job_cancel = QToolButton(lib)
        self.job_cancel.setText("Cancel")
        self.job_cancel.setAccessibleName("Cancel the library job")
        self.job_cancel.clicked.connect(runner.cancel)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
            self.addWidget(w)
        runner.started.connect(self._started)
        runner.progress.connect(self._progress)
        runner.finished.connect(self._finished)
        runner.failed.connect(self._failed)
        runner.cancelled.connect(self._cancelled)

    def _started(self, name: str) -> None:
        self.job_label.setText(name.capitalize() + "…")
        self.job_bar.setRange(0, 0)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.show()
        self.lib._update_buttons()

    def _progress(self, p) -> None:
        self.job_bar.setRange(0, max(1, p.total))
        self.job_bar.setValue(p.done)
        self.job_label.setText(p.message or self.lib.runner.name)

    def _ended(self) -> None:
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
        self.lib.refresh()

    def _finished(self, result) -> None:
        name, say = self.lib.runner.name, self.lib.say
        if name == "import":
            done = list(result or [])
            say(f"Imported {len(done)} clip(s): " + "; ".join(
                f"{r.name} as clip {r.id} in {r.case}"
                + (" (capture time guessed: a supervisor confirms it)" if r.capture_guessed
                   else "") + (" (truncated, accepted)" if r.truncated else "")
                for r in done))
        elif name == "retention":
            r = result
            say(f"Retention run as of {r.as_of}: erased {len(r.erase)} clip(s)"
                + (f", completed {len(r.unfinished)} interrupted erasure(s)"
                   if r.unfinished else "")
                + f"; {len(r.review_due)} due for MoPI review"
                + "".join(f"; clip {c} not erased: {why}" for c, why in r.skipped))
        self._ended()

    def _failed(self, msg: str) -> None:
        name = self.lib.runner.name
        if name == "import" and "truncated" in msg:
            cli = "pass --accept-truncated to import it anyway"
            hint = "tick “Accept a truncated clip” in the import form to import it anyway"
            msg = (msg.replace(cli, hint) if cli in msg else
                   msg + f": refused, nothing stored ({hint}, logged and stored on the clip)")
        self.lib.say(f"{name.capitalize()} failed: {msg}", error=True)
        if self.lib.interactive:
            QMessageBox.warning(self.lib, f"{name.capitalize()} refused", msg)
        self._ended()

    def _cancelled(self) -> None:
        self.lib.say(f"{self.lib.runner.name.capitalize()} cancelled: what was done before the "
                     "cancel is kept (and logged); the rest was not started.")
        self._ended()
