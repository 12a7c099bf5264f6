"""Draw a box, move it on another frame (a keyframe), undo/redo, decisions, bulk, recovery."""
from __future__ import annotations

from PySide6.QtCore import Qt

from redaction import edits
from redaction.model import Keyframe, Track


def _drag(qtbot, view, a, b):
    pa = view.to_widget((a[0], a[1], 0, 0)).topLeft().toPoint()
    pb = view.to_widget((b[0], b[1], 0, 0)).topLeft().toPoint()
    qtbot.mousePress(view, Qt.LeftButton, pos=pa)
    qtbot.mouseMove(view, pos=(pa + pb) / 2)
    qtbot.mouseMove(view, pos=pb)
    qtbot.mouseRelease(view, Qt.LeftButton, pos=pb)


def _log(doc):
    return list(doc.session.log.entries())


def test_draw_move_undo_redo_logged(qtbot, win):
    doc, view = win.doc, win.view
    _drag(qtbot, view, (40, 40), (120, 100))                 # draw: a manual track
    assert len(doc.project.tracks) == 1
    t = doc.project.tracks[0]
    assert t.origin == "manual" and doc.selected == t.id
    x, y, w, h = t.keyframes[0].box
    assert abs(x - 40) < 3 and abs(y - 40) < 3 and abs(w - 80) < 4 and abs(h - 60) < 4
    for _ in range(10):
        qtbot.keyClick(view, Qt.Key_Right)
    assert view.frame_index == 10
    _drag(qtbot, view, (80, 70), (180, 120))                 # move the (held) box on frame 10
    t = doc.project.track(t.id)
    assert [k.frame for k in t.keyframes] == [0, 10]
    bx10 = t.keyframes[1].box
    assert abs(bx10[0] - 140) < 4 and abs(bx10[1] - 90) < 4
    mid = t.box_at(5)                                        # interpolated between keyframes
    assert abs(mid[0] - (x + bx10[0]) / 2) < 0.01
    qtbot.keyClick(view, Qt.Key_Z, Qt.ControlModifier)
    assert [k.frame for k in doc.project.track(t.id).keyframes] == [0]
    qtbot.keyClick(view, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert [k.frame for k in doc.project.track(t.id).keyframes] == [0, 10]
    acts = [(e["action"], e["user"], e["details"].get("command", {}).get("name")) for e in _log(doc)]
    assert ("apply", "alice", "add_track") in acts
    assert acts[-3:] == [("apply", "alice", "set_keyframe"), ("undo", "alice", "set_keyframe"),
                         ("redo", "alice", "set_keyframe")]
    doc.session.log.verify()


def test_resize_by_corner_sets_keyframe(qtbot, win):
    doc, view = win.doc, win.view
    doc.add_box((50, 50, 40, 40))
    tid = doc.selected
    _drag(qtbot, view, (90, 90), (130, 110))                 # bottom-right handle
    b = doc.project.track(tid).keyframes[0].box
    assert abs(b[2] - 80) < 3 and abs(b[3] - 60) < 3 and abs(b[0] - 50) < 1


def _auto(doc, tid, first, last, kind="face"):
    return Track(tid, kind, "auto", "pending", keyframes=[Keyframe(first, (10, 10, 30, 30)),
                                                          Keyframe(last, (20, 20, 30, 30))],
                 scores={first: 0.9, last: 0.7})


def test_accept_reject_keep_clear_with_reasons(qtbot, win):
    doc, view = win.doc, win.view
    doc.do(edits.AddTracks([_auto(doc, "a1", 0, 20), _auto(doc, "a2", 5, 30, "plate")], source="test"))
    assert win.review.table.rowCount() == 2
    win.review.jumpRequested.emit("a2")                      # a click in the list jumps
    assert doc.selected == "a2" and doc.frame == 5
    win.review.reason.setCurrentText("Vehicle registration of a third party")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_A)
    t = doc.project.track("a2")
    assert t.status == "accepted" and t.reason == "Vehicle registration of a third party"
    assert t.decided_by == "alice"
    doc.select("a1")
    win.review.reason.setCurrentText("Requester: keep clear")
    qtbot.keyClick(view, Qt.Key_C)
    assert doc.project.track("a1").status == "keep_clear"
    win.review.reason.setCurrentText("False detection")
    qtbot.keyClick(view, Qt.Key_R)
    assert doc.project.track("a1").status == "rejected"
    assert doc.project.track("a1").reason == "False detection"
    win.review.reason.setCurrentText("")                      # reject needs a reason
    doc.select("a2")
    qtbot.keyClick(view, Qt.Key_R)
    assert doc.project.track("a2").status == "accepted"
    names = [e["details"]["command"]["status"] for e in doc.session.log.entries()
             if e["details"].get("command", {}).get("name") == "set_status"]
    assert names == ["accepted", "keep_clear", "rejected"]


def test_reject_needs_a_reason_the_officer_chose(qtbot, win):
    """The reason box starts on the stock reason to redact ("Third party face ..."):
    pressing Reject without choosing a reason must not record that as the reason for leaving
    the face visible."""
    doc, view = win.doc, win.view
    doc.do(edits.AddTracks([_auto(doc, "a1", 0, 20)], source="test"))
    doc.select("a1")
    stock = win.review.reason_text()
    assert stock.startswith("Third party face")
    view.setFocus()
    for key in (Qt.Key_R, Qt.Key_C):
        qtbot.keyClick(view, key)
        assert doc.project.track("a1").status == "pending"
        assert "reason for not redacting" in win.statusBar().currentMessage()
    qtbot.keyClick(view, Qt.Key_A)                  # accepting with the stock reason is fine
    assert (doc.project.track("a1").status, doc.project.track("a1").reason) == ("accepted", stock)
    win.review.reason.setCurrentText("False detection")
    qtbot.keyClick(view, Qt.Key_R)
    assert (doc.project.track("a1").status, doc.project.track("a1").reason) == ("rejected", "False detection")
    # a policy whose first reason is one for not redacting: picking the reason the panel
    # shows (from the list) is a choice too
    from app.review.panel import ReviewPanel
    rv = ReviewPanel(win.a, ["False detection", "Third party face (not relevant)"])
    qtbot.addWidget(rv)
    assert rv.reason_text() == "False detection" and not rv.reason_chosen()
    rv.reason.activated.emit(0)
    assert rv.reason_chosen()


def test_a_reason_given_for_not_redacting_is_not_recorded_for_the_next_redaction(qtbot, win):
    """The reason box keeps its text from one decision to the next: after rejecting a false
    detection, Accept on the next track (and Accept all) recorded "False detection" as the
    reason for redacting it, in the CSV and the signed disclosure report (seen on the Intel
    car clip). Accept is refused once, the box showing the stock reason for the track's kind;
    Reject after Reject keeps the chosen reason."""
    doc, view = win.doc, win.view
    doc.do(edits.AddTracks([_auto(doc, "a1", 0, 20, "plate"), _auto(doc, "a2", 5, 30, "plate"),
                            _auto(doc, "a3", 6, 30, "plate"), _auto(doc, "a4", 7, 30, "face"),
                            _auto(doc, "a5", 8, 30, "face")], source="test"))
    rv = win.review
    doc.select("a1")
    rv.reason.setCurrentText("False detection")
    rv.reason.activated.emit(rv.reason.findText("False detection"))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_R)
    doc.select("a2")
    qtbot.keyClick(view, Qt.Key_R)                       # the same reason again: fine
    assert [doc.project.track(t).status for t in ("a1", "a2")] == ["rejected", "rejected"]
    doc.select("a3")
    qtbot.keyClick(view, Qt.Key_A)
    assert doc.project.track("a3").status == "pending"
    assert "False detection" in win.statusBar().currentMessage()
    assert rv.reason_text() == "Vehicle registration of a third party"
    qtbot.keyClick(view, Qt.Key_A)                       # the reason now shown: accepted
    t = doc.project.track("a3")
    assert (t.status, t.reason) == ("accepted", "Vehicle registration of a third party")
    doc.select("a1")                                     # reject again, then Accept all faces
    rv.reason.setCurrentText("False detection")
    rv.reason.activated.emit(rv.reason.findText("False detection"))
    doc.select("a2")
    qtbot.keyClick(view, Qt.Key_R)
    doc.select(None)
    rv.acceptAllRequested.emit("face")
    assert [doc.project.track(t).status for t in ("a4", "a5")] == ["pending", "pending"]
    rv.acceptAllRequested.emit("face")
    assert {doc.project.track(t).reason for t in ("a4", "a5")} == {"Third party face (not relevant)"}
    doc.select("a4")                                     # a reason the officer picks is theirs
    rv.reason.setCurrentText("Member of the public")
    rv.reason.activated.emit(rv.reason.findText("Member of the public"))
    qtbot.keyClick(view, Qt.Key_A)
    assert doc.project.track("a4").reason == "Member of the public"


def test_bulk_decisions_are_one_undo(qtbot, win):
    doc = win.doc
    doc.do(edits.AddTracks([_auto(doc, "a1", 0, 20), _auto(doc, "a2", 3, 5),
                            _auto(doc, "a3", 8, 9, "plate"), _auto(doc, "a4", 10, 30, "plate")]))
    win.review.short_n.setValue(5)
    win.review.rejectShortRequested.emit(5)
    st = {t.id: t.status for t in doc.project.tracks}
    assert st == {"a1": "pending", "a2": "rejected", "a3": "rejected", "a4": "pending"}
    win.review.acceptAllRequested.emit("face")
    assert doc.project.track("a1").status == "accepted"
    doc.undo()
    assert doc.project.track("a1").status == "pending" and doc.project.track("a2").status == "rejected"
    doc.undo()
    assert all(t.status == "pending" for t in doc.project.tracks)


def test_span_split_merge_delete(qtbot, win):
    doc, view = win.doc, win.view
    doc.do(edits.AddTracks([_auto(doc, "a1", 0, 30)]))
    doc.select("a1")
    doc.seek(5)
    qtbot.keyClick(view, Qt.Key_I)
    assert doc.project.track("a1").first_frame == 5
    doc.seek(25)
    qtbot.keyClick(view, Qt.Key_O)
    assert doc.project.track("a1").last_frame == 25
    doc.seek(15)
    qtbot.keyClick(view, Qt.Key_S)
    assert len(doc.project.tracks) == 2
    assert doc.project.track("a1").last_frame == 14
    assert doc.selected == doc.project.tracks[1].id         # the part on screen
    qtbot.keyClick(view, Qt.Key_M, Qt.ShiftModifier)        # merged back with the first part
    assert len(doc.project.tracks) == 1
    assert (doc.project.tracks[0].first_frame, doc.project.tracks[0].last_frame) == (5, 25)
    qtbot.keyClick(view, Qt.Key_Delete)
    assert doc.project.tracks == []


def test_audio_range_and_annotation_from_the_timeline(qtbot, win):
    doc = win.doc
    tv = win.timeline.view
    tv.audioRangeDrawn.emit(0.2, 0.6)                         # what a drag on the audio lane emits
    assert len(doc.project.audio) == 1 and doc.project.audio[0].mode == "mute"
    rid = doc.project.audio[0].id
    tv.audioRangeAdjusted.emit(rid, 0.1, 0.8)
    assert (doc.project.audio[0].start, doc.project.audio[0].end) == (0.1, 0.8)
    tv.annotationDrawn.emit(12, 20)
    a = doc.project.annotations[0]
    assert (a.frame, a.end_frame, a.user) == (12, 20, "alice")


def test_autosave_and_recovery_offer(qtbot, win, clip):
    from app.document import open_document, pending_recovery
    doc = win.doc
    doc.add_box((10, 10, 30, 30))
    rec = doc.write_recovery()
    assert rec is not None and rec.exists()
    assert str(rec).startswith(str(__import__("redaction.paths", fromlist=["x"]).data_dir()))
    assert pending_recovery(doc.session.path) == rec
    # a "crash": the project file was never saved; reopening restores the edit from the
    # edit log (nothing to ask: the log holds it, attributed) and drops the autosave copy
    asked = []
    doc2 = open_document(clip, "alice", lambda p: asked.append(p) or True)
    assert asked == [] and len(doc2.project.tracks) == 1 and doc2.session.dirty
    assert doc2.session.recovered_edits == 1 and not rec.exists()
    doc2.save()
    assert pending_recovery(doc.session.path) is None
    doc2.autosave.stop()


def test_help_overlay_and_themes(qtbot, win):
    from app.actions import TABLE
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key_F1)
    assert win.help.isVisible()
    qtbot.keyClick(win.help, Qt.Key_Escape)
    assert not win.help.isVisible()
    for name, *_ in TABLE:                                    # every action has keys and a name
        a = win.a[name]
        assert a.shortcuts() and a.property("accessibleName")
    win.settings.cycle_theme()
    assert win.prefs.theme == "high-contrast"
    from redaction.paths import config_dir
    assert (config_dir() / "gui-preferences.json").exists()


def test_preferences_dialog_writes_the_config_file(qtbot, win):
    import json
    from redaction.paths import config_dir
    d = win.settings.show_preferences()
    qtbot.addWidget(d)
    d.reasons.setPlainText("Bystander\nChild")
    d.autosave.setValue(3)
    win.settings.apply_preferences(d)
    doc = json.loads((config_dir() / "gui-preferences.json").read_text())
    assert doc["reasons"] == ["Bystander", "Child"] and doc["autosave_seconds"] == 3
    assert [win.review.reason.itemText(i) for i in range(win.review.reason.count())] == ["Bystander", "Child"]
    assert win.doc.autosave.interval() == 3000


def test_timeline_mouse_seek_scrub_and_audio_drag(qtbot, win):
    from PySide6.QtCore import QPoint
    win.wait_idle()
    tv = win.timeline.view
    assert tv.envelope is not None and len(tv.envelope.peaks) > 10   # waveform loaded
    assert tv.thumbs                                                 # thumbnail strip loaded
    ry = int(sum(tv.lanes()["ruler"]) - 4)
    qtbot.mouseClick(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(20.5)), ry))
    assert win.doc.frame == 20 and win.view.frame_index == 20
    qtbot.mousePress(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(5.5)), ry))
    qtbot.mouseMove(tv, pos=QPoint(int(tv.x_of(12.5)), ry))                # drag-scrub
    assert win.doc.frame == 12
    qtbot.mouseRelease(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(12.5)), ry))
    ay = int(tv.lanes()["audio"][0] + tv.lanes()["audio"][1] / 2)
    qtbot.mousePress(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(10.5)), ay))
    qtbot.mouseMove(tv, pos=QPoint(int(tv.x_of(20.5)), ay))
    qtbot.mouseRelease(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(20.5)), ay))
    (r,) = win.doc.project.audio
    media = win.doc.media
    assert abs(r.start - media.time_of(10)) < 1e-6 and abs(r.end - media.time_of(21)) < 1e-6
    tv.zoom(4.0)                                                      # zoom keeps working
    assert not tv.fit and tv.ppf > 0


def test_a_project_from_an_earlier_version_is_migrated_only_when_the_user_agrees(qtbot, clip,
                                                                               tmp_path):
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from redaction.session import ProjectSession

    from helpers import make_format1, moving_track
    s = ProjectSession.create(clip, tmp_path / "old.bwvproj.json", "alice")
    s.do(edits.AddTrack(moving_track("t1", status="pending")))
    s.save()
    make_format1(s)
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    assert w.open_path(s.path, ask_migrate=lambda: False)
    assert not w.doc.decide("accepted", "third party", ["t1"])     # refused: not migrated
    assert w.doc.project.track("t1").status == "pending"
    assert w.open_path(s.path, ask_migrate=lambda: True)
    assert w.doc.decide("accepted", "third party", ["t1"])
    acts = [e["action"] for e in w.doc.session.log.verify()]
    assert acts[-2:] == ["migrate_log", "apply"] and w.doc.session.log.verify()[-2]["user"] == "alice"
    w.shutdown()
