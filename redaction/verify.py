"""Verification of a project: edit-log chain, log anchor, source hash, export hashes."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IntegrityError
from .fsutil import sha256_file
from .project_io import load_project, resolve_source
from .session import ProjectSession


@dataclass
class VerifyReport:
    entries: int = 0
    exports_checked: int = 0
    warnings: list[str] = field(default_factory=list)


def verify_project(project_path: str | os.PathLike, user: str, record: bool = True) -> VerifyReport:
    """Raise IntegrityError at the first broken entry or file; else return a report."""
    project_path = Path(project_path)
    project = load_project(project_path)
    session = ProjectSession(project, project_path, user)
    entries = session.log.verify()
    try:
        rep = _check(session, project, project_path, entries)
    except IntegrityError as e:
        if record and entries:
            session.record("verify", {"result": "failed", "error": str(e)})
            session.save()
        raise
    if record:
        session.record("verify", {"result": "ok", "entries": rep.entries,
                                  "exports_checked": rep.exports_checked})
        session.save()
    return rep


def _check(session, project, project_path, entries) -> VerifyReport:
    rep = VerifyReport(entries=len(entries))
    if not entries:
        raise IntegrityError("edit log is missing or empty", session.log.path)
    head = project.extra.get("log_head")
    if head:
        seq, h = head.get("seq"), head.get("hash")
        if not isinstance(seq, int) or seq < 1 or seq > len(entries) or entries[seq - 1]["hash"] != h:
            raise IntegrityError(f"edit log does not contain the project's last recorded entry "
                                 f"(seq {seq}): entries were deleted or replaced", session.log.path)
        if seq < len(entries):
            rep.warnings.append(f"{len(entries) - seq} edit(s) logged after the project was "
                                "last saved (unsaved work)")
    src = resolve_source(project, project_path)
    if not src.exists():
        raise IntegrityError("source clip not found", src)
    if sha256_file(src) != project.source.sha256:
        raise IntegrityError("source clip's sha256 does not match the project (changed)", src)
    for e in entries:
        if e.get("action") != "export":
            continue
        d = e.get("details", {})
        out = Path(d.get("output", ""))
        if not out.exists():
            raise IntegrityError(f"export recorded in edit log entry {e['seq']} is missing", out)
        if sha256_file(out) != d.get("export_sha256"):
            raise IntegrityError(f"export's sha256 does not match edit log entry {e['seq']} "
                                 "(altered)", out)
        rep.exports_checked += 1
    return rep
