"""Edits are data: command objects that apply, revert and serialise themselves.

Nothing edits a project any other way. :class:`ProjectSession` keeps the undo/redo
stacks and appends every apply, undo and redo to the project's edit log with the
user, so the log is a complete, attributed history.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Optional

from .editlog import utc_now
from .model import Annotation, AudioRange, Box, Keyframe, Project, Style, Track


class Command:
    name = "command"

    def apply(self, p: Project) -> None:
        raise NotImplementedError

    def revert(self, p: Project) -> None:
        raise NotImplementedError

    def to_log(self) -> dict:
        d = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        return {"name": self.name, **_jsonable(d)}

    def describe(self) -> str:
        return self.name.replace("_", " ")

    def touched_tracks(self) -> Optional[set[str]]:
        """Ids of the tracks apply/revert may change (after apply); None = unknown (all)."""
        return None


class _NoTracks:
    def touched_tracks(self) -> Optional[set[str]]:
        return set()


def _jsonable(v):
    if isinstance(v, (Track, AudioRange, Annotation, Style, Keyframe)):
        return _jsonable(asdict(v))
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def _index(p: Project, track_id: str) -> int:
    for i, t in enumerate(p.tracks):
        if t.id == track_id:
            return i
    raise KeyError(f"no track {track_id!r}")


class _TrackSnapshot(Command):
    """Base for edits of one or more tracks: revert restores the saved copies."""

    def _save(self, p: Project, *ids: str) -> None:
        self._before = [(i, copy.deepcopy(p.tracks[i])) for i in sorted(_index(p, t) for t in ids)]
        self._count = len(p.tracks)

    def revert(self, p: Project) -> None:
        kept = {t.id for _, t in self._before}
        # remove tracks created by apply, then put the saved ones back at their places
        p.tracks[:] = [t for t in p.tracks if t.id not in kept and t.id not in self._created()]
        for i, t in self._before:
            p.tracks.insert(i, copy.deepcopy(t))

    def _created(self) -> set[str]:
        return set()

    def touched_tracks(self) -> Optional[set[str]]:
        if not hasattr(self, "_before"):
            return None
        return {t.id for _, t in self._before} | self._created()


@dataclass
class AddTrack(Command):
    track: Track
    name = "add_track"

    def apply(self, p):
        p.tracks.append(copy.deepcopy(self.track))

    def revert(self, p):
        p.tracks.pop(_index(p, self.track.id))

    def touched_tracks(self):
        return {self.track.id}

    def to_log(self):
        t = self.track
        return {"name": self.name, "track": t.id, "kind": t.kind, "origin": t.origin,
                "first_frame": t.first_frame, "keyframes": len(t.keyframes),
                "box": list(t.keyframes[0].box) if t.keyframes else None}


@dataclass
class AddTracks(Command):
    """Many tracks at once (detection results): one undo step, a compact log entry."""
    tracks: list[Track]
    source: str = ""
    name = "add_tracks"

    def apply(self, p):
        p.tracks.extend(copy.deepcopy(self.tracks))

    def revert(self, p):
        ids = {t.id for t in self.tracks}
        p.tracks[:] = [t for t in p.tracks if t.id not in ids]

    def touched_tracks(self):
        return {t.id for t in self.tracks}

    def to_log(self):
        return {"name": self.name, "source": self.source, "count": len(self.tracks),
                "tracks": [t.id for t in self.tracks]}


@dataclass
class DeleteTrack(_TrackSnapshot):
    track_id: str
    name = "delete_track"

    def apply(self, p):
        self._save(p, self.track_id)
        p.tracks.pop(_index(p, self.track_id))


@dataclass
class SetKeyframe(_TrackSnapshot):
    track_id: str
    frame: int
    box: Box
    name = "set_keyframe"

    def apply(self, p):
        self._save(p, self.track_id)
        t = p.track(self.track_id)
        end = t.last_frame
        t.set_keyframe(self.frame, self.box)
        if t.end_frame is not None and self.frame > t.end_frame:
            t.end_frame = self.frame
        elif t.end_frame is None and self.frame > end:
            t.end_frame = None


@dataclass
class RemoveKeyframe(_TrackSnapshot):
    track_id: str
    frame: int
    name = "remove_keyframe"

    def apply(self, p):
        self._save(p, self.track_id)
        t = p.track(self.track_id)
        if len(t.keyframes) <= 1:
            raise ValueError("a track keeps at least one keyframe; delete the track instead")
        t.remove_keyframe(self.frame)


@dataclass
class SetStatus(_TrackSnapshot):
    track_ids: list[str]
    status: str
    reason: str = ""
    user: str = ""
    name = "set_status"

    def apply(self, p):
        self._save(p, *self.track_ids)
        now = utc_now()
        for tid in self.track_ids:
            t = p.track(tid)
            t.status, t.reason = self.status, self.reason
            t.decided_by, t.decided_at = self.user, now


@dataclass
class SetReason(_TrackSnapshot):
    track_id: str
    reason: str
    name = "set_reason"

    def apply(self, p):
        self._save(p, self.track_id)
        p.track(self.track_id).reason = self.reason


@dataclass
class SetKind(_TrackSnapshot):
    track_id: str
    kind: str
    name = "set_kind"

    def apply(self, p):
        self._save(p, self.track_id)
        p.track(self.track_id).kind = self.kind


@dataclass
class SetSpan(_TrackSnapshot):
    """Set a track's first and last frame; boxes at the new ends are kept as keyframes."""
    track_id: str
    start: int
    end: int
    name = "set_span"

    def apply(self, p):
        if self.end < self.start:
            raise ValueError("end before start")
        self._save(p, self.track_id)
        t = p.track(self.track_id)

        def box(f: int) -> Box:  # boxes beyond the old span take the nearest end's box
            return t.box_at(min(max(f, t.first_frame), t.last_frame))

        kfs = [k for k in t.keyframes if self.start <= k.frame <= self.end]
        if not kfs or kfs[0].frame != self.start:
            kfs.insert(0, Keyframe(self.start, box(self.start)))
        if self.end < t.last_frame and kfs[-1].frame != self.end:
            kfs.append(Keyframe(self.end, box(self.end)))
        t.keyframes = kfs
        t.end_frame = self.end if self.end > kfs[-1].frame else None


@dataclass
class SplitTrack(_TrackSnapshot):
    """Split at ``frame``: the original keeps ``..frame-1``, a new track ``new_id`` takes ``frame..``."""
    track_id: str
    frame: int
    new_id: str
    name = "split_track"

    def _created(self):
        return {self.new_id}

    def apply(self, p):
        self._save(p, self.track_id)
        t = p.track(self.track_id)
        if not t.first_frame < self.frame <= t.last_frame:
            raise ValueError("split frame must be inside the track, after its first frame")
        b = t.box_at(self.frame)
        tail = copy.deepcopy(t)
        tail.id = self.new_id
        tail.keyframes = [Keyframe(self.frame, b)] + [k for k in t.keyframes if k.frame > self.frame]
        tail.scores = {f: s for f, s in t.scores.items() if f >= self.frame}
        before = t.box_at(self.frame - 1)
        t.keyframes = [k for k in t.keyframes if k.frame < self.frame]
        if t.keyframes[-1].frame != self.frame - 1:
            t.keyframes.append(Keyframe(self.frame - 1, before))
        t.end_frame = None
        t.scores = {f: s for f, s in t.scores.items() if f < self.frame}
        p.tracks.insert(_index(p, t.id) + 1, tail)


@dataclass
class MergeTracks(_TrackSnapshot):
    """Merge ``other_id`` into ``track_id`` (keyframes joined; gaps are interpolated)."""
    track_id: str
    other_id: str
    name = "merge_tracks"

    def apply(self, p):
        self._save(p, self.track_id, self.other_id)
        a, b = p.track(self.track_id), p.track(self.other_id)
        frames = {k.frame: k for k in a.keyframes}
        for k in b.keyframes:
            frames.setdefault(k.frame, k)
        # keep explicit ends: a keyframe at each track's last frame
        for t in (a, b):
            if t.end_frame is not None and t.end_frame not in frames:
                frames[t.end_frame] = Keyframe(t.end_frame, t.box_at(t.end_frame))
        a.keyframes = [frames[f] for f in sorted(frames)]
        a.end_frame = None
        a.scores = {**b.scores, **a.scores}
        p.tracks.pop(_index(p, b.id))


@dataclass
class AddAudioRange(_NoTracks, Command):
    range: AudioRange
    name = "add_audio_range"

    def apply(self, p):
        p.audio.append(copy.deepcopy(self.range))

    def revert(self, p):
        p.audio[:] = [a for a in p.audio if a.id != self.range.id]


@dataclass
class UpdateAudioRange(_NoTracks, Command):
    range_id: str
    start: Optional[float] = None
    end: Optional[float] = None
    mode: Optional[str] = None
    reason: Optional[str] = None
    name = "update_audio_range"

    def apply(self, p):
        a = next(a for a in p.audio if a.id == self.range_id)
        self._old = copy.deepcopy(a)
        for k in ("start", "end", "mode", "reason"):
            v = getattr(self, k)
            if v is not None:
                setattr(a, k, v)
        if a.end <= a.start:
            self.revert(p)
            raise ValueError("audio range must end after it starts")

    def revert(self, p):
        i = next(i for i, a in enumerate(p.audio) if a.id == self.range_id)
        p.audio[i] = copy.deepcopy(self._old)


@dataclass
class AddAudioRanges(_NoTracks, Command):
    """Many audio ranges at once (proposals from the transcript): one undo step."""
    ranges: list[AudioRange]
    source: str = ""
    name = "add_audio_ranges"

    def apply(self, p):
        ids = {a.id for a in p.audio}
        dup = [a.id for a in self.ranges if a.id in ids]
        if dup:
            raise ValueError(f"audio range id {dup[0]!r} already exists")
        p.audio.extend(copy.deepcopy(self.ranges))

    def revert(self, p):
        ids = {a.id for a in self.ranges}
        p.audio[:] = [a for a in p.audio if a.id not in ids]

    def to_log(self):
        return {"name": self.name, "source": self.source, "count": len(self.ranges),
                "ranges": [a.id for a in self.ranges]}


@dataclass
class SetAudioStatus(_NoTracks, Command):
    """Accept, reject or keep clear audio ranges (proposals reviewed like tracks)."""
    range_ids: list[str]
    status: str
    reason: str = ""
    user: str = ""
    name = "set_audio_status"

    def apply(self, p):
        by_id = {a.id: a for a in p.audio}
        missing = [i for i in self.range_ids if i not in by_id]
        if missing:
            raise KeyError(f"no audio range {missing[0]!r}")
        self._old = {i: copy.deepcopy(by_id[i]) for i in self.range_ids}
        now = utc_now()
        for i in self.range_ids:
            a = by_id[i]
            a.status, a.reason, a.decided_by, a.decided_at = self.status, self.reason, self.user, now

    def revert(self, p):
        for n, a in enumerate(p.audio):
            if a.id in self._old:
                p.audio[n] = copy.deepcopy(self._old[a.id])


@dataclass
class DeleteAudioRange(_NoTracks, Command):
    range_id: str
    name = "delete_audio_range"

    def apply(self, p):
        self._i = next(i for i, a in enumerate(p.audio) if a.id == self.range_id)
        self._old = p.audio.pop(self._i)

    def revert(self, p):
        p.audio.insert(self._i, self._old)


@dataclass
class SetStyle(_NoTracks, Command):
    mode: str
    margin: Optional[float] = None
    margin_px: Optional[float] = None
    name = "set_style"

    def apply(self, p):
        self._old = copy.deepcopy(p.style)
        p.style.mode = self.mode
        if self.margin is not None:
            p.style.margin = self.margin
        if self.margin_px is not None:
            p.style.margin_px = self.margin_px

    def revert(self, p):
        p.style = copy.deepcopy(self._old)


@dataclass
class AddAnnotation(_NoTracks, Command):
    annotation: Annotation
    name = "add_annotation"

    def apply(self, p):
        p.annotations.append(copy.deepcopy(self.annotation))

    def revert(self, p):
        p.annotations[:] = [a for a in p.annotations if a.id != self.annotation.id]


@dataclass
class DeleteAnnotation(_NoTracks, Command):
    annotation_id: str
    name = "delete_annotation"

    def apply(self, p):
        self._i = next(i for i, a in enumerate(p.annotations) if a.id == self.annotation_id)
        self._old = p.annotations.pop(self._i)

    def revert(self, p):
        p.annotations.insert(self._i, self._old)


@dataclass
class SetExtra(_NoTracks, Command):
    """Set an extension field of the project (e.g. the last detection run's settings)."""
    key: str
    value: object
    name = "set_extra"

    def apply(self, p):
        self._had = self.key in p.extra
        self._old = copy.deepcopy(p.extra.get(self.key))
        p.extra[self.key] = copy.deepcopy(self.value)

    def revert(self, p):
        if self._had:
            p.extra[self.key] = self._old
        else:
            p.extra.pop(self.key, None)

    def to_log(self):
        return {"name": self.name, "key": self.key, "value": _jsonable(self.value)}


@dataclass
class Batch(Command):
    """Several commands as one undo step (bulk decisions)."""
    commands: list[Command] = field(default_factory=list)
    label: str = "batch"
    name = "batch"

    def apply(self, p):
        done = []
        try:
            for c in self.commands:
                c.apply(p)
                done.append(c)
        except Exception:
            for c in reversed(done):
                c.revert(p)
            raise

    def revert(self, p):
        for c in reversed(self.commands):
            c.revert(p)

    def touched_tracks(self):
        out: set[str] = set()
        for c in self.commands:
            t = c.touched_tracks()
            if t is None:
                return None
            out |= t
        return out

    def to_log(self):
        return {"name": self.name, "label": self.label,
                "commands": [c.to_log() for c in self.commands]}

    def describe(self):
        return self.label
