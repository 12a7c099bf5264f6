"""Every GUI edit goes through the engine's service layer (issue 13): a reviewer cannot add or
drag audio redactions, change a track's kind, draw or move boxes, undo others' decisions;
an administrator cannot annotate footage; exports under four-eyes need an approved request;
the window says "standalone, not for evidence" unless an administrator's policy is in force.
Each refusal leaves the project unchanged, shows the message and is audited."""
from __future__ import annotations

import copy
import json

import pytest

from redaction import access, edits, policy
from redaction.model import AudioRange, Keyframe, Track
from redaction.project_io import project_to_dict

from .test_store_gui import PASSWORDS, make_window, refusals, team  # noqa: F401


def _snapshot(w):
    return copy.deepcopy(project_to_dict(w.doc.project))


@pytest.fixture
def prepared(qtbot, team, clip):  # noqa: F811
    """A project with one pending face track and one audio range, made by dora."""
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.open_path(clip)
    w.doc.do(edits.AddTrack(Track("t1", "face", "manual", "pending", reason="Third party",
                                  keyframes=[Keyframe(0, (10, 10, 40, 40))], end_frame=30)))
    w.doc.do(edits.AddAudioRange(AudioRange(0.2, 0.6, "mute", "Address", id="a1")))
    w.files.save()
    assert not w.doc.session.dirty
    path = w.doc.session.path
    w.shutdown()
    access.logout()
    return path


def _as(qtbot, name, path):
    access.login(name, PASSWORDS.get(name) or PASSWORDS["admin"])
    w = make_window(qtbot, name)
    assert w.open_path(path)
    return w


def _refused(w, team, before, snap, action="redact"):  # noqa: F811
    assert _snapshot(w) == snap, "the project changed"
    rows = refusals(team)[before:]
    assert rows and all(a == action for _, a, _ in rows), rows
    assert "cannot" in w.statusBar().currentMessage()


def test_reviewer_gui_edits_are_refused_and_change_nothing(qtbot, team, prepared):  # noqa: F811
    w = _as(qtbot, "rita", prepared)
    snap, tv = _snapshot(w), w.timeline.view
    cases = [
        ("draw audio range", lambda: tv.audioRangeDrawn.emit(1.0, 1.4)),
        ("drag audio range", lambda: tv.audioRangeAdjusted.emit("a1", 0.1, 0.9)),
        ("kind change", lambda: (w.doc.select("t1"), w.review.kindRequested.emit("plate"))),
        ("box edit", lambda: w.view.boxEdited.emit("t1", (50, 50, 30, 30))),
        ("box drawn", lambda: w.view.boxDrawn.emit((5, 5, 20, 20))),
        ("accept", lambda: (w.doc.select("t1"), w.a["accept"].setEnabled(True),
                            w.a["accept"].trigger())),
        ("delete", lambda: (w.doc.select("t1"), w.a["delete"].setEnabled(True),
                            w.a["delete"].trigger())),
        ("accept all", lambda: w.review.acceptAllRequested.emit("face")),
        ("checks done", lambda: w.doc.mark_checks_done(["x"], "looked")),
    ]
    for name, act in cases:
        before = len(refusals(team))
        act()
        _refused(w, team, before, snap)
        assert not w.doc.session.dirty, name
        assert "rita (reviewer) cannot redact" in w.statusBar().currentMessage(), name
    # what a reviewer may do: annotate (through the same service)
    before = len(refusals(team))
    w.timeline.view.annotationDrawn.emit(3, None)
    assert len(w.doc.project.annotations) == 1 and refusals(team)[before:] == []
    w.files.save()                                    # a reviewer saves their notes
    assert not w.doc.session.dirty
    w.shutdown()


def test_reviewer_cannot_undo_a_redaction_edit(qtbot, team, prepared):  # noqa: F811
    w = _as(qtbot, "dora", prepared)
    w.doc.select("t1")
    w.a["accept"].trigger()
    assert w.doc.project.track("t1").status == "accepted"
    # same session, now acting as rita (e.g. a shared workstation left open)
    access.login("rita", PASSWORDS["rita"])
    w.doc.session.user = "rita"
    before = len(refusals(team))
    w.doc.undo()
    assert w.doc.project.track("t1").status == "accepted"
    assert [(u, a) for u, a, _ in refusals(team)[before:]] == [("rita", "redact")]
    w.shutdown()


def test_administrator_cannot_open_or_annotate_footage(qtbot, team, prepared):  # noqa: F811
    """The administrator sees no footage: the window's open is refused (audited), and so is
    an annotation through the service the window calls."""
    access.login("admin", PASSWORDS["admin"])
    w = make_window(qtbot, "admin")
    before = len(refusals(team))
    assert not w.open_path(prepared) and w.doc is None
    assert [a for _, a, _ in refusals(team)[before:]] == ["view"]
    w.shutdown()
    from redaction import edits, services
    from redaction.errors import PermissionDenied
    from redaction.model import Annotation
    access.login("dora", PASSWORDS["dora"])
    ws = services.open_for_review(prepared, "dora")
    with pytest.raises(PermissionDenied, match="admin .administrator. cannot annotate"):
        services.edit(ws.session, edits.AddAnnotation(Annotation("n9", 3, note="x")), "admin")
    assert [a for _, a, _ in refusals(team)[before:]] == ["view", "annotate"]


def test_disclosure_officer_edits_go_through(qtbot, team, prepared):  # noqa: F811
    w = _as(qtbot, "dora", prepared)
    tv = w.timeline.view
    tv.audioRangeAdjusted.emit("a1", 0.1, 0.9)
    assert (w.doc.project.audio[0].start, w.doc.project.audio[0].end) == (0.1, 0.9)
    w.doc.select("t1")
    w.review.kindRequested.emit("plate")
    assert w.doc.project.track("t1").kind == "plate"
    assert refusals(team) == []
    w.shutdown()


# --- exports under four-eyes ----------------------------------------------------------

def _four_eyes(team, internal_review=False):  # noqa: F811
    from redaction.store import policy as store_policy
    with team.session() as s:
        store_policy.set_value(s, "four_eyes_export", True, "admin")
        if internal_review:
            store_policy.set_value(s, "internal_review_export", True, "admin")


def test_export_dialog_none_is_refused_under_four_eyes(qtbot, team, prepared, tmp_path):  # noqa: F811
    _four_eyes(team)
    w = _as(qtbot, "dora", prepared)
    d = w.jobs.export()
    assert d.request_box.isVisibleTo(d) and "refused" in d.request_box.itemText(0)
    assert not d.internal_review.isVisibleTo(d)
    d.request_box.setCurrentIndex(0)                 # "(none)"
    d.out.setText(str(tmp_path / "out.mp4"))
    d.recipient.setText("J. Smith")
    d.org.setText("Public")
    d.basis.setCurrentText("Criminal Procedure and Investigations Act 1996 (disclosure)")
    d.override.setChecked(True)
    before = len(refusals(team))
    d.start()
    assert not w.runner.busy and d.stack.currentIndex() == 0
    assert "four-eyes approval is required" in d.error.text()
    assert [(u, a) for u, a, _ in refusals(team)[before:]] == [("dora", "export")]
    assert not (tmp_path / "out.mp4").exists()
    w.shutdown()


def test_export_dialog_internal_review_where_allowed(qtbot, team, prepared, tmp_path):  # noqa: F811
    _four_eyes(team, internal_review=True)
    w = _as(qtbot, "dora", prepared)
    d = w.jobs.export()
    assert d.internal_review.isVisibleTo(d)
    d.internal_review.setChecked(True)
    d.out.setText(str(tmp_path / "review.mp4"))
    d.recipient.setText("PSD")
    d.org.setText("Professional Standards")
    d.basis.setCurrentText("Criminal Procedure and Investigations Act 1996 (disclosure)")
    d.override.setChecked(True)
    d.start()
    assert w.runner.wait(120000)
    assert d.result is not None, d.error.text()
    manifest = json.loads(d.result.manifest.read_text())
    assert manifest["purpose"] == "internal_review" and manifest["request"] is None
    from redaction.store import audit
    with team.session() as s:
        actions = [r.action for r in audit.entries(s, category="disclosure")]
    assert "export.internal_review" in actions
    assert "internal review" in d.summary.text()
    w.shutdown()


# --- the standalone label ---------------------------------------------------------------

def test_window_says_standalone_not_for_evidence_without_machine_policy(qtbot, team, clip):  # noqa: F811
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.user_label.text() == "User: dora (disclosure officer) · standalone, not for evidence"
    assert w.windowTitle().endswith("[standalone, not for evidence]")
    assert w.open_path(clip)
    assert "standalone, not for evidence" in w.windowTitle()
    w.shutdown()


def test_window_without_label_under_machine_policy(qtbot, team, tmp_path, monkeypatch):  # noqa: F811
    pol = tmp_path / "etc" / "policy.json"
    pol.parent.mkdir()
    pol.write_text(json.dumps({"database_url": team.url}))
    monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", [pol])
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.user_label.text() == "User: dora (disclosure officer)"
    assert "standalone" not in w.windowTitle()
    w.shutdown()


def test_startup_refused_when_the_machine_policy_requires_a_missing_store(qtbot, tmp_path,
                                                                           monkeypatch):
    from app import main
    pol = tmp_path / "etc" / "policy.json"
    pol.parent.mkdir()
    pol.write_text(json.dumps({"database_url": f"sqlite:///{tmp_path / 'none.sqlite3'}"}))
    monkeypatch.setattr(policy, "SYSTEM_POLICY_PATHS", [pol])
    from redaction.errors import PermissionDenied
    with pytest.raises(PermissionDenied, match="bwv user setup"):
        main.authenticate("alice", interactive=True)
