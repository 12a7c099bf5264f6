"""Role-aware presentation: which window action needs which access right, greyed out with
the reason (see docs/adr/0007-store-and-access.md). The window checks no roles itself.

``Gate.apply(actions)`` disables what the acting user's role does not allow and sets the
tooltip from :func:`redaction.access.why_not` (no logging). The decisions are the engine's:
every edit goes through :func:`redaction.services.edit` (the Document does that), which
refuses and audits; ``Gate.guard(name, fn)`` only hands the actions that open a dialog
(export, detection) to :func:`redaction.services.authorise` first, so a forced attempt is
refused (and audited) before the dialog. In standalone mode (no store, or no user accounts)
everything is allowed, and the status bar says "standalone, not for evidence".
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from redaction import access, services
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

# actions that open a dialog before any service runs: authorised (and audited) up front
DIALOG_ACTIONS = ("export", "detect")

STANDALONE = "Standalone (no case store set up)"


def mode_label() -> str:
    """"standalone, not for evidence" unless an enforced store under a machine policy."""
    try:
        return access.mode().label
    except Exception:  # noqa: BLE001 - the label must never stop the window
        from redaction.policy import STANDALONE_LABEL
        return STANDALONE_LABEL


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
        self.label = mode_label()     # "standalone, not for evidence" or ""
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
            return f"User: {self.user} · {STANDALONE}, not for evidence"
        role = self.role()
        text = f"User: {self.user} ({role})" if role else f"User: {self.user}"
        return f"{text} · {self.label}" if self.label else text

    @staticmethod
    def rights(session=None) -> dict[str, str]:
        """ACTION_RIGHTS, with undo, redo and save taken from the open project's session as
        the service layer decides them: the right of the command each would undo or redo,
        and of the unsaved changes (a reviewer's own notes need only ``annotate``)."""
        rights = dict(ACTION_RIGHTS)
        if session is not None:
            if session.undo_stack:
                rights["undo"] = services.right_for(session.undo_stack[-1])
            if session.redo_stack:
                rights["redo"] = services.right_for(session.redo_stack[-1])
            if session.unsaved:
                rights["save"] = services.save_right(session)
        return rights

    def apply(self, actions: dict, session=None) -> None:
        """Disable the actions the role does not allow (after the window's own enabling);
        ``session``: the open project's (undo, redo and save follow what they would do)."""
        for name, right in self.rights(session).items():
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

    def guard(self, name: str, fn: Callable, on_refused: Callable[[str], None]) -> Callable:
        """Actions that open a dialog: services.authorise first when the role does not allow
        them (the refusal is audited). Edits are not wrapped: the service layer refuses them."""
        right = ACTION_RIGHTS.get(name)
        if right is None or name not in DIALOG_ACTIONS:
            return fn

        def guarded(*args):
            if self.enforced and not self.allowed(right):
                try:
                    services.authorise(right, self.user, gui_action=name)
                except PermissionDenied as e:
                    on_refused(str(e))
                    return None
            return fn(*args)
        return guarded
