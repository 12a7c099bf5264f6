"""Opening a held clip hashes its evidence file outside any store transaction (a multi-GB
clip takes seconds; on SQLite a transaction holds the write lock), then a short transaction
compares the hash and records the consultation; a changed file is still refused, audited."""
from __future__ import annotations

import os

import pytest

from redaction import fsutil
from redaction.errors import Cancelled
from redaction.jobs import CancelToken
from redaction.store import api, audit, clips

from helpers import tamper_and_expect_refusal


def _held(store, new_clip):
    return api.import_clip(new_clip(), "INC-1", captured=clips.parse_time("2026-01-01T00:00:00Z"))


def test_open_clip_hashes_outside_the_transaction(store, new_clip, monkeypatch):
    info = _held(store, new_clip)
    held_while_hashing = []
    real = fsutil.sha256_chunks

    def spy(path, h, *a, **kw):
        held_while_hashing.append(store.engine.pool.checkedout())
        yield from real(path, h, *a, **kw)
    monkeypatch.setattr(fsutil, "sha256_chunks", spy)
    p = api.open_clip(info["id"])
    assert fsutil.sha256_file(p) == info["sha256"]
    assert held_while_hashing and held_while_hashing == [0] * len(held_while_hashing)
    with store.session() as s:
        assert [r.action for r in audit.entries(s, category="consultation")] == ["clip.open"]


def test_open_clip_job_reports_progress_and_refuses_a_changed_file(store, new_clip):
    info = _held(store, new_clip)
    seen = []
    job = api.open_clip_job(info["id"])
    while True:
        try:
            seen.append(next(job))
        except StopIteration as stop:
            path, digest = stop.value
            break
    assert seen and seen[-1].done == seen[-1].total == os.path.getsize(path)
    assert digest == info["sha256"]
    tamper_and_expect_refusal(store, path, info["id"])


def test_a_cancelled_open_records_nothing(store, new_clip):
    info = _held(store, new_clip)
    cancel = CancelToken()
    job = api.open_clip_job(info["id"], cancel=cancel)
    next(job)
    cancel.cancel()
    with pytest.raises(Cancelled):
        for _ in job:
            pass
    with store.session() as s:
        assert audit.entries(s, category="consultation") == []
