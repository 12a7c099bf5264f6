"""Each clip's job in a ``bwv batch detect`` run (table ``batch_jobs``, migration 0006).

Only the machine driving a batch writes these rows (workers never touch the database):
a row is queued when the batch starts, running when a worker takes the clip (attempts
counts Ray's retries after a lost worker), then done (tracks, project) or failed (error).
A row left queued or running by a killed batch is closed as failed ("interrupted") when
a later batch queues the same clip. :func:`latest_by_clip` is what the library shows.
"""
from __future__ import annotations

from typing import Iterable, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .clips import find_live
from .models import BatchJob, utcnow


def queue(s: Session, batch: str, clips: Iterable[dict], *, settings_key: str, executor: str,
          user: str) -> list[int]:
    """Queue one row per clip (dicts with ``path`` and optionally ``sha256``, ``clip_id``);
    returns their ids in order. Earlier unfinished rows of the same clips are closed."""
    ids = []
    for c in clips:
        sha = c.get("sha256")
        clip_id = c.get("clip_id")
        if clip_id is None and sha:
            live = find_live(s, sha)
            clip_id = live.id if live else None
        same = BatchJob.clip_path == str(c["path"])
        if clip_id is not None:
            same = or_(same, BatchJob.clip_id == clip_id)
        stale = select(BatchJob).where(BatchJob.status.in_(("queued", "running")), same)
        for old in s.execute(stale).scalars():
            old.status, old.error, old.finished_at = "failed", f"interrupted (batch {batch} " \
                                                               "picked it up again)", utcnow()
        j = BatchJob(batch=batch, clip_id=clip_id, sha256=sha, clip_path=str(c["path"]),
                     settings_key=settings_key, executor=executor[:128], status="queued",
                     attempts=0, created_by=user)
        s.add(j)
        s.flush()
        ids.append(j.id)
    return ids


def update(s: Session, job_id: int, status: Optional[str] = None, *, sha256: Optional[str] = None,
           worker: Optional[str] = None, error: Optional[str] = None,
           tracks: Optional[int] = None, project: Optional[str] = None,
           started: bool = False) -> None:
    j = s.get(BatchJob, job_id)
    if j is None:
        return
    if sha256 and j.sha256 != sha256:
        j.sha256 = sha256
        if j.clip_id is None:
            live = find_live(s, sha256)
            j.clip_id = live.id if live else None
    if started:
        j.attempts = (j.attempts or 0) + 1
        j.started_at = utcnow()
        j.status = "running"
    if worker:
        j.worker = worker[:128]
    if status:
        j.status = status
        if status in ("done", "failed"):
            j.finished_at = utcnow()
    if error is not None:
        j.error = error
    if tracks is not None:
        j.tracks = tracks
    if project is not None:
        j.project_path = project


def job_info(j: BatchJob) -> dict:
    return {"id": j.id, "batch": j.batch, "clip": j.clip_id, "sha256": j.sha256,
            "path": j.clip_path, "status": j.status, "error": j.error, "attempts": j.attempts,
            "worker": j.worker, "tracks": j.tracks, "project": j.project_path,
            "executor": j.executor, "by": j.created_by,
            "queued": j.queued_at.isoformat() if j.queued_at else None,
            "started": j.started_at.isoformat() if j.started_at else None,
            "finished": j.finished_at.isoformat() if j.finished_at else None}


def latest_by_clip(s: Session, clip_ids: Optional[Iterable[int]] = None) -> dict[int, dict]:
    """The newest batch job of each store clip (``clip_ids``: only these)."""
    newest = select(BatchJob.clip_id, func.max(BatchJob.id).label("id")) \
        .where(BatchJob.clip_id.is_not(None)).group_by(BatchJob.clip_id)
    if clip_ids is not None:
        newest = newest.where(BatchJob.clip_id.in_(list(clip_ids)))
    ids = [row.id for row in s.execute(newest)]
    if not ids:
        return {}
    return {j.clip_id: job_info(j) for j in
            s.execute(select(BatchJob).where(BatchJob.id.in_(ids))).scalars()}


def jobs_of_batch(s: Session, batch: str) -> list[dict]:
    return [job_info(j) for j in s.execute(select(BatchJob).where(BatchJob.batch == batch)
                                           .order_by(BatchJob.id)).scalars()]
