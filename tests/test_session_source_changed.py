"""A session told its clip is not the project's refuses every edit, undo and redo, and logs
nothing (ProjectSession.source_changed; the window calls it when its hash check fails)."""
from __future__ import annotations

import pytest

from redaction import edits as E
from redaction.errors import IntegrityError

from helpers import make_project, moving_track


def test_a_session_whose_clip_changed_takes_no_edits(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="pending", end=20)))
    s.do(E.AddTrack(moving_track("t2", status="pending", end=20)))
    s.undo()
    log = s.log.path.read_bytes()
    s.source_changed("f" * 64)
    for step in (lambda: s.do(E.SetStatus(["t1"], "rejected", "not a face", "alice")),
                 s.undo, s.redo):
        with pytest.raises(IntegrityError, match="source clip has changed") as e:
            step()
        assert str(e.value.path) == str(s.source_path)
    assert s.log.path.read_bytes() == log
    assert [t.id for t in s.project.tracks] == ["t1"] and s.project.tracks[0].status == "pending"
