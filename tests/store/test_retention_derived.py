"""Erasure removes what the program derived from a clip outside the store's records (QA
s17): the project and edit log the window makes for a held clip (the user's project folder,
or beside the evidence file for a batch), its autosave, the frame index and the per-clip
cache; the erasure record lists their kinds and the run's output the files."""
from __future__ import annotations

import datetime as dt
import json

from redaction import paths
from redaction.store import api, audit, clips, retention
from redaction.workspace import open_session, recovery_path

NOW = dt.datetime.now(dt.timezone.utc)


def test_erasure_removes_the_windows_project_files_and_lists_them(store, new_clip, bwv):
    cid = api.import_clip(new_clip(), "INC-3", captured=NOW - dt.timedelta(days=40))["id"]
    api.classify(cid, "non-evidential", reason="nothing of note")
    keep = api.import_clip(new_clip(), "INC-3", captured=NOW - dt.timedelta(days=40))["id"]
    api.classify(keep, "evidential", reason="shows the offence")
    made = {}
    for c in (cid, keep):
        evidence = api.open_clip(c)                 # what the window opens
        session = open_session(evidence, "test.officer")    # the window's default project
        session.save()
        rec = recovery_path(session.path)
        rec.write_text('{"format": "x"}')           # an autosave left by a crash
        with store.session() as s:
            sha = clips.get_clip(s, c).sha256
        index = paths.cache_dir() / "frameindex" / f"{sha}.json"
        if not index.exists():                      # written when the window reads frames
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_text("{}")
        made[c] = [session.path, session.log.path, rec, index]
        assert all(p.exists() for p in made[c]), made[c]
    assert made[cid][0].parent == paths.data_dir() / "projects"
    rc, out, err = bwv("retention", "run")
    assert rc == 0, err
    assert f"erased clip {cid}" in out
    for p in made[cid]:
        assert not p.exists(), p
        assert str(p) in out                        # the run lists each file it removed
    assert all(p.exists() for p in made[keep])      # the evidential clip's are kept
    with store.session() as s:
        [rec] = [r for r in audit.entries(s, category="erasure") if r.action == "clip.erase"]
        d = json.loads(rec.details)
        assert d["clip"] == cid
        assert {"project", "edit_log", "autosave", "frame_index"} <= set(d["derived_files"])
        assert str(made[cid][0]) not in rec.details    # kinds, no file names (ADR 0007)
        audit.check(s)


def test_a_batch_project_beside_the_evidence_file_is_removed(store, new_clip):
    cid = api.import_clip(new_clip(), "INC-4", captured=NOW - dt.timedelta(days=40))["id"]
    api.classify(cid, "non-evidential", reason="nothing of note")
    evidence = api.open_clip(cid)
    from redaction.session import ProjectSession
    beside = evidence.with_name(evidence.name.split(".")[0] + ".bwvproj.json")
    ProjectSession.create(evidence, beside, "batch").save()
    log = beside.with_name(beside.name.replace(".bwvproj.json", ".editlog.jsonl"))
    assert beside.exists() and log.exists()
    retention.run(store, "test.officer", retention.today_utc())
    assert not beside.exists() and not log.exists() and not evidence.exists()
