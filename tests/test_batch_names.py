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


def test_same_named_clips_get_their_own_default_projects_and_find_them_again(tmp_path):
    """Cameras reuse file names: the default project folder is keyed by the clip's name,
    so a second VID0001.mp4 was refused in the window ("a project of this name already
    exists for another clip") and failed in a batch. Now each has its own project, found
    again by the window whichever clip comes first."""
    from redaction.project_io import default_project_path, load_project, resolve_source
    from redaction.workspace import open_session
    a = small_clip(tmp_path / "clips" / "cam1" / "VID0001.mp4", 0)
    b = small_clip(tmp_path / "clips" / "cam2" / "VID0001.mp4", 1)
    items = folder_items(tmp_path / "clips", recursive=True)
    assert len({it.project for it in items}) == 2
    state = StateFile.for_settings(SETTINGS, tmp_path / "state")
    br = BatchRun(items, SETTINGS, _FakeExecutor(), "test.officer", state=state)
    list(br.run())
    assert br.summary.done == 2 and br.summary.failed == 0, br.summary.errors
    for clip, it in ((a, items[0]), (b, items[1])):
        assert str(default_project_path(clip)) == it.project       # where the window looks
        p = load_project(it.project)
        assert resolve_source(p, it.project).resolve() == clip.resolve()
        s = open_session(clip, "test.officer")
        assert s.path.resolve() == default_project_path(clip).resolve()
        assert s.source_path.resolve() == clip.resolve()
    # a third camera's VID0001.mp4 opened in the window first gets a project of its own too
    c = small_clip(tmp_path / "cam3" / "VID0001.mp4", 2)
    s = open_session(c, "test.officer")
    s.save()
    assert s.path.name.startswith("VID0001-") and s.source_path.resolve() == c.resolve()
    assert open_session(c, "test.officer").path == s.path
