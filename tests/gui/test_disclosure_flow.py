"""The whole disclosure flow in the window (issue 15), driven through the real widgets as the
right role and as a wrong role: requests (create, link clips, extend, approve, close), the
export for an approved request into the disclosure register, the retention review (MoPI
decision, guessed capture time, a retention run with cancel), importing clips as a job with
the truncated-clip refusal, log out and switch user, and the magnifier.

Every refusal comes from the service layer: it says who may do it, changes nothing and is
audited. Screenshots at 1366x768 and 1920x1080 go to artifacts/gui/ (git-ignored)."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from redaction import access

from .test_store_gui import PASSWORDS, held_clip, make_window, refusals, team  # noqa: F401

pytestmark = pytest.mark.gui
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "gui"
SIZES = ((1366, 768), (1920, 1080))


def shoot(widget, name: str) -> list[Path]:
    """The widget at both sizes (the paths are printed for the closing note)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = []
    for w, h in SIZES:
        widget.resize(w, h)
        for _ in range(3):
            QApplication.processEvents()
        p = SHOTS / f"{name}-{w}x{h}.png"
        assert widget.grab().save(str(p))
        out.append(p)
    return out


def hover(view, pos: QPoint) -> None:
    """A mouse move over the view (sent as the event: QTest's move is skipped offscreen when
    the cursor is already there)."""
    ev = QMouseEvent(QEvent.MouseMove, QPointF(pos), QPointF(view.mapToGlobal(pos)),
                     Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(view, ev)
    QApplication.processEvents()


def as_user(qtbot, name: str):
    access.login(name, PASSWORDS[name])
    return make_window(qtbot, name)


def library(qtbot, name: str, tab: int):
    w = as_user(qtbot, name)
    lib = w.store.open_library(tab)
    assert lib is not None and lib.isVisible()
    return w, lib


def _row_ids(table) -> list:
    return [table.item(r, 0).text() for r in range(table.rowCount())]


def _refused_by_service(lib, team, before, action, who):  # noqa: F811
    rows = refusals(team)[before:]
    assert [(u, a) for u, a, _ in rows] == [(who, action)], rows
    assert "cannot" in lib.message.text() and "needs" in lib.message.text()


# --- requests, approval, export, register ------------------------------------------------

def test_request_lifecycle_with_four_eyes_and_register(qtbot, team, held_clip, tmp_path):  # noqa: F811
    from redaction.store import api
    from redaction.store import policy as store_policy
    with team.session() as s:
        store_policy.set_value(s, "four_eyes_export", True, "admin")
    cid = held_clip["id"]

    # a reviewer sees the requests but every change is greyed out, with who may do it
    w, lib = library(qtbot, "rita", 1)
    b = lib.req_buttons
    assert not b["new"].isEnabled()
    assert b["new"].toolTip() == "Not allowed: needs the disclosure officer role"
    before = len(refusals(team))
    form = lib.new_request()                        # forced (a stale button): the service refuses
    form.requester.setText("J. Smith")
    assert not form.try_submit() and form.isVisible()
    assert "rita (reviewer) cannot request: needs disclosure officer" in form.error.text()
    assert api.list_requests("rita") == []
    assert [(u, a) for u, a, _ in refusals(team)[before:]] == [("rita", "request")]
    w.shutdown()

    # the disclosure officer creates, links and extends a subject access request
    w, lib = library(qtbot, "dora", 1)
    assert lib.req_buttons["new"].isEnabled() and not lib.req_buttons["approve"].isEnabled()
    assert lib.req_buttons["approve"].toolTip() == "Not allowed: needs the supervisor role"
    form = lib.new_request()
    form.rtype.setCurrentIndex(form.rtype.findData("subject_access"))
    form.requester.setText("J. Smith")
    form.received.setDate(form.received.date().addDays(-3))
    form.notes.setPlainText("Incident on 1 March, Market St")
    qtbot.mouseClick(form.ok, Qt.LeftButton)
    assert not form.isVisible(), form.error.text()
    (req,) = api.list_requests("dora")
    rid = req["id"]
    assert req["requester"] == "J. Smith" and req["type"] == "subject_access" and req["due"]
    assert lib.selected_request().id == rid and f"REQ-{rid}: created" in lib.message.text()
    assert lib.req_table.item(0, 7).text() == "not approved"
    assert lib.req_table.item(0, 1).text() == "Subject access (SAR)"   # a label, not a key
    assert lib.req_buttons["extend"].isEnabled()                        # a SAR is extended
    from redaction import services as _services
    other = _services.create_request("cps", "CPS Wessex", "dora")
    lib.refresh()
    assert lib.select_request(other.id) and not lib.req_buttons["extend"].isEnabled()
    assert "Only a subject access request is extended" in lib.req_buttons["extend"].toolTip()
    _services.close_request(other.id, "withdrawn", "dora")
    lib.refresh()
    assert lib.select_request(rid)
    form = lib.link_selected()
    form.check(cid)
    assert form.try_submit(), form.error.text()
    assert api.list_requests("dora")[0]["clips"] == [cid]
    assert lib.req_table.item(0, 8).text() == "1"
    form = lib.extend_selected()
    form.months.setValue(1)
    assert not form.try_submit()                    # the reason is required
    assert "reason" in form.error.text()
    form.reason.setText("Complex: footage from several officers")
    assert form.try_submit(), form.error.text()
    ext = api.list_requests("dora")[0]["extensions"]
    assert [(e["months"], e["by"]) for e in ext] == [(1, "dora")]
    assert "Complex: footage" in lib.req_details.toPlainText()
    shots = shoot(lib, "library-requests")
    # approval is a supervisor's: forcing it as dora is refused, nothing changes
    before = len(refusals(team))
    assert lib.approve_selected() is None
    _refused_by_service(lib, team, before, "approve_export", "dora")
    assert "needs supervisor" in lib.message.text()
    assert api.list_requests("dora")[0]["approved_by"] is None
    w.shutdown()

    # the supervisor approves (four-eyes)
    w, lib = library(qtbot, "sam", 1)
    assert lib.select_request(rid) and lib.req_buttons["approve"].isEnabled()
    qtbot.mouseClick(lib.req_buttons["approve"], Qt.LeftButton)
    assert api.list_requests("sam")[0]["approved_by"] == "sam"
    assert lib.req_table.item(0, 7).text() == "sam"
    assert lib.select_request(rid) and not lib.req_buttons["approve"].isEnabled()   # done once
    assert lib.req_buttons["approve"].toolTip() == f"REQ-{rid} is approved (by sam)"
    from redaction import services
    from redaction.store.errors import StoreError
    with pytest.raises(StoreError, match=f"request {rid} is already approved .by sam"):
        services.approve_request(rid, "sam")
    w.shutdown()

    # dora exports for the approved request: entered in the register, with the path
    w = as_user(qtbot, "dora")
    assert w.store.open_store_clip(cid, wait=True) and not w.doc.project.tracks
    from helpers import export_for_request
    d = export_for_request(w, rid, tmp_path / "out.mp4")
    lib = w.store.open_library(2)
    assert lib.reg_table.rowCount() == 1
    row = [lib.reg_table.item(0, c).text() for c in range(lib.reg_table.columnCount())]
    assert row[2] == f"REQ-{rid}" and row[3] == "J. Smith" and row[4] == "Member of the public"
    assert row[6] == d.result.sha256[:16] + "…" and row[7].endswith("out.mp4")
    lib.reg_table.selectRow(0)
    assert d.result.sha256 in lib.reg_detail.text()
    lib.reg_filter.setCurrentIndex(lib.reg_filter.findData(rid))
    assert lib.reg_table.rowCount() == 1
    shots += shoot(lib, "library-register")
    # close with the outcome; a closed request takes no more changes
    lib.tabs.setCurrentIndex(1)
    assert lib.select_request(rid)
    form = lib.close_selected()
    form.outcome_box.setCurrentText("disclosed")
    qtbot.mouseClick(form.ok, Qt.LeftButton)
    assert not form.isVisible(), form.error.text()
    lib.include_closed.setChecked(True)
    assert lib.select_request(rid)
    r = lib.selected_request()
    assert r.status == "closed" and r.outcome == "disclosed"
    assert not lib.req_buttons["extend"].isEnabled()
    assert lib.req_buttons["extend"].toolTip() == f"REQ-{rid} is closed"
    w.shutdown()
    print("\n".join(map(str, shots)))


# --- retention review ---------------------------------------------------------------------

def _untagged(tmp_path, name: str, days_ago: int, frames: int = 8) -> Path:
    from redaction.synth import ClipSpec, write_clip
    p = write_clip(tmp_path / name, ClipSpec(frames=frames, width=160, height=120))
    t = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)).timestamp()
    os.utime(p, (t, t))
    return p


@pytest.fixture
def retention_case(team, clip, tmp_path):  # noqa: F811
    """due: non-evidential, 40 days old; review: evidential, MoPI review date passed;
    guessed: non-evidential, capture time guessed 40 days ago (held)."""
    from redaction.store import api
    from redaction.store.models import Clip
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    due = api.import_clip(_untagged(tmp_path, "due.mp4", 1), "INC-7", "dora", captured=old)
    review = api.import_clip(clip, "INC-7", "dora", exhibit="XY/2",      # docked 2 days after
                             captured=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2))
    guessed = api.import_clip(_untagged(tmp_path, "guessed.mp4", 40, frames=9), "INC-8", "dora")
    api.classify(due["id"], "non_evidential", "sam", reason="nothing of note")
    api.classify(review["id"], "evidential", "sam", reason="shows the offence")
    api.classify(guessed["id"], "non_evidential", "sam", reason="nothing of note")
    with team.session() as s:
        s.get(Clip, review["id"]).review_due = dt.date.today() - dt.timedelta(days=1)
    access.logout()
    return {"due": due["id"], "review": review["id"], "guessed": guessed["id"]}


def _clip(team, cid):  # noqa: F811
    from redaction.store.models import Clip
    with team.session() as s:
        c = s.get(Clip, cid)
        return c.state, c.review_due, bool(c.capture_guessed)


def test_retention_review_supervisor_only(qtbot, team, retention_case):  # noqa: F811
    ids = retention_case
    w, lib = library(qtbot, "dora", 3)
    assert _row_ids(lib.erase_table) == [str(ids["due"]), str(ids["guessed"])]
    assert lib.erase_table.item(1, 6).text() == "held: capture time not confirmed"
    assert _row_ids(lib.review_table) == [str(ids["review"])]
    assert _row_ids(lib.guessed_table) == [str(ids["guessed"])]
    for btn in (lib.run_btn, lib.review_btn, lib.capture_btn):
        assert not btn.isEnabled() and btn.toolTip() == "Not allowed: needs the supervisor role"
    state = {k: _clip(team, v) for k, v in ids.items()}
    # forced: each is refused by the service, says who may do it, changes nothing
    assert lib.select_in(lib.review_table, ids["review"])
    lib.review_reason.setText("Still needed")
    before = len(refusals(team))
    assert lib.record_review_selected() is None
    _refused_by_service(lib, team, before, "retention_review", "dora")
    assert lib.select_in(lib.guessed_table, ids["guessed"])
    form = lib.capture_time_selected()
    form.reason.setText("Matches the control-room log")
    before = len(refusals(team))
    assert not form.try_submit() and "dora (disclosure officer) cannot retention review: " \
        "needs supervisor" in form.error.text()
    form.reject()
    before = len(refusals(team))
    assert not lib.run_retention()            # refused when it plans the list to confirm
    assert "Retention failed: dora (disclosure officer) cannot retention run: needs supervisor" \
        in lib.message.text()
    assert [(u, a) for u, a, _ in refusals(team)[before:]] == [("dora", "retention_run")]
    assert {k: _clip(team, v) for k, v in ids.items()} == state
    w.shutdown()

    w, lib = library(qtbot, "sam", 3)
    shots = shoot(lib, "library-retention")
    # MoPI review: retain, with the reason and the next review date
    assert lib.select_in(lib.review_table, ids["review"]) and lib.review_btn.isEnabled()
    lib.review_decision.setCurrentIndex(lib.review_decision.findData("retain"))
    qtbot.mouseClick(lib.review_btn, Qt.LeftButton)               # no reason: refused by the store
    assert "reason" in lib.message.text()
    lib.review_reason.setText("Trial listed for next year")
    qtbot.mouseClick(lib.review_btn, Qt.LeftButton)
    assert "MoPI decision 'retain' recorded" in lib.message.text()
    assert lib.review_table.rowCount() == 0 and _clip(team, ids["review"])[1] > dt.date.today()
    # the guessed capture time confirmed: the clip is no longer held, so it is due now
    assert lib.select_in(lib.guessed_table, ids["guessed"])
    form = lib.capture_time_selected()
    form.reason.setText("Matches the control-room log")
    qtbot.mouseClick(form.ok, Qt.LeftButton)
    assert not form.isVisible(), form.error.text()
    assert _clip(team, ids["guessed"])[2] is False and lib.guessed_table.rowCount() == 0
    assert [lib.erase_table.item(r, 6).text().startswith("non-evidential")
            for r in range(lib.erase_table.rowCount())] == [True, True]
    # a run cancelled at once erases nothing more than it reports; the next run finishes
    assert lib.run_retention()
    assert lib.job_cancel.isVisible() and not lib.run_btn.isEnabled()
    qtbot.mouseClick(lib.job_cancel, Qt.LeftButton)
    assert lib.runner.wait(30000)
    assert "Retention cancelled" in lib.message.text()
    assert lib.erase_table.rowCount() >= 1
    assert lib.run_retention()
    assert lib.runner.wait(30000)
    assert "Retention run as of" in lib.message.text(), lib.message.text()
    assert _clip(team, ids["due"])[0] == "erased" and _clip(team, ids["guessed"])[0] == "erased"
    assert _clip(team, ids["review"])[0] == "present" and lib.erase_table.rowCount() == 0
    w.shutdown()
    print("\n".join(map(str, shots)))


# --- import as a job --------------------------------------------------------------------

def _truncated(folder: Path) -> Path:
    """A real MP4 with its header first, cut to a quarter: the header declares every frame."""
    from helpers import truncated_clip
    return truncated_clip(folder, frames=60)


def test_import_job_truncated_refusal_cancel_and_roles(qtbot, team, clip, tmp_path):  # noqa: F811
    from redaction.store import api
    w, lib = library(qtbot, "rita", 0)
    assert not lib.import_btn.isEnabled()
    assert lib.import_btn.toolTip() == "Not allowed: needs the disclosure officer role"
    before = len(refusals(team))
    assert lib.start_import([clip], "INC-1")           # forced: refused inside the job
    assert lib.runner.wait(30000)
    assert "Import failed: rita (reviewer) cannot import: needs disclosure officer" \
        in lib.message.text()
    assert [(u, a) for u, a, _ in refusals(team)[before:]] == [("rita", "import")]
    w.shutdown()

    w, lib = library(qtbot, "dora", 0)
    assert lib.import_btn.isEnabled()
    form = lib.import_dialog()
    form.incident.setCurrentText("INC-2024-050")
    assert not form.try_submit() and "choose the clips" in form.error.text()
    form.set_files([clip])                              # the message no longer applies
    assert form.error.text() == ""
    form.exhibit.setText("DC/1")
    qtbot.mouseClick(form.ok, Qt.LeftButton)
    assert not form.isVisible(), form.error.text()
    assert lib.runner.wait(60000)
    assert "Imported 1 clip(s): clip.mp4 as clip" in lib.message.text(), lib.message.text()
    top = lib.tree.topLevelItem(0)
    assert top.text(0).startswith("INC-2024-050") and top.child(0).text(1) == "DC/1"
    # a truncated clip: refused, said plainly, nothing stored
    cut = _truncated(tmp_path)
    form = lib.import_dialog([cut])
    form.incident.setCurrentText("INC-2024-050")
    assert form.try_submit()
    assert lib.runner.wait(60000)
    msg = lib.message.text()
    assert msg.startswith("Import failed: ") and "truncated" in msg and str(cut) in msg
    assert "not imported" in msg and "tick “Accept a truncated clip”" in msg
    assert sum(len(c["clips"]) for c in api.library("dora")) == 1
    shots = shoot(lib, "library-import-refused")
    # accepted on purpose: imported and flagged
    form = lib.import_dialog([cut])
    form.incident.setCurrentText("INC-2024-050")
    form.accept_truncated.setChecked(True)
    assert form.try_submit()
    assert lib.runner.wait(60000)
    assert "(truncated, accepted)" in lib.message.text(), lib.message.text()
    # cancel between clips: what was imported is kept, the rest not started
    more = [_untagged(tmp_path, f"more{i}.mp4", i, frames=5 + i) for i in range(3)]
    assert lib.start_import(more, "INC-2024-051")
    assert lib.job_bar.isVisible() and not lib.import_btn.isEnabled()
    qtbot.mouseClick(lib.job_cancel, Qt.LeftButton)
    assert lib.runner.wait(60000)
    assert "Import cancelled" in lib.message.text()
    n = sum(len(c["clips"]) for c in api.library("dora") if c["incident"] == "INC-2024-051")
    assert n < 3
    w.shutdown()
    print("\n".join(map(str, shots)))


# --- log out, switch user ------------------------------------------------------------------

def test_switch_user_and_log_out(qtbot, team, clip):  # noqa: F811
    w = as_user(qtbot, "dora")
    assert w.store.a_switch_user.isEnabled() and w.store.a_logout.isEnabled()
    assert w.open_path(clip)
    # a wrong password changes nothing
    d = w.store.switch_user()
    d.name.setText("sam")
    d.password.setText("not-the-password")
    assert not d.try_login() and "sam" in d.error.text()
    d.reject()
    assert w.user == "dora" and w.doc is not None
    # sam takes over: the clip is closed, the roles are sam's, dora is logged out
    d = w.store.switch_user()
    d.name.setText("sam")
    d.password.setText(PASSWORDS["sam"])
    assert d.try_login()
    assert w.user == "sam" and w.gate.user == "sam" and w.doc is None
    assert w.user_label.text().startswith("User: sam (supervisor)")
    assert w.view.rgb is None and not w.a["export"].isEnabled()
    assert "dora" not in access._authenticated
    lib = w.store.open_library(3)
    assert lib.run_btn.isEnabled() and lib.user == "sam"
    # rita logs in after sam logs out: her role greys out export, and she cannot redact
    d = w.store.log_out()
    assert w.store.library is None and "sam" not in access._authenticated
    d.name.setText("rita")
    d.password.setText(PASSWORDS["rita"])
    assert d.try_login()
    assert w.user == "rita" and w.isVisible()
    assert w.open_path(clip)
    assert not w.a["export"].isEnabled() and not w.view.editable
    assert w.a["export"].toolTip() == "Not allowed: needs the disclosure officer role"
    before = len(refusals(team))
    w.a["export"].setEnabled(True)
    w.a["export"].trigger()                         # forced: refused for rita, not dora
    assert [(u, a) for u, a, _ in refusals(team)[before:]] == [("rita", "export")]
    # log out, then cancel the login: the window closes
    d = w.store.log_out()
    assert w.doc is None
    d.reject()
    assert not w.isVisible()
    w.shutdown()


# --- the magnifier ------------------------------------------------------------------------

def test_magnifier_shows_real_pixels_nearest_neighbour(qtbot, win):
    from app.actions import TABLE
    view = win.view
    a = win.a["magnifier"]
    assert a.shortcuts()[0].toString() == "Z" and a.isCheckable()
    assert any(name == "magnifier" for name, *_ in TABLE)
    win.help.toggle()
    assert "Magnifier" in " ".join(lab.text() for lab in win.help.findChildren(type(win.user_label)))
    win.help.toggle()
    # a two-colour checkerboard with one-pixel cells: any smoothing would blend the colours
    h, w = 240, 320
    yy, xx = np.mgrid[0:h, 0:w]
    board = np.where(((yy + xx) % 2 == 0)[..., None], np.uint8([250, 20, 20]),
                     np.uint8([10, 10, 240])).astype(np.uint8)
    board[100, 150] = (0, 255, 0)                   # one marked pixel
    view.set_frame(0, board)
    a.trigger()
    assert view.magnifier and a.isChecked()
    s, _, ox, oy = view._fit()
    at = QPoint(round(ox + 150.5 * s), round(oy + 100.5 * s))
    hover(view, at)
    lp = view.loupe()
    assert lp is not None and lp["pixel"] == (150, 100)
    assert lp["block"] == (max(1, round(4 * s)),) * 2
    img = view.grab().toImage()
    px = img.pixelColor(at)
    assert (px.red(), px.green(), px.blue()) == (0, 255, 0)
    # inside the loupe (away from its edge, the marked pixel and the label) only the two
    # colours: every frame pixel is an exact block
    r = lp["rect"]
    colours = set()
    for y in range(int(r.top()) + 4, int(r.top() + r.height() * 0.6), 3):
        for x in range(int(r.left()) + 4, int(r.right()) - 4, 3):
            if abs(x - at.x()) < 2 * lp["block"][0] and abs(y - at.y()) < 2 * lp["block"][1]:
                continue
            c = img.pixelColor(x, y)
            colours.add((c.red(), c.green(), c.blue()))
    assert colours <= {(250, 20, 20), (10, 10, 240)}, colours
    assert view.next_magnification() == 6 and view.loupe()["block"] == (max(1, round(6 * s)),) * 2
    view.set_magnification(20)
    assert view.magnification == 8
    a.trigger()
    assert not view.magnifier and view.loupe() is None


def test_magnifier_screenshots(qtbot, win):
    import cv2
    win.wait_idle()
    frame = win.doc.image().copy()                  # a small plate drawn on the real frame
    cv2.rectangle(frame, (140, 150), (181, 159), (235, 235, 235), -1)
    cv2.putText(frame, "AB12 CDE", (141, 158), cv2.FONT_HERSHEY_PLAIN, 0.55, (10, 10, 10), 1)
    win.a["magnifier"].trigger()
    win.view.set_magnification(8)
    shots = []
    for size in SIZES:
        win.resize(*size)
        QApplication.processEvents()
        view = win.view
        view.set_frame(win.doc.frame, frame)
        s, _, ox, oy = view._fit()
        hover(view, QPoint(round(ox + 160 * s), round(oy + 155 * s)))
        SHOTS.mkdir(parents=True, exist_ok=True)
        p = SHOTS / f"magnifier-{size[0]}x{size[1]}.png"
        assert win.grab().save(str(p))
        shots.append(p)
    print("\n".join(map(str, shots)))
