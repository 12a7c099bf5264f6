"""Import: content-addressed read-only copies, duplicates refused, re-verified on open."""
from __future__ import annotations

import os
import stat

import pytest

from redaction.errors import IntegrityError, PermissionDenied
from redaction.fsutil import sha256_file
from redaction.store import api, audit, clips

from helpers import tamper_and_expect_refusal
from redaction.store.errors import Conflict, StoreError


def test_import_copies_once_read_only_and_leaves_the_source(store, new_clip, bwv):
    src = new_clip()
    before = (sha256_file(src), os.stat(src).st_mtime_ns, os.stat(src).st_mode)
    rc, out, err = bwv("case", "import", src, "--incident", "INC-1", "--exhibit", "AB/1",
                       "--officer", "1234", "--device", "CAM9",
                       "--captured", "2026-03-01T09:30:00+00:00")
    assert rc == 0, err
    assert "imported clip 1" in out
    assert src.exists()
    assert (sha256_file(src), os.stat(src).st_mtime_ns, os.stat(src).st_mode) == before
    with store.session() as s:
        c = clips.get_clip(s, 1)
        assert c.sha256 == before[0] and c.case.incident_ref == "INC-1"
        assert c.exhibit_ref == "AB/1" and c.officer_id == "1234" and c.device_id == "CAM9"
        assert c.imported_by == "test.officer" and c.classification == "unclassified"
        stored = clips.clip_path(c)
    assert stored.name.startswith(before[0])
    assert stat.S_IMODE(stored.stat().st_mode) & 0o222 == 0
    assert sha256_file(stored) == before[0]
    assert not [p for p in stored.parent.iterdir() if p.name.endswith(".part")]
    with store.session() as s:
        rows = audit.entries(s, category="collection")
        assert [r.action for r in rows] == ["case.create", "clip.import"]


def test_duplicate_import_is_refused_naming_the_existing_entry(store, new_clip, bwv, tmp_path):
    src = new_clip("first.mp4")
    assert bwv("case", "import", src, "--incident", "INC-1", "--exhibit", "EX7")[0] == 0
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(src.read_bytes())
    rc, out, err = bwv("case", "import", copy, "--incident", "INC-2")
    assert rc == Conflict.exit_code
    assert "already imported as clip 1 (first.mp4, incident INC-1, exhibit EX7)" in err
    assert str(copy) in err
    with store.session() as s:
        from redaction.store.cases import list_cases
        assert [c.incident_ref for c in list_cases(s)] == ["INC-1"]


def test_every_open_reverifies_the_hash(store, new_clip):
    info = api.import_clip(new_clip(), "INC-1",
                           captured=clips.parse_time("2026-01-01T00:00:00Z"))
    p = api.open_clip(info["id"])
    assert sha256_file(p) == info["sha256"]
    tamper_and_expect_refusal(store, p, info["id"])
    p.unlink()
    with pytest.raises(IntegrityError, match="missing"):
        api.open_clip(info["id"])


def test_bad_input_is_one_line_and_stores_nothing(store, tmp_path, bwv, new_clip):
    rc, out, err = bwv("case", "import", tmp_path / "nope.mp4", "--incident", "X")
    assert rc != 0 and "nope.mp4: no such file" in err and len(err.strip().splitlines()) == 1
    rc, out, err = bwv("case", "import", new_clip(), "--incident", "X",
                       "--captured", "2026-01-01T10:00:00")
    assert rc != 0 and "no time zone" in err
    with store.session() as s:
        from redaction.store.cases import list_cases
        assert list_cases(s) == []


def test_captured_time_stored_in_utc(store, new_clip):
    info = api.import_clip(new_clip(), "INC-1",
                           captured=clips.parse_time("2026-06-01T00:30:00+01:00"))
    assert info["captured"] == "2026-05-31T23:30:00+00:00"


def test_classification_records_who_and_when(team, new_clip, as_user):
    as_user("dora")
    cid = api.import_clip(new_clip(), "INC-1")["id"]
    as_user("sam")
    info = api.classify(cid, "evidential", reason="shows the offence")
    assert info["classified_by"] == "sam" and info["classified_at"]
    assert info["review_due"]  # MoPI review date set
    with pytest.raises(StoreError):
        api.classify(cid, "secret")


def test_only_a_supervisor_may_declassify_evidential(team, new_clip, as_user):
    as_user("dora")
    cid = api.import_clip(new_clip(), "INC-1")["id"]
    as_user("sam")
    api.classify(cid, "evidential", reason="shows the offence")
    for name in ("rita", "dora", "admin"):
        as_user(name)
        with pytest.raises(PermissionDenied):
            api.classify(cid, "non-evidential", reason="no offence")
    as_user("sam")
    assert api.classify(cid, "non-evidential", reason="no offence")["classification"] == "non_evidential"
    # the engine refuses too when the caller lacks the right
    with team.session() as s:
        clips.classify(s, cid, "evidential", "sam", may_declassify=False, reason="x")  # upgrade: fine
    with team.session() as s, pytest.raises(PermissionDenied, match="only a supervisor"):
        clips.classify(s, cid, "unclassified", "x", may_declassify=False, reason="x")


def test_case_show_lists_clips_files_and_notes(store, new_clip, bwv, tmp_path):
    src = new_clip()
    bwv("case", "create", "INC-9", "--title", "Disorder, High St")
    assert bwv("case", "import", src, "--incident", "INC-9")[0] == 0
    proj = tmp_path / "p.bwvproj"
    proj.write_text("{}")
    assert bwv("case", "attach", "INC-9", proj, "--kind", "project", "--clip", "1")[0] == 0
    assert bwv("case", "note", "INC-9", "suspect enters", "--clip", "1", "--at", "2.5")[0] == 0
    rc, out, err = bwv("case", "show", "INC-9")
    assert rc == 0, err
    assert "Disorder, High St" in out and src.name in out
    assert "project" in out and "suspect enters" in out and "@2.5s" in out
    rc, out, _ = bwv("case", "list", "--json")
    assert '"incident": "INC-9"' in out
