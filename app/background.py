"""Background loading for the timeline and review panel: waveform, thumbnails, track crops.

These run in their own JobRunner (the same class the exports use) with their own
MediaSource, so stepping through frames is never blocked by them.
"""
from __future__ import annotations

from redaction.audio_read import envelope_job
from redaction.jobs import CancelToken, Progress
from redaction.thumbs import strip_job, track_thumbs_job


def hash_job(path: str, cancel: CancelToken, chunk: int = 1 << 22):
    """sha256 of the clip, chunked (hashlib releases the GIL), cancellable."""
    import hashlib
    import os

    from redaction.fsutil import sha256_chunks
    h = hashlib.sha256()
    total = max(1, os.path.getsize(path))
    for done in sha256_chunks(path, h, chunk):
        cancel.check()
        yield Progress(done, total, "checking the clip's sha256")
    return h.hexdigest()


def strip_first_job(path: str, strip_count: int, cancel: CancelToken):
    """The timeline's picture strip on its own, first: it shows while the clip is hashed and
    its audio read (a long clip's strip was otherwise missing from an early screenshot)."""
    strip = yield from strip_job(path, strip_count, cancel=cancel)
    return {"strip": strip, "path": path}


def clip_media_job(path: str, strip_count: int, crops: list, cancel: CancelToken,
                   expected_sha256: str = ""):
    """The sha256 check, the waveform and the track crops (and the strip, unless
    ``strip_count`` is 0: it came first from :func:`strip_first_job`)."""
    sha = (yield from hash_job(path, cancel)) if expected_sha256 else ""
    env = yield from envelope_job(path, cancel=cancel)
    out = {"envelope": env}
    if strip_count:
        out["strip"] = yield from strip_job(path, strip_count, cancel=cancel)
    thumbs = (yield from track_thumbs_job(path, crops, cancel=cancel)) if crops else {}
    return {**out, "crops": thumbs, "path": path,   # the clip it is of (bg_loaded checks)
            "source_ok": (sha == expected_sha256) if expected_sha256 else None, "sha256": sha}


def crops_job(path: str, crops: list, cancel: CancelToken):
    thumbs = yield from track_thumbs_job(path, crops, cancel=cancel)
    return {"crops": thumbs, "path": path}


def crop_items(project, have: set) -> list:
    """(track id, frame, box) for each track without a crop yet, at the frame that shows it
    best (``Track.best_frame``: its surest detection, not a pre-held box off the picture)."""
    out = []
    for t in project.tracks:
        if t.id in have or not t.keyframes:
            continue
        f = t.best_frame()
        box = t.box_at(f)
        if box is None:                                  # e.g. ended before its first keyframe
            f, box = t.keyframes[0].frame, t.keyframes[0].box
        out.append((t.id, f, box))
    return out
