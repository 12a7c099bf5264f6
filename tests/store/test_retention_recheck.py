"""A retention run checks each clip again as it erases it (QA s17): a clip that became
evidential, lost its dispose decision, was put on an open request or had its capture time
corrected after the run planned is skipped with the reason, never erased."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from redaction import services
from redaction.jobs import Progress, run_job
from redaction.store import api, audit, clips, requests, retention

NOW = dt.datetime.now(dt.timezone.utc)


def _import(new_clip, days_ago: int, classification: str) -> int:
    cid = api.import_clip(new_clip(), "INC-9", captured=NOW - dt.timedelta(days=days_ago))["id"]
    api.classify(cid, classification, reason="set up by the test")
    return cid


def _state(store, cid):
    with store.session() as s:
        return clips.get_clip(s, cid).state


def _dispose(store, new_clip) -> int:
    cid = _import(new_clip, 40, "evidential")
    services.record_review(cid, "dispose", "case closed")
    return cid


def _to_evidential(store, cid):
    api.classify(cid, "evidential", reason="officer says it shows the assault")


def _on_request(store, cid):
    with store.session() as s:
        rid = requests.create_request(s, "sar", "J. Bloggs", "dora").id
        requests.link_clips(s, rid, [cid], "dora")


def _capture_corrected(store, cid):
    api.set_capture_time(cid, reason="control-room log", captured=NOW - dt.timedelta(days=2))


def _retained(store, cid):
    services.record_review(cid, "retain", "appeal lodged")


CHANGES = {
    "became evidential": (False, _to_evidential, "evidential"),
    "linked to an open request": (False, _on_request, "held: on open request"),
    "capture time corrected": (False, _capture_corrected, "due for erasure on"),
    "dispose decision replaced by retain": (True, _retained, "no MoPI decision to dispose"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_clip_changed_after_the_plan_is_skipped_not_erased(store, new_clip, change):
    evidential, act, words = CHANGES[change]
    first = _import(new_clip, 40, "non-evidential")
    target = _dispose(store, new_clip) if evidential else _import(new_clip, 40, "non-evidential")
    job = services.retention_job()
    step = next(job)                       # planned; about to erase the first clip
    assert isinstance(step, Progress) and step.message == f"erasing clip {first}"
    act(store, target)                     # meanwhile, on another workstation
    res = run_job(job)
    assert _state(store, first) == "erased"
    assert _state(store, target) == "present"
    assert [c for c, _ in res.erase] == [first]
    [(cid, why)] = res.skipped
    assert cid == target and why.startswith("no longer due: ") and words in why
    with store.session() as s:
        [run] = [r for r in audit.entries(s, category="erasure") if r.action == "retention.run"]
        d = json.loads(run.details)
        assert d["erased"] == [first] and d["skipped"][0]["clip"] == target
        assert not [r for r in audit.entries(s, category="erasure")
                    if r.action == "clip.erase" and json.loads(r.details)["clip"] == target]
        audit.check(s)


def test_the_cli_reports_what_it_erased_and_what_it_skipped(store, new_clip, bwv, monkeypatch):
    first = _import(new_clip, 40, "non-evidential")
    target = _import(new_clip, 40, "non-evidential")
    real = retention.erase_clip

    def erase_then_change(st, cid, *a, **k):
        if cid == first:                   # the first erasure: the other clip changes now
            _to_evidential(st, target)
        return real(st, cid, *a, **k)
    monkeypatch.setattr(retention, "erase_clip", erase_then_change)
    rc, out, err = bwv("retention", "run")
    assert rc == 0, err
    assert f"erased clip {first}" in out and f"erased clip {target}:" not in out
    assert f"not erased: clip {target}: no longer due: evidential" in out
    assert _state(store, target) == "present"


def test_a_confirmed_list_erases_no_clip_that_became_due_after_it(store, new_clip):
    """The window confirms a dry run's list; a clip that becomes due between the question
    and the run is not erased by it (the next run lists it)."""
    listed = _import(new_clip, 40, "non-evidential")
    later = _import(new_clip, 40, "unclassified")
    planned = run_job(services.retention_job(dry_run=True))
    assert planned.to_confirm == [listed]
    api.classify(later, "non-evidential", reason="nothing of note")
    res = run_job(services.retention_job(confirmed=planned.to_confirm))
    assert [c for c, _ in res.erase] == [listed]
    assert _state(store, later) == "present"
    assert [c for c, _ in res.skipped] == [later]


def test_linking_a_clip_being_erased_is_refused(store, new_clip):
    cid = _import(new_clip, 40, "non-evidential")
    with store.session() as s:
        clips.get_clip(s, cid).state = "erasing"
        rid = requests.create_request(s, "sar", "J. Bloggs", "dora").id
    with pytest.raises(Exception, match="being erased"):
        with store.session() as s:
            requests.link_clips(s, rid, [cid], "dora")


def test_a_clip_whose_project_is_open_in_the_window_is_skipped_not_erased(store, new_clip):
    """Erasure used to ignore the project lock (ADR 0015): with the project open in the
    window it removed the files, and the window's next save or autosave wrote them back."""
    import os
    from redaction import paths
    from redaction.projlock import ProjectLock, lock_path_for
    cid = _import(new_clip, 40, "non-evidential")
    with store.session() as s:
        sha = clips.get_clip(s, cid).sha256
    folder = paths.data_dir() / "projects"
    folder.mkdir(parents=True, exist_ok=True)
    proj = folder / f"{sha}.bwvproj.json"
    proj.write_text("{}")
    with ProjectLock(proj, "the window", "gui.user"):     # this process's window has it open
        res = run_job(services.retention_job())
        assert _state(store, cid) == "present" and proj.exists()
        [(skipped, why)] = res.skipped
        assert skipped == cid and "open in the window of gui.user" in why, why
        assert f"pid {os.getpid()}" in why and str(proj) in why
        with store.session() as s:
            [run] = [r for r in audit.entries(s, category="erasure")
                     if r.action == "retention.run"]
            assert json.loads(run.details)["skipped"] == [{"clip": cid, "reason": why}]
    stale = lock_path_for(proj)
    stale.write_text("")                   # left by a killed window: not held
    res = run_job(services.retention_job())
    assert [c for c, _ in res.erase] == [cid] and _state(store, cid) == "erased"
    assert not proj.exists() and not stale.exists()
