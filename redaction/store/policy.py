"""Force policy settings (retention periods, lockout...), stored in the database."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .errors import StoreError
from .models import PolicySetting

DEFAULTS: dict[str, int | bool] = {
    "non_evidential_days": 31,      # non-evidential media erased on day N after capture (UTC days)
    "mopi_review_years": 6,         # evidential: first MoPI review N years after capture
    "unclassified_flag_days": 7,    # unclassified older than N days are flagged
    "lockout_failures": 5,          # failed logins in a row before the account locks
    "lockout_minutes": 15,          # how long a lock lasts (an administrator can unlock)
    "session_hours": 8,             # lifetime of a `bwv login` session
    "admin_footage_access": False,  # administrators may also act on footage
    "four_eyes_export": False,      # exports need a supervisor's approval
    "internal_review_export": False,  # under four-eyes: export without a request, marked
                                      # "internal_review" in its manifest (and logged)
}


# settings that the machine-wide policy file (redaction/policy.py, installed by IT) fixes:
# store key -> policy file key. A value there overrides the database's.
MACHINE_KEYS = {"non_evidential_days": "retention_days", "four_eyes_export": "four_eyes_approval",
                "internal_review_export": "internal_review_export"}


def _machine(key: str):
    from ..policy import load_policy  # lazy: a bad policy file fails where it is used
    pol = load_policy()
    mk = MACHINE_KEYS.get(key)
    return (True, pol.get(mk)) if mk and pol.is_set(mk) else (False, None)


def get(s: Session, key: str):
    if key not in DEFAULTS:
        raise StoreError(f"unknown policy setting {key!r}")
    fixed, value = _machine(key)
    if fixed:
        return value
    row = s.get(PolicySetting, key)
    return json.loads(row.value) if row else DEFAULTS[key]


def all_settings(s: Session) -> dict:
    out = dict(DEFAULTS)
    for row in s.execute(select(PolicySetting)).scalars():
        if row.key in DEFAULTS:
            out[row.key] = json.loads(row.value)
    for key in MACHINE_KEYS:
        fixed, value = _machine(key)
        if fixed:
            out[key] = value
    return out


def parse_value(key: str, text: str):
    if key not in DEFAULTS:
        raise StoreError(f"unknown policy setting {key!r} (known: {', '.join(DEFAULTS)})")
    if isinstance(DEFAULTS[key], bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise StoreError(f"{key} must be true or false")
    try:
        v = int(text)
    except ValueError:
        raise StoreError(f"{key} must be a whole number") from None
    if v < 1:
        raise StoreError(f"{key} must be at least 1")
    return v


def set_value(s: Session, key: str, value, user: str) -> None:
    if _machine(key)[0]:
        from ..policy import load_policy
        raise StoreError(f"{key} is set by the machine policy file {load_policy().path} "
                         "and cannot be changed here")
    old = get(s, key)
    row = s.get(PolicySetting, key)
    if row is None:
        s.add(PolicySetting(key=key, value=json.dumps(value), updated_by=user))
    else:
        row.value, row.updated_by = json.dumps(value), user
    audit.append(s, user, "administration", "policy.set", {"key": key, "old": old, "new": value})
