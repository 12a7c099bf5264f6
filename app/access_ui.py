"""Role-aware presentation: which window action needs which access right, greyed out with
the reason (see docs/adr/0007-store-and-access.md). The window checks no roles itself.

``Gate.apply(actions)`` disables what the acting user's role does not allow and sets the
tooltip from :func:`redaction.access.why_not` (no logging). The decisions are the engine's:
every edit goes through :func:`redaction.services.edit` (the Document does that), which
refuses and audits; ``Gate.guard(name, fn)`` only hands the actions that open a dialog
(export, detection) to :func:`redaction.services.authorise` first, so a forced attempt is
refused (and audited) before the dialog. In standalone mode (no store, or no user accounts)
everything is allowed, and the status bar says "standalone, not for evidence".

A store that becomes unreachable mid-session (a server down, its database file removed or
damaged) is handled here, once, for every action wired through ``Gate.guard``: the slot is
refused with one line, "case store unavailable: <reason>", never a traceback; ``why_not``
greys out what it cannot decide for the same reason (not cached: it follows the store back).
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from sqlalchemy.exc import DBAPIError

from redaction import access, services
from redaction.errors import BwvError, PermissionDenied
from redaction.store.errors import StoreUnavailable

log = logging.getLogger("bwv.gui.access")

# window action -> access right (actions not listed only view)
ACTION_RIGHTS: dict[str, str] = {
    "save": "redact", "undo": "redact", "redo": "redact",
    "export": "export", "detect": "redact",
    "accept": "redact", "reject": "redact", "keep_clear": "redact",
    "set_start": "redact", "set_end": "redact", "split": "redact", "merge": "redact",
    "delete": "redact", "add_note": "annotate",
}

# the rights that change the project or disclose it: refused while the project is blocked
EDIT_RIGHTS = ("redact", "annotate", "export")

# actions that open a dialog before any service runs: authorised (and audited) up front
DIALOG_ACTIONS = ("export", "detect")

STANDALONE = "Standalone (no case store set up)"

# what an unreachable store raises: the service layer's StoreUnavailable, or the driver's
# error where a read escaped the store's transaction wrapper
STORE_DOWN = (StoreUnavailable, DBAPIError)
DOWN_FOR_S = 5.0      # how long a store found down is taken as down without asking again
_now = time.monotonic


def unavailable_text(e: Exception) -> str:
    """The one line for an unreachable store: "case store unavailable: <reason>"."""
    if isinstance(e, StoreUnavailable):
        return str(e)
    orig = getattr(e, "orig", None) or e
    reason = (str(orig).strip().splitlines() or [type(e).__name__])[0]
    return f"case store unavailable: {reason}"


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


def _positional(fn: Callable) -> int:
    """How many of a signal's arguments ``fn`` takes (a slot without parameters gets none)."""
    import inspect
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 0
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 99
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and
               p.default is p.empty for p in params)


class Gate:
    """Access decisions for one acting user, cached (the role rarely changes mid-session)."""

    def __init__(self, user: str, enforced: Optional[bool] = None):
        self.user = user
        self.enforced = store_enforced() if enforced is None else enforced
        self.label = mode_label()     # "standalone, not for evidence" or ""
        self._why: dict[str, Optional[str]] = {}
        # why the open project takes no edits whatever the role (its clip on disk is not the
        # project's: ProjectSession.edits_refused); None when it takes them
        self.blocked: Optional[str] = None
        self._down: Optional[tuple[float, str]] = None   # (when, why) the store was down

    def refresh(self) -> None:
        self._why.clear()

    def why_not(self, right: str) -> Optional[str]:
        if self.blocked and right in EDIT_RIGHTS:
            return self.blocked
        if not self.enforced:
            return None
        if right not in self._why:
            if self._down is not None and _now() - self._down[0] < DOWN_FOR_S:
                return self._down[1]      # asked just now: one wait for a down store, not one
            try:                          # per right and per update of the actions
                self._why[right] = access.why_not(right, self.user)
            except STORE_DOWN as e:       # kept a few seconds only: the store may come back
                log.warning("%s", unavailable_text(e))
                self._down = (_now(), unavailable_text(e))
                return self._down[1]
            self._down = None
        return self._why[right]

    def allowed(self, right: str) -> bool:
        return self.why_not(right) is None

    def role(self) -> Optional[str]:
        """The acting user's role label (None in standalone mode or if unknown)."""
        if not self.enforced:
            return None
        from redaction.store import users
        from redaction.store.db import existing_store
        try:
            st = existing_store()
            with st.session() as s:
                u = users.find_user(s, self.user)
                return access.ROLE_LABELS.get(u.role, u.role) if u is not None else None
        except STORE_DOWN as e:
            log.warning("role not shown: %s", unavailable_text(e))
            return None

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
        """Every window action's slot: an unreachable store refuses it in one line
        (``on_refused``: "case store unavailable: <reason>"; logged, since it cannot be
        audited). Actions that open a dialog: services.authorise first when the role does
        not allow them (the refusal is audited). Edits are not checked here: the service
        layer refuses them."""
        right = ACTION_RIGHTS.get(name)
        dialog = right is not None and name in DIALOG_ACTIONS
        takes = _positional(fn)

        def guarded(*args):
            args = args[:takes]             # a signal's extra arguments (checked)
            try:
                if dialog and self.enforced and not self.allowed(right):
                    try:
                        services.authorise(right, self.user, gui_action=name)
                    except PermissionDenied as e:
                        on_refused(str(e))
                        return None
                return fn(*args)
            except STORE_DOWN as e:
                log.warning("%s refused: %s", name, unavailable_text(e))
                on_refused(unavailable_text(e))
                return None
        return guarded
