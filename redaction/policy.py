"""The machine-wide policy file installed by force IT (read-only for users).

Where it is looked for (the first that exists; ``.json`` before ``.toml``):

* ``$BWV_POLICY_FILE`` if set (tests, or IT pointing elsewhere): only that file;
* Windows: ``%PROGRAMDATA%\\BWV Workstation\\policy.json``
  (normally ``C:\\ProgramData\\BWV Workstation\\policy.json``);
* Linux and other Unix: ``/etc/bwv-workstation/policy.json``;
* macOS: ``/Library/Application Support/BWV Workstation/policy.json``.

Keys (all optional; an absent key leaves the user's or the store's setting in force)::

    {
      "retention_days": 31,                  # non-evidential media kept N days
      "default_style": "solid",              # solid | pixelate | blur
      "redaction_reasons": ["Third party", "Vehicle registration"],
      "four_eyes_approval": true,            # exports need a supervisor's approval
      "database_url": "postgresql+psycopg://bwv@dbhost/bwv"
    }

A policy value overrides the user's preference: use :func:`effective`. A file that is
present but invalid raises :class:`PolicyError`, a one-line message naming the file and
the key: the program must not run with a policy it cannot read (fail secure).
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .errors import BwvError
from .model import STYLE_MODES

ENV_VAR = "BWV_POLICY_FILE"
KEYS = ("retention_days", "default_style", "redaction_reasons", "four_eyes_approval",
        "database_url")
LABELS = {
    "retention_days": "Retention of non-evidential media (days)",
    "default_style": "Default redaction style",
    "redaction_reasons": "Redaction reasons",
    "four_eyes_approval": "Four-eyes approval of exports",
    "database_url": "Case database",
}


class PolicyError(BwvError):
    """The machine policy file exists but cannot be read or is invalid."""

    exit_code = 8


@dataclass(frozen=True)
class Policy:
    path: Optional[Path] = None              # the file read, or None when there is none
    values: dict = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        if key not in KEYS:
            raise KeyError(f"unknown policy key {key!r}; known: {', '.join(KEYS)}")
        return self.values.get(key, default)

    def is_set(self, key: str) -> bool:
        return key in self.values

    def describe(self) -> list[str]:
        """Lines for the About box and ``bwv selftest``: what the policy enforces."""
        if self.path is None:
            return ["No machine policy file: user and store settings apply."]
        out = [f"Machine policy: {self.path}"]
        for k in KEYS:
            if k in self.values:
                v = self.values[k]
                if k == "database_url":
                    v = _hide_password(v)
                elif isinstance(v, bool):
                    v = "on" if v else "off"
                elif isinstance(v, list):
                    v = "; ".join(v)
                out.append(f"{LABELS[k]}: {v}")
        return out


def candidate_paths() -> list[Path]:
    env = os.environ.get(ENV_VAR)
    if env:
        return [Path(env)]
    if sys.platform == "win32":
        base = Path(os.environ.get("PROGRAMDATA") or r"C:\ProgramData") / "BWV Workstation"
    elif sys.platform == "darwin":
        base = Path("/Library/Application Support/BWV Workstation")
    else:
        base = Path("/etc/bwv-workstation")
    return [base / "policy.json", base / "policy.toml"]


def _hide_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        cred, _, host = rest.rpartition("@")
        if ":" in cred:
            cred = cred.split(":", 1)[0] + ":***"
        return f"{scheme}://{cred}@{host}"
    return url


def _parse(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PolicyError(f"cannot read the machine policy file: {e.strerror or e}", path) from None
    if path.suffix.lower() == ".toml":
        import tomllib
        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise PolicyError(f"invalid TOML: {str(e).splitlines()[0]}", path) from None
    else:
        try:
            doc = json.loads(raw.decode("utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise PolicyError(f"invalid JSON: {str(e).splitlines()[0]}", path) from None
    if not isinstance(doc, dict):
        raise PolicyError("the policy must be an object of key: value settings", path)
    return doc


def validate(doc: dict, path: Path) -> dict:
    unknown = sorted(set(doc) - set(KEYS))
    if unknown:
        raise PolicyError(f"unknown policy key {unknown[0]!r} (known: {', '.join(KEYS)})", path)
    out: dict = {}
    for k, v in doc.items():
        if k == "retention_days":
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise PolicyError(f"retention_days must be a whole number of days >= 1, got {v!r}",
                                  path)
        elif k == "default_style":
            if v not in STYLE_MODES:
                raise PolicyError(f"default_style must be one of {', '.join(STYLE_MODES)}, "
                                  f"got {v!r}", path)
        elif k == "redaction_reasons":
            if (not isinstance(v, list) or not v
                    or not all(isinstance(r, str) and r.strip() for r in v)):
                raise PolicyError("redaction_reasons must be a non-empty list of non-empty "
                                  "texts", path)
            v = [r.strip() for r in v]
            if len(set(v)) != len(v):
                raise PolicyError("redaction_reasons lists a reason twice", path)
        elif k == "four_eyes_approval":
            if not isinstance(v, bool):
                raise PolicyError(f"four_eyes_approval must be true or false, got {v!r}", path)
        elif k == "database_url":
            if not isinstance(v, str) or "://" not in v:
                raise PolicyError("database_url must be a URL such as "
                                  "postgresql+psycopg://user@host/db", path)
        out[k] = v
    return out


_cache: dict[tuple, Policy] = {}


def load_policy(reload: bool = False) -> Policy:
    """The machine policy (an empty :class:`Policy` when no file exists).

    Cached per file state (path, size, mtime), so edits by IT are picked up by a new
    process or with ``reload=True``. Raises :class:`PolicyError` for an invalid file.
    """
    for path in candidate_paths():
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        except OSError as e:
            raise PolicyError(f"cannot read the machine policy file: {e.strerror or e}",
                              path) from None
        key = (str(path), st.st_size, st.st_mtime_ns)
        if not reload and key in _cache:
            return _cache[key]
        pol = Policy(path, validate(_parse(path), path))
        _cache.clear()
        _cache[key] = pol
        return pol
    return Policy()


def effective(key: str, user_value: Any = None) -> Any:
    """The value in force for ``key``: the machine policy's if it sets one, else ``user_value``."""
    pol = load_policy()
    return pol.get(key) if pol.is_set(key) else user_value
