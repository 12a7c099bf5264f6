"""Store errors (all are BwvError: one line for the user)."""
from __future__ import annotations

from ..errors import BwvError


class StoreError(BwvError):
    """The store cannot be opened, or a record is missing or invalid."""

    exit_code = 8


class StoreUnavailable(StoreError):
    """The database cannot be reached or read (a server down, a file removed or damaged):
    every action that needs the store is refused with this one line."""

    def __str__(self) -> str:
        return f"case store unavailable: {super().__str__()}"


class NotFound(StoreError):
    exit_code = 9


class Conflict(StoreError):
    """Someone else changed the record (or it already exists); reload and retry."""

    exit_code = 10
