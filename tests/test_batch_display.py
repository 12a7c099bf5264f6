"""What ``bwv batch detect`` prints: with --quiet, a clip that failed is still named with
its error (the summary alone said how many failed, not which or why)."""
from __future__ import annotations

from redaction.batch import BatchRun, StateFile, folder_items
from redaction.batch.worker import Event
from redaction.cli.cmd_batch import Display
from redaction.detect.job import DetectSettings

from test_batch import small_clip

SETTINGS = DetectSettings(kinds=("face",), preset="fast")


class _Failing:
    name = "fake"

    def run(self, items, settings):
        for it in items:
            yield Event("start", it.index, "pc:1")
            yield Event("failed", it.index, "pc:1", error=f"{it.path}: not a readable video")


def test_quiet_still_names_each_clip_that_failed_and_why(tmp_path, capsys):
    small_clip(tmp_path / "clips" / "a.mp4")
    br = BatchRun(folder_items(tmp_path / "clips", projects=tmp_path / "p"), SETTINGS,
                  _Failing(), "test.officer",
                  state=StateFile.for_settings(SETTINGS, tmp_path / "state"))
    show = Display(quiet=True)
    show.begin(br)
    for ev in br.run():
        show.event(br, ev)
    show.end(br)
    out = capsys.readouterr().out.splitlines()
    assert any(x.startswith("failed  a.mp4: ") and "not a readable video" in x for x in out), out
    assert not any(x.startswith("start") for x in out)
    assert "0 done, 0 skipped, 1 failed of 1" in out[-1]
