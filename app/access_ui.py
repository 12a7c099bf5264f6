"""Role-aware actions: which window action needs which access right, and the gate that
enables, explains and checks them (see docs/adr/0007-store-and-access.md).

``Gate.apply(actions)`` disables what the acting user's role does not allow and sets the
tooltip from :func:`redaction.access.why_not`; ``Gate.guard(name, fn)`` wraps a slot so that
an attempt that reaches it anyway (a shortcut, a script, a test) goes through
:func:`redaction.access.check`, which logs the refusal in the audit trail.
In standalone mode (no store, or no user accounts) everything is allowed.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from redaction import access
from redaction.errors import BwvError, PermissionDenied

log = logging.getLogger("bwv.gui.access")

# window action -> access right (actions not listed only view)
ACTION_RIGHTS: dict[str, str] = {
    "save": "redact", "undo": "redact", "redo": "redact",
    "export": "export", "detect": "redact",
    "accept": "redact", "reject": "redact", "keep_clear": "redact",
    "set_start": "redact", "set_end": "redact", "split": "redact", "merge": "redact",
    "delete": "redact", "add_note": "annotate",
}

STANDALONE = "Standalone (no case store set up)"


def store_enforced() -> bool:
    """True once the store has user accounts; False (standalone) if it cannot be read."""
    try:
        return access.enforced()
    except BwvError:
        raise
    except Exception as e:  # noqa: BLE001 - e.g. an unreachable database: fail closed
        raise BwvError(f"cannot open the case store: {e}") from None


class Gate:
    """Access decisions for one acting user, cached (the role rarely changes mid-session)."""

    def __init__(self, user: str, enforced: Optional[bool] = None):
        self.user = user
        self.enforced = store_enforced() if enforced is None else enforced
        self._why: dict[str, Optional[str]] = {}

    def refresh(self) -> None:
        self._why.clear()

    def why_not(self, right: str) -> Optional[str]:
        if not self.enforced:
            return None
        if right not in self._why:
            self._why[right] = access.why_not(right, self.user)
        return self._why[right]

    def allowed(self, right: str) -> bool:
        return self.why_not(right) is None

    def role(self) -> Optional[str]:
        """The acting user's role label (None in standalone mode or if unknown)."""
        if not self.enforced:
            return None
        from redaction.store import users
        from redaction.store.db import existing_store
        st = existing_store()
        with st.session() as s:
            u = users.find_user(s, self.user)
            return access.ROLE_LABELS.get(u.role, u.role) if u is not None else None

    def status_text(self) -> str:
        if not self.enforced:
            return f"User: {self.user} · {STANDALONE}"
        role = self.role()
        return f"User: {self.user} ({role})" if role else f"User: {self.user}"

    def apply(self, actions: dict) -> None:
        """Disable the actions the role does not allow (after the window's own enabling)."""
        for name, right in ACTION_RIGHTS.items():
            a = actions.get(name)
            if a is None:
                continue
            why = self.why_not(right)
            base = a.property("baseToolTip")
            if why is None:
                if base is not None and a.toolTip().startswith("Not allowed:"):
                    a.setToolTip(base)
                continue
            if base is None or not a.toolTip().startswith("Not allowed:"):
                a.setProperty("baseToolTip", a.toolTip())
            a.setEnabled(False)
            a.setToolTip(f"Not allowed: {why}")

    def check(self, right: str, details: Optional[dict] = None) -> str:
        """access.check (logs a refusal); raises PermissionDenied."""
        return access.check(right, self.user, details=details)

    def guard(self, name: str, fn: Callable, on_refused: Callable[[str], None]) -> Callable:
        right = ACTION_RIGHTS.get(name)
        if right is None:
            return fn

        def guarded(*args):
            if self.enforced and not self.allowed(right):
                try:
                    self.check(right, {"gui_action": name})
                except PermissionDenied as e:
                    on_refused(str(e))
                    return None
            return fn(*args)
        return guarded
