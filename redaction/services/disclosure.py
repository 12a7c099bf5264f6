"""Export for disclosure, requests and approvals (four-eyes), the disclosure register.

With four-eyes approval in force (machine policy ``four_eyes_approval`` or the store's
``four_eyes_export``), an export for disclosure must name an open request approved by a
supervisor other than the exporter. An export without a request is possible only for
*internal review*, only where the policy allows it (``internal_review_export``); it is
marked ``"purpose": "internal_review"`` in its manifest and logged in the audit trail.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Optional

from .. import access
from ..errors import PermissionDenied
from .gate import authorise

PURPOSES = ("disclosure", "internal_review")


@dataclass(frozen=True)
class ExportPermit:
    """What :func:`authorise_export` allowed: who exports, for which request and purpose."""
    user: str
    request_id: Optional[str]
    purpose: str


def _setting(store_key: str, policy_key: str) -> bool:
    """A store policy value (which the machine policy may fix), or without a store the
    policy file's value."""
    m = access.mode()
    if m.store is not None:
        from ..store import policy
        with m.store.session() as s:
            return bool(policy.get(s, store_key))
    from ..policy import load_policy
    return bool(load_policy().get(policy_key, False))


def audit_anchor() -> Optional[dict]:
    """The case store's audit head (None without a store), for an export manifest; refused
    when the newest audit row does not verify (key missing, edited row)."""
    from ..store.db import existing_store
    st = existing_store()
    if st is None:
        return None
    from ..store import audit
    with st.session() as s:
        return audit.anchor(s)


def four_eyes_required() -> bool:
    return _setting("four_eyes_export", "four_eyes_approval")


def internal_review_allowed() -> bool:
    return _setting("internal_review_export", "internal_review_export")


def _refuse(who: str, msg: str, details: dict) -> None:
    m = access.mode()
    if m.store is not None:
        from ..store import audit
        with m.store.session() as s:
            audit.append(s, who, "refusal", "export", {"reason": msg, **details})
    raise PermissionDenied(msg)


def authorise_export(user: Optional[str] = None, request_id=None,
                     purpose: str = "disclosure", **details) -> ExportPermit:
    """Before any work: may ``user`` export, for this request and purpose? (refusals audited)

    A request must exist, be open and (four-eyes) be approved by someone else. Without a
    request under four-eyes, only an internal-review export where the policy allows it.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown export purpose {purpose!r}")
    if request_id is not None:
        from ..store import api
        # the clip must be on the request (never linked silently: store.disclosures)
        who = api.check_export_request(request_id, user,
                                       _source_sha256(details.get("project")))
        return ExportPermit(who, str(request_id), purpose)
    who = authorise("export", user, purpose=purpose, **details)
    if four_eyes_required():
        if purpose != "internal_review":
            hint = (" (or, for internal review only, --internal-review)"
                    if internal_review_allowed() else "")
            _refuse(who, f"{who} cannot export without a request: four-eyes approval is "
                         "required, so an export for disclosure must name a request approved "
                         f"by a supervisor (--request N){hint}", {"purpose": purpose, **details})
        if not internal_review_allowed():
            _refuse(who, f"{who} cannot export for internal review without a request: the "
                         "policy does not allow it (internal_review_export is off)",
                    {"purpose": purpose, **details})
    if purpose == "internal_review":
        access.record("disclosure", "export.internal_review.start", who, details)
    return ExportPermit(who, None, purpose)


def _source_sha256(project) -> Optional[str]:
    """The source clip's sha256 a project file names (None if it cannot be read: the export
    itself then refuses the project)."""
    if not project:
        return None
    import json
    try:
        with open(project, encoding="utf-8") as f:
            sha = (json.load(f).get("source") or {}).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None
    return sha if isinstance(sha, str) else None


def record_disclosure(request_id, manifest_path, user: Optional[str] = None,
                      export_sha256: str = "") -> int:
    """Enter an export in the disclosure register (``export`` right)."""
    from ..store import api
    return api.record_disclosure(request_id, manifest_path, user, export_sha256)


def finish_export(permit: ExportPermit, manifest_path, sha256: str) -> Optional[int]:
    """After the export: the register entry for a request, or the internal-review audit row;
    then an audit row naming the PDF disclosure report and its sha256 (as the manifest lists
    it: redaction/report; no-op without a store)."""
    n = None
    if permit.request_id is not None:
        n = record_disclosure(permit.request_id, manifest_path, permit.user, sha256)
    elif permit.purpose == "internal_review":
        access.record("disclosure", "export.internal_review", permit.user,
                      {"manifest": os.fspath(manifest_path), "export_sha256": sha256})
    _record_report(permit, manifest_path, sha256, n)
    return n


def _record_report(permit: ExportPermit, manifest_path, sha256: str, register_entry) -> None:
    import json
    try:
        rep = json.loads(open(manifest_path, encoding="utf-8").read()).get("report") or {}
    except (OSError, ValueError, AttributeError):
        rep = {}
    if rep.get("sha256"):
        access.record("disclosure", "export.report", permit.user,
                      {"manifest": os.fspath(manifest_path), "report": rep.get("path"),
                       "report_sha256": rep["sha256"], "export_sha256": sha256,
                       "request": permit.request_id, "disclosure": register_entry})


# --- requests --------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestRef:
    id: int
    type: str
    status: str
    due: Optional[dt.date] = None
    approved_by: Optional[str] = None
    clips: tuple = ()
    outcome: Optional[str] = None


def _ref(r) -> RequestRef:
    return RequestRef(r.id, r.type, r.status, r.due, r.approved_by,
                      tuple(c.id for c in r.clips), r.outcome)


def _session():
    from ..store.db import open_store
    return open_store().session()


def create_request(rtype: str, requester: str, user: Optional[str] = None,
                   received: Optional[dt.date] = None, due: Optional[dt.date] = None,
                   notes: str = "") -> RequestRef:
    who = authorise("request", user)
    from ..store import requests
    with _session() as s:
        return _ref(requests.create_request(s, rtype, requester, who, received, due, notes))


def approve_request(request_id: int, user: Optional[str] = None,
                    expected_clips: Optional[tuple] = None) -> RequestRef:
    """A supervisor approves a request for disclosure (four-eyes); ``expected_clips``: the
    clips the approver was shown (another list by now is refused: Conflict)."""
    who = authorise("approve_export", user, request=request_id)
    from ..store import requests
    with _session() as s:
        return _ref(requests.approve(s, request_id, who, expected_clips))


def extend_request(request_id: int, months: int, reason: str,
                   user: Optional[str] = None) -> RequestRef:
    who = authorise("request", user, request=request_id)
    from ..store import requests
    with _session() as s:
        return _ref(requests.extend(s, request_id, months, reason, who))


def link_clips(request_id: int, clip_ids: list[int], user: Optional[str] = None) -> RequestRef:
    who = authorise("request", user, request=request_id)
    from ..store import requests
    with _session() as s:
        return _ref(requests.link_clips(s, request_id, clip_ids, who))


def close_request(request_id: int, outcome: str, user: Optional[str] = None) -> RequestRef:
    who = authorise("request", user, request=request_id)
    from ..store import requests
    with _session() as s:
        return _ref(requests.close(s, request_id, outcome, who))


# --- the disclosure register -----------------------------------------------------------

@dataclass(frozen=True)
class DisclosureEntry:
    """One export entered in the disclosure register."""
    id: int
    request: int
    date: str              # ISO, UTC
    recipient: str
    organisation: str
    basis: str
    sha256: str            # of the exported file
    path: str              # where the export was written
    recorded_by: str


def disclosure_register(user: Optional[str] = None, request_id=None) -> list[DisclosureEntry]:
    """The register (all requests, or one), for anyone who may view (consultation logged)."""
    from ..store import api
    return [DisclosureEntry(d["id"], d["request"], d["date"], d["recipient"],
                            d["organisation"], d["basis"], d["export_sha256"],
                            d["output"] or "", d["recorded_by"])
            for d in api.disclosure_register(user, request_id)]
