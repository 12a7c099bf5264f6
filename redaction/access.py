"""Role checks for every command and GUI action.

``check(action, user)`` raises :class:`~redaction.errors.PermissionDenied` when the
user's role does not allow ``action``. The store (``redaction.store``) provides the
users and roles; see docs/adr for the policy when no store has been set up.
"""
from __future__ import annotations

from .errors import PermissionDenied  # noqa: F401  (re-exported for callers)

ACTIONS = ("view", "annotate", "redact", "export", "classify", "approve_export",
           "retention_review", "administer")


def check(action: str, user: str) -> None:
    """Raise PermissionDenied if ``user`` may not do ``action``.

    Until the store is set up (issue 5) every action is allowed and attributed to
    ``user``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
