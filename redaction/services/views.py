"""Typed rows the window shows: the library (cases and their clips, with retention and batch
state) and the requests. The store's api returns plain dicts for the CLI's JSON output; the
window gets these dataclasses, so a renamed or missing field fails where it is built, not
deep inside a view."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .gate import authorise


@dataclass(frozen=True)
class BatchState:
    """A clip's latest `bwv batch detect` job."""
    status: str                    # queued | running | done | failed | interrupted
    batch: str = ""
    attempts: int = 0
    tracks: Optional[int] = None
    error: Optional[str] = None
    worker: Optional[str] = None
    executor: Optional[str] = None
    project: Optional[str] = None
    queued: Optional[str] = None
    finished: Optional[str] = None
    by: Optional[str] = None


@dataclass(frozen=True)
class ClipRow:
    id: int
    case: str
    name: str
    sha256: str
    classification: str
    state: str                     # present | erasing | erased
    captured: str                  # ISO, UTC
    capture_guessed: bool = False
    captured_from: Optional[str] = None
    truncated: Optional[str] = None
    exhibit: Optional[str] = None
    officer: Optional[str] = None
    device: Optional[str] = None
    imported: str = ""
    imported_by: Optional[str] = None
    classified_by: Optional[str] = None
    review_due: Optional[str] = None
    erasure_rule: Optional[str] = None
    erase_in_days: Optional[int] = None
    retention_hold: Optional[str] = None   # due, but kept: "held: on open request 3", ...
    version: int = 0
    batch: Optional[BatchState] = None


@dataclass(frozen=True)
class CaseRow:
    id: int
    incident: str
    title: str
    status: str
    clips: tuple[ClipRow, ...] = ()


@dataclass(frozen=True)
class Extension:
    months: int
    reason: str
    new_due: str
    by: str
    at: str


@dataclass(frozen=True)
class RequestRow:
    id: int
    type: str
    requester: str
    received: str
    status: str
    due: Optional[str] = None
    days_left: Optional[int] = None
    outcome: Optional[str] = None
    notes: Optional[str] = None
    created_by: Optional[str] = None
    approved_by: Optional[str] = None
    clips: tuple[int, ...] = ()
    extensions: tuple[Extension, ...] = ()
    disclosures: tuple[dict, ...] = field(default_factory=tuple)


def _batch(b: Optional[dict]) -> Optional[BatchState]:
    if not b:
        return None
    return BatchState(b["status"], str(b.get("batch") or ""), b.get("attempts") or 0,
                      b.get("tracks"), b.get("error"), b.get("worker"), b.get("executor"),
                      b.get("project"), b.get("queued"), b.get("finished"), b.get("by"))


def _clip(x: dict) -> ClipRow:
    return ClipRow(
        id=x["id"], case=x["case"], name=x["name"], sha256=x["sha256"],
        classification=x["classification"], state=x["state"], captured=x["captured"],
        capture_guessed=bool(x.get("capture_guessed")), captured_from=x.get("captured_from"),
        truncated=x.get("truncated"), exhibit=x.get("exhibit"), officer=x.get("officer"),
        device=x.get("device"), imported=x.get("imported") or "",
        imported_by=x.get("imported_by"), classified_by=x.get("classified_by"),
        review_due=x.get("review_due"), erasure_rule=x.get("erasure_rule"),
        erase_in_days=x.get("erase_in_days"), retention_hold=x.get("retention_hold"),
        version=x.get("version") or 0, batch=_batch(x.get("batch")))


def request_row(r: dict) -> RequestRow:
    return RequestRow(
        id=r["id"], type=r["type"], requester=r["requester"], received=r["received"],
        status=r["status"], due=r.get("due"), days_left=r.get("days_left"),
        outcome=r.get("outcome"), notes=r.get("notes"), created_by=r.get("created_by"),
        approved_by=r.get("approved_by"), clips=tuple(r.get("clips") or ()),
        extensions=tuple(Extension(e["months"], e["reason"], e["new_due"], e["by"], e["at"])
                         for e in r.get("extensions") or ()),
        disclosures=tuple(r.get("disclosures") or ()))


def library(user: Optional[str] = None) -> list[CaseRow]:
    """Every case with its clips, classification, retention countdown and batch state."""
    authorise("view", user)
    from ..store import api
    return [CaseRow(c["id"], c["incident"], c["title"], c["status"],
                    tuple(_clip(x) for x in c["clips"])) for c in api.library(user)]


def batch_states(clip_ids, user: Optional[str] = None) -> dict[int, BatchState]:
    """The newest batch job of each of ``clip_ids`` (the library's poll while one runs)."""
    authorise("view", user)
    from ..store import api
    return {cid: _batch(b) for cid, b in api.batch_states(clip_ids, user).items()}


def requests(user: Optional[str] = None, include_closed: bool = False,
             source_sha256: Optional[str] = None) -> list[RequestRow]:
    """Requests by due date; with ``source_sha256``, only those its clip is linked to (an
    export can answer no other: ``store.disclosures.check_clip_on_request``)."""
    authorise("view", user)
    from ..store import api
    return [request_row(r) for r in api.list_requests(user, include_closed=include_closed,
                                                      source_sha256=source_sha256)]
