"""The one role check of the service layer (a thin name over :func:`redaction.access.check`).

Every use case calls :func:`authorise` before it acts: it authenticates the user, checks
the role, fails closed when the machine policy requires a store that is missing, empty or
unreachable, and writes every refusal to the audit trail.
"""
from __future__ import annotations

from typing import Optional

from .. import access


def authorise(action: str, user: Optional[str] = None, *, doing: Optional[str] = None,
              **details) -> str:
    """Raise PermissionDenied (audited) unless ``user`` may do ``action``; return who acts.
    ``doing``: what was attempted, in the refusal's words, when the right is named
    differently."""
    return access.check(action, user, details=details or None, doing=doing)


def authorise_user(user: Optional[str] = None) -> str:
    """Who acts, authenticated (no role check; refusals audited)."""
    return access.authenticate(user)


def log_out(user: str) -> None:
    """End ``user``'s session in this process (the window's Log out / Switch user); the next
    protected action needs a login again. Recorded in the audit trail where a store exists."""
    access.logout(user)
    access.record("login", "logout", user, {"via": "window"})
