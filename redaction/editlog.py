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
        if not self.path.exists():
            return
        with open(self.path, "r", encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    raise IntegrityError(f"edit log line {n} is not valid JSON", self.path) from None

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
        entry = {"seq": head.seq + 1, "time": utc_now(), "user": user or "unknown",
                 "action": action, "details": details or {}, "prev": head.hash}
        entry["v"] = hashchain.VERSION
        entry["hash"] = entry_hash(entry)
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            raise ProjectError(f"cannot append to edit log: {describe_os_error(e)}", self.path) from e
        self._head = Head(entry["seq"], entry["hash"])
        self._size = self._file_size()
        return entry

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
