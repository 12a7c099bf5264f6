"""The store records each clip's job of `bwv batch detect` (queued, running, done, failed
with the error; migration 0006) and the library lists each clip's latest job."""
from __future__ import annotations

import shutil

from redaction.store import api, batchjobs

FAST = ["--preset", "fast", "--kinds", "face", "--workers", "1"]


def test_batch_jobs_are_recorded_and_shown_in_the_library(store, new_clip, bwv, tmp_path):
    a, b = new_clip(), new_clip()
    for c in (a, b):
        api.import_clip(c, "INC-7", "test.officer")
    # a job a killed batch left running is closed when a later batch takes the clip
    with store.session() as s:
        clip_a = api.library("test.officer")[0]["clips"][0]
        old = batchjobs.queue(s, "killedbatch", [{"path": "x", "clip_id": clip_a["id"]}],
                              settings_key="k", executor="local", user="test.officer")[0]
        batchjobs.update(s, old, started=True, worker="pc:1")
    rc, out, err = bwv("batch", "detect", "--case", "INC-7", *FAST)
    assert rc == 0, out + err
    assert "2 done, 0 skipped, 0 failed of 2" in out
    clips = api.library("test.officer")[0]["clips"]
    for c in clips:
        job = c["batch"]
        assert job["status"] == "done" and job["attempts"] == 1 and job["tracks"] == 0
        assert job["project"].endswith(".bwvproj.json") and job["worker"]
        assert job["executor"].startswith("local")
    from app.library.common import batch_text
    from redaction import services
    rows = services.library("test.officer")[0].clips       # what the window shows
    assert batch_text(rows[0]) == "done: 0 track(s)" and rows[0].batch.worker
    # the clip's project is the one the window opens for the evidence file
    from redaction.project_io import default_project_path, load_project
    from redaction.store import clips as store_clips, db
    with db.open_store().session() as s:
        path = store_clips.clip_path(store_clips.get_clip(s, clips[0]["id"]))
    assert str(default_project_path(path)) == clips[0]["batch"]["project"]
    assert load_project(default_project_path(path)).extra["detection"]["frames"] == 4
    # a second run skips both clips and queues nothing
    rc, out, _ = bwv("batch", "detect", "--case", "INC-7", *FAST)
    assert rc == 0 and "2 already done with these settings, 0 to run" in out
    # a folder batch: the clip held in the store is linked by its sha256; a broken file fails
    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copy(a, folder / "copy.mp4")
    (folder / "broken.mp4").write_text("not a video")
    rc, out, _ = bwv("batch", "detect", folder, *FAST)
    assert rc == 1 and "1 done, 0 skipped, 1 failed of 2" in out
    batch = out.split()[1].rstrip(":")
    with store.session() as s:
        jobs = {j["path"].rsplit("/", 1)[1]: j for j in batchjobs.jobs_of_batch(s, batch)}
        first = [j for j in batchjobs.jobs_of_batch(s, "killedbatch")]
    assert jobs["copy.mp4"]["status"] == "done" and jobs["copy.mp4"]["clip"] == clip_a["id"]
    assert jobs["broken.mp4"]["status"] == "failed" and jobs["broken.mp4"]["error"]
    assert jobs["broken.mp4"]["clip"] is None
    assert first[0]["status"] == "failed" and "interrupted" in first[0]["error"]
    assert api.library("test.officer")[0]["clips"][0]["batch"]["batch"] == batch


def test_an_interrupted_batch_leaves_no_job_running_or_queued(store, new_clip, tmp_path):
    """Ctrl-C (or any error ending the driver's loop): the clips it had not finished are
    closed as failed, interrupted, not left running or queued in the library for ever."""
    import pytest

    from redaction.batch import BatchRun, StateFile, folder_items
    from redaction.batch.worker import Event
    from redaction.detect.job import DetectSettings
    folder = tmp_path / "incoming"
    folder.mkdir()
    for i in range(3):
        shutil.copy(new_clip(), folder / f"c{i}.mp4")
    settings = DetectSettings(kinds=("face",), preset="fast")

    class Interrupted:
        name = "fake"

        def run(self, items, settings):
            yield Event("start", items[0].index, "pc:1")
            raise KeyboardInterrupt
    br = BatchRun(folder_items(folder, projects=tmp_path / "p"), settings, Interrupted(),
                  "test.officer", state=StateFile.for_settings(settings, tmp_path / "state"))
    with pytest.raises(KeyboardInterrupt):
        list(br.run())
    with store.session() as s:
        jobs = batchjobs.jobs_of_batch(s, br.batch)
    assert [j["status"] for j in jobs] == ["failed"] * 3
    assert all("interrupted" in j["error"] for j in jobs)
    assert jobs[0]["attempts"] == 1 and jobs[1]["attempts"] == 0


def test_a_case_clip_whose_evidence_file_is_missing_fails_alone(store, new_clip, bwv):
    """An evidence file that cannot be found (a share not mounted, a file moved away) is
    that clip's failure, recorded with its path; the case's other clips still run."""
    from redaction.store import clips as store_clips, db
    a, b = new_clip(), new_clip()
    for c in (a, b):
        api.import_clip(c, "INC-8", "test.officer")
    first = api.library("test.officer")[0]["clips"][0]
    with db.open_store().session() as s:
        path = store_clips.clip_path(store_clips.get_clip(s, first["id"]))
    path.rename(path.with_name("moved-away"))
    rc, out, err = bwv("batch", "detect", "--case", "INC-8", *FAST)
    assert rc == 1, out + err
    assert "1 done, 0 skipped, 1 failed of 2" in out, out + err
    failed = [x for x in out.splitlines() if x.startswith("failed  ")]
    assert len(failed) == 1 and str(path) in failed[0] and "no such file" in failed[0].lower()
    jobs = {c["id"]: c["batch"] for c in api.library("test.officer")[0]["clips"]}
    assert jobs[first["id"]]["status"] == "failed" and str(path) in jobs[first["id"]]["error"]
