"""Batch detection's use cases: who may run a batch (``redact``: it writes projects), and
the clips of a case in the store as batch items (a logged consultation)."""
from __future__ import annotations

from .. import access

from typing import Optional

from .gate import authorise


def authorise_batch(user: Optional[str] = None, **details) -> str:
    """A batch adds proposals to many projects: the ``redact`` right, checked once up
    front (each project's edit is checked again by ``apply_detections``)."""
    who = authorise("redact", user, command="batch detect", **details)
    access.record("consultation", "batch.detect", who, details)   # no-op without a store
    return who


def case_items(incident: str, user: Optional[str] = None, *, projects=None,
               beside: bool = False) -> list:
    """The present clips of case ``incident`` as batch items: the evidence file's path
    (which every worker must be able to read), its stored sha256 and clip id, and the
    project the window opens for it."""
    from ..batch import make_item, project_for
    from ..store import audit, cases, clips
    from ..store.db import open_store
    who = authorise_batch(user, case=incident)
    with open_store().session() as s:
        c = cases.get_case(s, incident)
        present = [x for x in c.clips if x.state == "present"]
        rows = [(x.id, clips.clip_path(x), x.sha256, x.original_name) for x in present]
        audit.append(s, who, "consultation", "case.batch_detect",
                     {"case": c.id, "clips": [r[0] for r in rows]})
    return [make_item(i, path, project=project_for(path, projects, beside), sha256=sha,
                      clip_id=cid, name=name)
            for i, (cid, path, sha, name) in enumerate(rows)]
