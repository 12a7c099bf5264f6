"""One writer per project: an OS file lock on ``<project>.lock`` beside the project.

A ``bwv`` command that changes a project (an edit, a detection or transcript added, an
export, a recorded verification) holds the lock from loading the project to saving it; the
window holds it for as long as it has the project open. A second writer is refused with one
line naming the project and who holds it (CLI commands first wait a few seconds, so that two
short commands started together run one after the other). See ADR 0015.

The lock is ``fcntl.flock`` on POSIX and ``msvcrt.locking`` of one byte far past the end of
the file on Windows; the OS drops it when the process ends, however it ends, so a killed
command never leaves a project locked. The file holds, for messages only, who holds the lock
(program, user, pid, host, since); it is removed on release (POSIX). The lock is advisory:
the edit log's own check (:meth:`redaction.editlog.EditLog.append` refuses to append after an
entry it did not read) catches a writer that does not take it.
"""
from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Optional

from .errors import ProjectError

LOCK_SUFFIX = ".lock"
CLI_WAIT_S = 5.0       # a short CLI command waits this long for another one to finish
WINDOW_WAIT_S = 2.0    # the window opening a project
_WIN_OFFSET = 0x7FFFFFF0  # Windows: the byte locked (past any real content, so readable)


class ProjectLocked(ProjectError):
    """Another process is writing the project."""


def lock_path_for(project_path: str | os.PathLike) -> Path:
    return Path(os.fspath(project_path) + LOCK_SUFFIX)


def try_lock_fd(fd: int) -> bool:
    """Take an exclusive lock on the open file ``fd`` without waiting; False if another
    open file (this process's or another's) holds it."""
    if os.name == "nt":
        import msvcrt
        os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as e:
            # the byte is locked by another open file: EACCES (EDEADLK after retrying);
            # anything else (a share without locks, a bad handle) is not "held"
            if e.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def unlock_fd(fd: int) -> None:
    try:
        if os.name == "nt":
            import msvcrt
            os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl
            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


def _try(fd: int, what: str, path) -> bool:
    """:func:`try_lock_fd`; a file system that has no file locks (an NFS share mounted
    without its lock service...) is refused in one line: without the lock two writers
    could fork the edit log (fail closed)."""
    try:
        return try_lock_fd(fd)
    except OSError as e:
        from .fsutil import describe_os_error
        raise ProjectError(f"cannot lock {what}: {describe_os_error(e)} (a file system "
                           "without file locks?); nothing was changed", path) from None


def lock_fd(fd: int, wait_s: float, what: str, path) -> None:
    """Lock ``fd``, waiting up to ``wait_s``; ProjectLocked naming ``what`` after that."""
    deadline = time.monotonic() + wait_s
    while not _try(fd, what, path):
        if time.monotonic() >= deadline:
            raise ProjectLocked(f"{what} is locked by another program; nothing written", path)
        time.sleep(0.02)


def _describe(info: Optional[dict]) -> str:
    if not info:
        return "another program"
    who = str(info.get("program") or "another program")
    if info.get("user"):
        who += f" of {info['user']}"
    where = f"pid {info.get('pid', '?')}"
    if info.get("host") and info.get("host") != socket.gethostname():
        where += f" on {info['host']}"
    since = f" since {info['since']}" if info.get("since") else ""
    return f"{who} ({where}{since})"


def describe_holder(project_path: str | os.PathLike) -> str:
    """Who holds the project's lock, in words ("the window of bob (pid 12 since ...)")."""
    return _describe(holder(project_path))


def holder(project_path: str | os.PathLike) -> Optional[dict]:
    """Who holds the project's lock, as the holder wrote it (None if unknown)."""
    try:
        raw = lock_path_for(project_path).read_bytes()
        info = json.loads(raw.decode("utf-8").strip() or "null")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return info if isinstance(info, dict) else None


# the locks this process holds, by lock file: a process is one writer, whichever of its
# parts (the window reopening its own project, a command within it) asks again
_held: dict[str, list] = {}          # path -> [fd, count]
# reentrant: a ProjectLock collected (``__del__`` releases it) while this thread is inside
# a guarded block would otherwise wait for itself
_held_guard = threading.RLock()


class ProjectLock:
    """The exclusive lock of one project (a context manager: ``with ProjectLock(...):``).
    Another process holding it is refused (after ``wait_s``); within one process it is
    counted, so that the window reopening its own project is not refused by itself."""

    def __init__(self, project_path: str | os.PathLike, program: str, user: str = "",
                 wait_s: float = 0.0, *, reentrant: bool = True):
        self.project = Path(project_path)
        self.path = lock_path_for(self.project)
        self.program, self.user, self.wait_s = program, user, wait_s
        # False: refused while this process holds it too (retention erasing a project the
        # window of this same process has open)
        self.reentrant = reentrant
        self._key = os.path.abspath(self.path)
        self._mine = False

    @property
    def held(self) -> bool:
        return self._mine

    def acquire(self) -> "ProjectLock":
        if self._mine:
            return self
        with _held_guard:
            if self._key in _held:
                if not self.reentrant:
                    raise ProjectLocked(f"the project is open for editing by "
                                        f"{_describe(holder(self.project))}", self.project)
                _held[self._key][1] += 1
                self._mine = True
                return self
        deadline = time.monotonic() + self.wait_s
        while True:
            fd = self._open()
            try:
                if _try(fd, "the project for writing", self.path) and self._still_ours(fd):
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
            if time.monotonic() >= deadline:
                raise ProjectLocked(f"the project is open for editing by "
                                    f"{_describe(holder(self.project))}: try again when it "
                                    "has finished (or is closed there)",
                                    self.project)
            time.sleep(0.1)
        with _held_guard:
            _held[self._key] = [fd, 1]
        self._mine = True
        self._write_info(fd)
        return self

    def _open(self) -> int:
        flags = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        try:     # readable by others (umask permitting): a file left by a killed process of
            # another account must not block them (they lock it read-only, below)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | flags, 0o666)
        except OSError as e:
            err = e
        if err.errno in (errno.EACCES, errno.EPERM) and self.path.exists():
            try:        # another account's lock file: locking needs no write access
                return os.open(self.path, os.O_RDONLY | flags)
            except OSError as e:
                err = e
        from .fsutil import describe_os_error
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if err.errno == errno.ENOENT:
            raise ProjectError("folder does not exist", folder) from None
        if self.path.exists():
            raise ProjectError(f"cannot lock the project for writing: its lock file cannot "
                               f"be opened ({describe_os_error(err)}{self._owner()}); if no "
                               "program has the project open, it was left by a stopped one: "
                               "remove it; nothing was changed", self.path) from None
        raise ProjectError(f"cannot lock the project for writing: cannot create "
                           f"{self.path.name} in its folder ({describe_os_error(err)}); "
                           "nothing was changed", folder) from None

    def _owner(self) -> str:
        info = holder(self.project)
        if info:
            return f"; last held by {_describe(info)}"
        try:
            uid = os.stat(self.path).st_uid
            import pwd
            return f"; made by {pwd.getpwuid(uid).pw_name}"
        except (OSError, ImportError, KeyError):
            return ""

    def _still_ours(self, fd: int) -> bool:
        """The path still names the file locked (a holder removes it as it releases)."""
        if os.name == "nt":
            return True
        try:
            a, b = os.fstat(fd), os.stat(self.path)
        except OSError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    def _write_info(self, fd: int) -> None:
        info = {"program": self.program, "user": self.user, "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())}
        data = json.dumps(info).encode("utf-8") + b"\n"
        try:       # for messages only: a full disk must not stop the command here
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, data)
        except OSError:
            pass

    def release(self) -> None:
        if not self._mine:
            return
        self._mine = False
        with _held_guard:
            entry = _held.get(self._key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _held[self._key]
        fd = entry[0]
        if os.name != "nt":
            try:
                os.unlink(self.path)      # while still locked: a waiter then retries
            except OSError:
                pass
        unlock_fd(fd)
        os.close(fd)

    def __enter__(self) -> "ProjectLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self):
        try:
            self.release()
        except Exception:  # noqa: BLE001
            pass


def hold(project_path, program: str, user: str = "", wait_s: float = CLI_WAIT_S) -> ProjectLock:
    """The project's lock for a CLI command (waits a few seconds for another command)."""
    return ProjectLock(project_path, program, user, wait_s)
