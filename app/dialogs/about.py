"""Help > About: the version, the machine policy in force, where the logs are, and the
credits (models, their training data, fonts, the sample clip) under *Show Details*: the
CC BY data the plate detector was trained on must be credited in the application."""
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
             *policy, "", f"Log file: {log_file()}", "",
             "Credits for the models, their training data, the fonts and the sample clip: "
             "Show Details. Licence texts: LICENSE, THIRD_PARTY_LICENSES, MODELS.md and "
             "CREDITS.md in the program's folder (installed builds)."]
    return "\n".join(lines)


def credits_text() -> str:
    """The shipped models (from the registry the loader checks) and resources/CREDITS.md."""
    from redaction.detect.models import MODELS
    from redaction.paths import resource
    lines = ["Detector models (sha256 checked at every load):"]
    lines += [f"- {m.name} ({m.file}): {m.licence}; {m.source}" for m in MODELS]
    path = resource("CREDITS.md")
    try:
        lines += ["", path.read_text(encoding="utf-8").strip()]
    except OSError as e:
        lines += ["", f"The credits file cannot be read ({e.strerror or e}): {path}"]
    return "\n".join(lines)


def about_box(parent) -> QMessageBox:
    box = QMessageBox(QMessageBox.Information, "About BWV Workstation", about_text(),
                      QMessageBox.Ok, parent)
    box.setDetailedText(credits_text())
    box.setAccessibleName("About BWV Workstation")
    return box
