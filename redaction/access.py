"""Role checks for every command and GUI action (see docs/adr/0007-store-and-access.md).

``check(action, user)`` raises :class:`~redaction.errors.PermissionDenied` when the
user may not do ``action``, logs the refusal in the audit trail, and otherwise
returns the name of the authenticated user to attribute the action to.

Three modes (:func:`mode`):

* **locked** - the machine policy requires the case store (``require_store``, true by
  default in a machine policy) and it is missing, has no user accounts or cannot be
  opened: every protected action is refused with one line (``bwv user setup`` is the way
  forward) and, where the store can be written, audited. Nothing fails open.
* **standalone** - no machine policy requires the store, and no store was ever created
  (no database file, no ``BWV_DATABASE_URL``) or it has no user accounts yet: a development
  or single-user run, "standalone, not for evidence". Every action is allowed and
  attributed to ``user`` (``--user``/``$BWV_USER``/login name); the log says so.
* **enforced** - once ``bwv user setup`` has created the first administrator, the
  user must be authenticated (``bwv login`` session, ``BWV_PASSWORD``, a password
  prompt on a terminal, or :func:`login` in the GUI) and the role must allow the action.
  Without a machine policy (environment variables may then point at any store) the
  window and ``bwv whoami`` still say "standalone, not for evidence".
"""
from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from dataclasses import dataclass

from .errors import PermissionDenied

log = logging.getLogger("bwv.access")

ACTIONS = ("view", "annotate", "redact", "export", "classify", "approve_export",
           "retention_review", "administer",
           # added with the store (issue 5)
           "import", "manage_cases", "request", "declassify", "retention_run", "audit")

_REVIEWER = {"view", "annotate"}
_OFFICER = _REVIEWER | {"redact", "export", "import", "manage_cases", "request"}
_SUPERVISOR = _OFFICER | {"classify", "declassify", "approve_export", "retention_review",
                          "retention_run", "audit"}
_ADMIN = {"administer", "retention_run", "audit"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "reviewer": frozenset(_REVIEWER),
    "disclosure_officer": frozenset(_OFFICER),
    "supervisor": frozenset(_SUPERVISOR),
    "administrator": frozenset(_ADMIN),
}
ROLE_LABELS = {"reviewer": "reviewer", "disclosure_officer": "disclosure officer",
               "supervisor": "supervisor", "administrator": "administrator"}

# users authenticated in this process (GUI login dialog, CLI password/session)
_authenticated: set[str] = set()


def actions_for(role: str, admin_footage_access: bool = False) -> frozenset[str]:
    acts = ROLE_ACTIONS.get(role, frozenset())
    if role == "administrator" and admin_footage_access:
        acts = acts | ROLE_ACTIONS["supervisor"]
    return acts


def minimum_role(action: str) -> str:
    for role in ("reviewer", "disclosure_officer", "supervisor", "administrator"):
        if action in ROLE_ACTIONS[role]:
            return role
    return "administrator"


def _store():
    from .store.db import existing_store
    return existing_store()


SETUP_HINT = "an administrator runs `bwv user setup NAME` first"


@dataclass(frozen=True)
class Mode:
    """How access is decided now (see the module doc)."""
    kind: str                      # "enforced" | "standalone" | "locked"
    reason: str = ""               # locked: the one-line refusal
    machine_policy: bool = False   # an administrator's policy file is in force
    store: object = None           # the Store (None when missing or unreachable)

    @property
    def for_evidence(self) -> bool:
        """Only an enforced store under a machine policy is fit for evidence."""
        return self.kind == "enforced" and self.machine_policy

    @property
    def label(self) -> str:
        """"standalone, not for evidence" unless fit for evidence ("" then)."""
        from .policy import STANDALONE_LABEL
        return "" if self.for_evidence else STANDALONE_LABEL


def mode() -> Mode:
    """Decide the access mode: locked (fail closed), standalone or enforced."""
    from .policy import load_policy
    from .store.errors import StoreError
    pol = load_policy()                  # an unreadable policy file stops here (PolicyError)
    required = pol.require_store
    machine = pol.machine
    where = f"the machine policy {pol.path}" if machine else f"the policy {pol.path}"
    try:
        st = _store()
    except StoreError as e:
        if not required:
            raise                        # an unreachable store named by the user: an error
        return Mode("locked", f"refused: the case store required by {where} cannot be "
                              f"opened: {e}", machine)
    except Exception as e:  # noqa: BLE001 - any other failure to open it: fail closed
        if not required:
            raise
        return Mode("locked", f"refused: the case store required by {where} cannot be "
                              f"opened: {type(e).__name__}: {e}", machine)
    if st is None:
        if required:
            return Mode("locked", f"refused: {where} requires the case store and there is "
                                  f"none: {SETUP_HINT}", machine)
        return Mode("standalone", machine_policy=machine)
    from .store import users
    try:
        with st.session() as s:
            n = users.user_count(s)
    except Exception as e:  # noqa: BLE001 - a broken store is no store
        if not required:
            raise
        return Mode("locked", f"refused: the case store required by {where} cannot be "
                              f"read: {type(e).__name__}: {e}", machine)
    if n == 0:
        if required:
            return Mode("locked", f"refused: {where} requires the case store and it has no "
                                  f"user accounts: {SETUP_HINT}", machine, st)
        return Mode("standalone", machine_policy=machine, store=st)
    return Mode("enforced", machine_policy=machine, store=st)


def _refuse_locked(m: Mode, who: str, action: str, details: dict | None = None):
    """Refuse under a locked mode: audited where the store can be written, always logged."""
    log.warning("%s (%s by %s)", m.reason, action, who)
    if m.store is not None:
        try:
            from .store import audit
            with m.store.session() as s:
                audit.append(s, who, "refusal", action, {"reason": m.reason, **(details or {})})
        except Exception as e:  # noqa: BLE001 - the refusal stands even if it cannot be written
            log.warning("refusal not audited: %s", e)
    raise PermissionDenied(m.reason)


def enforced() -> bool:
    """True once the store has at least one user account, or when the machine policy
    requires a store that is missing, empty or unreachable (locked: nothing is allowed)."""
    return mode().kind != "standalone"


def default_user() -> str:
    """Who acts when nobody says: $BWV_USER, else the `bwv login` session, else the OS login."""
    if os.environ.get("BWV_USER"):
        return os.environ["BWV_USER"]
    sess = read_session_file()
    if sess and sess.get("user"):
        return sess["user"]
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


# --- session file written by `bwv login` -----------------------------------------

def session_path():
    from . import paths
    return paths.config_dir() / "session.json"


def read_session_file() -> dict | None:
    try:
        data = json.loads(session_path().read_text("utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def write_session_file(user: str, token: str, expires: str, url: str) -> None:
    from .fsutil import atomic_write_text
    p = session_path()
    atomic_write_text(p, json.dumps({"user": user, "token": token, "expires": expires,
                                     "database": url}))
    os.chmod(p, 0o600)


def remove_session_file() -> None:
    try:
        session_path().unlink()
    except OSError:
        pass


# --- authentication ----------------------------------------------------------------

def login(username: str, password: str) -> str:
    """Check the password (GUI login dialog); the user then counts as authenticated here."""
    from .store import api
    api.login(username, password)
    _authenticated.add(username)
    return username


def logout(username: str | None = None) -> None:
    if username is None:
        _authenticated.clear()
    else:
        _authenticated.discard(username)


def _authenticate(s, user: str | None):
    """Return the authenticated User for ``user`` (None: whoever is logged in), or raise."""
    from .store import users
    from .store.api import login_in_session
    sess = read_session_file()
    sess_user = None
    if sess and sess.get("token"):
        u = users.session_user(s, sess["token"])
        sess_user = u.username if u is not None else None
    if user is None or (user == _os_login() and not os.environ.get("BWV_USER")
                        and sess_user is not None):
        named = os.environ.get("BWV_USER") or None     # who a script names, if anyone
        user = named or sess_user or _os_login()
    else:
        named = user
    if user in _authenticated or user == sess_user:
        return users.get_user(s, user)
    if named and sess_user is not None:
        # never act for the session's user when someone else was named, nor for the named
        # user on the strength of another's session: say so (QA s17)
        raise _NotAuthenticated(named, f"this session is logged in as {sess_user!r} (`bwv "
                                       f"login`), but {named!r} was named: run `bwv logout` "
                                       f"first to act as {named!r}")
    password = os.environ.get("BWV_PASSWORD")
    if password is None and sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {user}: ")
    if password is None:
        ended = sess.get("user") if sess and sess.get("token") and not sess_user else None
        if sess_user:
            why = f"logged in as {sess_user!r}, not {user!r}"
        elif ended:     # not "root cannot ...": say whose session it was, and why it may end
            why = (f"the `bwv login` session of {ended!r} has ended (expired, logged out, or "
                   "ended by a password change or the account being disabled)")
            if not named:
                user = ended
        else:
            why = "not logged in"
        raise _NotAuthenticated(user, f"{why}: run `bwv login {user}` or set BWV_PASSWORD")
    u = login_in_session(s, user, password)
    _authenticated.add(user)
    return u


class _NotAuthenticated(Exception):
    def __init__(self, user, msg):
        self.user, self.msg = user, msg


def _os_login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


# --- the checks ----------------------------------------------------------------------

def authenticate(user: str | None = None) -> str:
    """Who acts, after proving it (no role check); refusals are logged."""
    m = mode()
    if m.kind == "locked":
        _refuse_locked(m, user or default_user(), "authenticate")
    if m.kind == "standalone":
        return user or default_user()
    st = m.store
    from .store import audit, users
    with st.session() as s:
        try:
            return _authenticate(s, user).username
        except _NotAuthenticated as e:
            who, msg = e.user, e.msg
        except PermissionDenied as e:
            who, msg = user or default_user(), str(e)
    with st.session() as s:
        audit.append(s, who, "refusal", "authenticate", {"reason": msg})
    raise PermissionDenied(msg)


def check(action: str, user: str | None = None, *, details: dict | None = None,
          doing: str | None = None) -> str:
    """Raise PermissionDenied if ``user`` may not do ``action``; return who acts.

    Refusals are written to the audit trail (category ``refusal``) when a store exists.
    ``doing`` names what was attempted in the refusal's words when the right is named
    differently ("attach an export to a case" needs the ``export`` right).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    what = doing or action.replace("_", " ")
    m = mode()
    if m.kind == "locked":
        _refuse_locked(m, user or default_user(), action, details)
    if m.kind == "standalone":
        who = user or default_user()
        log.info("standalone mode (%s, not for evidence): %s allowed for %s",
                 "no store" if m.store is None else "no user accounts", action, who)
        return who
    st = m.store
    from .store import audit, policy, users
    refusal = None
    with st.session() as s:
        try:
            u = _authenticate(s, user)
        except _NotAuthenticated as e:
            refusal = (e.user, f"{e.user} cannot {what}: {e.msg}")
        except PermissionDenied as e:  # wrong password / locked: already logged as a login
            refusal = (user or default_user(), str(e))
        else:
            allowed = actions_for(u.role, policy.get(s, "admin_footage_access"))
            if u.disabled:
                refusal = (u.username, f"{u.username} cannot {what}: "
                                       "the account is disabled")
            elif action not in allowed:
                refusal = (u.username, f"{u.username} ({ROLE_LABELS[u.role]}) cannot "
                                       f"{what}: needs "
                                       f"{ROLE_LABELS[minimum_role(action)]}"
                                       + (f" (the {action.replace('_', ' ')} right)"
                                          if doing else ""))
            else:
                # every permitted action is one the trail must be able to record: the newest
                # row verifies under the audit key (and this workstation's anchor holds), or
                # nothing is done (fail closed; AuditKeyError / IntegrityError name why)
                if action != "audit":   # verifying and exporting the trail diagnose it
                    audit.check_ready(s)
                return u.username
    who, msg = refusal
    with st.session() as s:
        audit.append(s, who, "refusal", action, {"reason": msg, **(details or {})})
    log.info("refused: %s", msg)
    raise PermissionDenied(msg)


def allowed(action: str, user: str | None) -> bool:
    """For enabling menus: no prompt, no logging."""
    return why_not(action, user) is None


def why_not(action: str, user: str | None) -> str | None:
    """None if allowed, else a tooltip-sized reason (no prompt, no logging)."""
    m = mode()
    if m.kind == "locked":
        return m.reason
    if m.kind == "standalone":
        return None
    from .store import policy, users
    with m.store.session() as s:
        u = users.find_user(s, user) if user else None
        if u is None or u.disabled:
            return "log in first"
        if action in actions_for(u.role, policy.get(s, "admin_footage_access")):
            return None
        return f"needs the {ROLE_LABELS[minimum_role(action)]} role"


def record(category: str, action: str, user: str, details: dict | None = None) -> None:
    """Append an audit row (e.g. ``consultation``/``probe``) if a store exists; else no-op.

    For engine commands that act outside the store (probe, verify, detect, export): call it
    after :func:`check` with the name ``check`` returned.
    """
    st = _store()
    if st is None:
        log.info("standalone mode (no store): %s %s by %s %s", category, action, user,
                 details or "")
        return
    from .store import audit
    with st.session() as s:
        audit.append(s, user, category, action, details or {})
