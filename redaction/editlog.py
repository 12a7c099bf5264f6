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
from contextlib import contextmanager
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


def _entry_or_none(raw: bytes) -> Optional[dict]:
    try:
        e = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return e if isinstance(e, dict) else None


def _read_line(fd: int, offset: int) -> bytes:
    out = b""
    while True:
        chunk = _read_at(fd, 65536, offset + len(out))
        if not chunk:
            return out
        k = chunk.find(b"\n")
        if k >= 0:
            return out + chunk[:k]
        out += chunk


class LogChanged(ProjectError):
    """The edit log gained entries this session did not read: another writer."""


def _duplicate_key(raw: bytes) -> Optional[str]:
    """The first key given twice in one object of the JSON line ``raw`` (None if none)."""
    found: list[str] = []

    def pairs(kv: list) -> dict:
        seen: set[str] = set()
        for k, _ in kv:
            if k in seen and not found:
                found.append(k)
            seen.add(k)
        return dict(kv)

    json.loads(raw.decode("utf-8"), object_pairs_hook=pairs)
    return found[0] if found else None


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
        self._head: Optional[Head] = None    # the last entry this object read or wrote
        self._appended: list[tuple[int, str, str]] = []   # (offset, hash, action) written

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
                if _line(e).rstrip() != raw.rstrip():   # not as written here: look closer
                    dup = _duplicate_key(raw)
                    if dup is not None:
                        raise IntegrityError(f"edit log line {n} gives the key {dup!r} twice "
                                             "(edited: the hash covers only the last; a reader "
                                             "of the file may take the other)", self.path)
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
        """The log's last entry as the file holds it now (read from its end)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return Head(0, GENESIS)
        except OSError as e:
            raise ProjectError(f"cannot read edit log: {describe_os_error(e)}", self.path) from e
        try:
            return self._tail(fd)[0]
        finally:
            os.close(fd)

    @property
    def known_head(self) -> Optional[Head]:
        """The last entry this object read (:meth:`verify`) or wrote; None before either."""
        return self._head

    def check_unchanged(self) -> Head:
        """The log's head, which must be the one this object last read or wrote: another
        program appending meanwhile (a second window, a ``bwv`` command) is refused, never
        chained onto or anchored (:class:`LogChanged`)."""
        actual = self.head()
        self._check(actual)
        if self._head is None:
            self._head = actual
        return actual

    def _check(self, actual: Head) -> None:
        if self._head is not None and actual != self._head:
            if self._only_notes_since(self._head):
                # another session logged only entries that change no state (an export, a
                # verification, a note): the state this one holds still follows them
                self._head = actual
                return
            raise LogChanged(
                f"edit log was changed by another program since this project was read (it "
                f"now ends at entry {actual.seq}, not {self._head.seq}); nothing written: "
                "open the project again", self.path)

    def _only_notes_since(self, known: Head) -> bool:
        """Whether every entry after ``known`` leaves the project's state as it was (none is
        an edit, an undo, a redo or a restated base), and ``known`` is still in the log."""
        from .replay import BASE_ACTIONS, EDIT_ACTIONS
        after: Optional[list] = [] if known.seq == 0 else None
        for e in self.entries():
            if after is None:
                if e.get("seq") == known.seq and e.get("hash") == known.hash:
                    after = []
                continue
            after.append(e.get("action"))
        return after is not None and not any(a in EDIT_ACTIONS or a in BASE_ACTIONS
                                             for a in after)

    def _tail(self, fd: int) -> tuple[Head, bytes, bool]:
        """(the last whole entry's head, the bytes of an append cut short at the end, whether
        the last entry lacks its newline), read backwards from the end of ``fd``."""
        size = os.fstat(fd).st_size
        pos, buf = size, b""
        while True:
            if pos > 0:
                step = min(65536, pos)
                pos -= step
                buf = _read_at(fd, step, pos) + buf
                if b"\n" not in buf:
                    continue                      # the last line is longer than read so far
            lines = buf.split(b"\n")
            tail = lines[-1]
            torn = b""
            if tail.strip():
                e = _entry_or_none(tail)
                if e is not None:                 # a whole entry without its newline
                    return self._head_of(e), b"", True
                torn = tail
            for raw in reversed(lines[1:-1] if pos > 0 else lines[:-1]):  # lines[0]: maybe cut
                if raw.strip():
                    e = _entry_or_none(raw)
                    if e is None:
                        raise IntegrityError("the last edit log entry is not a JSON entry",
                                             self.path)
                    return self._head_of(e), torn, False
            if pos == 0:
                return Head(0, GENESIS), torn, False

    def _head_of(self, e: dict) -> Head:
        try:
            return Head(int(e["seq"]), str(e["hash"]))
        except (KeyError, TypeError, ValueError):
            raise IntegrityError("the last edit log entry has no valid seq and hash",
                                 self.path) from None

    def append(self, user: str, action: str, details: Optional[dict] = None) -> dict:
        """Append one entry, holding the log file's lock, after checking that the log still
        ends where this object last read or wrote it (never chaining onto another writer's
        entries); an append cut short at the end is first replaced by a ``log_repair``
        entry keeping its bytes. Either the entry is written whole or the file is left as it
        was (ProjectError)."""
        with self._locked(os.O_RDWR | os.O_APPEND | os.O_CREAT, "cannot append to edit log") as fd:
            return self._append_locked(fd, user, action, details)

    @contextmanager
    def _locked(self, flags: int, failing: str):
        """The log opened with ``flags`` and locked against other writers (ADR 0015) for the
        block; ``failing`` starts the one-line error if it cannot be opened."""
        try:
            fd = os.open(self.path, flags | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as e:
            raise ProjectError(f"{failing}: {describe_os_error(e)}", self.path) from e
        try:
            from .projlock import lock_fd, unlock_fd
            lock_fd(fd, 10.0, "the edit log", self.path)
            try:
                yield fd
            finally:
                unlock_fd(fd)
        finally:
            os.close(fd)

    def _append_locked(self, fd: int, user: str, action: str, details: Optional[dict]) -> dict:
        head, torn, unended = self._tail(fd)
        self._check(head)
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
            start = self._write(fd, _line(repair), cut=torn)
            self._appended.append((start, repair["hash"], "log_repair"))
            head = Head(repair["seq"], repair["hash"])
            self._head = head
        elif unended:
            self._write(fd, b"\n")     # a whole last entry without its newline: end its line
        entry = self._entry(head, user, action, details)
        start = self._write(fd, _line(entry))
        self._appended.append((start, entry["hash"], action))
        self._head = Head(entry["seq"], entry["hash"])
        return entry

    @staticmethod
    def _entry(head: Head, user: str, action: str, details: Optional[dict]) -> dict:
        entry = {"seq": head.seq + 1, "time": utc_now(), "user": user or "unknown",
                 "action": action, "details": details or {}, "prev": head.hash}
        entry["v"] = hashchain.VERSION
        entry["hash"] = entry_hash(entry)
        return entry

    def _write(self, fd: int, data: bytes, cut: bytes = b"") -> int:
        """Append ``data`` whole (after removing the torn bytes ``cut`` from the end, if the
        file still ends with exactly them), or leave the file as it was: a short write (a
        full disk) is undone, never left as a torn line. Returns the offset it starts at."""
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
            return size - len(cut)
        except OSError as e:
            raise ProjectError(f"cannot append to edit log: {describe_os_error(e)}", self.path) from e

    # -- one command, one unit ---------------------------------------------------------------
    def mark(self) -> int:
        """A point to :meth:`rollback` to: the entries this object appends after it."""
        return len(self._appended)

    def rollback(self, mark: int) -> int:
        """Withdraw the entries this object appended since ``mark`` (a command whose project
        could not be saved: nothing anchors them, and no one else has read them, since the
        log still ends with them). A ``log_repair`` that opened them stays. Returns how many
        entries were removed; ProjectError if the log no longer ends with them."""
        own = list(self._appended[mark:])
        while own and own[0][2] == "log_repair":
            own.pop(0)
        if not own:
            return 0
        with self._locked(os.O_RDWR, "cannot withdraw the entries") as fd:
            head = self._tail(fd)[0]
            start = own[0][0]
            first = _entry_or_none(_read_line(fd, start))
            if head.hash != own[-1][1] or first is None or first.get("hash") != own[0][1]:
                raise ProjectError("cannot withdraw the entries: the edit log changed "
                                   "after them", self.path)
            try:
                os.ftruncate(fd, start)
                os.fsync(fd)
            except OSError as e:
                raise ProjectError(f"cannot withdraw the entries: {describe_os_error(e)}",
                                   self.path) from e
        del self._appended[len(self._appended) - len(own):]
        self._head = Head(int(first["seq"]) - 1, str(first["prev"]))
        return len(own)

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
                # an unknown "v" is a rule break; content this rule cannot hash (a number
                # out of JSON's range) was never written by it: an edit
                expected = "" if e.get("v") == hashchain.VERSION else None
            out.append(e)
            return hashchain.Link(e["seq"], e["prev"], e["hash"], expected)

        r = hashchain.walk(self.entries(), link, first_only=True)
        if r.first is None and self._head is None:
            # the first read: this object's appends must follow it (a later read never moves
            # it: entries another program appended meanwhile are not this session's state)
            self._head = Head(int(out[-1]["seq"]), str(out[-1]["hash"])) if out \
                else Head(0, GENESIS)
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
