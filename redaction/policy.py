"""The machine-wide policy file installed by force IT (read-only for users).

Where it is looked for (``policy.json`` or ``policy.toml``; both is an error):

* Windows: ``ProgramData\\BWV Workstation\\policy.json`` (normally
  ``C:\\ProgramData\\BWV Workstation\\policy.json``; the system's known folder, never the
  ``%PROGRAMDATA%`` variable, which a user can change);
* Linux and other Unix: ``/etc/bwv-workstation/policy.json``;
* macOS: ``/Library/Application Support/BWV Workstation/policy.json``.

A file there is the *machine policy* (only an administrator can write it): environment
variables cannot override it. ``$BWV_POLICY_FILE`` is read only when no machine policy
exists (development and tests; :attr:`Policy.machine` is then False, and the workstation
is "standalone, not for evidence"); with a machine policy present it is ignored, with one
warning in the log. Tests simulate a machine policy by monkeypatching
:data:`SYSTEM_POLICY_PATHS` (never by an environment variable).

Keys (all optional; an absent key leaves the user's or the store's setting in force)::

    {
      "retention_days": 31,                  # non-evidential media kept N days
      "default_style": "solid",              # solid | pixelate | blur
      "redaction_reasons": ["Third party", "Vehicle registration"],
      "four_eyes_approval": true,            # exports need a supervisor's approval
      "database_url": "postgresql+psycopg://bwv@dbhost/bwv",
      "require_store": true,                 # default true in a machine policy (fail closed)
      "internal_review_export": false,       # under four-eyes: export without a request,
                                             # marked "internal_review" (default false)
      "store_dir": "/srv/bwv",               # local store folder (SQLite file, store files)
      "evidence_dir": "/mnt/evidence",       # evidence folder (a share for PostgreSQL)
      "audit_key_file": "/etc/bwv-workstation/audit.key",  # the audit trail's HMAC key
                                             # (default: beside the machine policy)
      "ray_address": "10.0.0.5:6379"         # `bwv batch detect` runs on this Ray cluster
    }                                        # (RAY_ADDRESS and --ray cannot change it)

With a machine policy, ``require_store`` defaults to true: the case store must exist and
have user accounts, or every protected action is refused (``bwv user setup``), and
``BWV_DATABASE_URL``, ``BWV_DATA_DIR`` (for the store) and ``BWV_EVIDENCE_DIR`` are ignored.

A policy value overrides the user's preference: use :func:`effective`. A file that is
present but invalid raises :class:`PolicyError`, a one-line message naming the file and
the key: the program must not run with a policy it cannot read (fail secure).
"""
from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .errors import BwvError
from .model import STYLE_MODES

ENV_VAR = "BWV_POLICY_FILE"
KEYS = ("retention_days", "default_style", "redaction_reasons", "four_eyes_approval",
        "database_url", "require_store", "internal_review_export", "store_dir", "evidence_dir",
        "audit_key_file", "ray_address")
BOOL_KEYS = ("four_eyes_approval", "require_store", "internal_review_export")
PATH_KEYS = ("store_dir", "evidence_dir")
LABELS = {
    "retention_days": "Retention of non-evidential media (days)",
    "default_style": "Default redaction style",
    "redaction_reasons": "Redaction reasons",
    "four_eyes_approval": "Four-eyes approval of exports",
    "database_url": "Case database",
    "require_store": "Case store required (fail closed)",
    "internal_review_export": "Exports for internal review without a request",
    "store_dir": "Store folder",
    "evidence_dir": "Evidence folder",
    "audit_key_file": "Audit key file",
    "ray_address": "Ray cluster for batch detection",
}
STANDALONE_LABEL = "standalone, not for evidence"


class PolicyError(BwvError):
    """The machine policy file exists but cannot be read or is invalid.

    Every one is a refusal and goes to the log as it is made (the audit trail may be what
    cannot be reached: the store's place comes from the policy)."""

    exit_code = 8

    def __init__(self, message: str, path=None):
        super().__init__(message, path)
        logging.getLogger("bwv.policy").error("refused: %s", self)


@dataclass(frozen=True)
class Policy:
    path: Optional[Path] = None              # the file read, or None when there is none
    values: dict = field(default_factory=dict)
    machine: bool = False                    # read from the administrator's location

    @property
    def require_store(self) -> bool:
        """Must the case store exist, with user accounts? (fail closed; default: a machine
        policy requires it, a development policy from $BWV_POLICY_FILE does not)."""
        return bool(self.values.get("require_store", self.machine))

    @property
    def standalone(self) -> bool:
        """No administrator's policy: environment variables may point anywhere, so the
        workstation says "standalone, not for evidence"."""
        return not self.machine

    def get(self, key: str, default: Any = None) -> Any:
        if key not in KEYS:
            raise KeyError(f"unknown policy key {key!r}; known: {', '.join(KEYS)}")
        return self.values.get(key, default)

    def is_set(self, key: str) -> bool:
        return key in self.values

    def describe(self) -> list[str]:
        """Lines for the About box and ``bwv selftest``: what the policy enforces."""
        if self.path is None:
            return ["No machine policy file: user and store settings apply "
                    f"({STANDALONE_LABEL})."]
        out = [f"Machine policy: {self.path}" if self.machine
               else f"Development policy ($BWV_POLICY_FILE, {STANDALONE_LABEL}): {self.path}"]
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


# Tests replace this (monkeypatch) to simulate a machine policy without writing to /etc;
# None means the platform's location (:func:`system_paths`).
SYSTEM_POLICY_PATHS: Optional[list[Path]] = None

log = logging.getLogger("bwv.policy")
_warned: set[str] = set()


def warn_ignored(var: str, what: str) -> None:
    """Say once per process that an environment variable is ignored under the machine policy."""
    if var in _warned or not os.environ.get(var):
        return
    _warned.add(var)
    msg = f"{var} is ignored: the machine policy decides {what}"
    log.warning("%s", msg)
    print(f"bwv: warning: {msg}", file=sys.stderr)


def system_paths() -> list[Path]:
    """Where an administrator installs the machine policy (see the module doc)."""
    if SYSTEM_POLICY_PATHS is not None:
        return [Path(p) for p in SYSTEM_POLICY_PATHS]
    if sys.platform == "win32":
        base = _program_data() / "BWV Workstation"
    elif sys.platform == "darwin":
        base = Path("/Library/Application Support/BWV Workstation")
    else:
        base = Path("/etc/bwv-workstation")
    return [base / "policy.json", base / "policy.toml"]


def _program_data() -> Path:
    """Windows' ProgramData folder as the system knows it (FOLDERID_ProgramData). Never
    ``%PROGRAMDATA%``: any user can set that variable for their own processes, and point
    the program at a "machine policy" they wrote themselves."""
    try:
        import ctypes
        from ctypes import wintypes

        class GUID(ctypes.Structure):
            _fields_ = [("a", wintypes.DWORD), ("b", wintypes.WORD), ("c", wintypes.WORD),
                        ("d", ctypes.c_ubyte * 8)]
        # FOLDERID_ProgramData {62AB5D82-FDC1-4DC3-A9DD-070D1D495D97}
        fid = GUID(0x62AB5D82, 0xFDC1, 0x4DC3,
                   (ctypes.c_ubyte * 8)(0xA9, 0xDD, 0x07, 0x0D, 0x1D, 0x49, 0x5D, 0x97))
        out = ctypes.c_wchar_p()
        shell32, ole32 = ctypes.windll.shell32, ctypes.windll.ole32
        if shell32.SHGetKnownFolderPath(ctypes.byref(fid), 0, None, ctypes.byref(out)) == 0:
            try:
                return Path(out.value)
            finally:
                ole32.CoTaskMemFree(out)
    except (AttributeError, OSError, ValueError):
        pass
    return Path(r"C:\ProgramData")


def _exists(path: Path) -> bool:
    """Whether anything is at ``path``: a link to nothing is there (load_policy refuses it;
    treating it as absent would turn the machine policy off)."""
    try:
        path.lstat()
        return True
    except FileNotFoundError:
        return False
    except OSError:
        return True   # there but unreadable: load_policy reports it (fail secure)


def _check_protected(path: Path, st) -> None:
    """A machine policy decides the store, four-eyes approval and where the audit key lives:
    a file (or a folder holding it) that other accounts can change is refused (POSIX)."""
    if os.name == "nt":
        return
    import stat as S
    if st.st_mode & (S.S_IWGRP | S.S_IWOTH):
        raise PolicyError(f"the machine policy file can be changed by other accounts (mode "
                          f"{S.S_IMODE(st.st_mode):04o}): only administrators may write it", path)
    if st.st_uid not in (0, os.geteuid()):
        raise PolicyError(f"the machine policy file belongs to another account (uid "
                          f"{st.st_uid}): it must belong to root", path)
    # the folders that hold it (the link's and, through links, the file's): a folder others
    # can write lets them replace the file, whatever its own mode
    folders = {path.parent}
    try:
        folders.add(path.resolve(strict=True).parent)
    except OSError:
        pass
    for folder in sorted(folders):
        try:
            dst = folder.stat()
        except OSError:
            continue
        if dst.st_mode & (S.S_IWGRP | S.S_IWOTH) and not dst.st_mode & S.S_ISVTX:
            raise PolicyError(f"the machine policy's folder can be changed by other accounts "
                              f"(mode {S.S_IMODE(dst.st_mode):04o}): only administrators may "
                              "write it", folder)


def candidate_paths() -> list[tuple[Path, bool]]:
    """(path, is the machine policy) in the order they are tried."""
    system = system_paths()
    if any(_exists(p) for p in system):
        warn_ignored(ENV_VAR, "the policy file")
        return [(p, True) for p in system]
    env = os.environ.get(ENV_VAR)
    if env:
        return [(Path(env), False)]
    return []


def _hide_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        cred, _, host = rest.rpartition("@")
        if ":" in cred:
            cred = cred.split(":", 1)[0] + ":***"
        return f"{scheme}://{cred}@{host}"
    return url


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs: list) -> dict:
    """json's object hook: a key given twice is refused (json keeps the last one silently,
    so `"four_eyes_approval": true, ..., "four_eyes_approval": false` would turn it off)."""
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise _Duplicate(k)
        out[k] = v
    return out


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
            doc = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_no_duplicates)
        except _Duplicate as e:
            raise PolicyError(f"the key {e.args[0]!r} is given twice: which one is meant is "
                              "not clear (give it once)", path) from None
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
        elif k in BOOL_KEYS:
            if not isinstance(v, bool):
                raise PolicyError(f"{k} must be true or false, got {v!r}", path)
        elif k in PATH_KEYS:
            if not isinstance(v, str) or not v.strip():
                raise PolicyError(f"{k} must be a folder path", path)
        elif k == "audit_key_file":
            if not isinstance(v, str) or not v.strip():
                raise PolicyError("audit_key_file must be a file path", path)
        elif k == "ray_address":
            if not isinstance(v, str) or not v.strip() or any(c.isspace() for c in v.strip()):
                raise PolicyError("ray_address must be a Ray cluster address such as "
                                  "host:6379 or ray://host:10001", path)
            v = v.strip()
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
    candidates = candidate_paths()
    present = [p for p, machine in candidates if machine and _exists(p)]
    if len(present) > 1:
        raise PolicyError(f"two machine policy files ({', '.join(p.name for p in present)}): "
                          "which one is meant is not clear (keep one)", present[0].parent)
    for path, machine in candidates:
        if not _exists(path):
            continue
        try:
            st = path.stat()
        except FileNotFoundError:
            raise PolicyError("the machine policy file is a link to nothing", path) from None
        except OSError as e:
            raise PolicyError(f"cannot read the machine policy file: {e.strerror or e}",
                              path) from None
        if machine:
            _check_protected(path, st)
        key = (str(path), machine, st.st_size, st.st_mtime_ns)
        if not reload and key in _cache:
            return _cache[key]
        pol = Policy(path, validate(_parse(path), path), machine)
        _cache.clear()
        _cache[key] = pol
        return pol
    return Policy()


def effective(key: str, user_value: Any = None) -> Any:
    """The value in force for ``key``: the machine policy's if it sets one, else ``user_value``."""
    pol = load_policy()
    return pol.get(key) if pol.is_set(key) else user_value
