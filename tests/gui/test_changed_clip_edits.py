"""A clip found changed (its sha256 is not the project's) takes no decisions in the window:
a reviewer could otherwise reject real faces "on sight" of other pictures, and once the
original is put back the export would go ahead with those decisions."""
from __future__ import annotations

import pytest

from redaction.errors import IntegrityError

from helpers import moving_track


@pytest.fixture
def changed(qtbot, clip):
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from redaction import edits as E
    from redaction.project_io import default_project_path
    from redaction.session import ProjectSession
    s = ProjectSession.create(clip, default_project_path(clip), "alice", sha256="0" * 64)
    s.do(E.AddTrack(moving_track("t1", status="pending", end=30)))
    s.save()
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.show()
    w.show_error = lambda m: None
    assert w.open_path(s.path)
    w.wait_idle()
    yield w
    w.shutdown()


def test_edits_are_refused_once_the_clip_is_found_changed(changed):
    w = changed
    assert w.source_changed and "SOURCE CLIP HAS CHANGED" in w.view.banner
    for name in ("accept", "reject", "delete", "add_note", "export", "detect", "undo"):
        a = w.a[name]
        assert not a.isEnabled(), name
    assert "source clip has changed" in w.a["accept"].toolTip()
    assert not w.view.editable and not w.timeline.view.redact_allowed
    assert not w.review.bulk.isEnabled()
    # the engine refuses whatever the window shows
    from redaction import services
    with pytest.raises(IntegrityError, match="source clip has changed"):
        services.decide(w.doc.session, ["t1"], "rejected", "not a face", "alice")
    assert w.doc.project.track("t1").status == "pending"
    before = w.doc.session.log.path.read_bytes()
    w.a["add_note"].trigger()                    # forced: greyed, and the engine refuses
    assert w.doc.project.annotations == []
    assert w.doc.session.log.path.read_bytes() == before


def test_another_clip_opened_afterwards_takes_edits_again(changed, clip_copy):
    w = changed
    other = clip_copy("basic")
    assert w.open_path(other)
    w.wait_idle()
    assert not w.source_changed and w.gate.blocked is None
    assert w.a["add_note"].isEnabled()
    assert w.review.bulk.isEnabled()                 # the review panel's edits too


def test_a_late_result_of_the_changed_clip_does_not_lock_the_next(changed, clip_copy):
    """The background check's result is of one clip: one still queued when another clip
    opened locked the new clip's edits."""
    w = changed
    stale = {"path": str(w.doc.media.path), "source_ok": False, "sha256": "f" * 64}
    assert w.open_path(clip_copy("basic"))
    w.wait_idle()
    w.jobs.bg_loaded(stale)
    assert w.doc.session.edits_refused is None and w.gate.blocked is None
    assert w.a["add_note"].isEnabled()
