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
        """The entries in order. A last line without its newline that is not a whole entry
        is an append cut short (the process killed, the disk full): it was never written,
        so it is skipped (:meth:`torn_tail`; the next append removes it and logs that). Any
        other line that is not JSON text is damage: IntegrityError naming the line."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        torn = lines[-1] if lines and lines[-1] else b""
        for n, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                yield json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                if raw is torn and n == len(lines):
                    return
                what = "UTF-8 text" if _not_utf8(raw) else "valid JSON"
                raise IntegrityError(f"edit log line {n} is not {what}", self.path) from None

    def torn_tail(self) -> bytes:
        """The bytes of an append cut short at the end of the log (b"" if none)."""
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return b""
        if not data or data.endswith(b"\n"):
            return b""
        tail = data[data.rfind(b"\n") + 1:]
        try:
            json.loads(tail.decode("utf-8"))
            return b""             # a whole entry without its newline: kept
        except (UnicodeDecodeError, json.JSONDecodeError):
            return tail

    def head(self) -> Head:
        size = self._file_size()
        if self._head is None or size != self._size:
            last = None
            for last in self.entries():
                pass
            self._head = Head(0, GENESIS) if last is None else Head(int(last["seq"]), last["hash"])
            self._size = size
        return self._head

    def append(self, user: str, action: str, details: Optional[dict] = None) -> dict:
        head = self.head()
        torn = self.torn_tail()
        if torn:    # an append cut short: never an entry; removed, and the removal logged
            self._write(b"", cut=len(torn))
            import hashlib
            self._append_entry(head, user, "log_repair",
                               {"removed_bytes": len(torn), "removed_sha256":
                                hashlib.sha256(torn).hexdigest(),
                                "why": "an append cut short (no newline, not a whole entry)"})
            head = self._head
        return self._append_entry(head, user, action, details)

    def _append_entry(self, head: Head, user: str, action: str, details: Optional[dict]) -> dict:
        entry = {"seq": head.seq + 1, "time": utc_now(), "user": user or "unknown",
                 "action": action, "details": details or {}, "prev": head.hash}
        entry["v"] = hashchain.VERSION
        entry["hash"] = entry_hash(entry)
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._write(line.encode("utf-8"))
        self._head = Head(entry["seq"], entry["hash"])
        self._size = self._file_size()
        return entry

    def _write(self, data: bytes, cut: int = 0) -> None:
        """Append ``data`` whole (after removing ``cut`` bytes from the end), or leave the
        file as it was: a short write (a full disk) is undone, never left as a torn line."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if cut:
                    os.ftruncate(fd, size - cut)
                    size -= cut
                view = memoryview(data)
                try:
                    while view:
                        n = os.write(fd, view)
                        if n <= 0:
                            raise OSError(28, "No space left on device")
                        view = view[n:]
                    os.fsync(fd)
                except OSError:
                    os.ftruncate(fd, size)
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
