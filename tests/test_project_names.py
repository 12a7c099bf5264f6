"""A project is known by its ``.bwvproj.json`` ending: a new project without it is refused
(before detection runs), and a project file an older version named otherwise still opens as
a project, not as a clip ("not a readable video file")."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from redaction.editlog import log_path_for
from redaction.errors import MediaError, ProjectError
from redaction.session import ProjectSession
from redaction.workspace import open_session

from helpers import run_bwv


def test_a_new_project_without_the_ending_is_refused(clip_copy, tmp_path):
    clip = clip_copy()
    for args, bad in ((["detect", str(clip), "--kinds", "face", "--project"], "x.bwvproj"),
                      (["project", "new", str(clip), "--out"], "y.json")):
        target = tmp_path / bad
        r = run_bwv(*args, str(target))
        assert r.returncode != 0
        err = r.stderr.strip()
        assert "\n" not in err and bad in err and ".bwvproj.json" in err, err
        assert not target.exists() and not log_path_for(target).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["basic.mp4"]
    # refused before any detection ran: no detection cache for the clip
    assert not (Path(os.environ["BWV_CACHE_DIR"]) / "clips").exists()


def test_a_project_named_without_the_ending_still_opens_as_a_project(clip_copy, tmp_path):
    clip = clip_copy()
    good = tmp_path / "case.bwvproj.json"
    s = ProjectSession.create(clip, good, "alice")
    s.save()
    legacy = tmp_path / "case.bwvproj"           # as `bwv detect --project case.bwvproj` wrote
    os.rename(log_path_for(good), log_path_for(legacy))
    os.rename(good, legacy)
    opened = open_session(legacy, "alice")
    assert opened.path == legacy and opened.project.source.sha256 == s.project.source.sha256
    opened.check_source()


def test_only_a_project_header_makes_a_file_a_project(clip_copy, tmp_path):
    clip = clip_copy()
    s = ProjectSession.create(clip, tmp_path / "case.bwvproj.json", "alice")
    s.save()
    text = (tmp_path / "case.bwvproj.json").read_text()
    compact = tmp_path / "compact.bwvproj"              # no spaces: still a project
    compact.write_text(text.replace('"format": ', '"format":'))
    os.link(log_path_for(tmp_path / "case.bwvproj.json"), log_path_for(compact))
    assert open_session(compact, "alice").path == compact
    bom = tmp_path / "bom.bwvproj"                      # with a BOM: refused as a project, not a clip
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    with pytest.raises(ProjectError, match="bom.bwvproj.*BOM"):
        open_session(bom, "alice")
    other = tmp_path / "notes.json"                     # JSON, but not a project: a clip?
    other.write_text('{"format": "something-else"}\n')
    with pytest.raises(MediaError, match="notes.json"):
        open_session(other, "alice")
    autosave = tmp_path / "case.recovery.json"          # an autosave has the header, no log
    autosave.write_text(text)
    with pytest.raises(MediaError, match="recovery"):
        open_session(autosave, "alice")
