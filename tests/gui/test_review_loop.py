"""The review-and-correct loop: what the redacted preview shows and plays is what the
export writes, and each edit lands on the frame and track it names."""
from __future__ import annotations

from PySide6.QtCore import Qt

from redaction import edits
from redaction.model import AudioRange, Keyframe, Track


class FakeSound:
    """Stands in for AudioOut: records the ranges the player would redact."""
    available, running = True, False

    def __init__(self):
        self.started = []

    def start(self, path, t0, ranges=None):
        self.started.append(None if ranges is None else sorted(r.id for r in ranges))
        return True

    def position_s(self):
        return None

    def stop(self):
        pass


def test_preview_sound_redacts_only_the_ranges_the_export_redacts(qtbot, win):
    """A rejected or kept-clear audio range is heard in the export, so in the preview too;
    a pending one is muted (the only export with pending ranges redacts them)."""
    doc = win.doc
    for rid, status in (("a1", "accepted"), ("a2", "rejected"), ("a3", "keep_clear"),
                        ("a4", "pending")):
        doc.do(edits.AddAudioRange(AudioRange(0.1, 0.3, "mute", "x", id=rid, status=status)))
    sound = win.playback.audio = FakeSound()
    doc.set_mode("preview")
    win.playback.play()
    win.playback.pause()
    assert sound.started == [["a1", "a4"]]
    doc.set_mode("edit")                    # Edit plays the original sound
    win.playback.play()
    win.playback.pause()
    assert sound.started[-1] is None


def _auto(tid, first, last, kind="face", status="pending"):
    return Track(tid, kind, "auto", status, keyframes=[Keyframe(first, (10, 10, 30, 30)),
                                                  Keyframe(last, (20, 20, 30, 30))],
                 scores={first: 0.9, last: 0.7})


def test_next_pending_visits_tracks_that_start_on_the_same_frame(qtbot, win):
    """N walks every pending track in order, two starting on one frame included (it went
    a1, a3, a1, a3... and never reached a2)."""
    doc = win.doc
    doc.do(edits.AddTracks([_auto("a1", 10, 20), _auto("a2", 10, 25), _auto("a3", 30, 35)]))
    win.view.setFocus()
    seen = []
    for _ in range(4):
        qtbot.keyClick(win.view, Qt.Key_N)
        seen.append((doc.selected, doc.frame))
    assert seen == [("a1", 10), ("a2", 10), ("a3", 30), ("a1", 10)]
    doc.decide("accepted", "third party")            # a1 decided: N goes on to a2
    qtbot.keyClick(win.view, Qt.Key_N)
    assert (doc.selected, doc.frame) == ("a2", 10)


def test_start_here_after_the_end_and_end_here_before_the_start_are_refused(qtbot, win):
    """I after a track's last frame (O before its first) made it a one-frame track on this
    frame: its whole span went unredacted. Refused, with the reason; nothing logged."""
    doc = win.doc
    doc.do(edits.AddTracks([_auto("a1", 5, 15, status="accepted")]))
    doc.select("a1")
    errors = []
    doc.error.connect(errors.append)
    n = len(doc.session.undo_stack)
    win.view.setFocus()
    doc.seek(30)
    qtbot.keyClick(win.view, Qt.Key_I)
    doc.seek(2)
    qtbot.keyClick(win.view, Qt.Key_O)
    t = doc.project.track("a1")
    assert (t.first_frame, t.last_frame) == (5, 15) and len(doc.session.undo_stack) == n
    assert len(errors) == 2 and "after" in errors[0] and "before" in errors[1]
    doc.seek(15)                                       # on the track's own ends: allowed
    qtbot.keyClick(win.view, Qt.Key_I)
    assert (doc.project.track("a1").first_frame, doc.project.track("a1").last_frame) == (15, 15)


def test_a_box_drawn_while_playing_lands_on_the_frame_it_was_drawn_on(qtbot, win):
    """Playback went on under the drag: the box was put on the frame shown at the release,
    with the position drawn on an earlier frame. A press on the picture pauses first."""
    doc, view = win.doc, win.view
    win.playback.play()
    qtbot.waitUntil(lambda: doc.frame >= 2, timeout=10000)
    pa = view.to_widget((40, 40, 0, 0)).topLeft().toPoint()
    pb = view.to_widget((120, 100, 0, 0)).topLeft().toPoint()
    qtbot.mousePress(view, Qt.LeftButton, pos=pa)
    shown = view.frame_index
    qtbot.wait(300)                                    # about 7 frames at 25 fps
    qtbot.mouseMove(view, pos=(pa + pb) / 2)
    qtbot.mouseMove(view, pos=pb)
    qtbot.mouseRelease(view, Qt.LeftButton, pos=pb)
    win.playback.pause()
    t = doc.project.track(doc.selected)
    assert t.first_frame == shown == doc.frame


def test_selecting_among_many_tracks_does_not_block_the_window(qtbot, win):
    """Every selection, decision and edit refills the review table: setting the items of a
    table that still had its rows cost time in the square of the tracks (200 tracks: 5 s a
    click, 600: 49 s)."""
    import time
    doc = win.doc
    doc.do(edits.AddTracks([_auto(f"a{i}", i % 30, i % 30 + 5) for i in range(300)]))
    doc.select("a1")
    win.review.table.verticalScrollBar().setValue(40)
    t0 = time.perf_counter()
    doc.select("a2")
    doc.decide("accepted", "third party")
    assert time.perf_counter() - t0 < 2.0
    assert [it.text() for it in win.review.table.selectedItems()][1] == "a2"
    assert win.review.table.verticalScrollBar().value() == 40    # the list stays where it was


def test_after_a_split_the_part_on_screen_is_selected(qtbot, win):
    """S at frame 15 left the first part (to 14, off screen) selected: R then rejected the
    part the officer was not looking at. The part under the playhead is selected."""
    doc, view = win.doc, win.view
    doc.do(edits.AddTracks([_auto("a1", 0, 30)]))
    doc.select("a1")
    doc.seek(15)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_S)
    tail = doc.project.tracks[1]
    assert (tail.first_frame, doc.selected) == (15, tail.id)
    assert [t.id for t, _, _ in view.visible_boxes()] == [tail.id] and view.selected == tail.id
    win.review.reason.setCurrentText("False detection")
    win.review.reason.activated.emit(0)
    win.review.reason.setCurrentText("False detection")
    qtbot.keyClick(view, Qt.Key_R)
    assert doc.project.track(tail.id).status == "rejected"
    assert doc.project.track("a1").status == "pending"


def test_an_audio_range_on_the_timeline_covers_the_frames_it_mutes(qtbot, win):
    """A range muting frames 10-20 was drawn to the end of frame 21, and a click on its end
    edge (no drag) lengthened it by a frame each time."""
    from PySide6.QtCore import QPoint
    doc, tv = win.doc, win.timeline.view
    media = doc.media
    doc.do(edits.AddAudioRange(AudioRange(media.time_of(10), media.time_of(21), "mute", "name",
                                          id="a1")))
    ay = int(tv.lanes()["audio"][0] + tv.lanes()["audio"][1] / 2)
    assert tv._audio_at(tv.x_of(21))[1] == "end"                 # the end of frame 20
    for _ in range(2):
        qtbot.mouseClick(tv, Qt.LeftButton, pos=QPoint(round(tv.x_of(21)), ay))
    (r,) = doc.project.audio
    assert abs(r.end - media.time_of(21)) < 1e-6                # a click is not a drag
    qtbot.mousePress(tv, Qt.LeftButton, pos=QPoint(round(tv.x_of(21)), ay))
    qtbot.mouseMove(tv, pos=QPoint(round(tv.x_of(25)) + 1, ay))  # to the end of frame 24
    qtbot.mouseRelease(tv, Qt.LeftButton, pos=QPoint(round(tv.x_of(25)) + 1, ay))
    (r,) = doc.project.audio
    assert abs(r.end - media.time_of(25)) < 1e-6 and abs(r.start - media.time_of(10)) < 1e-6


def test_going_to_a_track_shows_its_box_not_its_pre_held_first_frame(qtbot, win):
    """A click in the list and Next pending went to the track's first frame: for a detected
    track that is a pre-held box, over nothing yet or off the picture (on the Intel car clip,
    a1's plate box waits above the top edge on frame 42: the officer saw empty road and no
    box). They go to the frame that shows the object best, its surest detection, unless the
    frame shown already shows the box."""
    doc = win.doc
    pre = Track("a1", "plate", "auto", "pending",
                keyframes=[Keyframe(5, (100, -60, 30, 20)), Keyframe(12, (100, -25, 30, 20)),
                           Keyframe(20, (100, 50, 30, 20)), Keyframe(30, (110, 60, 30, 20))],
                scores={20: 0.6, 30: 0.9})
    doc.do(edits.AddTracks([pre]))
    doc.seek(0)
    win.review.jumpRequested.emit("a1")                  # a click in the list
    assert (doc.selected, doc.frame) == ("a1", 30)
    assert [t.id for t, _, _ in win.view.visible_boxes()] == ["a1"]
    doc.seek(25)                                          # its box is on the picture here: stays
    win.review.jumpRequested.emit("a1")
    assert doc.frame == 25
    doc.seek(8)                                           # covered, but the box is off the picture
    win.review.jumpRequested.emit("a1")
    assert doc.frame == 30
    doc.select(None)
    doc.seek(0)
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key_N)                    # Next pending
    assert (doc.selected, doc.frame) == ("a1", 30)
