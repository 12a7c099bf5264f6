"""Retention: day 30/31/32 boundaries in UTC, MoPI reviews, flags, crash-safe erasure."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from redaction.errors import IntegrityError
from redaction.store import api, audit, cases, clips, policy, retention
from redaction.store.errors import StoreError

D = dt.date


def _import(new_clip, captured: str, classification: str | None = None) -> int:
    cid = api.import_clip(new_clip(), "INC-1", captured=clips.parse_time(captured))["id"]
    if classification:
        api.classify(cid, classification, reason="set up by the test")
    return cid


def _plan(store, as_of):
    with store.session() as s:
        return retention.plan(s, as_of)


def _state(store, cid):
    with store.session() as s:
        return clips.get_clip(s, cid).state


def test_non_evidential_kept_on_day_30_erased_on_day_31(store, new_clip):
    cid = _import(new_clip, "2026-01-01T12:00:00Z", "non-evidential")
    assert _plan(store, D(2026, 1, 31)).erase == []                   # day 30
    assert [c for c, _ in _plan(store, D(2026, 2, 1)).erase] == [cid]  # day 31
    assert [c for c, _ in _plan(store, D(2026, 2, 2)).erase] == [cid]  # day 32
    retention.run(store, "test.officer", D(2026, 1, 31))
    assert _state(store, cid) == "present"
    retention.run(store, "test.officer", D(2026, 2, 1))
    assert _state(store, cid) == "erased"
    retention.run(store, "test.officer", D(2026, 2, 2))  # day 32: nothing more to do
    with store.session() as s:
        assert len(audit.entries(s, category="erasure")) == 4  # 3 runs + 1 clip erasure


def test_capture_days_are_utc_days(store, new_clip):
    # 00:30 on 1 Feb in UTC+01:00 is 23:30 on 31 Jan UTC: day 31 is 3 March
    east = _import(new_clip, "2026-02-01T00:30:00+01:00", "non-evidential")
    # 23:30 on 31 Jan in UTC-05:00 is 04:30 on 1 Feb UTC: day 31 is 4 March
    west = _import(new_clip, "2026-01-31T23:30:00-05:00", "non-evidential")
    assert [c for c, _ in _plan(store, D(2026, 3, 2)).erase] == []
    assert [c for c, _ in _plan(store, D(2026, 3, 3)).erase] == [east]
    assert [c for c, _ in _plan(store, D(2026, 3, 4)).erase] == [east, west]
    # --as-of with a zone is converted to its UTC date
    assert retention.parse_as_of("2026-03-04T00:30:00+02:00") == D(2026, 3, 3)


def test_period_is_policy(store, new_clip):
    cid = _import(new_clip, "2026-01-01T12:00:00Z", "non-evidential")
    with store.session() as s:
        policy.set_value(s, "non_evidential_days", 90, "admin")
    assert _plan(store, D(2026, 3, 31)).erase == []
    assert [c for c, _ in _plan(store, D(2026, 4, 1)).erase] == [cid]


def test_evidential_is_never_auto_erased_but_listed_for_review(store, new_clip, bwv):
    cid = _import(new_clip, "2020-01-01T12:00:00Z", "evidential")
    with store.session() as s:
        assert clips.get_clip(s, cid).review_due == D(2026, 1, 1)  # default 6 years
    assert _plan(store, D(2025, 12, 31)).review_due == []
    p = _plan(store, D(2026, 1, 1))
    assert p.review_due == [cid] and p.erase == []
    rc, out, err = bwv("retention", "run", "--as-of", "2026-01-02")
    assert rc == 0 and f"MoPI review due: clip {cid}" in out
    assert _state(store, cid) == "present"
    rc, out, err = bwv("retention", "review", cid, "--decision", "retain",
                       "--reason", "appeal pending", "--next", "2028-01-01")
    assert rc == 0, err
    assert _plan(store, D(2026, 1, 2)).review_due == []
    rc, out, err = bwv("retention", "review", cid, "--decision", "dispose",
                       "--reason", "case closed, no appeal")
    assert rc == 0, err
    assert [c for c, _ in _plan(store, D(2026, 1, 2)).erase] == [cid]
    retention.run(store, "test.officer", D(2026, 1, 2))
    assert _state(store, cid) == "erased"
    with store.session() as s:
        rec = [r for r in audit.entries(s, category="erasure") if r.action == "clip.erase"]
    assert "MoPI review decision: dispose" in rec[0].details


def test_unclassified_flagged_after_n_days(store, new_clip):
    cid = _import(new_clip, "2026-01-01T12:00:00Z")
    assert _plan(store, D(2026, 1, 7)).unclassified == []
    assert _plan(store, D(2026, 1, 8)).unclassified == [cid]  # default 7 days
    assert _plan(store, D(2026, 1, 8)).erase == []


def test_erasure_removes_media_and_derived_files_and_records_no_content(store, new_clip,
                                                                          tmp_path):
    cid = _import(new_clip, "2026-01-01T12:00:00Z", "non-evidential")
    proj = tmp_path / "x.bwvproj"
    proj.write_text('{"notes": "face of witness at 00:12"}')
    with store.session() as s:
        c = clips.get_clip(s, cid)
        media = clips.clip_path(c)
        f = cases.add_file(s, c.case, "project", proj, "test.officer", c)
        stored_proj = cases.stored_path(f)
        cases.annotate(s, c.case, "witness face at 12 s", "test.officer", c, 12000)
        sha = c.sha256
    cache = retention.clip_cache_dir(sha)
    cache.mkdir(parents=True)
    (cache / "thumb.jpg").write_bytes(b"jpeg")
    assert media.exists() and stored_proj.exists()
    retention.run(store, "test.officer", D(2026, 2, 1))
    assert not media.exists() and not stored_proj.exists() and not cache.exists()
    assert proj.exists()  # files outside the store are not touched
    with store.session() as s:
        c = clips.get_clip(s, cid)
        assert c.state == "erased" and c.live_sha256 is None and c.erased_at
        assert cases.files_of(s, c.case) == [] and cases.annotations_of(s, c.case) == []
        rec = [r for r in audit.entries(s, category="erasure") if r.action == "clip.erase"]
        assert len(rec) == 1 and rec[0].username == "test.officer"
        assert sha in rec[0].details and "non-evidential" in rec[0].details
        assert "witness" not in rec[0].details and c.original_name not in rec[0].details
        audit.check(s)
    with pytest.raises(IntegrityError, match="erased"):
        api.open_clip(cid)


def test_real_run_refuses_a_future_as_of(store):
    tomorrow = retention.today_utc() + dt.timedelta(days=1)
    with pytest.raises(StoreError, match="future"):
        retention.run(store, "x", tomorrow)
    assert retention.run(store, "x", tomorrow, dry_run=True).as_of == tomorrow


def _run_cli(*args, fault=None):
    env = dict(os.environ)
    env.pop("BWV_FAULT_INJECT", None)
    if fault:
        env["BWV_FAULT_INJECT"] = fault
    return subprocess.run([sys.executable, "-m", "redaction", *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.mark.parametrize("point", ["after_mark", "after_files"])
def test_killed_mid_erasure_then_rerun_finishes(store, new_clip, point):
    ids = [_import(new_clip, "2026-01-01T12:00:00Z", "non-evidential") for _ in range(2)]
    keep = _import(new_clip, "2026-01-20T12:00:00Z", "non-evidential")
    with store.session() as s:
        paths = {i: clips.clip_path(clips.get_clip(s, i)) for i in ids + [keep]}
    r = _run_cli("retention", "run", "--as-of", "2026-02-01", fault=f"retention:{point}")
    assert r.returncode == 99, r.stderr  # killed (os._exit) inside the first clip's erasure
    first, second = ids
    assert _state(store, first) == "erasing" and _state(store, second) == "present"
    assert paths[first].exists() == (point == "after_mark")
    with pytest.raises(IntegrityError):  # half-erased clips cannot be used
        api.open_clip(first)
    with store.session() as s:
        assert not [r for r in audit.entries(s, category="erasure")]
    r = _run_cli("retention", "run", "--as-of", "2026-02-01")
    assert r.returncode == 0, r.stderr
    assert "completed interrupted erasure of clip" in r.stdout
    for i in ids:
        assert _state(store, i) == "erased" and not paths[i].exists()
    assert _state(store, keep) == "present" and paths[keep].exists()
    r = _run_cli("retention", "run", "--as-of", "2026-02-01")  # idempotent
    assert r.returncode == 0 and "nothing to do" in r.stdout
    with store.session() as s:
        erased = [r for r in audit.entries(s, category="erasure") if r.action == "clip.erase"]
        assert sorted(int(__import__("json").loads(r.details)["clip"]) for r in erased) == ids
        audit.check(s)


def test_dry_run_changes_nothing(store, new_clip, bwv):
    cid = _import(new_clip, "2026-01-01T12:00:00Z", "non-evidential")
    rc, out, err = bwv("retention", "run", "--dry-run", "--as-of", "2026-02-01")
    assert rc == 0 and f"would erase clip {cid}" in out
    assert _state(store, cid) == "present"


def test_policy_command(store, bwv, team, as_user):
    as_user("rita")
    rc, out, err = bwv("retention", "policy", "non_evidential_days", "40")
    assert rc == 7
    as_user("admin")
    rc, out, err = bwv("retention", "policy", "non_evidential_days", "40")
    assert rc == 0, err
    rc, out, _ = bwv("retention", "policy", "non_evidential_days")
    assert out.strip() == "40"
    rc, out, err = bwv("retention", "policy", "non_evidential_days", "soon")
    assert rc != 0 and "whole number" in err
    with store.session() as s:
        [row] = [r for r in audit.entries(s) if r.action == "policy.set"]
        assert row.username == "admin" and '"new":40' in row.details


def test_a_clip_on_an_open_request_is_held(store, new_clip):
    from redaction.store import requests
    cid = _import(new_clip, "2026-01-01T12:00:00Z", "non-evidential")
    with store.session() as s:
        rid = requests.create_request(s, "sar", "J. Bloggs", "dora").id
        requests.link_clips(s, rid, [cid], "dora")
    p = _plan(store, D(2026, 2, 1))
    assert p.erase == [] and p.held == [(cid, f"held: on open request {rid}")]
    retention.run(store, "test.officer", D(2026, 2, 1))
    assert _state(store, cid) == "present"
    with store.session() as s:
        requests.close(s, rid, "disclosed", "dora")
    assert [c for c, _ in _plan(store, D(2026, 2, 1)).erase] == [cid]


def test_a_stored_capture_time_near_year_9999_does_not_stop_retention(store, new_clip):
    """Set before capture times were checked: the plan still runs for every other clip."""
    import sqlalchemy as sa
    odd = _import(new_clip, "2026-01-01T12:00:00Z", "non-evidential")
    other = _import(new_clip, "2026-01-01T12:00:00Z", "non-evidential")
    with store.engine.begin() as c:
        c.execute(sa.text("UPDATE clips SET captured_at = :t WHERE id = :i"),
                  {"t": "9999-12-31 12:00:00.000000", "i": odd})
    assert [c for c, _ in _plan(store, D(2026, 2, 1)).erase] == [other]
