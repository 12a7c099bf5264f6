"""The disclosure register: each export tied to a request, recipient and lawful basis."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ExportError, PermissionDenied
from . import audit, policy
from .errors import StoreError
from .clips import find_live
from .models import Disclosure, StoredFile
from .requests import get_request

REQUIRED = ("export_sha256", "recipient", "organisation", "basis")


def _required(m: dict, p: Path) -> dict:
    missing = [k for k in REQUIRED if not str(m.get(k) or "").strip()]
    if missing:
        raise ExportError(f"the export manifest lacks {', '.join(missing)}", p)
    return m


def output_path(manifest: dict) -> str:
    out = manifest.get("output")
    if isinstance(out, dict):
        out = out.get("path")
    return str(out or manifest.get("output_path") or "")


def check_request_open(s: Session, request_id: int, exporter: str | None = None):
    """Call before exporting: the request must exist and be open, and with the
    ``four_eyes_export`` policy on, approved by a supervisor other than ``exporter``."""
    r = get_request(s, request_id)
    if r.status != "open":
        raise StoreError(f"request {r.id} is closed: open a new request to disclose")
    if exporter is not None and policy.get(s, "four_eyes_export"):
        if not r.approved_by:
            raise PermissionDenied(f"request {r.id} needs a supervisor's approval before export "
                                   f"(`bwv request approve {r.id}`)")
        if r.approved_by == exporter:
            raise PermissionDenied(f"request {r.id} was approved by {exporter}: four-eyes "
                                   "approval needs someone else to export")
    return r


class ClipNotOnRequest(StoreError):
    """An export for a request of a clip the request does not list."""


def check_clip_on_request(r, clip, sha256: str = "") -> None:
    """An export answers a request only for a clip on that request: a clip held in the store
    but not linked is refused (never linked silently: a wrong clip would be disclosed under
    the request), and so is a clip the store does not hold (nobody could have linked or
    approved it). Import it, then link it with ``bwv request link``."""
    if clip is None:
        raise ClipNotOnRequest(f"the clip (sha256 {sha256[:12] or 'unknown'}...) is not held in the "
                               f"case store, so it cannot be on request {r.id}: import it "
                               f"(`bwv case import`) and link it (`bwv request link {r.id} CLIP`)")
    if clip not in r.clips:
        raise ClipNotOnRequest(f"clip {clip.id} (case {clip.case.incident_ref}) is not on request "
                         f"{r.id}: link it first (`bwv request link {r.id} {clip.id}`)")


def check_not_registered(s: Session, export_sha256: str, request_id: int) -> None:
    """The same export is entered in the register once per request. Exports are
    reproducible, so the same redacted footage sent under another request (another
    requester, another date) has the same sha256: that is a disclosure of its own."""
    d = s.execute(select(Disclosure).where(Disclosure.export_sha256 == export_sha256,
                                           Disclosure.request_id == request_id)
                  .order_by(Disclosure.id)).scalars().first()
    if d is not None:
        raise StoreError(f"this export (sha256 {export_sha256[:16]}...) is already in the "
                         f"disclosure register for request {request_id} as entry {d.id} ("
                         f"{d.disclosed_at:%Y-%m-%d %H:%M} UTC, recorded by {d.recorded_by}); "
                         "not added again")


def add_disclosure(s: Session, request_id: int, manifest: dict, user: str,
                   manifest_path: str = "") -> Disclosure:
    r = check_request_open(s, request_id, user)
    made_for = manifest.get("request")
    if made_for not in (None, ""):
        from .requests import request_number
        try:
            same = request_number(made_for) == r.id
        except (StoreError, ValueError, TypeError):
            same = False
        if not same:
            raise StoreError(f"this export was made for request {made_for}, not request {r.id}")
    check_not_registered(s, manifest["export_sha256"], r.id)
    other = s.execute(select(Disclosure).where(Disclosure.export_sha256 == manifest["export_sha256"])
                      .order_by(Disclosure.id)).scalars().first()
    if other is not None and made_for in (None, ""):
        # the same footage under a second request needs an export made for that request:
        # this manifest's recipient, organisation and basis were stated for the first
        raise StoreError(f"this export (sha256 {manifest['export_sha256'][:16]}...) is already in "
                         f"the disclosure register for request {other.request_id}; to disclose "
                         f"it under request {r.id}, export it for that request "
                         f"(bwv export --request {r.id}) with its own recipient and basis")
    clip = _source_clip(s, manifest)
    check_clip_on_request(r, clip, str((manifest.get("source") or {}).get("sha256") or ""))
    d = Disclosure(request_id=r.id, recipient=manifest["recipient"],
                   organisation=manifest["organisation"], basis=manifest["basis"],
                   export_sha256=manifest["export_sha256"],
                   export_path=output_path(manifest), recorded_by=user)
    s.add(d)
    if clip is not None:  # the case holds the export (the request lists the clip: checked)
        s.add(StoredFile(case_id=clip.case_id, clip_id=clip.id, kind="export",
                         path=d.export_path, in_store=False, sha256=d.export_sha256,
                         created_by=user))
    s.flush()
    audit.append(s, user, "disclosure", "export.disclose", {
        "disclosure": d.id, "request": r.id, "clip": clip.id if clip else None, "recipient": d.recipient,
        "organisation": d.organisation, "basis": d.basis, "export_sha256": d.export_sha256,
        "output": d.export_path, "manifest": manifest_path})
    return d


def _source_clip(s: Session, manifest: dict):
    src = manifest.get("source")
    sha = src.get("sha256") if isinstance(src, dict) else None
    return find_live(s, sha) if sha else None


def register(s: Session, request_id: int | None = None) -> list[Disclosure]:
    q = select(Disclosure).order_by(Disclosure.disclosed_at, Disclosure.id)
    if request_id is not None:
        q = q.where(Disclosure.request_id == request_id)
    return list(s.execute(q).scalars())


def record_disclosure(request_id: int, export_manifest_path: str | os.PathLike,
                      user: str, export_sha256: str = "") -> int:
    """Engine entry point for ``bwv export --request ID``: read the manifest's
    export_sha256, recipient, organisation, basis and output, and record them against
    the request in the disclosure register (plus a ``disclosure`` audit row).
    Returns the disclosure number. The store is created if needed."""
    from ..verify import verify_export_manifest
    from .db import open_store
    # only an export this tool published, unedited, with its file (a forged manifest would
    # put a false entry in the register); registered from the very bytes that verified
    m = _required(verify_export_manifest(Path(export_manifest_path), export_sha256),
                  Path(export_manifest_path))
    if m.get("purpose") == "internal_review":
        raise PermissionDenied("an export for internal review is not a disclosure: export again "
                               "under the request")
    with open_store().session() as s:
        return add_disclosure(s, request_id, m, user,
                              str(Path(export_manifest_path).resolve())).id
