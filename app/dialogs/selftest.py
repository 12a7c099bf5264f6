"""Help > Self-test: runs :func:`redaction.selftest.iter_checks` in a JobRunner (off the GUI
thread) and shows one line per check as it completes, then a summary."""
from __future__ import annotations

from typing import Optional

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout)

from redaction.jobs import Progress

from ..worker import JobRunner


def selftest_job(only: Optional[list[str]], cancel):
    from redaction.selftest import CHECKS, iter_checks
    total = len(only) if only else len(CHECKS)
    done = []
    for c in iter_checks(only):
        done.append(c)
        yield Progress(len(done), total, c.line())
        if cancel.cancelled:
            break
    return done


class SelfTestDialog(QDialog):
    def __init__(self, parent=None, only: Optional[list[str]] = None):
        super().__init__(parent)
        self.setWindowTitle("Self-test")
        self.setAccessibleName("Self-test")
        self.setMinimumSize(640, 300)
        v = QVBoxLayout(self)
        self.status = QLabel("Running the installation checks…", self)
        v.addWidget(self.status)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.text.setAccessibleName("Self-test results")
        v.addWidget(self.text, 1)
        bb = QDialogButtonBox(QDialogButtonBox.Close, self)
        bb.rejected.connect(self.reject)
        v.addWidget(bb)
        self.checks: Optional[list] = None
        self.runner = JobRunner(self, min_interval=0.0)   # every line is shown
        self.runner.progress.connect(lambda p: self.text.appendPlainText(p.message))
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(lambda m: self.status.setText(f"Self-test could not run: {m}"))
        self.runner.start("selftest", lambda cancel: selftest_job(only, cancel))

    def _finished(self, checks) -> None:
        self.checks = list(checks or [])
        self.text.setPlainText("\n".join(c.line() for c in self.checks))
        bad = [c.name for c in self.checks if not c.ok]
        self.status.setText(f"All {len(self.checks)} checks passed." if not bad else
                            f"{len(bad)} of {len(self.checks)} checks FAILED: {', '.join(bad)}")

    def done(self, r: int) -> None:
        self.runner.shutdown()
        super().done(r)
