"""Putting detection results into a project (as logged commands) and into JSONL lines."""
from __future__ import annotations

from dataclasses import asdict
from typing import Iterator

import numpy as np

from ..edits import AddTracks, Batch, DeleteTrack, SetExtra, SetSpan, SplitTrack
from ..editlog import utc_now
from ..errors import IntegrityError
from ..model import Track
from ..render import expand_box
from ..session import ProjectSession
from .job import DetectResult


def _replace_old(p, kinds, a: int, b: int, new_id) -> list:
    """Commands taking out the undecided auto tracks of ``kinds`` on frames ``a``-``b`` (the
    run's), keeping their parts outside that range: a run on part of the clip, or for some
    kinds, does not withdraw proposals it did not look for again."""
    cmds: list = []
    for t in p.tracks:
        if t.origin != "auto" or t.status != "pending" or t.kind not in kinds \
                or t.last_frame < a or t.first_frame > b:
            continue
        if a <= t.first_frame and t.last_frame <= b:
            cmds.append(DeleteTrack(t.id))
            continue
        if t.last_frame > b:              # the part after the range: a track of its own
            if t.first_frame < a:
                cmds.append(SplitTrack(t.id, b + 1, new_id()))
            else:
                cmds.append(SetSpan(t.id, b + 1, t.last_frame))
        if t.first_frame < a:
            cmds.append(SetSpan(t.id, t.first_frame, a - 1))
    return cmds


def _boxes(t: Track, first: int, last: int) -> np.ndarray:
    """``t``'s boxes on frames ``first``-``last`` (inside its span), as :meth:`Track.box_at`."""
    frames = np.array([k.frame for k in t.keyframes], float)
    boxes = np.array([k.box for k in t.keyframes], float)
    f = np.arange(first, last + 1, dtype=float)
    return np.stack([np.interp(f, frames, boxes[:, i]) for i in range(4)], axis=1)


def _under_accepted(t: Track, accepted: list[Track], slack: float = 0.5) -> bool:
    """Whether one accepted track of ``t``'s kind holds ``t``'s box on every frame of ``t``:
    a run again proposing an object the officer already accepted (redacted there whatever
    is decided about the new proposal)."""
    for a in accepted:
        if a.kind != t.kind or not t.keyframes or a.first_frame > t.first_frame \
                or a.last_frame < t.last_frame:
            continue
        mine, theirs = _boxes(t, t.first_frame, t.last_frame), _boxes(a, t.first_frame, t.last_frame)
        if (np.all(theirs[:, :2] <= mine[:, :2] + slack)
                and np.all(theirs[:, :2] + theirs[:, 2:] >= mine[:, :2] + mine[:, 2:] - slack)):
            return True
    return False


def _same_as_decided(t: Track, decided: list[Track], min_iou: float = 0.5) -> bool:
    """Whether the officer already decided on ``t``'s object, rejecting it or keeping it
    clear: a decided track of its kind whose span holds ``t``'s and whose box overlaps
    ``t``'s (IoU at least ``min_iou``) on every frame. A run again (from the cache, or after
    a tracker update) proposing the road sign rejected yesterday asks nothing new."""
    for a in decided:
        if a.kind != t.kind or not t.keyframes or a.first_frame > t.first_frame \
                or a.last_frame < t.last_frame:
            continue
        mine, theirs = _boxes(t, t.first_frame, t.last_frame), _boxes(a, t.first_frame, t.last_frame)
        lo = np.maximum(mine[:, :2], theirs[:, :2])
        hi = np.minimum(mine[:, :2] + mine[:, 2:], theirs[:, :2] + theirs[:, 2:])
        inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
        union = np.prod(mine[:, 2:], axis=1) + np.prod(theirs[:, 2:], axis=1) - inter
        if np.all(inter >= min_iou * np.maximum(union, 1e-9)):
            return True
    return False


def add_to_project(session: ProjectSession, result: DetectResult) -> list[Track]:
    """Replace the project's undecided auto tracks of the kinds searched, on the frames
    searched, with the new ones (one undo step); decided and manual tracks are kept, and a new
    track an accepted one already covers on each of its frames, or one the officer already
    rejected or kept clear (:func:`_same_as_decided`), is not proposed again (the count is
    the detection record's ``already_decided``).
    Refused (nothing changed) when the result is from another clip than the project's."""
    p = session.project
    if result.source_sha256 and result.source_sha256 != p.source.sha256:
        raise IntegrityError(f"detections are from another clip (sha256 {result.source_sha256[:12]}...) "
                             f"than the project's (sha256 {p.source.sha256[:12]}...); nothing "
                             "changed", session.path)
    used = p.ids_in_use()
    n = 0

    def new_id() -> str:
        nonlocal n
        n += 1
        while f"a{n}" in used:
            n += 1
        used.add(f"a{n}")
        return f"a{n}"

    first = max(0, result.settings.first)
    cmds = _replace_old(p, set(result.settings.kinds), first, first + result.frames - 1, new_id)
    old = {c.track_id for c in cmds if isinstance(c, DeleteTrack)}
    used -= old                       # the ids of tracks replaced whole may be used again
    accepted = [t for t in p.tracks if t.status == "accepted"]
    decided = [t for t in p.tracks if t.status in ("rejected", "keep_clear")]
    tracks, again = [], 0
    for t in result.tracks:
        if _under_accepted(t, accepted) or _same_as_decided(t, decided):
            again += 1
            continue
        t.id = new_id()
        tracks.append(t)
    info = {"run_at": utc_now(), "settings": {**asdict(result.settings),
                                              "kinds": list(result.settings.kinds)},
            "models": result.models, "frames": result.frames, "tracks": len(tracks),
            "already_decided": again,
            "dark": [list(r) for r in result.dark]}
    cmds += [AddTracks(tracks, source="detection"), SetExtra("detection", info)]
    session.do(Batch(cmds, label=f"detection: {len(tracks)} track(s)"))
    return tracks


def track_lines(tracks: list[Track], margin: float, first: int, last: int,
                margin_px: float = 0.0) -> Iterator[dict]:
    """JSONL rows per frame and track: the redaction box (margin included) the product applies."""
    for f in range(first, last + 1):
        for t in tracks:
            b = t.box_at(f)
            if b is None:
                continue
            scored = [s for fr, s in t.scores.items() if fr <= f]
            score = t.scores.get(f, scored[-1] if scored else 0.0)
            yield {"frame": f, "kind": t.kind,
                   "box": [round(v, 1) for v in expand_box(b, margin, margin_px)],
                   "score": round(score, 4), "track": t.id}
