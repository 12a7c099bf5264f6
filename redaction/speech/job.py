"""The transcription job: decode the clip's audio, recognise it, return a Transcript.

A generator yielding :class:`~redaction.jobs.Progress` and checking a cancel token, like
detection (:mod:`redaction.detect.job`). The result is cached in the clip's cache folder
(``clip_cache_dir(sha256)/transcript-<key>.json``, keyed by the engine and its model
hashes), so a second run costs nothing; retention purges that folder with the clip.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional

from ..fsutil import atomic_write_text, sha256_file
from ..jobs import CancelToken, Job, Progress
from ..paths import clip_cache_dir
from . import engines
from .audio16k import RATE, decode_job
from .transcript import Transcript

CACHE_VERSION = 3                  # 2: Whisper falls back to higher temperatures on repetition
                                   # 3: times from the first frame where the picture starts
                                   #    after the sound (v2 was late by the offset); clip_s


def cache_path(sha256: str, engine) -> Path:
    key = json.dumps({"v": CACHE_VERSION, "engine": engine.name,
                      "models": [m["sha256"] for m in engine.models()]}, sort_keys=True)
    return clip_cache_dir(sha256) / f"transcript-{hashlib.sha256(key.encode()).hexdigest()[:20]}.json"


def cached(sha256: str, engine_name: Optional[str] = None) -> Optional[Transcript]:
    """The cached transcript of a clip, if there is one (no recognition)."""
    try:
        engine = engines.build(engine_name)
    except engines.SpeechUnavailable:
        return None
    return _load(cache_path(sha256, engine))


def _load(path: Path) -> Optional[Transcript]:
    try:
        return Transcript.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def transcribe_job(clip: str | os.PathLike, cancel: Optional[CancelToken] = None, *,
                   sha256: Optional[str] = None, engine: Optional[str] = None,
                   use_cache: bool = True) -> Job:
    """Yield Progress; return the clip's :class:`Transcript` (empty words for a clip with
    no audio)."""
    cancel = cancel or CancelToken()
    eng = engines.build(engine)
    yield Progress(0, 1, "hashing clip")
    sha = sha256 or sha256_file(clip)
    path = cache_path(sha, eng)
    if use_cache:
        t = _load(path)
        if t is not None:
            if t.clip_s is None:
                t.clip_s = clip_duration(clip)
            yield Progress(1, 1, "transcript from cache")
            return t
    clip_s = clip_duration(clip)
    samples = yield from _scaled(decode_job(clip, cancel), 0, 10)
    if samples is None or not len(samples):
        words = []
        duration = 0.0
    else:
        duration = len(samples) / RATE
        words = yield from _scaled(eng.job(samples, cancel), 10, 100)
    # returned as it is read back from the cache (rounded), so a cached run gives the same
    t = Transcript.from_json(Transcript(words, eng.name, sha, duration, eng.models(),
                                        clip_s).to_json())
    cancel.check()
    from ..fsutil import private_dir
    private_dir(path.parent)
    atomic_write_text(path, json.dumps(t.to_json(), separators=(",", ":")) + "\n")
    yield Progress(100, 100, "transcribed")
    return t


def clip_duration(clip: str | os.PathLike) -> float:
    """The picture's duration (seconds from the first frame), as the project's edit checks
    measure it (:meth:`ProjectSession.use_clip_bounds`): audio ranges end there."""
    from ..media import probe
    return probe(clip, with_hash=False).duration_s


def _scaled(job: Job, lo: int, hi: int) -> Job:
    """Run ``job``, mapping its progress onto lo..hi of 100."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        yield Progress(lo + int((hi - lo) * p.fraction), 100, p.message)
