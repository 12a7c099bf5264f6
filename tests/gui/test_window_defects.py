"""Window defects of issue 15, each with its test: track labels under dense keyframe ticks,
the clipped "Accept all…" button, the default reason on a plates-only project, the picture
strip missing from an early (preview-mode) screenshot, a track outside the clip's frames."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt

from redaction import edits
from redaction.model import Keyframe, Track
from redaction.session import ProjectSession


def _track(tid, kind, a, b, every=1, status="pending"):
    kfs = [Keyframe(f, (20.0 + f, 60.0, 60.0, 30.0)) for f in range(a, b + 1, every)]
    return Track(id=tid, kind=kind, origin="auto", status=status, keyframes=kfs,
                 scores={k.frame: 0.8 for k in kfs})


def _add(doc, *tracks):
    assert doc.do(edits.Batch([edits.AddTrack(t) for t in tracks], "test tracks"))


def test_track_labels_stay_readable_over_dense_keyframes(qtbot, win):
    from app.timeline.lanes import GUTTER, keyframe_ticks
    _add(win.doc, _track("t1", "plate", 0, 39), _track("t2", "plate", 5, 39))
    tv = win.timeline.view
    win.dock_timeline.resize(win.dock_timeline.width(), 320)
    tv.fit = True
    tv.update()
    img = tv.grab().toImage()
    assert set(tv.label_rects) == {"t1", "t2"}
    y0, h = tv.lanes()["lane"]
    for tid, r in tv.label_rects.items():
        assert r.left() >= GUTTER and r.width() > 20
        # no tick (a black column through the lane) inside the label's backdrop
        for x in range(int(r.left()) + 1, int(r.right()) - 1):
            dark = sum(img.pixelColor(x, y).lightness() < 40
                       for y in range(int(r.top()) + 2, int(r.bottom()) - 1))
            assert dark < (r.height() - 4) * 0.9, (tid, x)
    # the ticks: thinned to one per few pixels and never in the label's span
    xs = [float(x) for x in range(100, 400)]            # a keyframe on every pixel
    ticks = keyframe_ticks(xs, min_gap=4, skip=(100, 160))
    assert all(t > 161 for t in ticks) and min(b - a for a, b in zip(ticks, ticks[1:])) >= 4


def test_accept_all_button_text_is_not_clipped(qtbot, win):
    b = win.review.accept_all
    need = b.fontMetrics().horizontalAdvance(b.text())
    # the text and the menu arrow both fit (a tool button drew the arrow over the text)
    assert b.width() >= need + 20, (b.width(), need)   # a tool button gave need + 16
    assert b.width() >= b.sizeHint().width()
    assert b.menu() is not None and len(b.menu().actions()) == 5


def test_default_reason_follows_the_kind_of_the_tracks(qtbot, win):
    rv = win.review
    assert rv.reason_text().startswith("Third party face")      # no tracks: the first reason
    _add(win.doc, _track("p1", "plate", 0, 20), _track("p2", "plate", 10, 30))
    assert "registration" in rv.reason_text().lower()            # plates only: not a face
    _add(win.doc, _track("f1", "face", 0, 5, status="accepted"))
    win.doc.select("f1")
    assert "face" in rv.reason_text().lower()                    # the selected track's kind
    win.doc.select("p1")
    assert "registration" in rv.reason_text().lower()
    rv.reason.setCurrentText("Seen on the dashboard camera")     # the reviewer's own words stay
    win.doc.select("f1")
    assert rv.reason_text() == "Seen on the dashboard camera"
    rv.reason.setCurrentText("Third party face (not relevant)")
    win.doc.select(None)
    rv._accept_all("plate")                                      # bulk: the plate reason
    reasons = {win.doc.project.track(t).reason for t in ("p1", "p2")}
    assert len(reasons) == 1 and "registration" in reasons.pop().lower()


def test_picture_strip_shows_in_preview_before_the_slow_checks(qtbot, clip, monkeypatch):
    """The strip is its own first job: it is on the timeline while the sha256 check (slow on a
    long clip) still runs, and a preview-mode screenshot after wait_idle has it."""
    from app import background
    from app.main_window import MainWindow
    from app.prefs import Preferences
    from redaction.jobs import Progress
    real_hash = background.hash_job

    def slow_hash(path, cancel, chunk=1 << 22):
        for i in range(15):
            cancel.check()
            time.sleep(0.1)
            yield Progress(i, 15, "hashing")
        return (yield from real_hash(path, cancel, chunk))
    monkeypatch.setattr(background, "hash_job", slow_hash)
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    assert w.open_path(clip)
    w.doc.set_mode("preview")
    qtbot.waitUntil(lambda: bool(w.timeline.view.thumbs), timeout=10000)
    assert w.bg.busy and w.bg.name == "media"        # the hash is still running
    w.wait_idle(60000)
    assert not w.bg.busy and w.timeline.view.envelope is not None
    tv = w.timeline.view
    img = tv.grab().toImage()
    from app.timeline.lanes import GUTTER
    y, h = tv.lanes()["thumbs"]
    colours = {img.pixelColor(x, int(y + h / 2)).rgb() for x in range(GUTTER + 2, tv.width() - 10, 7)}
    assert len(colours) > 5                          # pictures, not an empty lane
    w.shutdown()


def test_track_outside_the_clip_is_flagged_in_the_table(qtbot, clip, tmp_path):
    """Edits are validated now, but an old project may hold a track past the clip's end."""
    from app.main_window import MainWindow
    from app.prefs import Preferences
    proj = tmp_path / "old.bwvproj.json"
    s = ProjectSession.create(clip, proj, "alice")          # no bounds: as an old version wrote
    s.do(edits.AddTrack(_track("late", "face", 100, 120)))
    s.do(edits.AddTrack(_track("ok", "face", 0, 10)))
    s.save()
    w = MainWindow("alice", Preferences(), interactive=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    assert w.open_path(proj)
    t = w.review.table
    rows = {t.item(r, 1).text(): r for r in range(t.rowCount())}
    late = t.item(rows["late"], 3)
    assert "⚠" in late.text() and "outside the clip" in late.toolTip()
    from app.themes import alert_color      # the theme's red (an earlier test may leave a dark palette)
    assert late.foreground().color().name() == alert_color().name()
    assert "⚠" not in t.item(rows["ok"], 3).text() and not t.item(rows["ok"], 3).toolTip()
    assert "1 outside the clip" in w.review.counts.text()
    assert w.timeline.view.label_rects.get("late") is None   # not on the clip's frame axis
    w.shutdown()


def test_cancel_is_acknowledged_at_once_and_reported(qtbot, win):
    """A detection child process can take seconds to stop: the status bar says
    "cancelling…" at once, and "cancelled" when it has stopped."""
    import time as _time

    from redaction.jobs import Progress

    def slow(cancel):
        for i in range(400):
            cancel.check()
            yield Progress(i, 400, "detecting")
            _time.sleep(0.01)
        return None
    win.runner.start("detect", slow)
    qtbot.waitUntil(lambda: win.jobs.job_cancel.isVisible(), timeout=5000)
    win.jobs.job_cancel.click()
    assert win.jobs.job_label.text() == "Detect: cancelling…" and not win.jobs.job_cancel.isEnabled()
    assert win.runner.wait(10000)
    qtbot.waitUntil(lambda: "cancelled" in win.statusBar().currentMessage(), timeout=5000)
    assert win.statusBar().currentMessage().startswith("Detect cancelled")
