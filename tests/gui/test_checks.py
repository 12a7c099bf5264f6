"""The review panel's "Checks before export": listed, clicked to jump, marked done (logged)."""
from PySide6.QtCore import Qt

from redaction.edits import AddTracks, Batch, SetExtra
from redaction.model import Keyframe, Track


def lost_track():
    # detected on 0-12 in the middle of a 320x240 picture, then held to 20: lost in view
    return Track("a1", "face", "auto", "accepted", "third party",
                 keyframes=[Keyframe(0, (140, 100, 30, 30)), Keyframe(12, (140, 100, 30, 30)),
                            Keyframe(20, (130, 90, 50, 50))],
                 scores={0: 0.9, 6: 0.9, 12: 0.9})


def test_checks_are_listed_jumped_to_and_marked_done(qtbot, win, monkeypatch):
    doc = win.doc
    box = win.review.checks
    assert box.list.count() == 1 and "No automatic detection" in box.list.item(0).text()
    doc.do(Batch([AddTracks([lost_track()], source="detection"), SetExtra("detection", {})],
                 "detection"))
    assert box.list.count() == 1 and "1 open" in box.summary.text()
    item = box.list.item(0)
    assert "Lost in view" in item.text() and "a1" in item.text()
    box.list.setCurrentItem(item)
    box._clicked(item)
    assert doc.frame == 13 and doc.selected == "a1"
    assert box.done_btn.isEnabled()
    import app.dialogs.small as small
    monkeypatch.setattr(small, "ask_text", lambda *a, **k: "looked: she is behind the van")
    qtbot.mouseClick(box.done_btn, Qt.LeftButton)
    assert box.list.count() == 1 and "All 1 checked" in box.summary.text()
    assert "checked by alice" in box.list.item(0).text()
    assert not box.done_btn.isEnabled()
    log = doc.session.log.path.read_text()
    assert "checks_done" in log and "behind the van" in log
    doc.undo()
    assert "1 open" in box.summary.text()


def test_dark_footage_is_a_check_without_a_track_and_a_strip_on_the_timeline(qtbot, win):
    from app.timeline import painters
    from redaction.edits import SetExtra
    doc = win.doc
    doc.do(SetExtra("detection", {"dark": [[5, 14]], "settings": {}}))
    box = win.review.checks
    assert box.list.count() == 1
    item = box.list.item(0)
    assert "Dark footage" in item.text() and "frames 5–14" in item.text() and "·" not in item.text()
    doc.select(None)
    box._clicked(item)
    assert doc.frame == 5 and doc.selected is None
    view = win.timeline.view
    view.fit = True
    view.repaint()
    img = view.grab().toImage()
    y, h = view.lanes()["density"]
    foot = int(y + h - 2)
    inside = img.pixelColor(int(view.x_of(10)), foot)
    outside = img.pixelColor(int(view.x_of(20)), foot)
    dark, stripe = painters.DARK, (170, 180, 255)
    assert (inside.red(), inside.green(), inside.blue()) in ((dark.red(), dark.green(), dark.blue()), stripe)
    assert (outside.red(), outside.green(), outside.blue()) not in ((dark.red(), dark.green(), dark.blue()), stripe)
    from redaction.review_checks import recorded_dark
    assert recorded_dark(doc.project) == [(5, 14)]
