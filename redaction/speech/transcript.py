"""A clip's transcript: its words with times, searching them, turning a span of words into
an audio range, proposals from the personal details found, and the redacted transcript.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ..model import AudioRange, Project
from . import pii
from .engines import Word

DEFAULT_PAD_S = 0.4       # added before and after the words of a range: Whisper tiny's word
                          # starts were measured up to 0.27 s late (session 13), and 0.25 s left
                          # the onset of a muted phone number audible
FORMAT = "bwv-transcript"
EXTRA_KEY = "transcript"  # the project's record of the transcript its word numbers refer to
REDACTED = "[REDACTED]"


@dataclass
class Transcript:
    words: list[Word]
    engine: str
    source_sha256: str
    duration_s: float                 # the audio's length on the clip's timeline
    models: list[dict] = field(default_factory=list)
    clip_s: Optional[float] = None    # the picture's duration (probe): ranges end there

    def to_json(self) -> dict:
        d = {"format": FORMAT, "version": 1, "source_sha256": self.source_sha256,
             "engine": self.engine, "models": self.models,
             "duration_s": round(self.duration_s, 3),
             "words": [w.to_json() for w in self.words]}
        if self.clip_s is not None:
            d["clip_s"] = self.clip_s
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Transcript":
        if d.get("format") != FORMAT:
            raise ValueError("not a transcript")
        clip_s = d.get("clip_s")
        return cls([Word(str(w["word"]), float(w["start"]), float(w["end"]),
                         float(w["confidence"])) for w in d["words"]],
                   d["engine"], d["source_sha256"], float(d["duration_s"]), d.get("models", []),
                   None if clip_s is None else float(clip_s))

    def digest(self) -> str:
        """sha256 of the words with their times: what word numbers refer to."""
        words = json.dumps([w.to_json() for w in self.words], sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(words.encode("utf-8")).hexdigest()

    def record(self) -> dict:
        """What a project keeps (``extra["transcript"]``, the ``transcribe`` log entry) so
        that its word numbers are read against this transcript and no other."""
        return {"engine": self.engine, "models": [m.get("sha256") for m in self.models],
                "words": len(self.words), "sha256": self.digest()}

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)

    def word_at(self, t: float) -> Optional[int]:
        for i, w in enumerate(self.words):
            if w.start <= t < max(w.end, w.start + 1e-3):
                return i
        return None


def recorded_engine(p: Project) -> Optional[str]:
    """The engine whose transcript the project's word numbers refer to (its record, set by
    ``bwv transcribe --project`` and ``add-audio --words``), or None where none is recorded."""
    rec = p.extra.get(EXTRA_KEY)
    engine = rec.get("engine") if isinstance(rec, dict) else None
    return engine if isinstance(engine, str) and engine else None


def _norm(s: str) -> str:
    return re.sub(r"[^\w@']", "", s).lower()


def search(t: Transcript, query: str) -> list[tuple[int, int]]:
    """Word spans ``(first, last)`` matching ``query``: its words in order, case and
    punctuation ignored, the last one matched as a prefix ("07" finds "07700")."""
    q = [_norm(x) for x in query.split() if _norm(x)]
    if not q:
        return []
    words = [_norm(w.word) for w in t.words]
    out = []
    for i in range(len(words) - len(q) + 1):
        if all(words[i + k] == q[k] for k in range(len(q) - 1)) and \
                words[i + len(q) - 1].startswith(q[-1]):
            out.append((i, i + len(q) - 1))
    return out


MAX_PAD_S = 5.0           # a larger pad is a typing error, not a margin


class AfterPicture(ValueError):
    """The words lie after the last video frame: no audio range can cover them."""


def check_pad(pad) -> float:
    """``pad`` as a float, or ValueError naming the allowed range."""
    try:
        v = float(pad)
    except (TypeError, ValueError):
        v = float("nan")
    if not (0.0 <= v <= MAX_PAD_S):       # also refuses NaN
        raise ValueError(f"pad {pad} s is not between 0 and {MAX_PAD_S:g} s")
    return v


def span_times(t: Transcript, first: int, last: int, pad: float = DEFAULT_PAD_S,
               clip_s: Optional[float] = None) -> tuple[float, float]:
    """The seconds words ``first..last`` cover, ``pad`` either side, cut to the audio and,
    to the clip (``clip_s``, by default the transcript's: the picture's duration): an audio
    range cannot reach past the last frame. :class:`AfterPicture` when the words start at or
    after the end of the picture; ValueError for a pad outside 0-MAX_PAD_S."""
    pad = check_pad(pad)
    if first > last:
        raise IndexError(f"words {first}-{last}: the first word is after the last")
    if not 0 <= first <= last < len(t.words):
        raise IndexError(f"words {first}-{last} are outside the transcript (0-{len(t.words) - 1})")
    clip_s = t.clip_s if clip_s is None else clip_s
    a = round(max(0.0, t.words[first].start - pad), 3)
    b = t.words[last].end + pad
    if t.duration_s > 0:
        b = min(b, t.duration_s)
    b = round(b, 3)
    if clip_s is not None and clip_s > 0:
        end = math.floor(clip_s * 1000) / 1000      # rounded down: never past the last frame
        if t.words[first].start >= end or a + 0.01 > end:   # the words lie after it
            raise AfterPicture(f"words {first}-{last} ({t.words[first].start:.2f} s on) are "
                               f"after the end of the picture ({clip_s:.2f} s)")
        b = min(max(b, a + 0.01), end)
    return a, round(max(b, a + 0.01), 3)


def new_audio_id(p: Project, prefix: str = "a", taken: Iterable[str] = ()) -> str:
    return p.new_audio_id(prefix, taken)


def word_range(t: Transcript, p: Project, first: int, last: int, *, mode: str = "mute",
               reason: str, pad: float = DEFAULT_PAD_S,
               clip_s: Optional[float] = None) -> AudioRange:
    """A manual range over words ``first..last`` (with ``pad`` seconds either side, cut to
    the picture's ``clip_s`` seconds when given)."""
    a, b = span_times(t, first, last, pad, clip_s)
    return AudioRange(a, b, mode, reason, id=new_audio_id(p), words=[first, last])


def proposals(t: Transcript, p: Project, *, mode: str = "mute", pad: float = DEFAULT_PAD_S,
              clip_s: Optional[float] = None,
              dropped: Optional[list[str]] = None) -> list[AudioRange]:
    """Pending audio ranges for the personal details found in the transcript, skipping
    what the project already has a range for (same words and kind).

    Each range is cut to the clip (``clip_s``, by default the transcript's); a detail said
    wholly after the last frame (audio the export leaves out) gets no range: a line naming
    it is appended to ``dropped`` instead, and the other proposals are kept.

    The reason names the kind of detail and the word numbers, never the words themselves:
    reasons are listed in the export's redaction CSV."""
    pad = check_pad(pad)
    clip_s = t.clip_s if clip_s is None else clip_s
    have = {(a.kind, tuple(a.words)) for a in p.audio if a.words is not None}
    out: list[AudioRange] = []
    for f in pii.find([w.word for w in t.words], [(w.start, w.end) for w in t.words]):
        if (f.kind, (f.first, f.last)) in have:
            continue
        try:
            a, b = span_times(t, f.first, f.last, pad, clip_s)
        except AfterPicture:
            if dropped is not None:
                dropped.append(f"{f.label} (words {f.first}-{f.last}, "
                               f"{t.words[f.first].start:.2f} s) is after the end of the picture "
                               f"({clip_s:.2f} s): no range proposed; the export leaves that "
                               "audio out")
            continue
        out.append(AudioRange(a, b, mode, f"proposed from the transcript: {f.label} "
                                           f"(words {f.first}-{f.last})",
                              id=new_audio_id(p, "s", (r.id for r in out)), status="pending",
                              origin="auto", kind=f.kind, words=[f.first, f.last]))
    return out


def redacted_transcript(t: Transcript, ranges: Iterable[AudioRange]) -> dict:
    """The transcript with every word that any of ``ranges`` overlaps replaced by
    ``[REDACTED]`` (its times kept, its confidence dropped)."""
    rs = [(r.start, r.end) for r in ranges]
    words, n = [], 0
    for w in t.words:
        hit = any(w.start < b and w.end > a for a, b in rs)
        n += hit
        words.append({"word": REDACTED if hit else w.word, "start": round(w.start, 3),
                      "end": round(w.end, 3)})
    text = re.sub(rf"(?:{re.escape(REDACTED)} )+{re.escape(REDACTED)}", REDACTED,
                  " ".join(w["word"] for w in words))
    return {"format": "bwv-redacted-transcript", "version": 1,
            "source_sha256": t.source_sha256, "engine": t.engine, "redacted_words": n,
            "text": text, "words": words}
