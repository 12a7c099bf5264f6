"""The workstation's own anchor of the audit trail (a tripwire outside the database).

The database keeps the chain's head (``audit_head``), but someone who can write to the
database can delete the newest rows *and* move the head back to the row before them: the
chain then verifies, and no key is needed. So each workstation also remembers, in its own
data folder, the newest row it has written or verified for each store (seq and hash; one
small JSON file per database, written atomically after the transaction that appended the
row commits). :func:`redaction.store.audit.verify` and every append then check that the
trail still holds that row with that hash, and refuse (fail closed) when it does not.

What it cannot catch: rows another workstation wrote after this one's anchor and then
deleted, or a cut made by someone who can also write this workstation's data folder (the
export manifests' audit heads, ``bwv audit verify --manifest``, are the anchors outside
both). After restoring the database from a backup, or recreating it on purpose, an
administrator resets this workstation's anchor (``bwv audit reset-anchor --reason``, audited).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

from sqlalchemy import event
from sqlalchemy.orm import Session

_INFO = "bwv_audit_written"


def _path(s: Session) -> Path:
    from ..paths import data_dir
    url = s.get_bind().url.render_as_string(hide_password=True)
    return data_dir() / "audit-anchors" / f"{hashlib.sha256(url.encode()).hexdigest()[:20]}.json"


def read(s: Session) -> Optional[tuple[int, str]]:
    """The anchor this workstation holds for the store of ``s``, if any."""
    p = _path(s)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        return int(d["seq"]), str(d["hash"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        from ..errors import IntegrityError
        raise IntegrityError("the workstation's audit anchor cannot be read (edited or "
                             "damaged): an administrator checks the trail (`bwv audit verify`) "
                             "and resets it (`bwv audit reset-anchor --reason`)", p) from None


def write(s: Session, seq: int, hash_: str) -> None:
    """Move the anchor on (never back)."""
    from ..fsutil import atomic_write_bytes
    from ..errors import IntegrityError
    try:
        held = read(s)
    except IntegrityError:    # damaged: appends were refused, so this is a verified head
        held = None
    if held is not None and held[0] > seq:
        return
    p = _path(s)
    try:
        from ..fsutil import private_dir
        private_dir(p.parent)
        atomic_write_bytes(p, json.dumps({"seq": seq, "hash": hash_}).encode())
    except Exception:    # the database holds the row: a missing anchor weakens only the tripwire
        import logging
        logging.getLogger("bwv.audit").warning("could not write the audit anchor %s", p,
                                               exc_info=True)


def reset(s: Session):
    """Forget the anchor (``bwv audit reset-anchor``, audited by the caller); returns what it
    held ({"seq", "hash"}, or a text saying why it could not be read; None: there was none)."""
    p = _path(s)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        text = None
        old = f"unreadable: {e.strerror or e}"
    if text is not None:
        try:
            d = json.loads(text)
            old = {"seq": int(d["seq"]), "hash": str(d["hash"])}
        except (ValueError, KeyError, TypeError):
            old = f"damaged: {text.strip()[:120]!r}"
    p.unlink(missing_ok=True)
    return old


def note_written(s: Session, seq: int, hash_: str) -> None:
    """Remember a row appended in this transaction; the anchor moves once it commits."""
    s.info[_INFO] = (seq, hash_)


@event.listens_for(Session, "after_commit")
def _after_commit(s: Session) -> None:
    w = s.info.pop(_INFO, None)
    if w is not None:
        write(s, *w)


@event.listens_for(Session, "after_rollback")
def _after_rollback(s: Session) -> None:
    s.info.pop(_INFO, None)


def problem(s: Session, row_hash) -> Optional[str]:
    """Why the trail no longer holds this workstation's anchor, or None. ``row_hash(seq)``
    gives the hash of row ``seq`` in the trail, or None when it is not there."""
    a = read(s)
    if a is None:
        return None
    seq, h = a
    have = row_hash(seq)
    if have is None:
        return (f"row {seq}, which this workstation wrote or verified, is no longer in the trail "
                "(newest rows deleted and the head moved back, or the trail replaced)")
    if have != h:
        return (f"row {seq} no longer has the hash this workstation recorded (the trail was "
                "rewritten or replaced)")
    return None
