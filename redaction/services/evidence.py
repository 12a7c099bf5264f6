"""Evidence use cases: import (a job: progress and cancel between clips), classify, open a
held clip, cases, case notes and files. Each checks the role first (refusals audited)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..errors import BwvError
from ..jobs import CancelToken, Job, Progress
from .gate import authorise


@dataclass(frozen=True)
class ImportResult:
    """One imported clip (typed, for the CLI and the GUI)."""
    id: int
    case: str
    name: str
    sha256: str
    captured: str
    capture_guessed: bool = False
    truncated: Optional[str] = None
    captured_from: Optional[str] = None    # file_mtime | container | given

    @classmethod
    def from_info(cls, info: dict) -> "ImportResult":
        return cls(id=info["id"], case=info["case"], name=info["name"], sha256=info["sha256"],
                   captured=info["captured"], capture_guessed=bool(info.get("capture_guessed")),
                   truncated=info.get("truncated"), captured_from=info.get("captured_from"))

    @property
    def guess_reason(self) -> str:
        from ..store.clips import guess_reason
        return guess_reason(self.captured_from)


def exhibits_for(exhibit: Optional[str], n: int) -> list[Optional[str]]:
    """One exhibit reference per clip: ``"AB/1, AB/2"`` (commas or semicolons) gives each
    of ``n`` clips its own; one reference for several clips is refused (each clip is an item
    of its own), and so is a list of another length. None or blank: none."""
    from ..store.errors import StoreError
    if exhibit is None or not str(exhibit).strip():
        return [None] * n
    refs = [r.strip() for r in str(exhibit).replace(";", ",").split(",")]
    if n == 1 and len(refs) == 1:
        return refs
    if len(refs) != n or not all(refs):
        raise StoreError(f"{n} clips need {n} exhibit references, one each, separated by "
                         f"commas (e.g. AB/1, AB/2); got {len([r for r in refs if r])}")
    if len({"".join(r.split()).upper() for r in refs}) != n:
        raise StoreError("each clip needs its own exhibit reference: the list names one twice")
    return refs


def import_job(paths: Sequence[str | os.PathLike], incident: str, user: Optional[str] = None,
               cancel: Optional[CancelToken] = None, **options) -> Job:
    """Import clips into the store, one at a time (validated, hashed, copied, verified).

    Yields :class:`Progress` per clip; a cancel stops before the next clip (a clip being
    copied is finished or not stored at all). Returns ``list[ImportResult]``.
    ``options``: exhibit, officer, device, captured, accept_truncated (see
    :func:`redaction.store.api.import_clip`).
    """
    paths = [Path(p) for p in paths]
    who = authorise("import", user, incident=incident, sources=[p.name for p in paths])
    from ..store import api
    try:
        exhibits = exhibits_for(options.pop("exhibit", None), len(paths))
    except BwvError as e:
        from .. import access
        access.record("refusal", "import", who, {"sources": [str(p) for p in paths],
                                                 "incident": incident, "reason": str(e)})
        raise
    api.check_exhibits(incident, exhibits, [str(p) for p in paths], who)
    done: list[ImportResult] = []
    for i, p in enumerate(paths):
        if cancel is not None:
            cancel.check()
        yield Progress(i, len(paths), f"importing {p.name}")
        done.append(ImportResult.from_info(api.import_clip(p, incident, who, exhibit=exhibits[i],
                                                           **options)))
    yield Progress(len(paths), len(paths), "imported")
    return done


def import_clip(path: str | os.PathLike, incident: str, user: Optional[str] = None,
                **options) -> ImportResult:
    """One clip, without a progress display (drives :func:`import_job`)."""
    from ..jobs import run_job
    return run_job(import_job([path], incident, user, **options))[0]


def classify(clip_id: int, value: str, user: Optional[str] = None, reason: str = "",
             expected_version: Optional[int] = None) -> dict:
    """Supervisor: evidential / non-evidential / unclassified (declassifying needs its right).
    ``expected_version``: the version the caller showed (a clip changed since: Conflict)."""
    from ..store import api
    return api.classify(clip_id, value, authorise("classify", user, clip=clip_id), reason,
                        expected_version=expected_version)


def open_clip(clip_id: int, user: Optional[str] = None, purpose: str = "open") -> Path:
    """The verified evidence file of a held clip (consultation logged)."""
    from ..store import api
    return api.open_clip(clip_id, user, purpose=purpose)


@dataclass(frozen=True)
class CaseRef:
    id: int
    incident: str


def create_case(incident: str, user: Optional[str] = None, title: str = "") -> CaseRef:
    who = authorise("manage_cases", user, incident=incident)
    from ..store import cases
    from ..store.db import open_store
    with open_store().session() as s:
        c = cases.create_case(s, incident, who, title)
        return CaseRef(c.id, c.incident_ref)


@dataclass(frozen=True)
class NoteRef:
    id: int
    case: str


def annotate_case(case: str | int, text: str, user: Optional[str] = None,
                  clip_id: Optional[int] = None, at_s: Optional[float] = None) -> NoteRef:
    who = authorise("annotate", user, case=str(case))
    from ..store import cases, clips
    from ..store.db import open_store
    with open_store().session() as s:
        c = cases.get_case(s, case)
        clip = clips.get_clip(s, clip_id) if clip_id else None
        at = int(round(at_s * 1000)) if at_s is not None else None
        a = cases.annotate(s, c, text, who, clip, at)
        return NoteRef(a.id, c.incident_ref)


@dataclass(frozen=True)
class FileRef:
    id: int
    kind: str
    case: str


def add_case_file(case: str | int, kind: str, path: str | os.PathLike,
                  user: Optional[str] = None, clip_id: Optional[int] = None,
                  copy: bool = True) -> FileRef:
    """A project (needs ``redact``) or an export/other file (needs ``export``) in a case."""
    who = authorise("redact" if kind == "project" else "export", user, case=str(case),
                    kind=kind, doing=f"attach {'an' if kind == 'export' else 'a'} "
                                     f"{kind} file to a case")
    from ..store import cases, clips
    from ..store.db import open_store
    with open_store().session() as s:
        c = cases.get_case(s, case)
        clip = clips.get_clip(s, clip_id) if clip_id else None
        f = cases.add_file(s, c, kind, path, who, clip, copy=copy)
        return FileRef(f.id, f.kind, c.incident_ref)
