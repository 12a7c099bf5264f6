"""Putting detection results into a project (as logged commands) and into JSONL lines."""
from __future__ import annotations

from dataclasses import asdict
from typing import Iterator

from ..edits import AddTracks, Batch, DeleteTrack, SetExtra
from ..editlog import utc_now
from ..errors import IntegrityError
from ..model import Track
from ..render import expand_box
from ..session import ProjectSession
from .job import DetectResult


def add_to_project(session: ProjectSession, result: DetectResult) -> list[Track]:
    """Replace the project's undecided auto tracks with the new ones (one undo step).
    Refused (nothing changed) when the result is from another clip than the project's."""
    p = session.project
    if result.source_sha256 and result.source_sha256 != p.source.sha256:
        raise IntegrityError(f"detections are from another clip (sha256 {result.source_sha256[:12]}...) "
                             f"than the project's (sha256 {p.source.sha256[:12]}...); nothing "
                             "changed", session.path)
    old = [t.id for t in p.tracks if t.origin == "auto" and t.status == "pending"]
    used = {t.id for t in p.tracks if t.id not in old} | {a.id for a in p.audio}
    tracks = []
    n = 0
    for t in result.tracks:
        n += 1
        tid = f"a{n}"
        while tid in used:
            n += 1
            tid = f"a{n}"
        used.add(tid)
        t.id = tid
        tracks.append(t)
    info = {"run_at": utc_now(), "settings": {**asdict(result.settings),
                                              "kinds": list(result.settings.kinds)},
            "models": result.models, "frames": result.frames, "tracks": len(tracks),
            "dark": [list(r) for r in result.dark]}
    cmds = [DeleteTrack(tid) for tid in old] + [AddTracks(tracks, source="detection"),
                                                 SetExtra("detection", info)]
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
