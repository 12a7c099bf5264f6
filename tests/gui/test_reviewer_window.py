"""What a reviewer (view and annotate, never redact or export) can and cannot do in the
window: the window greys out exactly what the service layer refuses, no more, no less."""
from __future__ import annotations

import pytest

from .test_gui_services import _as, prepared  # noqa: F401
from .test_store_gui import refusals, team  # noqa: F401

pytestmark = pytest.mark.gui


def test_reviewer_can_undo_and_save_their_own_note(qtbot, team, prepared):  # noqa: F811
    """A note needs only the annotate right, so undoing, redoing and saving it do too
    (services.undo/redo/save): the window offers them; an officer's edit stays greyed."""
    w = _as(qtbot, "rita", prepared)
    assert not w.a["undo"].isEnabled() and not w.a["save"].isEnabled()
    w.a["add_note"].trigger()
    assert len(w.doc.project.annotations) == 1 and w.doc.session.dirty
    assert w.a["save"].isEnabled(), w.a["save"].toolTip()
    assert w.a["undo"].isEnabled(), w.a["undo"].toolTip()
    w.a["undo"].trigger()
    assert w.doc.project.annotations == []
    assert w.a["redo"].isEnabled(), w.a["redo"].toolTip()
    w.a["redo"].trigger()
    assert len(w.doc.project.annotations) == 1
    before = len(refusals(team))
    w.a["save"].trigger()
    assert not w.doc.session.dirty and refusals(team)[before:] == []
    w.shutdown()


def test_reviewer_cannot_undo_an_officers_edit_in_the_window(qtbot, team, prepared):  # noqa: F811
    from redaction import access, edits
    from .test_store_gui import PASSWORDS
    w = _as(qtbot, "dora", prepared)
    w.doc.do(edits.SetStatus(["t1"], "accepted", "Third party", "dora"))
    access.login("rita", PASSWORDS["rita"])
    w.gate.user = w.doc.session.user = w.user = "rita"   # as after a switch on an open clip
    w.gate.refresh()
    w.update_actions()
    assert not w.a["undo"].isEnabled() and not w.a["save"].isEnabled()
    assert w.a["undo"].toolTip() == "Not allowed: needs the disclosure officer role"
    w.shutdown()


def test_reviewer_sees_kind_and_mark_checked_greyed(qtbot, team, prepared):  # noqa: F811
    """Changing a track's kind and marking a check done are redaction edits the service
    refuses a reviewer: the review panel greys them with the reason, like Accept."""
    w = _as(qtbot, "rita", prepared)
    w.doc.select("t1")
    assert not w.review.kind.isEnabled()
    assert w.review.kind.toolTip() == "Not allowed: needs the disclosure officer role"
    checks = w.review.checks
    assert checks.list.count() >= 1
    checks.list.setCurrentRow(0)
    assert not checks.done_btn.isEnabled()
    assert checks.done_btn.toolTip() == "Not allowed: needs the disclosure officer role"
    w.shutdown()
    # the officer keeps both
    w = _as(qtbot, "dora", prepared)
    w.doc.select("t1")
    assert w.review.kind.isEnabled()
    w.review.checks.list.setCurrentRow(0)
    assert w.review.checks.done_btn.isEnabled()
    w.shutdown()


def test_reviewer_drag_on_the_audio_lane_scrubs_and_asks_for_no_redaction(qtbot, team, prepared):  # noqa: F811
    """Drawing or editing an audio redaction is refused a reviewer: the audio lane only seeks
    (no dialog to fill in that the service then refuses), as the picture draws no boxes."""
    from PySide6.QtCore import QPoint, Qt
    w = _as(qtbot, "rita", prepared)
    tv = w.timeline.view
    asked = []
    tv.audioRangeDrawn.connect(lambda *a: asked.append(("draw", a)))
    tv.audioRangeAdjusted.connect(lambda *a: asked.append(("adjust", a)))
    tv.audioRangeEdit.connect(lambda *a: asked.append(("edit", a)))
    y0, h = tv.lanes()["audio"]
    ay = int(y0 + h / 2)
    qtbot.mousePress(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(20.5)), ay))
    qtbot.mouseMove(tv, pos=QPoint(int(tv.x_of(30.5)), ay))
    qtbot.mouseRelease(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(30.5)), ay))
    assert w.doc.frame == 30                                  # it scrubbed
    r = w.doc.project.audio[0]                                # a1, made by dora
    x = int(tv.x_of(w.doc.media.index_at_time((r.start + r.end) / 2) + 0.5))
    qtbot.mouseDClick(tv, Qt.LeftButton, pos=QPoint(x, ay))
    assert asked == []
    w.shutdown()
    # the officer still draws one
    w = _as(qtbot, "dora", prepared)
    tv = w.timeline.view
    qtbot.mousePress(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(20.5)), ay))
    qtbot.mouseMove(tv, pos=QPoint(int(tv.x_of(30.5)), ay))
    qtbot.mouseRelease(tv, Qt.LeftButton, pos=QPoint(int(tv.x_of(30.5)), ay))
    assert len(w.doc.project.audio) == 2
    w.shutdown()


class _Painter:
    """Records what paint_tracks writes (the timeline's empty-lane hint)."""
    def __init__(self, view):
        self.texts, self._fm = [], view.fontMetrics()

    def fontMetrics(self):
        return self._fm

    def setPen(self, *a):
        pass

    def drawText(self, rect, flags, text):
        self.texts.append(text)


@pytest.mark.parametrize("user, offers_drawing", [("rita", False), ("dora", True)])
def test_the_empty_timeline_offers_drawing_only_to_a_role_that_may(qtbot, team, prepared, user, offers_drawing):  # noqa: F811
    """A reviewer was told to "draw a box on the picture, or run detection (Ctrl+D)",
    neither of which the role allows."""
    from app.timeline.painters import paint_tracks
    w = _as(qtbot, user, prepared)
    w.doc.project.tracks.clear()
    p = _Painter(w.timeline.view)
    paint_tracks(w.timeline.view, p, (0, 20), None)
    assert len(p.texts) == 1
    assert ("draw a box" in p.texts[0]) is offers_drawing, p.texts
    assert ("Ctrl+D" in p.texts[0]) is offers_drawing
    w.shutdown()
