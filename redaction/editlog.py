"""The project edit log: append-only JSONL, hash-chained.

Each line is one entry ``{"seq", "time", "user", "action", "details", "prev", "v", "hash"}``
where ``hash`` is the SHA-256 of the canonical JSON of the entry without ``hash``
(:mod:`redaction.hashchain`, the same chain as the store's audit trail; entries written
before it carry no ``"v"`` and keep their old rule), and ``prev`` is the previous entry's
hash (64 zeros for the first). Editing,
deleting or reordering any line breaks the chain; deleting the tail is caught by
the anchors kept elsewhere (the project's ``log_head`` and export manifests).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

from . import hashchain
from .errors import IntegrityError, ProjectError
from .fsutil import describe_os_error

GENESIS = hashchain.GENESIS


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(obj: Any) -> bytes:
    return hashchain.canonical(obj)


def entry_hash(entry: dict) -> str:
    """The hash ``entry`` must carry, under the rule its ``"v"`` names (none: the rule of
    logs written before :mod:`redaction.hashchain`). Raises ValueError for an unknown "v"."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    if "v" not in body:
        return hashchain.legacy_editlog_hash(body)
    if body["v"] != hashchain.VERSION:
        raise ValueError(f"unknown hash version {body['v']!r}")
    return hashchain.entry_hash(body)


def log_path_for(project_path: str | os.PathLike) -> Path:
    """``case.bwvproj.json`` -> ``case.editlog.jsonl`` beside it."""
    p = Path(project_path)
    name = p.name
    for suffix in (".bwvproj.json", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return p.with_name(name + ".editlog.jsonl")


def _line(entry: dict) -> bytes:
    return (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _read_at(fd: int, n: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)       # Windows (O_APPEND writes still go to the end)
    return os.read(fd, n)


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


class EditLog:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._head: Optional[Head] = None
        self._size = -1  # file size when _head was read: another writer invalidates it

    def _file_size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def entries(self) -> Iterator[dict]:
        """The entries in order, read line by line. A last line without its newline that is
        not a whole entry is an append cut short (the process killed, the disk full): it was
        never written, so it is skipped (:meth:`torn_tail` has it; :meth:`verify` warns of
        it, and the next append removes it, logging its bytes). Any other line that is not a
        JSON entry is damage: IntegrityError naming the line."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            for n, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                last = not raw.endswith(b"\n")          # only the last line can lack it
                try:
                    e = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    if last:
                        return
                    what = "UTF-8 text" if _not_utf8(raw) else "valid JSON"
                    raise IntegrityError(f"edit log line {n} is not {what}", self.path) from None
                if not isinstance(e, dict):
                    raise IntegrityError(f"edit log line {n} is not an entry (a JSON object)",
                                         self.path)
                yield e

    def torn_tail(self) -> bytes:
        """The bytes of an append cut short at the end of the log (b"" if none). Reads the
        end of the file only."""
        tail = self._unterminated_tail()
        if not tail:
            return b""
        try:
            e = json.loads(tail.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return tail
        return b"" if isinstance(e, dict) else tail   # a whole entry without its newline: kept

    def _unterminated_tail(self) -> bytes:
        """The bytes after the last newline (b"" when the file ends with one, or is empty)."""
        try:
            with open(self.path, "rb") as f:
                end = f.seek(0, os.SEEK_END)
                if end == 0:
                    return b""
                f.seek(end - 1)
                if f.read(1) == b"\n":
                    return b""
                pos, buf = end, b""
                while pos > 0:
                    step = min(65536, pos)
                    pos -= step
                    f.seek(pos)
                    buf = f.read(step) + buf
                    k = buf.rfind(b"\n")
                    if k >= 0:
                        return buf[k + 1:]
                return buf
        except FileNotFoundError:
            return b""

    def head(self) -> Head:
        size = self._file_size()
        if self._head is None or size != self._size:
            last = None
            for last in self.entries():
                pass
            try:
                self._head = Head(0, GENESIS) if last is None else Head(int(last["seq"]), last["hash"])
            except (KeyError, TypeError, ValueError):
                raise IntegrityError("the last edit log entry has no valid seq and hash",
                                     self.path) from None
            self._size = size
        return self._head

    def append(self, user: str, action: str, details: Optional[dict] = None) -> dict:
        head = self.head()
        tail = self._unterminated_tail()
        torn = self.torn_tail() if tail else b""
        if torn:
            # an append cut short: never an entry. It is replaced, in one write, by a
            # log_repair entry that keeps its bytes (so they can still be examined); on failure
            # the file is left as it was
            import base64
            import hashlib
            repair = self._entry(head, user, "log_repair", {
                "removed_bytes": len(torn), "removed_sha256": hashlib.sha256(torn).hexdigest(),
                "removed_base64": base64.b64encode(torn[:65536]).decode("ascii"),
                "why": "an append cut short (no newline, not a whole entry)"})
            self._write(_line(repair), cut=torn)
            head = Head(repair["seq"], repair["hash"])
            self._head, self._size = head, self._file_size()
        elif tail:
            self._write(b"\n")     # a whole last entry without its newline: end its line
        entry = self._entry(head, user, action, details)
        self._write(_line(entry))
        self._head = Head(entry["seq"], entry["hash"])
        self._size = self._file_size()
        return entry

    @staticmethod
    def _entry(head: Head, user: str, action: str, details: Optional[dict]) -> dict:
        entry = {"seq": head.seq + 1, "time": utc_now(), "user": user or "unknown",
                 "action": action, "details": details or {}, "prev": head.hash}
        entry["v"] = hashchain.VERSION
        entry["hash"] = entry_hash(entry)
        return entry

    def _write(self, data: bytes, cut: bytes = b"") -> None:
        """Append ``data`` whole (after removing the torn bytes ``cut`` from the end, if the
        file still ends with exactly them), or leave the file as it was: a short write (a
        full disk) is undone, never left as a torn line."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if cut:
                    if size < len(cut) or _read_at(fd, len(cut), size - len(cut)) != cut:
                        raise ProjectError("the edit log changed while it was being repaired "
                                           "(another program writing it?); nothing written",
                                           self.path)
                    os.ftruncate(fd, size - len(cut))
                view = memoryview(data)
                try:
                    while view:
                        n = os.write(fd, view)
                        if n <= 0:
                            raise OSError(28, "No space left on device")
                        view = view[n:]
                    os.fsync(fd)
                except OSError:
                    os.ftruncate(fd, size - len(cut))
                    if cut:                           # put the torn bytes back as they were
                        os.write(fd, cut)
                    raise
            finally:
                os.close(fd)
        except OSError as e:
            raise ProjectError(f"cannot append to edit log: {describe_os_error(e)}", self.path) from e

    def verify(self) -> list[dict]:
        """Check the whole chain; return the entries. Raises IntegrityError at the first break."""
        out: list = []

        def link(e) -> hashchain.Link:
            where = f"edit log entry {len(out) + 1}"
            if not isinstance(e, dict) or not {"seq", "prev", "hash"} <= e.keys():
                raise IntegrityError(f"{where}: missing fields", self.path)
            try:
                expected = entry_hash(e)
            except (ValueError, TypeError):
                expected = None
            out.append(e)
            return hashchain.Link(e["seq"], e["prev"], e["hash"], expected)

        r = hashchain.walk(self.entries(), link, first_only=True)
        b = r.first
        if b is not None:
            where = f"edit log entry {b.position}"
            if b.kind == hashchain.SEQ:
                raise IntegrityError(f"{where}: sequence number is {b.seq} "
                                     "(entries deleted or reordered)", self.path)
            if b.kind == hashchain.PREV:
                raise IntegrityError(f"{where}: does not chain to the previous entry "
                                     "(entries deleted, inserted or reordered)", self.path)
            if b.kind == hashchain.RULE:
                raise IntegrityError(f"{where}: unknown hash version "
                                     f"{out[-1].get('v')!r}", self.path)
            raise IntegrityError(f"{where}: content does not match its hash (edited)", self.path)
        return out
