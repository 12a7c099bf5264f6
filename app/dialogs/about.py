"""Help > About: the version, the machine policy in force and where the logs are."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from redaction.errors import BwvError


def about_text() -> str:
    from redaction import __version__
    from redaction.logsetup import log_file
    from redaction.policy import load_policy
    try:
        policy = load_policy().describe()
    except BwvError as e:
        policy = [f"Machine policy cannot be read: {e}"]
    lines = [f"BWV Workstation {__version__}",
             "Redaction of body-worn video before disclosure. GPL-3.0-or-later.", "",
             *policy, "", f"Log file: {log_file()}"]
    return "\n".join(lines)


def about_box(parent) -> QMessageBox:
    box = QMessageBox(QMessageBox.Information, "About BWV Workstation", about_text(),
                      QMessageBox.Ok, parent)
    box.setAccessibleName("About BWV Workstation")
    return box
