"""Cases: an incident's clips, projects, exports and annotations."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..fsutil import fsync_dir, sha256_file
from . import audit
from .db import store_files_dir
from .errors import Conflict, NotFound, StoreError
from .models import FILE_KINDS, Annotation, Case, Clip, StoredFile


def create_case(s: Session, incident: str, user: str, title: str = "") -> Case:
    incident = incident.strip()
    if not incident:
        raise StoreError("the incident reference is empty")
    if find_case(s, incident) is not None:
        raise Conflict(f"case {incident!r} already exists")
    c = Case(incident_ref=incident, title=title, created_by=user)
    s.add(c)
    s.flush()
    audit.append(s, user, "collection", "case.create", {"case": c.id, "incident": incident})
    return c


def find_case(s: Session, ref: str) -> Case | None:
    return s.execute(select(Case).where(Case.incident_ref == ref)).scalar_one_or_none()


def get_or_create_case(s: Session, incident: str, user: str) -> Case:
    return find_case(s, incident) or create_case(s, incident, user)


def get_case(s: Session, ref: str | int) -> Case:
    """By incident reference, or by number."""
    c = find_case(s, str(ref))
    if c is None and str(ref).isdigit():
        c = s.get(Case, int(ref))
    if c is None:
        raise NotFound(f"no such case {ref!r}")
    return c


def list_cases(s: Session) -> list[Case]:
    return list(s.execute(select(Case).order_by(Case.id)).scalars())


def files_of(s: Session, case: Case) -> list[StoredFile]:
    return list(s.execute(select(StoredFile).where(StoredFile.case_id == case.id)
                          .order_by(StoredFile.id)).scalars())


def annotations_of(s: Session, case: Case) -> list[Annotation]:
    return list(s.execute(select(Annotation).where(Annotation.case_id == case.id)
                          .order_by(Annotation.id)).scalars())


def add_file(s: Session, case: Case, kind: str, path: str | os.PathLike, user: str,
             clip: Clip | None = None, *, copy: bool = True) -> StoredFile:
    """Attach a project/export/cache/thumbnail file to a case (and clip).

    With ``copy`` the file is copied into the store's folder (and erased with the
    clip by retention); otherwise only its location outside the store is recorded.
    """
    if kind not in FILE_KINDS:
        raise StoreError(f"unknown file kind {kind!r} ({', '.join(FILE_KINDS)})")
    src = Path(path)
    if not src.is_file():
        raise NotFound("no such file", src)
    sha = sha256_file(src)
    if copy:
        rel = Path(f"case-{case.id}") / kind / f"{sha[:12]}-{src.name}"
        dest = store_files_dir() / rel
        from ..fsutil import private_dir
        private_dir(dest.parent)
        tmp = dest.with_name(f".{dest.name}.part")
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
        stored = rel.as_posix()
    else:
        stored = str(src.resolve())
    f = StoredFile(case_id=case.id, clip_id=clip.id if clip else None, kind=kind, path=stored,
                   in_store=copy, sha256=sha, created_by=user)
    s.add(f)
    s.flush()
    audit.append(s, user, "combination" if kind in ("project", "export") else "alteration",
                 f"case.add_{kind}", {"case": case.id, "clip": f.clip_id, "file": f.id,
                                      "sha256": sha, "in_store": copy})
    return f


def register_derived(s: Session, clip: Clip, kind: str, path: str | os.PathLike,
                     user: str) -> StoredFile:
    """Record a file derived from ``clip`` that already lives in the store folder or the
    cache (thumbnail, proxy, cache): retention deletes it with the clip."""
    f = StoredFile(case_id=clip.case_id, clip_id=clip.id, kind=kind,
                   path=str(Path(path).resolve()), in_store=True, created_by=user)
    s.add(f)
    s.flush()
    return f


def stored_path(f: StoredFile) -> Path:
    p = Path(f.path)
    return p if p.is_absolute() else store_files_dir() / p


def annotate(s: Session, case: Case, text: str, user: str, clip: Clip | None = None,
             at_ms: int | None = None) -> Annotation:
    if not text.strip():
        raise StoreError("the note is empty")
    a = Annotation(case_id=case.id, clip_id=clip.id if clip else None, at_ms=at_ms,
                   text=text, created_by=user)
    s.add(a)
    s.flush()
    audit.append(s, user, "alteration", "case.annotate",
                 {"case": case.id, "clip": a.clip_id, "annotation": a.id, "at_ms": at_ms})
    return a
