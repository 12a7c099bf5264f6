"""Store errors (all are BwvError: one line for the user)."""
from __future__ import annotations

from ..errors import BwvError


class StoreError(BwvError):
    """The store cannot be opened, or a record is missing or invalid."""

    exit_code = 8


class NotFound(StoreError):
    exit_code = 9


class Conflict(StoreError):
    """Someone else changed the record (or it already exists); reload and retry."""

    exit_code = 10
