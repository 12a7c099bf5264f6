"""Typed errors. The CLI and GUI turn each into one clear line naming the file."""
from __future__ import annotations

import os


class BwvError(Exception):
    """Base error: ``str()`` is the one line shown to the user."""

    exit_code = 1

    def __init__(self, message: str, path: str | os.PathLike | None = None):
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class MediaError(BwvError):
    """A clip cannot be read: missing, empty, truncated, corrupt or unsupported."""

    exit_code = 3


class ProjectError(BwvError):
    """A project file is missing, malformed or inconsistent (names the field)."""

    exit_code = 4


class IntegrityError(BwvError):
    """A hash does not match, or a tamper-evident log chain is broken."""

    exit_code = 5


class ExportError(BwvError):
    """An export cannot be written (existing output, unwritable folder, full disk...)."""

    exit_code = 6


class PermissionDenied(BwvError):
    """The current user's role does not allow the action."""

    exit_code = 7


class Cancelled(BwvError):
    """A job was cancelled by the user; nothing half-written is left."""

    exit_code = 130

    def __init__(self, message: str = "cancelled", path=None):
        super().__init__(message, path)


class InvalidEdit(ProjectError, ValueError):
    """An edit that does not fit the clip (frame past the end, box outside the picture...)."""
