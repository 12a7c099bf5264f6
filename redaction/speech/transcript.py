"""A clip's transcript: its words with times, searching them, turning a span of words into
an audio range, proposals from the personal details found, and the redacted transcript.
"""
from __future__ import annotations

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
REDACTED = "[REDACTED]"


@dataclass
class Transcript:
    words: list[Word]
    engine: str
    source_sha256: str
    duration_s: float
    models: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"format": FORMAT, "version": 1, "source_sha256": self.source_sha256,
                "engine": self.engine, "models": self.models,
                "duration_s": round(self.duration_s, 3),
                "words": [w.to_json() for w in self.words]}

    @classmethod
    def from_json(cls, d: dict) -> "Transcript":
        if d.get("format") != FORMAT:
            raise ValueError("not a transcript")
        return cls([Word(str(w["word"]), float(w["start"]), float(w["end"]),
                         float(w["confidence"])) for w in d["words"]],
                   d["engine"], d["source_sha256"], float(d["duration_s"]), d.get("models", []))

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)

    def word_at(self, t: float) -> Optional[int]:
        for i, w in enumerate(self.words):
            if w.start <= t < max(w.end, w.start + 1e-3):
                return i
        return None


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


def span_times(t: Transcript, first: int, last: int, pad: float = DEFAULT_PAD_S) -> tuple[float, float]:
    if not 0 <= first <= last < len(t.words):
        raise IndexError(f"words {first}-{last} are outside the transcript (0-{len(t.words) - 1})")
    a = max(0.0, t.words[first].start - pad)
    b = t.words[last].end + pad
    if t.duration_s > 0:
        b = min(b, t.duration_s)
    return round(a, 3), round(max(b, a + 0.01), 3)


def new_audio_id(p: Project, prefix: str = "a", taken: Iterable[str] = ()) -> str:
    return p.new_audio_id(prefix, taken)


def word_range(t: Transcript, p: Project, first: int, last: int, *, mode: str = "mute",
               reason: str, pad: float = DEFAULT_PAD_S) -> AudioRange:
    """A manual range over words ``first..last`` (with ``pad`` seconds either side)."""
    a, b = span_times(t, first, last, pad)
    return AudioRange(a, b, mode, reason, id=new_audio_id(p), words=[first, last])


def proposals(t: Transcript, p: Project, *, mode: str = "mute",
              pad: float = DEFAULT_PAD_S) -> list[AudioRange]:
    """Pending audio ranges for the personal details found in the transcript, skipping
    what the project already has a range for (same words and kind).

    The reason names the kind of detail and the word numbers, never the words themselves:
    reasons are listed in the export's redaction CSV."""
    have = {(a.kind, tuple(a.words)) for a in p.audio if a.words is not None}
    out: list[AudioRange] = []
    for f in pii.find([w.word for w in t.words]):
        if (f.kind, (f.first, f.last)) in have:
            continue
        a, b = span_times(t, f.first, f.last, pad)
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
