"""The one hash chain behind the project edit log and the store's audit trail.

An entry is a JSON object (a *body*) plus the hash of that body; each body names the
previous entry's hash (``GENESIS``, 64 zeros, for the first), so editing, inserting,
deleting or reordering an entry breaks the chain from that point on.

* :func:`canonical`: the canonical JSON both chains hash: keys sorted, no spaces,
  UTF-8 (not ``\\u`` escapes), no NaN or infinity, only JSON types (anything else is a
  ``TypeError``: a value that cannot be written back exactly must not be hashed).
* :func:`entry_hash`: SHA-256 of the canonical body, or HMAC-SHA256 under ``key`` when a
  key is given (the audit trail keys its rows with a key held outside the database).
* :func:`walk`: verifies a sequence of entries and names the first broken one (and, when
  asked, every break); each caller says how to read its entries (:class:`Link`).

Version 2 bodies carry ``"v": 2``. Entries written before this module existed carry no
version and keep the rule they were written under (:func:`legacy_editlog_hash`,
:func:`legacy_audit_hash`), so old edit logs and old audit rows still verify.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, TypeVar

GENESIS = "0" * 64
VERSION = 2

T = TypeVar("T")


def canonical(obj: Any) -> bytes:
    """The canonical JSON of ``obj`` as UTF-8 bytes (what is hashed)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def digest(data: bytes, key: Optional[bytes] = None) -> str:
    """Hex SHA-256 of ``data``, or hex HMAC-SHA256 under ``key``."""
    if key is not None:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def entry_hash(body: dict, key: Optional[bytes] = None) -> str:
    """The hash (or, with ``key``, the MAC) of one version-2 entry body."""
    return digest(canonical(body), key)


def same(a: Optional[str], b: Optional[str]) -> bool:
    """Constant-time comparison of two hex digests (False if either is missing)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


# --- rules of entries written before version 2 ----------------------------------------

def legacy_editlog_hash(body: dict) -> str:
    """Edit-log entries without ``"v"``: SHA-256 of the body's JSON as written then
    (sorted keys, no spaces, UTF-8; NaN was not refused)."""
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def legacy_audit_hash(seq: int, ts: str, username: str, category: str, action: str,
                      details: str, prev_hash: str) -> str:
    """Audit rows without a version: SHA-256 of a JSON *list* of the fields."""
    data = json.dumps([seq, ts, username, category, action, details, prev_hash],
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --- verification ---------------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """What :func:`walk` needs to know about one entry.

    ``expected_hash`` is the hash recomputed under the entry's own rule (None: the rule
    is unknown, which is a break). ``mac`` is the MAC the entry carries (None: none);
    ``expected_mac`` the one recomputed under the key (None: not checked).
    """
    seq: Any
    prev: Any
    hash: Any
    expected_hash: Optional[str]
    mac: Optional[str] = None
    expected_mac: Optional[str] = None


# kinds of break, in the order they are checked for one entry
SEQ, PREV, RULE, HASH, MAC, MAC_MISSING = "seq", "prev", "rule", "hash", "mac", "mac_missing"


@dataclass(frozen=True)
class Break:
    position: int        # 1-based position of the entry in what was read
    seq: Any             # the entry's own sequence number, as stored
    expected_seq: int    # the number it should have had
    kind: str            # SEQ, PREV, RULE, HASH, MAC or MAC_MISSING


@dataclass
class ChainResult:
    count: int                      # entries read
    head_seq: int                   # sequence number and hash of the last entry read
    head_hash: str
    breaks: list[Break] = field(default_factory=list)
    macs: int = 0                   # entries carrying a MAC

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first(self) -> Optional[Break]:
        return self.breaks[0] if self.breaks else None


def walk(entries: Iterable[T], link: Callable[[T], Link], *, first_only: bool = False,
         mac_once_started: bool = False) -> ChainResult:
    """Verify a chain: sequence numbers 1, 2, ...; each ``prev`` is the previous hash;
    each hash (and MAC) recomputes. With ``mac_once_started``, an entry without a MAC
    after one with a MAC is a break (a rewrite by someone without the key).

    After a wrong sequence number the count resynchronises on the entry's own number, so
    one deleted entry is one break, not one per later entry.
    """
    res = ChainResult(0, 0, GENESIS)
    prev, expected, mac_seen = GENESIS, 1, False
    for e in entries:
        res.count += 1
        ln = link(e)
        found: list[str] = []
        if ln.seq != expected:
            found.append(SEQ)
        if ln.prev != prev:
            found.append(PREV)
        if ln.expected_hash is None:
            found.append(RULE)
        elif not same(ln.expected_hash, ln.hash):
            found.append(HASH)
        if ln.mac is not None:
            mac_seen = True
            res.macs += 1
            if ln.expected_mac is not None and not same(ln.expected_mac, ln.mac):
                found.append(MAC)
        elif mac_once_started and mac_seen:
            found.append(MAC_MISSING)
        for kind in found:
            res.breaks.append(Break(res.count, ln.seq, expected, kind))
            if first_only:
                return res
        prev = ln.hash
        res.head_seq, res.head_hash = (ln.seq if isinstance(ln.seq, int) else expected), ln.hash
        expected = res.head_seq + 1
    return res
