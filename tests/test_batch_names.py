"""Clips of the same name in sub-folders (``--recursive``): each is named by its path inside
the folder (in the progress lines, the summary and the watcher's totals), and two clips that
would share one project are not both run: the second fails up front, naming the first."""
from __future__ import annotations

from redaction.batch import BatchRun, StateFile, folder_items
from redaction.detect.job import DetectSettings

from test_batch import _FakeExecutor, small_clip

SETTINGS = DetectSettings(kinds=("face",), preset="fast")


def test_clips_of_the_same_name_in_sub_folders_are_told_apart(tmp_path):
    small_clip(tmp_path / "clips" / "cam1" / "VID0001.mp4", 0)
    small_clip(tmp_path / "clips" / "cam2" / "VID0001.mp4", 1)
    small_clip(tmp_path / "clips" / "top.mp4", 2)
    items = folder_items(tmp_path / "clips", recursive=True, projects=tmp_path / "p")
    assert [it.name for it in items] == ["cam1/VID0001.mp4", "cam2/VID0001.mp4", "top.mp4"]
    state = StateFile.for_settings(SETTINGS, tmp_path / "state")
    br = BatchRun(items, SETTINGS, _FakeExecutor(), "test.officer", state=state)
    events = list(br.run())
    s = br.summary
    assert s.done_names == ["cam1/VID0001.mp4", "top.mp4"]
    assert list(s.errors) == ["cam2/VID0001.mp4"] and s.failed == 1
    assert "cam1/VID0001.mp4" in s.errors["cam2/VID0001.mp4"]
    # failed before any detection ran on it
    assert [e.kind for e in events if e.index == 1] == ["failed"]
    # --beside gives each its own project
    items = folder_items(tmp_path / "clips", recursive=True, beside=True)
    br = BatchRun(items, SETTINGS, _FakeExecutor(), "test.officer", state=state)
    list(br.run())
    assert br.summary.done == 3 and br.summary.failed == 0


def test_the_watch_summary_keeps_a_failure_when_a_clip_of_the_same_name_is_done(tmp_path):
    from redaction.cli.cmd_batch import _tally
    small_clip(tmp_path / "clips" / "cam1" / "VID0001.mp4", 0)
    (tmp_path / "clips" / "cam2").mkdir()
    (tmp_path / "clips" / "cam2" / "VID0001.mp4").write_text("not a video")
    state = StateFile.for_settings(SETTINGS, tmp_path / "state")
    done, failed = [], {}
    for sub in ("cam2", "cam1"):             # two looks of a watcher, one clip each
        items = [it for it in folder_items(tmp_path / "clips", recursive=True, beside=True)
                 if f"/{sub}/" in it.path]

        class Broken(_FakeExecutor):
            def run(self, items, settings):
                from redaction.batch.worker import Event
                for it in items:
                    if "/cam2/" in it.path:
                        yield Event("failed", it.index, error="not a video")
                    else:
                        yield from super().run([it], settings)
        br = BatchRun(items, SETTINGS, Broken(), "test.officer", state=state)
        list(br.run())
        _tally(br, done, failed)
    assert done == ["cam1/VID0001.mp4"] and failed == {"cam2/VID0001.mp4": "not a video"}
