"""Private temp folders for exports: a killed export strands nothing beside a disclosure.

An export writes its video, manifest and CSV parts into its own work folder
``<pid>-<token>-<host>/`` and publishes each part with a hard link (no overwrite,
:func:`redaction.fsutil.publish_no_overwrite`), so the work folder must be on the same
file system as the output:

* ``<data_dir>/partial-exports/`` (0700) when the output folder is on the same device;
* else a hidden ``.bwv-partial/`` folder (0700) inside the output folder, recorded by a
  marker ``<data_dir>/partial-exports/<work>.where`` so that it can be found again.

A work folder is *stale* when its process is gone (same host: the pid no longer runs)
or, for another host's export or where a pid cannot be checked (Windows), when nothing
in it was written for :data:`STALE_AFTER_S`. Every export removes stale work folders
(the shared ones and those in its own output folder) before it starts, and so do the
hidden ``.NAME.<hex>.part`` files earlier versions left beside their outputs once
they are as old. A concurrent export's folder is never stale. ``bwv selftest``
reports what is left (:func:`stale_parts`).
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

log = logging.getLogger("bwv.export")

from .errors import ExportError
from .fsutil import describe_os_error, private_dir, unlink_quiet

LOCAL_NAME = "partial-exports"
HIDDEN_NAME = ".bwv-partial"
STALE_AFTER_S = 3600.0  # no write for an hour: another host's (or an unknown) export is gone
FAULT_ENV = "BWV_FAULT_INJECT"  # tests: a point where the process kills itself (fault())

_WORK_RE = re.compile(r"^(\d+)-([0-9a-f]{8})-(.+)$")
_LEGACY_RE = re.compile(r"^\..+\.[0-9a-f]{8}\.part$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname() or "localhost")[:64]


def local_root() -> Path:
    from .paths import data_dir
    return private_dir(data_dir() / LOCAL_NAME)


def _same_device(a: Path, b: Path) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def _pid_alive(pid: int) -> Optional[bool]:
    """True/False where it can be known, else None (Windows: os.kill would end it)."""
    if os.name == "nt":
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _newest_mtime(p: Path) -> float:
    newest = 0.0
    try:
        newest = p.lstat().st_mtime
        if p.is_dir() and not p.is_symlink():
            for q in p.iterdir():
                try:
                    newest = max(newest, q.lstat().st_mtime)
                except OSError:
                    pass
    except OSError:
        pass
    return newest


def is_stale(work: Path, now: Optional[float] = None) -> bool:
    """Whether a work folder belongs to an export that can no longer finish."""
    m = _WORK_RE.match(work.name)
    if m and m.group(3) == _host():
        alive = _pid_alive(int(m.group(1)))
        if alive is not None:
            return not alive
    return (now or time.time()) - _newest_mtime(work) > STALE_AFTER_S


@dataclass
class StalePart:
    path: Path       # a work folder, or a legacy part file
    size: int


def _size(p: Path) -> int:
    try:
        if p.is_dir():
            return sum(q.stat().st_size for q in p.iterdir() if q.is_file())
        return p.stat().st_size
    except OSError:
        return 0


def _ours(p: Path) -> bool:
    """Only a folder named like a work folder, inside the local root or a hidden
    ``.bwv-partial`` folder, may be removed as a stale export's."""
    try:
        parent_ok = p.parent.name == HIDDEN_NAME or p.parent.resolve() == local_root().resolve()
    except OSError:
        return False
    return p.is_dir() and bool(_WORK_RE.match(p.name)) and parent_ok


def _candidates(out_dir: Optional[Path]) -> list[tuple[Path, Optional[Path]]]:
    """(work folder or legacy part, its marker) pairs to consider."""
    found: list[tuple[Path, Optional[Path]]] = []
    try:
        root = local_root()
        entries = sorted(root.iterdir())
    except OSError:
        entries = []
    seen: set[Path] = set()
    for e in entries:
        if e.suffix == ".where" and e.is_file():
            try:
                target = Path(e.read_text(encoding="utf-8").strip())
            except OSError:
                continue
            if not target.exists():
                unlink_quiet(e)  # its folder is gone already
                continue
            if not _ours(target):  # a marker naming any other folder is never followed
                log.warning("export work marker %s names %s, not an export work folder: "
                            "ignored and removed", e, target)
                unlink_quiet(e)
                continue
            found.append((target, e))
            seen.add(target)
        elif e.is_dir() and _WORK_RE.match(e.name):
            found.append((e, None))
    if out_dir is not None:
        hidden = out_dir / HIDDEN_NAME
        if hidden.is_dir():
            for e in sorted(hidden.iterdir()):
                if e.is_dir() and e not in seen and _WORK_RE.match(e.name):
                    found.append((e, None))
        try:
            for e in sorted(out_dir.iterdir()):
                if e.is_file() and _LEGACY_RE.match(e.name):
                    found.append((e, None))
        except OSError:
            pass
    return found


def _legacy_stale(p: Path, now: float) -> bool:
    return now - _newest_mtime(p) > STALE_AFTER_S


def stale_parts(out_dir: Optional[Path] = None) -> list[StalePart]:
    """Parts left by killed exports (never a running export's), for ``bwv selftest``."""
    now = time.time()
    out = []
    for p, _marker in _candidates(out_dir):
        stale = _legacy_stale(p, now) if p.is_file() else is_stale(p, now)
        if stale:
            out.append(StalePart(p, _size(p)))
    return out


def remove_stale(out_dir: Optional[Path] = None) -> list[Path]:
    """Remove the parts of killed exports; returns what was removed."""
    now = time.time()
    removed = []
    for p, marker in _candidates(out_dir):
        if p.is_file():
            if _legacy_stale(p, now):
                unlink_quiet(p)
                removed.append(p)
            continue
        if not is_stale(p, now):
            continue
        shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            removed.append(p)
            if marker is not None:
                unlink_quiet(marker)
    if out_dir is not None:
        try:
            (out_dir / HIDDEN_NAME).rmdir()  # only when empty
        except OSError:
            pass
    return removed


def _made(make, path, what: str) -> Path:
    """``make(path)`` (a private folder), or one line naming the folder that could not be."""
    try:
        return make(path) if path is not None else make()
    except OSError as e:
        where = e.filename or path
        raise ExportError(f"cannot make the export's work folder in {what}: "
                          f"{describe_os_error(e)}", where) from None


def fault(point: str) -> None:
    """Tests: the process kills itself (SIGKILL) at ``point`` when :data:`FAULT_ENV` names
    it ("export:part_written", "export:published:N" after the N-th file is published)."""
    if os.environ.get(FAULT_ENV) == point:
        import signal
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


class ExportWork:
    """One export's private work folder (see the module doc)."""

    def __init__(self, folder: Path, marker: Optional[Path]):
        self.folder = folder
        self.marker = marker

    @classmethod
    def create(cls, out: Path) -> "ExportWork":
        out_dir = out.parent if str(out.parent) else Path(".")
        remove_stale(out_dir)
        name = f"{os.getpid()}-{secrets.token_hex(4)}-{_host()}"
        root = _made(local_root, None, "the data folder's partial-exports folder")
        marker = None
        if not _same_device(root, out_dir):
            root = _made(private_dir, out_dir / HIDDEN_NAME, "the output folder")
            marker = local_root() / f"{name}.where"
        work = cls(_made(private_dir, root / name, "the output folder"
                         if marker is not None else "the data folder"), marker)
        if marker is not None:
            try:
                marker.write_text(str(work.folder.resolve()), encoding="utf-8")
            except OSError as e:   # the data folder's disk (another one than the output's)
                work.close()
                raise ExportError(f"cannot record the export's work folder in the data folder "
                                  f"({marker.name}): {describe_os_error(e)}; nothing was "
                                  "written", marker.parent) from None
        return work

    def part(self, final: Path) -> Path:
        """Where the part of ``final`` is written (same file system as ``final``)."""
        return self.folder / f"{final.name}.part"

    def write_text(self, final: Path, text: str) -> Path:
        p = self.part(final)
        p.write_text(text, encoding="utf-8")
        fault("export:part_written")
        return p

    def close(self) -> None:
        """Remove the work folder and what is left in it (after publishing, or on failure)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.marker is not None:
            unlink_quiet(self.marker)
        if self.folder.parent.name == HIDDEN_NAME:
            try:
                self.folder.parent.rmdir()  # only when empty
            except OSError:
                pass
