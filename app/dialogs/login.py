"""The login dialog shown at start when the case store has user accounts.

It calls :func:`redaction.access.login` (argon2id check; failures are counted, logged and
may lock the account); the refusal message (wrong password, locked until ...) is shown
in the dialog. On success :attr:`user` is the acting user for the session.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit)

from redaction import access
from redaction.errors import BwvError


class LoginDialog(QDialog):
    def __init__(self, parent=None, name: str = ""):
        super().__init__(parent)
        self.setWindowTitle("BWV Workstation: log in")
        self.setAccessibleName("Log in")
        self.user: Optional[str] = None
        f = QFormLayout(self)
        intro = QLabel("This workstation uses a case store: log in with your account.\n"
                       "Every action is recorded in the audit trail under your name.", self)
        intro.setWordWrap(True)
        f.addRow(intro)
        self.name = QLineEdit(name, self)
        self.name.setAccessibleName("User name")
        f.addRow("User name", self.name)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setAccessibleName("Password")
        f.addRow("Password", self.password)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff6b6b")
        self.error.setAccessibleName("Login message")
        f.addRow(self.error)
        bb = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        bb.button(QDialogButtonBox.Ok).setText("Log in")
        bb.accepted.connect(self.try_login)
        bb.rejected.connect(self.reject)
        f.addRow(bb)
        self.setMinimumWidth(420)
        (self.password if name else self.name).setFocus()

    def try_login(self) -> bool:
        name, pw = self.name.text().strip(), self.password.text()
        if not name or not pw:
            self.error.setText("Enter your user name and password.")
            return False
        try:
            self.user = access.login(name, pw)
        except BwvError as e:   # PermissionDenied: wrong password, locked, disabled
            self.error.setText(str(e))
            self.password.clear()
            self.password.setFocus()
            return False
        except Exception as e:  # noqa: BLE001 - e.g. the database server is unreachable
            self.error.setText(f"Cannot reach the case store: {e}")
            return False
        self.accept()
        return True
