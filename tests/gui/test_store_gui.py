"""The workstation over the case store: login, role-aware actions, the library browser,
exports entered in the disclosure register, Help > Self-test and About, machine policy."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from redaction import access
from redaction.store import db

PASSWORDS = {"admin": "admin-password-1", "rita": "reviewer-pass-1",
             "dora": "disclosure-pass-1", "sam": "supervisor-pass-1"}
ROLE_OF = {"rita": "reviewer", "dora": "disclosure_officer", "sam": "supervisor"}


@pytest.fixture
def team(tmp_path, monkeypatch):
    """An enforced SQLite store in this test's folders: admin + one user per role."""
    monkeypatch.setenv("BWV_DATABASE_URL", f"sqlite:///{tmp_path / 'db' / 'bwv.sqlite3'}")
    (tmp_path / "db").mkdir()
    monkeypatch.setenv("BWV_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.delenv("BWV_PASSWORD", raising=False)
    from argon2 import PasswordHasher
    monkeypatch.setattr("redaction.store.users._hasher",
                        PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    db.forget_stores()
    access.logout()
    from redaction.store import users
    st = db.open_store()
    with st.session() as s:
        users.setup_admin(s, "admin", PASSWORDS["admin"])
        for name, role in ROLE_OF.items():
            users.add_user(s, name, role, PASSWORDS[name], "admin")
    yield st
    access.logout()
    db.forget_stores()


def refusals(st):
    from redaction.store import audit
    with st.session() as s:
        return [(r.username, r.action, json.loads(r.details) if isinstance(r.details, str)
                 else r.details) for r in audit.entries(s, category="refusal")]


def make_window(qtbot, user, enforced=True):
    from app.access_ui import Gate
    from app.main_window import MainWindow
    from app.prefs import Preferences
    w = MainWindow(user, Preferences(), interactive=False, gate=Gate(user, enforced=enforced))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def test_login_accepted_refused_and_locked(qtbot, team):
    from app.dialogs.login import LoginDialog
    d = LoginDialog(None, "dora")
    qtbot.addWidget(d)
    d.password.setText("wrong-password")
    assert not d.try_login()
    assert d.user is None and "dora" in d.error.text()
    d.password.setText(PASSWORDS["dora"])
    assert d.try_login()
    assert d.user == "dora" and d.result() == 1
    assert access.allowed("export", "dora")
    # repeated failures lock the account; the dialog says so, even for the right password
    d2 = LoginDialog(None, "rita")
    qtbot.addWidget(d2)
    for _ in range(5):
        d2.password.setText("nope-nope-nope")
        d2.try_login()
    d2.password.setText(PASSWORDS["rita"])
    assert not d2.try_login()
    assert "lock" in d2.error.text().lower()


def test_startup_asks_for_login_only_when_set_up(qtbot, team, monkeypatch):
    from app import main
    from app.dialogs import login
    seen = []

    def fake_exec(self):
        seen.append(self.name.text())
        self.password.setText(PASSWORDS["sam"])
        self.name.setText("sam")
        return self.try_login()
    monkeypatch.setattr(login.LoginDialog, "exec", fake_exec)
    user, gate = main.authenticate("someone", interactive=True)
    assert seen == ["someone"] and user == "sam" and gate.enforced


def test_standalone_has_no_login_and_says_so(qtbot, clip, monkeypatch):
    from app import main
    from app.dialogs import login
    monkeypatch.setattr(login.LoginDialog, "exec", lambda self: pytest.fail("no login dialog"))
    user, gate = main.authenticate("alice", interactive=True)
    assert user == "alice" and not gate.enforced
    w = make_window(qtbot, user, enforced=False)
    assert "Standalone (no case store set up)" in w.user_label.text()
    assert "Standalone (no case store set up)" in w.statusBar().currentMessage()
    assert not w.store.a_library.isEnabled()
    assert w.open_path(clip)
    assert w.a["export"].isEnabled() and w.a["add_note"].isEnabled()
    w.shutdown()


def test_reviewer_sees_redact_and_export_disabled_and_forcing_is_logged(qtbot, team, clip):
    access.login("rita", PASSWORDS["rita"])
    w = make_window(qtbot, "rita")
    assert w.open_path(clip)
    assert w.user_label.text() == "User: rita (reviewer) · standalone, not for evidence"
    for name in ("export", "detect", "save", "accept", "delete"):
        assert not w.a[name].isEnabled(), name
    assert w.a["export"].toolTip() == "Not allowed: needs the disclosure officer role"
    assert w.a["add_note"].isEnabled()          # reviewers annotate
    assert not w.view.editable                  # no drawing boxes either
    before = len(refusals(team))
    w.a["export"].setEnabled(True)              # forced (e.g. a stale menu state)
    w.a["export"].trigger()
    rows = refusals(team)[before:]
    assert [(u, a) for u, a, _ in rows] == [("rita", "export")]
    assert rows[0][2]["gui_action"] == "export" and "needs disclosure officer" in rows[0][2]["reason"]
    assert "cannot export" in w.statusBar().currentMessage()
    w.shutdown()


@pytest.fixture
def held_clip(team, clip):
    """A clip imported by dora, captured 5 days ago, classified non-evidential by sam."""
    from redaction.store import api
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    captured = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=5)
    info = api.import_clip(clip, "INC-2024-001", "dora", exhibit="AB/1", captured=captured)
    api.classify(info["id"], "non_evidential", "sam", reason="nothing of note")
    return info


def test_library_lists_clip_with_countdown_and_opens_it(qtbot, team, held_clip):
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.store.a_library.isEnabled()
    lib = w.store.open_library()
    assert lib is not None and lib.isVisible()
    top = lib.tree.topLevelItem(0)
    assert top.text(0).startswith("INC-2024-001")
    item = top.child(0)
    assert item.text(0) == "clip.mp4" and item.text(1) == "AB/1"
    assert item.text(3) == "Non-evidential"
    assert item.text(4) == "erased in 26 days"   # 31-day policy, captured 5 UTC days ago
    assert lib.select_clip(held_clip["id"]) and lib.open_btn.isEnabled()
    lib.open_selected()                            # re-verifies the sha256, opens the evidence file
    assert w.runner.wait()                         # (a job: off the UI thread)
    assert w.doc is not None and w.store_clip_id == held_clip["id"]
    assert w.doc.project.source.sha256 == held_clip["sha256"]
    assert w.jobs.export().out.text().endswith("clip-redacted.mp4")
    # the officer sees the clip as the store knows it: its name (the evidence copy is named
    # by its hash) and the capture time recorded at import, not "capture time unknown"
    assert "clip.mp4 (clip " in w.windowTitle() and held_clip["sha256"][:12] not in w.windowTitle()
    captured = dt.datetime.fromisoformat(held_clip["captured"]).strftime("%Y-%m-%d %H:%M")
    assert w.transport.captured.text().startswith(captured), w.transport.captured.text()
    w.shutdown()


def consultations(st, action):
    from redaction.store import audit
    with st.session() as s:
        return [(r.username, json.loads(r.details) if isinstance(r.details, str) else r.details)
                for r in audit.entries(s, category="consultation") if r.action == action]


def test_opening_a_file_needs_the_view_right_and_is_audited(qtbot, team, clip):
    """File > Open (and `bwv gui FILE`) is a consultation like the library's open: the
    administrator, who may not see footage, is refused (audited); a reviewer's open is
    recorded with the clip's sha256."""
    access.login("admin", PASSWORDS["admin"])
    w = make_window(qtbot, "admin")
    assert not w.open_path(clip) and w.doc is None
    assert "admin (administrator) cannot view" in w.statusBar().currentMessage()
    assert [(u, a) for u, a, _ in refusals(team)] == [("admin", "view")]
    w.shutdown()
    access.login("rita", PASSWORDS["rita"])
    w = make_window(qtbot, "rita")
    assert w.open_path(clip)
    rows = consultations(team, "file.open")
    assert [u for u, _ in rows] == ["rita"]
    assert rows[0][1]["sha256"] == w.doc.project.source.sha256 and rows[0][1]["clip"].endswith("clip.mp4")
    w.shutdown()


def test_a_reviewer_cannot_save_a_disclosure_officers_restored_edits(qtbot, team, clip, tmp_path):
    """The officer's edits, logged but never saved (a crash), are restored for whoever opens
    the clip next; a reviewer may not write them to the project file (the menu's Save is
    greyed, and so is the service), but may save a note of their own."""
    from redaction import edits, services
    from redaction.errors import PermissionDenied
    from redaction.model import Keyframe, Track
    from redaction.workspace import open_session
    access.login("dora", PASSWORDS["dora"])
    s = open_session(clip, "dora")
    s.do(edits.AddTrack(Track("m1", "face", "manual", "accepted", reason="third party",
                              keyframes=[Keyframe(0, (10, 10, 40, 40))])))   # crash: not saved
    project = s.path
    access.login("rita", PASSWORDS["rita"])
    ws = services.open_for_review(clip, "rita")
    assert ws.session.recovered_edits == 1 and services.save_right(ws.session) == "redact"
    with pytest.raises(PermissionDenied, match="rita .reviewer. cannot redact"):
        services.save(ws.session, "rita")
    assert "m1" not in project.read_text()
    s2 = services.open_for_review(clip, "dora")
    services.save(s2.session, "dora")                  # the officer may
    assert "m1" in project.read_text()
    ws = services.open_for_review(clip, "rita")
    from redaction.model import Annotation
    services.edit(ws.session, edits.AddAnnotation(Annotation("n1", 3, note="a note")), "rita")
    assert services.save_right(ws.session) == "annotate"
    services.save(ws.session, "rita")
    assert "a note" in project.read_text()


def test_requests_view_and_export_into_register(qtbot, team, held_clip, tmp_path):
    from redaction.store import api, requests
    with team.session() as s:
        old = requests.create_request(s, "foi", "Press office", "dora",
                                      received=dt.date(2020, 1, 2), due=dt.date(2020, 1, 30))
        sar = requests.create_request(s, "subject_access", "J. Smith", "dora")
        old_id, sar_id = old.id, sar.id
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    lib = w.store.open_library(1)
    assert lib.tabs.currentIndex() == 1
    rows = {lib.req_table.item(r, 0).text(): r for r in range(lib.req_table.rowCount())}
    assert set(rows) == {f"REQ-{old_id}", f"REQ-{sar_id}"}
    overdue = lib.req_table.item(rows[f"REQ-{old_id}"], 5)
    assert overdue.text().startswith("OVERDUE") and overdue.toolTip() == "Overdue"
    lib.req_table.selectRow(rows[f"REQ-{sar_id}"])
    assert "J. Smith" in lib.req_details.toPlainText()
    # export answering the subject access request: entered in the disclosure register
    from redaction import services
    services.link_clips(sar_id, [held_clip["id"]], "dora")   # an export needs its clip linked
    assert w.store.open_store_clip(held_clip["id"], wait=True) and not w.doc.project.tracks
    from helpers import export_for_request
    d = export_for_request(w, sar_id, tmp_path / "out.mp4")
    reg = api.disclosure_register("dora")
    assert [(r["request"], r["recipient"], r["export_sha256"]) for r in reg] == [
        (sar_id, "J. Smith", d.result.sha256)]
    assert "Register: disclosure" in d.summary.text()
    w.shutdown()


def test_help_selftest_dialog_runs_checks(qtbot):
    from app.dialogs.selftest import SelfTestDialog
    d = SelfTestDialog(None, only=["dirs", "encoders"])
    qtbot.addWidget(d)
    assert d.runner.wait(60000)
    lines = d.text.toPlainText().splitlines()
    assert [ln.split()[:2] for ln in lines] == [["PASS", "dirs"], ["PASS", "encoders"]]
    assert d.status.text() == "All 2 checks passed."


def test_about_box_and_preferences_show_the_machine_policy(qtbot, clip, tmp_path, monkeypatch):
    pol = tmp_path / "policy.json"
    reasons = ["Third party", "Vehicle registration"]
    pol.write_text(json.dumps({"retention_days": 40, "redaction_reasons": reasons,
                               "store_dir": str(tmp_path / "store")}))
    monkeypatch.setattr("redaction.policy.SYSTEM_POLICY_PATHS", [pol])   # IT's machine policy
    from redaction import __version__ as version
    w = make_window(qtbot, "alice", enforced=False)
    box = w.settings.show_about()
    text = box.text()
    assert f"BWV Workstation {version}" in text
    assert f"Machine policy: {pol}" in text and "Redaction reasons: Third party; Vehicle registration" in text
    assert "Retention of non-evidential media (days): 40" in text
    # the credits the shipped models and their CC BY training data require, in the app
    from redaction.detect.models import MODELS
    credits = box.detailedText()
    assert all(f"{m.name} ({m.file}): {m.licence}" in credits for m in MODELS)
    for must in ("Google Licence Plates", "CC BY 4.0", "Open Images", "CC BY 2.0",
                 "NAVER Corp.", "MediaPipe", "CenterFace", "EgoBlur", "DejaVu"):
        assert must in credits, must
    review_reasons = [w.review.reason.itemText(i) for i in range(w.review.reason.count())]
    assert review_reasons[:2] == reasons and len(review_reasons) == 2
    prefs = w.settings.show_preferences()
    assert prefs.reasons.isReadOnly() and prefs.reasons.toPlainText().splitlines() == reasons
    assert str(pol) in prefs.reasons.toolTip()
    prefs.apply()                                  # the policy list is not saved as the user's
    assert w.prefs.reasons != reasons
    w.shutdown()


def test_excepthook_logs_and_shows_a_dialog(qtbot, monkeypatch):
    import sys
    import threading

    from app import main
    from PySide6.QtWidgets import QMessageBox
    from redaction.logsetup import log_file
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")        # as on a desktop: the dialog is shown
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    import logging

    from redaction import logsetup
    monkeypatch.setattr(logsetup, "_configured", False)   # log into this test's log folder
    handlers = list(logging.getLogger().handlers)
    try:
        main.install_excepthook()
        assert getattr(sys.excepthook, "_bwv", False)
        try:
            raise ValueError("boom in a slot")
        except ValueError as e:
            sys.excepthook(type(e), e, e.__traceback__)
    finally:
        for h in set(logging.getLogger().handlers) - set(handlers):
            h.close()
            logging.getLogger().removeHandler(h)
    assert len(shown) == 1 and "ValueError: boom in a slot" in shown[0] and str(log_file()) in shown[0]
    assert "boom in a slot" in log_file().read_text()


def test_library_classify_follows_the_role(qtbot, team, held_clip):
    access.login("rita", PASSWORDS["rita"])
    w = make_window(qtbot, "rita")
    lib = w.store.open_library()
    assert lib.select_clip(held_clip["id"])
    assert not lib.cls_btn.isEnabled()
    assert lib.cls_btn.toolTip() == "Not allowed: needs the supervisor role"
    w.shutdown()
    access.login("sam", PASSWORDS["sam"])
    w2 = make_window(qtbot, "sam")
    lib2 = w2.store.open_library()
    assert lib2.select_clip(held_clip["id"]) and lib2.cls_btn.isEnabled()
    assert lib2.cls_box.currentData() == "non_evidential"
    lib2.cls_box.setCurrentIndex(lib2.cls_box.findData("evidential"))
    lib2.cls_reason.setText("Shows the arrest")
    assert lib2.classify_selected()
    item = lib2.tree.currentItem()
    assert item.text(3) == "Evidential" and item.text(4).startswith("MoPI review ")
    w2.shutdown()
