"""Every edit is checked against the clip before it is applied (ProjectSession.do).

Frames must lie in the clip, a span must not end before it starts, a box must be a real
box that overlaps the picture, and a manual redaction must say why. The session knows
the clip's bounds (frames, width, height, duration) once a caller sets them: the window
from its media source, the CLI from a probe.
"""
from __future__ import annotations

import math

from . import edits
from .errors import InvalidEdit
from .model import AUDIO_MODES, KINDS, STATUSES, Project

MIN_INSIDE = 0.10     # a box must have at least this share of its area inside the picture


def check_command(cmd: edits.Command, p: Project, frames: int, width: int, height: int,
                  duration_s: float | None = None) -> None:
    """Raise InvalidEdit (a ValueError) naming what is wrong; return if the edit is sound."""
    c = _Checker(frames, width, height, duration_s)
    c.command(cmd, p)


class _Checker:
    def __init__(self, frames, width, height, duration_s):
        self.frames, self.w, self.h, self.duration = frames, width, height, duration_s

    def frame(self, f, what="frame") -> None:
        if not isinstance(f, int) or isinstance(f, bool) or not 0 <= f < self.frames:
            raise InvalidEdit(f"{what} {f} is outside the clip (frames 0-{self.frames - 1})")

    def box(self, b, where="") -> None:
        try:
            x, y, w, h = (float(v) for v in b)
        except (TypeError, ValueError):
            raise InvalidEdit(f"box{where} must be four numbers x, y, w, h") from None
        if not all(math.isfinite(v) for v in (x, y, w, h)):
            raise InvalidEdit(f"box{where} must be four finite numbers x, y, w, h")
        if not (w > 0 and h > 0):
            raise InvalidEdit(f"box{where} must have a positive width and height")
        iw = min(x + w, self.w) - max(x, 0.0)
        ih = min(y + h, self.h) - max(y, 0.0)
        if iw <= 0 or ih <= 0 or iw * ih < MIN_INSIDE * w * h:
            raise InvalidEdit(f"box{where} {x:g},{y:g},{w:g},{h:g} lies (almost) entirely outside "
                              f"the {self.w}x{self.h} picture")

    def track(self, t, manual_reason: bool) -> None:
        if t.kind not in KINDS:
            raise InvalidEdit(f"track {t.id}: kind {t.kind!r} is not one of {', '.join(KINDS)}")
        if t.status not in STATUSES:
            raise InvalidEdit(f"track {t.id}: status {t.status!r} is not one of "
                              f"{', '.join(STATUSES)}")
        if not t.keyframes:
            raise InvalidEdit(f"track {t.id} has no keyframe")
        for k in t.keyframes:
            self.frame(k.frame, f"track {t.id}: keyframe frame")
            if t.origin == "manual":   # detections may be cut by the picture edge
                self.box(k.box, f" of track {t.id} at frame {k.frame}")
        if t.end_frame is not None:
            self.frame(t.end_frame, f"track {t.id}: end frame")
            if t.end_frame < t.first_frame:
                raise InvalidEdit(f"track {t.id}: ends (frame {t.end_frame}) before it starts "
                                  f"(frame {t.first_frame})")
        if manual_reason and t.origin == "manual" and not t.reason.strip():
            raise InvalidEdit(f"track {t.id}: a manual redaction needs a reason")

    @staticmethod
    def merge(cmd, p: Project) -> None:
        """The merged track takes the kept track's status: a redacted or pending track merged
        into one left unredacted would lose its redaction unseen, so that is refused."""
        ids = {t.id: t for t in p.tracks}
        for i in (cmd.track_id, cmd.other_id):
            if i not in ids:
                raise InvalidEdit(f"no track {i!r} to merge")
        a, b = ids[cmd.track_id], ids[cmd.other_id]
        if a.id == b.id:
            raise InvalidEdit(f"track {a.id} cannot be merged with itself")
        if a.status in ("rejected", "keep_clear") and b.status in ("accepted", "pending"):
            raise InvalidEdit(f"merging {b.id} ({b.status}) into {a.id} ({a.status}) would leave "
                              f"{b.id}'s frames unredacted: decide them alike first, or merge "
                              f"{a.id} into {b.id}")

    @staticmethod
    def new_id(i: str, p: Project) -> None:
        if i in p.ids_in_use():
            raise InvalidEdit(f"id {i!r} is already used by a track or an audio range")

    def seconds(self, v, what) -> None:
        if v is None:
            return
        if not 0 <= v or (self.duration is not None and v > self.duration + 1e-6):
            limit = f"0-{self.duration:.3f} s" if self.duration is not None else "0 s or later"
            raise InvalidEdit(f"audio {what} {v:g} s is outside the clip ({limit})")

    def command(self, cmd, p: Project) -> None:
        E = edits
        if isinstance(cmd, E.Batch):
            for sub in cmd.commands:
                self.command(sub, p)
        elif isinstance(cmd, E.AddTrack):
            self.new_id(cmd.track.id, p)
            self.track(cmd.track, manual_reason=True)
        elif isinstance(cmd, E.AddTracks):
            for t in cmd.tracks:
                self.track(t, manual_reason=False)
        elif isinstance(cmd, E.SetKeyframe):
            self.frame(cmd.frame)
            self.box(cmd.box)
        elif isinstance(cmd, (E.RemoveKeyframe, E.SplitTrack)):
            self.frame(cmd.frame)
        elif isinstance(cmd, E.SetSpan):
            self.frame(cmd.start, "start frame")
            self.frame(cmd.end, "end frame")
            if cmd.end < cmd.start:
                raise InvalidEdit(f"end frame {cmd.end} is before start frame {cmd.start}")
        elif isinstance(cmd, E.MergeTracks):
            self.merge(cmd, p)
        elif isinstance(cmd, E.SetKind):
            if cmd.kind not in KINDS:
                raise InvalidEdit(f"kind {cmd.kind!r} is not one of {', '.join(KINDS)}")
        elif isinstance(cmd, E.SetStatus):
            if cmd.status not in STATUSES:
                raise InvalidEdit(f"status {cmd.status!r} is not one of {', '.join(STATUSES)}")
            if cmd.status in ("rejected", "keep_clear") and not cmd.reason.strip():
                raise InvalidEdit(f"leaving a proposal unredacted ({cmd.status}) needs a reason")
        elif isinstance(cmd, E.AddAudioRange):
            a = cmd.range
            self.new_id(a.id, p)
            self.seconds(a.start, "start")
            self.seconds(a.end, "end")
            if a.end <= a.start:
                raise InvalidEdit("audio range must end after it starts")
            if a.mode not in AUDIO_MODES:
                raise InvalidEdit(f"audio mode {a.mode!r} is not one of {', '.join(AUDIO_MODES)}")
            if not a.reason.strip():
                raise InvalidEdit("an audio redaction needs a reason")
        elif isinstance(cmd, E.AddAudioRanges):
            for a in cmd.ranges:
                self.command(E.AddAudioRange(a), p)
                if a.status not in STATUSES:
                    raise InvalidEdit(f"audio status {a.status!r} is not one of {', '.join(STATUSES)}")
        elif isinstance(cmd, E.SetAudioStatus):
            if cmd.status not in STATUSES:
                raise InvalidEdit(f"status {cmd.status!r} is not one of {', '.join(STATUSES)}")
            if cmd.status != "pending" and not cmd.reason.strip():
                raise InvalidEdit("a decision on an audio range needs a reason")
        elif isinstance(cmd, E.UpdateAudioRange):
            self.seconds(cmd.start, "start")
            self.seconds(cmd.end, "end")
        elif isinstance(cmd, E.AddAnnotation):
            self.frame(cmd.annotation.frame, "annotation frame")
            if cmd.annotation.end_frame is not None:
                self.frame(cmd.annotation.end_frame, "annotation end frame")
                if cmd.annotation.end_frame < cmd.annotation.frame:
                    raise InvalidEdit("annotation ends before it starts")
