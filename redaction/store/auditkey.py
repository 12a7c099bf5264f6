"""The audit trail's HMAC key: a file outside the database, readable only by the service account.

Where it is (the first that applies):

* the policy's ``audit_key_file``;
* with a machine policy: ``audit.key`` beside it, i.e. ``/etc/bwv-workstation/audit.key``
  on Linux, ``C:\\ProgramData\\BWV Workstation\\audit.key`` on Windows (an ACL limited to
  the service group; see the README), ``/Library/Application Support/BWV Workstation/
  audit.key`` on macOS; ``$BWV_AUDIT_KEY_FILE`` is then ignored;
* without one (development, standalone): ``$BWV_AUDIT_KEY_FILE``, else ``audit.key`` in the
  user's data folder (:func:`redaction.paths.data_dir`).

The file holds 32 random bytes as 64 hex digits. ``bwv user setup`` creates it (mode 0400,
never overwritten); every workstation sharing one PostgreSQL store needs the same file.
A key file that exists but cannot be read, is malformed, or (on POSIX) can be read by
other accounts is an error, never "no key": the trail fails closed.
"""
from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Optional

from ..errors import IntegrityError

ENV_VAR = "BWV_AUDIT_KEY_FILE"
FILENAME = "audit.key"


class AuditKeyError(IntegrityError):
    """The audit key is missing, unreadable or wrong while the trail needs it.

    Every one is a refusal and goes to the log as it is made (it cannot go to the audit
    trail, which is what the key protects)."""

    def __init__(self, message: str, path=None):
        super().__init__(message, path)
        logging.getLogger("bwv.audit").error("refused: %s", self)


def key_path() -> Path:
    from .. import paths
    from ..policy import load_policy, warn_ignored
    pol = load_policy()
    if pol.is_set("audit_key_file"):
        if pol.machine:
            warn_ignored(ENV_VAR, "where the audit key is")
        return Path(pol.get("audit_key_file"))
    if pol.machine and pol.path is not None:
        warn_ignored(ENV_VAR, "where the audit key is")
        return pol.path.parent / FILENAME
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return paths.data_dir() / FILENAME


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def load_key(path: Optional[Path] = None) -> Optional[bytes]:
    """The key, or None when the file does not exist. Raises :class:`AuditKeyError` for a
    file that exists but cannot be used."""
    p = path or key_path()
    try:
        fd = os.open(p, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise AuditKeyError(f"cannot read the audit key file: {_why(e)}", p) from None
    try:
        st = os.fstat(fd)
        import stat as S
        if S.S_ISDIR(st.st_mode):
            raise AuditKeyError("the audit key path is a folder, not a key file", p)
        if sys.platform != "win32" and st.st_mode & 0o077:
            raise AuditKeyError(f"the audit key file can be read by other accounts (mode "
                                f"{st.st_mode & 0o777:04o}); make it 0400 or 0600, owned by "
                                "the service account", p)
        raw = os.read(fd, 4096)
    except OSError as e:
        raise AuditKeyError(f"cannot read the audit key file: {_why(e)}", p) from None
    finally:
        os.close(fd)
    text = raw.decode("ascii", "replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise AuditKeyError("the audit key file is not 64 hex digits", p)
    return key


def require_key(path: Optional[Path] = None) -> bytes:
    p = path or key_path()
    key = load_key(p)
    if key is None:
        raise AuditKeyError("the audit key file is missing, and the audit trail is kept under "
                            "HMAC: restore it from the backup (appending and verifying are "
                            "refused until then)", p)
    return key


def create_key(path: Optional[Path] = None) -> tuple[Path, bool]:
    """Create the key file if it does not exist (mode 0400; never overwritten).

    Returns (path, created). Raises :class:`AuditKeyError` when it cannot be written.
    """
    p = path or key_path()
    if load_key(p) is not None:
        return p, False
    try:
        if not p.parent.exists():
            p.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        try:
            os.write(fd, (secrets.token_bytes(32).hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, p)   # no overwrite: a key another process just made wins
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError as e:
        raise AuditKeyError(f"cannot create the audit key file: {_why(e)} (an administrator "
                            "creates it; see the README)", p) from None
    load_key(p)  # what was written must read back
    return p, True
