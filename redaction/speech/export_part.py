"""The redacted transcript written beside an export, only when the officer asks for it.

``OUT.transcript.json``: the words of the exported part of the clip, on the export's own
timeline, with every word an exported audio redaction overlaps replaced by ``[REDACTED]``.
The manifest lists it (path, sha256, words, redacted words, engine). The transcript is
never written into an export otherwise.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from ..fsutil import sha256_file
from ..jobs import CancelToken
from .engines import Word
from .job import transcribe_job
from .transcript import Transcript, redacted_transcript


def transcript_path(out: str | Path) -> Path:
    out = Path(out)
    stem = out.name[:-4] if out.name.lower().endswith(".mp4") else out.name
    return out.with_name(stem + ".transcript.json")


def on_export_timeline(t: Transcript, seg_times) -> Transcript:
    """Keep the words that lie in the exported ranges ``(src_start, src_end, out_start)``,
    their times moved onto the export's timeline."""
    words = []
    for w in t.words:
        mid = (w.start + w.end) / 2
        for s0, s1, o0 in seg_times:
            if s0 <= mid < s1:
                words.append(Word(w.word, max(s0, w.start) - s0 + o0, min(s1, w.end) - s0 + o0,
                                  w.confidence))
                break
    dur = sum(s1 - s0 for s0, s1, _ in seg_times)
    return Transcript(words, t.engine, t.source_sha256, dur, t.models)


def write_transcript(source, source_sha: str, audio, seg_times, work, out: Path, manifest: dict,
                     cancel: CancelToken, engine: Optional[str] = None):
    """A job: transcribe (cached) with ``engine`` (the one the project's word numbers refer
    to; None: the best installed), redact, write the part file in the export's work folder;
    return its path and list it in ``manifest``."""
    t = yield from transcribe_job(source, cancel, sha256=source_sha, engine=engine)
    shifted = []
    for a in audio:        # the redactions on the export's timeline too
        for s0, s1, o0 in seg_times:
            if a.end > s0 and a.start < s1:
                shifted.append(type(a)(max(a.start, s0) - s0 + o0, min(a.end, s1) - s0 + o0))
    doc = redacted_transcript(on_export_timeline(t, seg_times), shifted)
    final = transcript_path(out)
    part = work.write_text(final, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    manifest["transcript"] = {"path": str(final.resolve()), "sha256": sha256_file(part),
                              "engine": t.engine, "models": t.models,
                              "words": len(doc["words"]), "redacted_words": doc["redacted_words"]}
    return part
