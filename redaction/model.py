"""The redaction project model: plain dataclasses, no I/O.

Frame index is the one time base. Boxes are ``(x, y, w, h)`` floats in display
pixels of the (rotation-corrected) frame.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Optional

KINDS = ("face", "plate", "person", "screen", "other")
ORIGINS = ("auto", "manual")
STATUSES = ("pending", "accepted", "rejected", "keep_clear")
AUDIO_MODES = ("mute", "bleep")
STYLE_MODES = ("solid", "pixelate", "blur")
# flags an automatic track may carry for the review (redaction/review_checks.py)
TRACK_FLAGS = ("low_confidence",)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Keyframe:
    frame: int
    box: Box


@dataclass
class Track:
    id: str
    kind: str = "face"
    origin: str = "manual"
    status: str = "pending"
    reason: str = ""
    keyframes: list[Keyframe] = field(default_factory=list)
    end_frame: Optional[int] = None
    # per-frame detector confidence (auto tracks), kept for the review UI
    scores: dict[int, float] = field(default_factory=dict)
    decided_by: str = ""
    decided_at: str = ""
    label: str = ""
    # "low_confidence": every detection of the track was a candidate (scored below the
    # detector's own threshold, or doubted by the plate verifier): proposed, and listed
    # among the checks before export
    flags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keyframes.sort(key=lambda k: k.frame)

    @property
    def first_frame(self) -> int:
        return self.keyframes[0].frame if self.keyframes else 0

    @property
    def last_frame(self) -> int:
        if not self.keyframes:
            return -1
        return self.end_frame if self.end_frame is not None else self.keyframes[-1].frame

    def covers(self, frame: int) -> bool:
        return bool(self.keyframes) and self.first_frame <= frame <= self.last_frame

    def keyframe_at(self, frame: int) -> Optional[Keyframe]:
        i = self._index(frame)
        if i < len(self.keyframes) and self.keyframes[i].frame == frame:
            return self.keyframes[i]
        return None

    def _index(self, frame: int) -> int:
        return bisect.bisect_left([k.frame for k in self.keyframes], frame)

    def box_at(self, frame: int) -> Optional[Box]:
        """The box on ``frame``: linear between keyframes, held after the last."""
        if not self.covers(frame):
            return None
        kfs = self.keyframes
        frames = [k.frame for k in kfs]
        i = bisect.bisect_right(frames, frame) - 1
        a = kfs[i]
        if a.frame == frame or i == len(kfs) - 1:
            return a.box
        b = kfs[i + 1]
        t = (frame - a.frame) / (b.frame - a.frame)
        return tuple(pa + (pb - pa) * t for pa, pb in zip(a.box, b.box))  # type: ignore[return-value]

    def set_keyframe(self, frame: int, box: Box) -> None:
        kf = Keyframe(int(frame), tuple(float(v) for v in box))  # type: ignore[arg-type]
        i = self._index(frame)
        if i < len(self.keyframes) and self.keyframes[i].frame == frame:
            self.keyframes[i] = kf
        else:
            self.keyframes.insert(i, kf)

    def remove_keyframe(self, frame: int) -> Optional[Keyframe]:
        kf = self.keyframe_at(frame)
        if kf is not None:
            self.keyframes.remove(kf)
        return kf

    def mean_score(self) -> Optional[float]:
        return sum(self.scores.values()) / len(self.scores) if self.scores else None

    def best_frame(self) -> Optional[int]:
        """The frame that shows the object best: the highest-scored detection of an auto
        track (not a held or pre-held box, which may lie off the picture), else the middle
        keyframe. None for a track without keyframes."""
        if not self.keyframes:
            return None
        inside = [f for f in self.scores if self.covers(f)]
        if inside:
            return max(inside, key=lambda f: (self.scores[f], -f))
        kfs = [k.frame for k in self.keyframes if self.covers(k.frame)] or [self.first_frame]
        return kfs[len(kfs) // 2]


@dataclass
class AudioRange:
    start: float
    end: float
    mode: str = "mute"
    reason: str = ""
    channels: Optional[list[int]] = None  # None = all channels
    id: str = ""
    # a range drawn by hand is redacted ("accepted"); one proposed from the transcript
    # (redaction/speech) is "pending" until reviewed like a track: accepted, rejected or
    # keep_clear, with a reason (docs/adr/0012-speech.md)
    status: str = "accepted"
    origin: str = "manual"
    kind: str = ""                       # what a proposal found: uk_phone, postcode, ...
    words: Optional[list[int]] = None    # [first, last] word index in the clip's transcript
    decided_by: str = ""
    decided_at: str = ""

    def contains(self, t: float) -> bool:
        return self.start <= t < self.end


@dataclass
class Style:
    mode: str = "solid"
    margin: float = 0.15  # fraction of the box size added on every side
    # pixels added on every side on top of ``margin``: a detector's box is only placed to
    # about its stride (4 px at the detector's input), which a fraction of a 15-px face does
    # not cover (docs/adr/0010-small-face-margin.md)
    margin_px: float = 2.0
    color: tuple[int, int, int] = (0, 0, 0)  # solid fill, RGB
    strength: int = 8  # pixelate: blocks across the box's shorter side (lower is stronger)


@dataclass
class Annotation:
    id: str
    frame: int
    end_frame: Optional[int] = None
    category: str = "note"
    note: str = ""
    user: str = ""


@dataclass
class Source:
    path: str
    sha256: str


@dataclass
class Project:
    source: Source
    tracks: list[Track] = field(default_factory=list)
    audio: list[AudioRange] = field(default_factory=list)
    style: Style = field(default_factory=Style)
    annotations: list[Annotation] = field(default_factory=list)
    # fields of a newer minor revision we do not know, kept verbatim on save
    extra: dict = field(default_factory=dict)

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(track_id)

    def ids_in_use(self) -> set[str]:
        """Track and audio-range ids: one name space (``bwv project decide ID`` takes either)."""
        return {t.id for t in self.tracks} | {a.id for a in self.audio}

    def new_track_id(self, prefix: str = "t") -> str:
        used = self.ids_in_use()
        n = len(self.tracks) + 1
        while f"{prefix}{n}" in used:
            n += 1
        return f"{prefix}{n}"

    def new_audio_id(self, prefix: str = "a", taken=()) -> str:
        used = self.ids_in_use() | set(taken)
        n = 1
        while f"{prefix}{n}" in used:
            n += 1
        return f"{prefix}{n}"

    def pending(self) -> list[Track]:
        return [t for t in self.tracks if t.status == "pending"]

    def pending_audio(self) -> list[AudioRange]:
        """Audio ranges proposed from the transcript and not yet reviewed: they block
        export like pending tracks (unless --accept-pending)."""
        return [a for a in self.audio if a.status == "pending"]

    def redacted_audio(self, accept_pending: bool = False) -> list[AudioRange]:
        ok = {"accepted", "pending"} if accept_pending else {"accepted"}
        return [a for a in self.audio if a.status in ok]

    def redacted_tracks(self, accept_pending: bool = False) -> list[Track]:
        ok = {"accepted", "pending"} if accept_pending else {"accepted"}
        return [t for t in self.tracks if t.status in ok]

    def boxes_at(self, frame: int, tracks: Optional[Iterable[Track]] = None) -> list[Box]:
        out = []
        for t in self.tracks if tracks is None else tracks:
            b = t.box_at(frame)
            if b is not None:
                out.append(b)
        return out
