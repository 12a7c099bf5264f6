"""Retention purges a clip's transcript cache with the clip (issue 16)."""
from __future__ import annotations

import datetime as dt

from redaction.jobs import run_job
from redaction.paths import clip_cache_dir
from redaction.speech.job import transcribe_job
from redaction.store import api, clips, retention


def test_retention_erases_the_transcript_cache_with_the_clip(store, new_clip):
    cid = api.import_clip(new_clip(), "INC-1", captured=clips.parse_time("2026-01-01T12:00:00Z"))["id"]
    api.classify(cid, "non-evidential", reason="nothing of note")
    with store.session() as s:
        c = clips.get_clip(s, cid)
        path, sha = clips.clip_path(c), c.sha256
    t = run_job(transcribe_job(path, sha256=sha))
    cached = list(clip_cache_dir(sha).glob("transcript-*.json"))
    assert t.source_sha256 == sha and len(cached) == 1
    retention.run(store, "test.officer", dt.date(2026, 2, 1))
    assert not cached[0].exists() and not clip_cache_dir(sha).exists()
