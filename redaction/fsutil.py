"""File helpers: hashing, atomic writes, no-overwrite renames."""
from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

from .errors import BwvError, ExportError

CHUNK = 1 << 20
PRIVATE_DIR_MODE = 0o700    # data, evidence, cache, log and temp folders: the owner only
EVIDENCE_FILE_MODE = 0o440  # evidence copies: read-only, owner and the service group


def sha256_chunks(path: str | os.PathLike, h, chunk: int = CHUNK):
    """Feed the file to hash ``h`` chunk by chunk, yielding the bytes done (for progress)."""
    done = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
            done += len(b)
            yield done


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    for _ in sha256_chunks(path, h):
        pass
    return h.hexdigest()


def file_identity(path: str | os.PathLike) -> tuple:
    """What changes when a file is replaced (renamed over, even by the same file put back)
    or written to, even with its modification time set back: device, inode, size,
    modification and status-change times. () when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def describe_os_error(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "disk full"
    if e.errno == errno.EROFS:
        return "read-only file system"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.ENOENT:
        return "no such file or folder"
    return e.strerror or str(e)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = True,
                       error=BwvError) -> None:
    """Write ``data`` to a temp file in the same folder, fsync, then rename into place.

    With ``overwrite=False`` an existing file is never replaced (``os.link`` is used
    so the check and the rename are one atomic step).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as e:
        raise error(f"cannot write in folder: {describe_os_error(e)}", folder) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            publish_no_overwrite(tmp, path, error=error)
    except OSError as e:
        unlink_quiet(tmp)
        raise error(f"cannot write: {describe_os_error(e)}", path) from e
    except BaseException:
        unlink_quiet(tmp)
        raise


def atomic_write_text(path, text: str, **kw) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), **kw)


def publish_no_overwrite(tmp: str | os.PathLike, final: str | os.PathLike, error=ExportError) -> None:
    """Rename ``tmp`` to ``final`` only if ``final`` does not exist (atomic via hard link)."""
    try:
        os.link(tmp, final)
    except FileExistsError:
        unlink_quiet(tmp)
        raise error("already exists; refusing to overwrite", final)
    except OSError:
        # file systems without hard links: fall back to an exclusive check + rename
        if os.path.exists(final):
            unlink_quiet(tmp)
            raise error("already exists; refusing to overwrite", final)
        os.replace(tmp, final)
        return
    unlink_quiet(tmp)


def private_dir(path: str | os.PathLike) -> Path:
    """The folder, created 0700 (owner only) if missing, and so is every folder above it
    that this call creates; an existing folder is left as it is.

    On Windows ``os.chmod`` cannot restrict a folder: the installer sets an ACL limited to
    the service group on the data folders instead (ADR 0007)."""
    p = Path(path)
    missing = []
    q = p
    while not q.exists() and q != q.parent:
        missing.append(q)
        q = q.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        if os.name != "nt":
            try:
                os.chmod(d, PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
            except OSError:
                pass
    if not p.is_dir():
        p.mkdir(parents=True, exist_ok=True)   # raises the error that names the problem
    return p


def unlink_quiet(p) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass


def fsync_dir(folder: str | os.PathLike) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
