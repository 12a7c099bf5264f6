"""Input and files (issue 13, attacks 6, 7, 9): bad and truncated media on import, guessed
capture times, folder and file modes. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from redaction.errors import MediaError
from redaction.store import api, audit, clips, db, retention
from redaction.store.errors import StoreError
from redaction.store.models import Clip

from helpers import faststart_clip, truncated_clip


def _nothing_stored(store, tmp_path):
    evidence = tmp_path / "evidence"
    assert not evidence.exists() or [p for p in evidence.rglob("*") if p.is_file()] == []
    with store.session() as s:
        assert s.execute(sa.select(Clip)).first() is None
        from redaction.store.cases import list_cases
        assert list_cases(s) == []


def test_text_file_renamed_mp4_is_refused_nothing_stored(store, tmp_path, bwv):
    fake = tmp_path / "footage.mp4"
    fake.write_text("this is not a video\n" * 50)
    rc, out, err = bwv("case", "import", fake, "--incident", "INC-1")
    assert rc == MediaError.exit_code
    assert str(fake) in err and "not a readable video file" in err
    assert len(err.strip().splitlines()) == 1 and "imported" not in out
    _nothing_stored(store, tmp_path)
    with store.session() as s:
        (row,) = audit.entries(s, category="refusal")
        d = json.loads(row.details)
        assert row.action == "import" and d["source"] == str(fake)
        assert "not a readable video file" in d["reason"]


def test_truncated_clip_probe_flags_it(tmp_path):
    from helpers import run_bwv
    cut = truncated_clip(tmp_path)
    r = run_bwv("probe", str(cut), "--no-hash")
    assert r.returncode == MediaError.exit_code
    assert "truncated:  the header declares 120 frames (4.80 s), only" in r.stdout
    assert f"warning: {cut}: truncated" in r.stderr
    r = run_bwv("probe", str(cut), "--json", "--no-hash")
    d = json.loads(r.stdout)
    assert r.returncode == 3 and d["declared_frames"] == 120 and d["frames"] < 60
    assert d["truncated"].startswith("the header declares 120 frames")
    r = run_bwv("probe", str(tmp_path / "whole.mp4"), "--json", "--no-hash")
    assert r.returncode == 0 and json.loads(r.stdout)["truncated"] is None


def test_truncated_clip_refused_unless_accepted_then_flagged(store, tmp_path, bwv):
    cut = truncated_clip(tmp_path)
    rc, out, err = bwv("case", "import", cut, "--incident", "INC-1")
    assert rc == MediaError.exit_code and len(err.strip().splitlines()) == 1
    assert f"{cut}: truncated (the header declares 120 frames" in err
    assert "--accept-truncated" in err
    _nothing_stored(store, tmp_path)
    rc, out, err = bwv("case", "import", cut, "--incident", "INC-1", "--accept-truncated",
                       "--captured", "2026-03-01T10:00:00Z")
    assert rc == 0, err
    assert "imported clip 1" in out and "marked truncated" in out
    with store.session() as s:
        c = clips.get_clip(s, 1)
        assert c.truncated.startswith("the header declares 120 frames")
        (imp,) = [r for r in audit.entries(s, category="collection") if r.action == "clip.import"]
        assert json.loads(imp.details)["accepted_truncated"] == c.truncated
    rc, out, err = bwv("case", "show", "INC-1")
    assert "clip 1: TRUNCATED (imported with --accept-truncated)" in out
    assert api.library()[0]["clips"][0]["truncated"] == c.truncated


def test_normal_clips_are_not_flagged(store, new_clip, tmp_path):
    info = api.import_clip(faststart_clip(tmp_path / "ok.mp4"), "INC-1",
                           captured=clips.parse_time("2026-03-01T10:00:00Z"))
    assert info["truncated"] is None and not info["capture_guessed"]
    assert api.import_clip(new_clip(), "INC-1")["truncated"] is None


def _guessed_clip(new_clip, days_ago: int) -> Path:
    src = new_clip()  # PyAV writes no creation_time: no capture time in the file
    t = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)).timestamp()
    os.utime(src, (t, t))
    return src


def test_guessed_capture_time_is_flagged_and_shown(store, new_clip, bwv):
    rc, out, err = bwv("case", "import", _guessed_clip(new_clip, 40), "--incident", "INC-1")
    assert rc == 0, err
    assert "is a guess: the file carries no usable capture time" in out
    with store.session() as s:
        c = clips.get_clip(s, 1)
        assert c.capture_guessed and c.captured_from == "file_mtime"
        imp = [r for r in audit.entries(s) if r.action == "clip.import"][0]
        assert json.loads(imp.details)["capture_guessed"] is True
    rc, out, err = bwv("case", "show", "INC-1")
    assert "(guessed)" in out and "capture time is a guess" in out
    lib = api.library()[0]["clips"][0]
    assert lib["capture_guessed"] and lib["captured_from"] == "file_mtime"


def _tagged(tmp_path, name, when: str):
    from redaction.synth import ClipSpec, write_clip
    return Path(write_clip(tmp_path / name, ClipSpec(frames=5, metadata={"creation_time": when})))


def test_container_creation_time_is_not_a_guess(store, tmp_path):
    import datetime as dt
    when = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)).replace(microsecond=0)
    info = api.import_clip(_tagged(tmp_path, "tagged.mp4", when.strftime("%Y-%m-%dT%H:%M:%S.000000Z")),
                           "INC-1")
    assert not info["capture_guessed"] and info["captured_from"] == "container"
    assert info["captured"].startswith(when.strftime("%Y-%m-%dT%H:%M:%S"))


def test_implausible_or_stale_camera_times_are_held_as_guesses(store, tmp_path):
    """A reset camera clock must not start the retention clock years ago: a container time
    older than the non-evidential period, or implausible, is a guess (retention holds it)."""
    old = api.import_clip(_tagged(tmp_path, "old.mp4", "2000-01-01T00:00:00.000000Z"), "INC-1")
    assert old["capture_guessed"] and old["captured"].startswith("2000-01-01")
    odd = api.import_clip(_tagged(tmp_path, "odd.mp4", "1971-01-01T00:00:00.000000Z"), "INC-1")
    assert odd["capture_guessed"] and not odd["captured"].startswith("1971")
    # and each says why in words (the file did carry a time: it is not "no capture time")
    from redaction.store.clips import guess_reason
    assert "camera's recorded time is older than" in guess_reason(old["captured_from"])
    assert "modification time" in guess_reason(odd["captured_from"])
    from redaction import services
    [row] = [c for case in services.library() for c in case.clips if c.id == old["id"]]
    assert "camera's recorded time" in guess_reason(row.captured_from)
    # a time someone types is refused when implausible, on import and when corrected
    import datetime as dt
    from redaction.store.errors import StoreError
    src = _tagged(tmp_path, "typed.mp4", "2026-01-01T00:00:00.000000Z")
    for bad in (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc),
                dt.datetime(9999, 12, 31, 12, tzinfo=dt.timezone.utc)):
        with pytest.raises(StoreError, match="not plausible"):
            api.import_clip(src, "INC-1", captured=bad)
        with pytest.raises(StoreError, match="not plausible"):
            api.set_capture_time(old["id"], reason="clock", captured=bad)


def test_retention_holds_a_guessed_clip_until_a_supervisor_confirms(team, new_clip, bwv,
                                                                     as_user):
    as_user("dora")
    rc, out, err = bwv("case", "import", _guessed_clip(new_clip, 40), "--incident", "INC-1")
    assert rc == 0, err
    as_user("sam")
    assert bwv("case", "classify", "1", "non-evidential", "--reason", "nothing of note")[0] == 0
    rc, out, err = bwv("retention", "run")
    assert rc == 0, err
    assert "held: capture time not confirmed: clip 1" in out
    with team.session() as s:
        assert clips.get_clip(s, 1).state == "present"
    assert api.retention_report()["held"] == [(1, retention.HELD_GUESSED)]
    # only a supervisor may confirm it (the refusal is audited)
    for who in ("rita", "dora"):
        as_user(who)
        rc, out, err = bwv("case", "capture-time", "1", "--confirm", "--reason", "CAD log")
        assert rc == 7 and "cannot retention review" in err
    with team.session() as s:
        refusals = [r for r in audit.entries(s, category="refusal")
                    if r.action == "retention_review"]
        assert [r.username for r in refusals] == ["rita", "dora"]
        assert clips.get_clip(s, 1).capture_guessed
    as_user("sam")
    with pytest.raises(StoreError, match="give the reason"):  # how it was established
        api.set_capture_time(1, confirm=True, reason=" ")
    rc, out, err = bwv("case", "capture-time", "1", "--confirm", "--reason",
                       "matches the CAD log of the incident")
    assert rc == 0 and "capture time confirmed" in out, err
    with team.session() as s:
        c = clips.get_clip(s, 1)
        assert not c.capture_guessed and c.captured_from == "confirmed"
        (row,) = [r for r in audit.entries(s) if r.action == "clip.capture_time"]
        d = json.loads(row.details)
        assert row.username == "sam" and d["action"] == "confirm" and d["was_guessed"]
    rc, out, err = bwv("case", "show", "INC-1")
    assert "(guessed)" not in out
    rc, out, err = bwv("retention", "run")
    assert rc == 0 and "erased clip 1" in out, out
    with team.session() as s:
        assert clips.get_clip(s, 1).state == "erased"


def test_supervisor_corrects_a_capture_time(team, new_clip, bwv, as_user):
    as_user("dora")
    assert bwv("case", "import", _guessed_clip(new_clip, 2), "--incident", "INC-1")[0] == 0
    as_user("sam")
    rc, out, err = bwv("case", "capture-time", "1", "--set", "2026-01-05T08:00:00+01:00",
                       "--reason", "camera clock log")
    assert rc == 0 and "corrected to 2026-01-05T07:00:00 UTC" in out, err
    rc, out, err = bwv("case", "capture-time", "1", "--confirm", "--reason", "again")
    assert rc != 0 and "not a guess" in err
    with team.session() as s:
        c = clips.get_clip(s, 1)
        assert c.captured_at == dt.datetime(2026, 1, 5, 7, tzinfo=dt.timezone.utc)
        assert c.captured_from == "corrected" and not c.capture_guessed
        (row,) = [r for r in audit.entries(s) if r.action == "clip.capture_time"]
        assert json.loads(row.details)["action"] == "correct"


def test_folders_0700_evidence_0440(store, new_clip, tmp_path):
    info = api.import_clip(new_clip(), "INC-1", captured=clips.parse_time("2026-01-01T00:00:00Z"))
    with store.session() as s:
        p = clips.clip_path(clips.get_clip(s, info["id"]))
    assert stat.S_IMODE(p.stat().st_mode) == 0o440
    for d in (db.evidence_dir(), p.parent, db.store_files_dir()):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    from redaction import paths
    for fn in (paths.data_dir, paths.cache_dir, paths.log_dir, paths.config_dir):
        assert stat.S_IMODE(fn().stat().st_mode) == 0o700, fn


def test_migration_marks_clips_whose_capture_time_came_from_the_file(store_env, db_url):
    """Clips imported before 0004 with a file-mtime capture time are flagged on upgrade."""
    engine = db.make_engine(db_url)
    db.migrate(engine, "0003")
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO cases (id, incident_ref, title, status, created_at, "
                          "created_by, version) VALUES (1, 'I', '', 'open', :t, 'u', 1)"),
                  {"t": dt.datetime(2026, 1, 1)})
        for cid in (1, 2):
            c.execute(sa.text(
                "INSERT INTO clips (id, case_id, sha256, live_sha256, original_name, "
                "source_path, stored_path, size, captured_at, imported_at, imported_by, "
                "classification, dispose_approved, state, version) VALUES (:id, 1, :h, :h, "
                "'a.mp4', '/a.mp4', 'x', 1, :t, :t, 'u', 'unclassified', false, 'present', 1)"),
                {"id": cid, "h": str(cid) * 64, "t": dt.datetime(2026, 1, 1)})
        for seq, (cid, how) in enumerate([(1, "file modification time"),
                                          (2, "container creation_time")], 1):
            c.execute(sa.text("INSERT INTO audit (seq, ts, username, category, action, details,"
                              " prev_hash, hash) VALUES (:s, 't', 'u', 'collection', "
                              "'clip.import', :d, 'p', 'h')"),
                      {"s": seq, "d": json.dumps({"clip": cid, "captured_from": how})})
    db.migrate(engine, "0004_clip_input")
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT id, captured_from, capture_guessed, truncated "
                                 "FROM clips ORDER BY id")).all()
    assert [(r[0], r[1], bool(r[2]), r[3]) for r in rows] == [
        (1, "file_mtime", True, None), (2, "container", False, None)]
    engine.dispose()


def test_an_exhibit_reference_names_one_clip_of_a_case(store, new_clip):
    """Two clips under one exhibit reference (one form for three files, or a reference
    already used) would make the evidence ambiguous: refused in one line, nothing imported."""
    from redaction import services
    from redaction.jobs import run_job
    from redaction.store.errors import StoreError
    first = api.import_clip(new_clip(), "INC-5", exhibit="AB/1")
    with pytest.raises(StoreError, match=f"exhibit ab / 1 is already clip {first['id']}"):
        api.import_clip(new_clip(), "INC-5", exhibit="ab / 1")
    api.import_clip(new_clip(), "INC-6", exhibit="AB/1")          # another case: its own item
    three = [new_clip() for _ in range(3)]
    with pytest.raises(StoreError, match="3 clips need 3 exhibit references"):
        run_job(services.import_job(three, "INC-5", exhibit="CD/1"))
    with pytest.raises(StoreError, match="names one twice"):
        run_job(services.import_job(three, "INC-5", exhibit="CD/1, CD/2, cd/1"))
    assert len(api.library()[0]["clips"]) == 1                      # nothing imported
    # a reference already in the case, second in the list: refused before the first is stored
    with pytest.raises(StoreError, match="exhibit AB/1 is already clip"):
        run_job(services.import_job(three[:2], "INC-5", exhibit="CD/9, AB/1"))
    assert len(api.library()[0]["clips"]) == 1
    with store.session() as s:
        reasons = [json.loads(r.details)["reason"] for r in audit.entries(s, category="refusal")]
    assert any("3 clips need 3" in r for r in reasons) and any("AB/1 is already" in r for r in reasons)
    done = run_job(services.import_job(three, "INC-5", exhibit="CD/1; CD/2, CD/3"))
    with store.session() as s:
        assert [clips.get_clip(s, r.id).exhibit_ref for r in done] == ["CD/1", "CD/2", "CD/3"]
