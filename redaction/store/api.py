"""What the CLI and the GUI call: role check + one transaction + plain dicts back.

Every function takes the acting ``user`` (as claimed); :func:`redaction.access.check`
authenticates it, checks the role (logging refusals) and returns who acts.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from .. import access
from ..errors import BwvError, MediaError, PermissionDenied
from . import audit, cases, clips, disclosures, policy, requests, retention, users
from .db import open_store
from .errors import Conflict, StoreError
from .models import Clip, Request


# --- accounts ----------------------------------------------------------------------

def login_in_session(s, username: str, password: str):
    return users.authenticate(s, username, password)


def login(username: str, password: str) -> dict:
    """Check a password (GUI dialog); failures are counted, logged and may lock the account."""
    st = open_store()
    err = None
    with st.session() as s:
        try:
            u = users.authenticate(s, username, password)
            audit.append(s, username, "login", "login", {"via": "password"})
            info = {"user": u.username, "role": u.role}
        except PermissionDenied as e:
            err = e  # commit the failure count and the audit row first
    if err is not None:
        raise err
    return info


def start_session(username: str, password: str) -> tuple[str, dt.datetime]:
    """`bwv login`: a token for the session file (its sha256 is stored, not the token)."""
    st = open_store()
    err = None
    with st.session() as s:
        try:
            u = users.authenticate(s, username, password)
            token, expires = users.new_session(s, u)
        except PermissionDenied as e:
            err = e
    if err is not None:
        raise err
    return token, expires


def end_session(token: str) -> str | None:
    with open_store().session() as s:
        return users.end_session(s, token)


def setup(username: str, password: str) -> None:
    """First run: create the audit key file if there is none (so the first administrator's
    row is already under HMAC), then the first administrator."""
    from .auditkey import create_key
    st = open_store()
    with st.session() as s:
        if users.user_count(s):
            raise Conflict("the store is already set up; an administrator adds users with "
                           "`bwv user add`")
    create_key()
    with st.session() as s:
        users.setup_admin(s, username, password)


def set_role(username: str, role: str, user: str | None = None):
    """An administrator changes a user's role; a refusal (your own role, the last
    administrator) is audited. Returns the User."""
    who = access.check("administer", user, details={"user": username, "role": role})
    try:
        with open_store().session() as s:
            return users.set_role(s, username, role, who)
    except (PermissionDenied, Conflict, StoreError) as e:
        with open_store().session() as s:
            audit.append(s, who, "refusal", "user.role",
                         {"user": username, "role": role, "reason": str(e)})
        raise


def is_set_up() -> bool:
    return access.enforced()


# --- clips and cases -----------------------------------------------------------------

def clip_info(c: Clip, as_of: dt.date | None = None) -> dict:
    as_of = as_of or retention.today_utc()
    info = {
        "id": c.id, "case": c.case.incident_ref, "name": c.original_name, "sha256": c.sha256,
        "size": c.size, "exhibit": c.exhibit_ref, "officer": c.officer_id, "device": c.device_id,
        "captured": c.captured_at.isoformat(), "imported": c.imported_at.isoformat(),
        "captured_from": c.captured_from, "capture_guessed": bool(c.capture_guessed),
        "truncated": c.truncated,
        "imported_by": c.imported_by, "classification": c.classification,
        "classified_by": c.classified_by,
        "classified_at": c.classified_at.isoformat() if c.classified_at else None,
        "review_due": c.review_due.isoformat() if c.review_due else None,
        "state": c.state, "erasure_rule": c.erasure_rule,
        "erased_at": c.erased_at.isoformat() if c.erased_at else None,
        "version": c.version,
    }
    return info


def retention_countdown(c: Clip, days: int, as_of: dt.date | None = None) -> int | None:
    """Days until a non-evidential clip is erased (0 = due now); None if not applicable."""
    if c.state != "present" or c.classification != "non_evidential":
        return None
    as_of = as_of or retention.today_utc()
    return max(0, (retention.erase_on(c, days) - as_of).days)


def retention_holds(s) -> "callable":
    """A function clip -> why retention keeps it although it is due ("held: on open request
    3", "held: capture time not confirmed"), or None: the plan's own rule
    (:func:`retention.verdict`), so the library and ``case show`` say what a run would do."""
    settings = policy.all_settings(s)
    requested = retention.on_open_requests(s)
    today = retention.today_utc()

    def hold(c: Clip) -> str | None:
        if c.state != "present":
            return None
        kind, why = retention.verdict(c, today, settings, requested)
        return why if kind == "held" else None
    return hold


def import_clip(path: str | os.PathLike, incident: str, user: str | None = None, *,
                exhibit: str | None = None, officer: str | None = None,
                device: str | None = None, captured: dt.datetime | None = None,
                accept_truncated: bool = False) -> dict:
    """Validate (as ``bwv probe``), hash and store a clip. A file that is not a readable
    video, or a truncated one without ``accept_truncated``, is refused (MediaError naming
    the file), nothing is stored, and the refusal is audited."""
    who = access.check("import", user)
    try:
        src, sha, media = clips.prepare_import(path, accept_truncated=accept_truncated)
    except MediaError as e:
        with open_store().session() as s:
            audit.append(s, who, "refusal", "import", {"source": os.fspath(path),
                                                       "incident": incident, "reason": str(e)})
        raise
    try:
        with open_store().session() as s:
            c = clips.import_clip(s, src, sha, incident=incident, user=who, exhibit=exhibit,
                                  officer=officer, device=device, captured=captured,
                                  truncated=media.truncated)
            return clip_info(c)
    except (Conflict, StoreError) as e:   # a duplicate, an implausible capture time: audited
        with open_store().session() as s:
            audit.append(s, who, "refusal", "import", {"source": os.fspath(path), "sha256": sha,
                                                       "incident": incident, "reason": str(e)})
        raise


def check_exhibits(incident: str, refs: list[str], sources: list[str], user: str) -> None:
    """Every exhibit reference of an import is free in the case, checked before any clip is
    stored (a refusal half-way would leave the earlier clips imported); refusals audited."""
    if not any(refs):
        return
    try:
        with open_store().session() as s:
            for ref, src in zip(refs, sources):
                if ref:
                    clips.check_exhibit_free(s, incident, ref, Path(src))
    except (Conflict, StoreError) as e:
        with open_store().session() as s:
            audit.append(s, user, "refusal", "import", {"sources": sources, "incident": incident,
                                                        "reason": str(e)})
        raise


def set_capture_time(clip_id: int, user: str | None = None, *, reason: str,
                     confirm: bool = False, captured: dt.datetime | None = None,
                     expected_version: int | None = None) -> dict:
    """A supervisor confirms a guessed capture time or corrects one (role retention_review)."""
    who = access.check("retention_review", user,
                       details={"clip": clip_id, "capture_time": "confirm" if confirm else "set"})
    with open_store().session() as s:
        return clip_info(clips.set_capture_time(s, clip_id, who, reason=reason, confirm=confirm,
                                                captured=captured,
                                                expected_version=expected_version))


def open_clip_job(clip_id: int, user: str | None = None, purpose: str = "open", cancel=None):
    """Job: the verified evidence file's path and sha256 (IntegrityError if it changed);
    logged.

    The file is hashed outside any transaction (a multi-GB clip takes seconds: no write
    lock is held meanwhile), with progress and ``cancel``; then one short transaction
    compares the hash with the stored one and records the consultation, or the refusal
    (a missing, erased or changed file). A cancelled open records nothing."""
    from .. import fsutil
    from ..errors import IntegrityError
    from ..jobs import Progress
    who = access.check("view", user, details={"clip": clip_id})
    st = open_store()
    err = None
    with st.session() as s:           # short: is it held, where is its file
        c = clips.get_clip(s, clip_id)
        try:
            path, size, name = clips.present_file(c), c.size or 0, c.original_name
        except IntegrityError as e:
            clips.refuse_open(s, c, who, e)
            err = e                   # commit the logged refusal first
    if err is not None:
        raise err
    h, unreadable = hashlib.sha256(), None
    try:
        total = size or path.stat().st_size
        yield Progress(0, total, f"Verifying {name}")
        for done in fsutil.sha256_chunks(path, h):
            if cancel is not None:
                cancel.check()
            yield Progress(done, total, f"Verifying {name}")
    except OSError as e:
        unreadable = IntegrityError(f"evidence file cannot be read: "
                                    f"{fsutil.describe_os_error(e)}", path)
    with st.session() as s:           # short: compare, record
        try:
            if unreadable is not None:
                clips.refuse_open(s, clips.get_clip(s, clip_id), who, unreadable)
                raise unreadable
            digest = h.hexdigest()
            return clips.record_open(s, clip_id, who, digest, path, purpose), digest
        except Exception as e:  # keep the logged refusal
            err = e
    raise err


def open_clip(clip_id: int, user: str | None = None, purpose: str = "open"):
    """Path of the verified evidence file (IntegrityError if it changed); logged
    (:func:`open_clip_job` run to completion)."""
    from ..jobs import run_job
    return run_job(open_clip_job(clip_id, user, purpose))[0]


def classify(clip_id: int, value: str, user: str | None = None, reason: str = "",
             expected_version: int | None = None) -> dict:
    """``expected_version``: the clip's version the caller showed (the GUI); a clip changed
    since is refused (Conflict), never silently reclassified."""
    who = access.check("classify", user, details={"clip": clip_id})
    st = open_store()
    new = clips.normalise_classification(value)
    with st.session() as s:
        c = clips.get_clip(s, clip_id)
        old, version = c.classification, c.version
    if expected_version is not None:
        version = expected_version
    may = True
    if clips.is_declassification(old, new):
        access.check("declassify", who, details={"clip": clip_id, "to": new})
    with st.session() as s:
        return clip_info(clips.classify(s, clip_id, new, who, may_declassify=may,
                                        reason=reason, expected_version=version))


def case_summary(ref: str | int, user: str | None = None) -> dict:
    who = access.check("view", user)
    st = open_store()
    with st.session() as s:
        c = cases.get_case(s, ref)
        days = policy.get(s, "non_evidential_days")
        hold = retention_holds(s)
        out = {"id": c.id, "incident": c.incident_ref, "title": c.title, "status": c.status,
               "created": c.created_at.isoformat(), "created_by": c.created_by,
               "clips": [dict(clip_info(x), erase_in_days=retention_countdown(x, days),
                              retention_hold=hold(x))
                         for x in c.clips],
               "files": [{"id": f.id, "kind": f.kind, "clip": f.clip_id, "path": f.path,
                          "in_store": f.in_store, "sha256": f.sha256}
                         for f in cases.files_of(s, c)],
               "annotations": [{"id": a.id, "clip": a.clip_id, "at_ms": a.at_ms,
                                "text": a.text, "by": a.created_by,
                                "at": a.created_at.isoformat()}
                               for a in cases.annotations_of(s, c)]}
        audit.append(s, who, "consultation", "case.show", {"case": c.id})
        return out


def list_cases(user: str | None = None) -> list[dict]:
    who = access.check("view", user)
    with open_store().session() as s:
        rows = [{"id": c.id, "incident": c.incident_ref, "title": c.title, "status": c.status,
                 "clips": len(c.clips),
                 "present": sum(1 for x in c.clips if x.state == "present")}
                for c in cases.list_cases(s)]
        audit.append(s, who, "consultation", "case.list", {"cases": len(rows)})
        return rows


# --- requests ---------------------------------------------------------------------

def request_info(r: Request) -> dict:
    return {"id": r.id, "type": r.type, "requester": r.requester,
            "received": r.received.isoformat(), "due": r.due.isoformat() if r.due else None,
            "days_left": requests.days_left(r), "status": r.status, "outcome": r.outcome,
            "notes": r.notes, "created_by": r.created_by, "approved_by": r.approved_by, "clips": [c.id for c in r.clips],
            "extensions": [{"months": e.months, "reason": e.reason, "new_due":
                            e.new_due.isoformat(), "by": e.extended_by,
                            "at": e.extended_at.isoformat()} for e in r.extensions],
            "disclosures": [disclosure_info(d) for d in r.disclosures]}


def disclosure_info(d) -> dict:
    return {"id": d.id, "request": d.request_id, "date": d.disclosed_at.isoformat(),
            "recipient": d.recipient, "organisation": d.organisation, "basis": d.basis,
            "export_sha256": d.export_sha256, "output": d.export_path,
            "recorded_by": d.recorded_by}


def check_export_request(request_id: int, user: str | None = None,
                         source_sha256: str | None = None) -> str:
    """Before an export: may ``user`` export, is the request open (and approved under
    four-eyes), and is the clip (``source_sha256``, when held in the store) on the request?
    Returns who acts; refusals are audited."""
    who = access.check("export", user, details={"request": request_id})
    err = None
    with open_store().session() as s:
        try:
            r = disclosures.check_request_open(s, request_id, who)
            disclosures.check_clip_on_request(
                r, clips.find_live(s, source_sha256) if source_sha256 else None,
                source_sha256 or "")
        except (PermissionDenied, StoreError) as e:   # closed, unknown, not approved, not on it
            err = e
            audit.append(s, who, "refusal", "export", {"request": request_id, "reason": str(e)})
    if err is not None:
        raise err
    return who


def record_disclosure(request_id: int, manifest_path, user: str | None = None,
                      export_sha256: str = "") -> int:
    """Enter an export in the disclosure register; a refusal (a manifest that does not
    verify, another request's export, a clip not on the request...) is audited."""
    who = access.check("export", user, details={"request": request_id})
    try:
        return disclosures.record_disclosure(request_id, manifest_path, who, export_sha256)
    except BwvError as e:
        with open_store().session() as s:
            audit.append(s, who, "refusal", "export.disclose",
                         {"request": request_id, "manifest": str(manifest_path), "reason": str(e)})
        raise


def list_requests(user: str | None = None, include_closed: bool = False,
                  source_sha256: str | None = None) -> list[dict]:
    """Requests by due date (the GUI's request view); with ``source_sha256``, only those the
    clip held under that hash is linked to (none when the store does not hold it)."""
    access.check("view", user)
    with open_store().session() as s:
        rows = requests.list_requests(s, None if include_closed else "open")
        if source_sha256 is not None:
            clip = clips.find_live(s, source_sha256)
            rows = [r for r in rows if clip is not None and clip in r.clips]
        return [request_info(r) for r in rows]


def disclosure_register(user: str | None = None, request_id=None) -> list[dict]:
    who = access.check("view", user)
    with open_store().session() as s:
        rows = [disclosure_info(d) for d in disclosures.register(
            s, requests.request_number(request_id) if request_id is not None else None)]
        audit.append(s, who, "consultation", "disclosure.register", {"request": request_id})
        return rows


def batch_states(clip_ids, user: str | None = None) -> dict[int, dict]:
    """The newest `bwv batch detect` job of each of these clips (the library follows a
    running batch with this: one small query, not the whole library)."""
    access.check("view", user)
    from .batchjobs import latest_by_clip
    with open_store().session() as s:
        return latest_by_clip(s, list(clip_ids))


def library(user: str | None = None) -> list[dict]:
    """Every case with its clips, classification and retention countdown (library browser)."""
    who = access.check("view", user)
    with open_store().session() as s:
        days = policy.get(s, "non_evidential_days")
        from .batchjobs import latest_by_clip
        batch = latest_by_clip(s)        # each clip's latest `bwv batch detect` job
        hold = retention_holds(s)
        out = [{"id": c.id, "incident": c.incident_ref, "title": c.title, "status": c.status,
                "clips": [dict(clip_info(x), erase_in_days=retention_countdown(x, days),
                               retention_hold=hold(x), batch=batch.get(x.id))
                          for x in c.clips]}
               for c in cases.list_cases(s)]
        audit.append(s, who, "consultation", "library.list", {"cases": len(out)})
        return out


def retention_report(user: str | None = None, as_of: dt.date | None = None) -> dict:
    """What a retention run would do now (no changes): erase, review due, flagged."""
    access.check("view", user)
    with open_store().session() as s:
        p = retention.plan(s, as_of or retention.today_utc())
    return {"as_of": p.as_of.isoformat(), "erase": p.erase, "unfinished": p.unfinished,
            "review_due": p.review_due, "unclassified": p.unclassified, "held": p.held,
            "capture_guessed": p.capture_guessed}


def policy_settings(user: str | None = None) -> dict:
    access.authenticate(user)
    with open_store().session() as s:
        return policy.all_settings(s)


def set_policy(key: str, value, user: str | None = None) -> None:
    who = access.check("administer", user)
    with open_store().session() as s:
        policy.set_value(s, key, value, who)
