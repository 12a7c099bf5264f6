"""Local accounts: argon2id passwords, lockout, roles, and `bwv login` sessions."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import PermissionDenied
from . import audit, policy
from .errors import Conflict, NotFound, StoreError
from .models import ROLES, LoginSession, User, utcnow

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StoreError(f"password too short: use at least {MIN_PASSWORD} characters")


def user_count(s: Session) -> int:
    return s.execute(select(func.count(User.id))).scalar_one()


def get_user(s: Session, username: str) -> User:
    u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if u is None:
        raise NotFound(f"no such user {username!r}")
    return u


def find_user(s: Session, username: str) -> User | None:
    return s.execute(select(User).where(User.username == username)).scalar_one_or_none()


def list_users(s: Session) -> list[User]:
    return list(s.execute(select(User).order_by(User.username)).scalars())


def _check_role(role: str) -> str:
    role = role.replace("-", "_").replace(" ", "_").lower()
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    return role


def _check_name(username: str) -> str:
    if not username or len(username) > 64 or not username.replace(".", "").replace(
            "-", "").replace("_", "").isalnum():
        raise StoreError(f"invalid user name {username!r} (letters, digits, . - _)")
    return username


def setup_admin(s: Session, username: str, password: str) -> User:
    """First run only: create the first administrator (refused once any user exists)."""
    # serialise with any other workstation doing the same (the audit writers' lock)
    audit.lock(s)
    if user_count(s):
        raise Conflict("the store is already set up; an administrator adds users with `bwv user add`")
    u = User(username=_check_name(username), role="administrator",
             password_hash=hash_password(password), created_by=username)
    s.add(u)
    s.flush()
    audit.append(s, username, "administration", "user.setup", {"user": username,
                                                               "role": "administrator"})
    return u


def find_user_any_case(s: Session, username: str) -> User | None:
    """A user whose name equals ``username`` ignoring case (``PC1`` and ``pc1``)."""
    return s.execute(select(User).where(func.lower(User.username) == username.lower())
                     .order_by(User.id)).scalars().first()


def add_user(s: Session, username: str, role: str, password: str, by: str) -> User:
    """A new account. Names are unique ignoring case (``PC1`` beside ``pc1`` would be two
    people to the program and one to anyone reading the trail); existing stores that have
    such a pair keep it."""
    audit.lock(s)   # two workstations adding PC1 and pc1 at once: one after the other
    same = find_user_any_case(s, username)
    if same is not None:
        raise Conflict(f"user {username!r} already exists" if same.username == username
                       else f"user {username!r} is refused: {same.username!r} exists, and "
                            "user names may not differ only in case")
    u = User(username=_check_name(username), role=_check_role(role),
             password_hash=hash_password(password), created_by=by)
    s.add(u)
    s.flush()
    audit.append(s, by, "administration", "user.add", {"user": username, "role": u.role})
    return u


def set_role(s: Session, username: str, role: str, by: str) -> User:
    """Change a user's role (an administrator's). Nobody changes their own role: an
    administrator who needs another asks another administrator (one could otherwise give
    themselves footage rights)."""
    u = get_user(s, username)
    if u.username.casefold() == by.casefold():
        raise PermissionDenied(f"{by} cannot change their own role: another administrator "
                               "does it")
    old, u.role = u.role, _check_role(role)
    _keep_an_admin(s, u, old)
    audit.append(s, by, "administration", "user.role", {"user": username, "old": old,
                                                        "new": u.role})
    return u


def set_disabled(s: Session, username: str, disabled: bool, by: str) -> User:
    u = get_user(s, username)
    u.disabled = disabled
    if disabled:
        _keep_an_admin(s, u, u.role)
        for ls in s.execute(select(LoginSession).where(LoginSession.user_id == u.id)).scalars():
            ls.revoked = True
    audit.append(s, by, "administration", "user.disable" if disabled else "user.enable",
                 {"user": username})
    return u


def _keep_an_admin(s: Session, changed: User, old_role: str) -> None:
    if old_role != "administrator":
        return
    s.flush()
    n = s.execute(select(func.count(User.id)).where(
        User.role == "administrator", User.disabled.is_(False))).scalar_one()
    if n == 0:
        raise Conflict("refusing: this would leave no active administrator")


def set_password(s: Session, username: str, password: str, by: str,
                 keep_token: str | None = None) -> User:
    """Set a password and end the user's `bwv login` sessions on every workstation (a
    password reset after a leak must shut out whoever used the old one), except
    ``keep_token``: the session of a user changing their own password."""
    u = get_user(s, username)
    u.password_hash = hash_password(password)
    u.failed_logins, u.locked_until = 0, None
    keep = _token_hash(keep_token) if keep_token else None
    ended = 0
    for ls in s.execute(select(LoginSession).where(LoginSession.user_id == u.id,
                                                   LoginSession.revoked.is_(False))).scalars():
        if ls.token_hash != keep:
            ls.revoked = True
            ended += 1
    audit.append(s, by, "administration", "user.passwd", {"user": username,
                                                          "sessions_ended": ended})
    return u


def unlock(s: Session, username: str, by: str) -> User:
    u = get_user(s, username)
    u.failed_logins, u.locked_until = 0, None
    audit.append(s, by, "administration", "user.unlock", {"user": username})
    return u


def authenticate(s: Session, username: str, password: str) -> User:
    """Verify the password; count failures and lock the account after too many.

    Every failure is logged (category ``login``) and raises PermissionDenied. The
    caller must commit even on failure so the failure count is kept: use
    :func:`redaction.store.api.login` which does.
    """
    now = utcnow()
    u = find_user(s, username)
    if u is None:
        audit.append(s, username, "login", "login.failed", {"reason": "unknown user"})
        raise PermissionDenied(f"login refused for {username!r}: wrong user name or password")
    if u.disabled:
        audit.append(s, username, "login", "login.failed", {"reason": "disabled"})
        raise PermissionDenied(f"login refused for {username!r}: the account is disabled")
    if u.locked_until is not None and u.locked_until > now:
        audit.append(s, username, "login", "login.failed", {"reason": "locked"})
        raise PermissionDenied(f"login refused for {username!r}: the account is locked until "
                               f"{u.locked_until:%Y-%m-%d %H:%M} UTC")
    try:
        _hasher.verify(u.password_hash, password)
    except (VerificationError, InvalidHashError):
        u.failed_logins += 1
        details = {"reason": "wrong password", "failures": u.failed_logins}
        limit = policy.get(s, "lockout_failures")
        if u.failed_logins >= limit:
            u.locked_until = now + dt.timedelta(minutes=policy.get(s, "lockout_minutes"))
            details["locked_until"] = u.locked_until.isoformat()
        audit.append(s, username, "login", "login.failed", details)
        raise PermissionDenied(f"login refused for {username!r}: wrong user name or password")
    u.failed_logins, u.locked_until = 0, None
    if _hasher.check_needs_rehash(u.password_hash):
        u.password_hash = _hasher.hash(password)
    return u


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_session(s: Session, u: User) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(hours=policy.get(s, "session_hours"))
    s.add(LoginSession(user_id=u.id, token_hash=_token_hash(token), expires_at=expires))
    audit.append(s, u.username, "login", "login", {"expires": expires.isoformat()})
    return token, expires


def session_user(s: Session, token: str) -> User | None:
    """The user of a live session token, or None (expired, revoked, disabled)."""
    ls = s.execute(select(LoginSession).where(
        LoginSession.token_hash == _token_hash(token))).scalar_one_or_none()
    if ls is None or ls.revoked or ls.expires_at <= utcnow() or ls.user.disabled:
        return None
    return ls.user


def end_session(s: Session, token: str) -> str | None:
    ls = s.execute(select(LoginSession).where(
        LoginSession.token_hash == _token_hash(token))).scalar_one_or_none()
    if ls is None or ls.revoked:
        return None
    ls.revoked = True
    audit.append(s, ls.user.username, "login", "logout", {})
    return ls.user.username
