"""The window's retention run (QA s17): always confirmed with the clip ids it will erase
(an administrator too, who sees no footage), and it erases only what was confirmed."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QMessageBox

from redaction import access

from .test_store_gui import PASSWORDS, make_window, team  # noqa: F401

pytestmark = pytest.mark.gui
OLD = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)


def _import(clip_file, tmp_path, name, classification=None):
    from redaction.store import api
    from redaction.synth import ClipSpec, write_clip
    p = write_clip(tmp_path / name, ClipSpec(frames=6, width=160, height=120,
                                             tone_hz=200.0 + sum(map(ord, name)) % 600))
    cid = api.import_clip(p, "INC-5", "dora", captured=OLD)["id"]
    if classification:
        api.classify(cid, classification, "sam", reason="set up by the test")
    return cid


def _state(st, cid):
    from redaction.store.models import Clip
    with st.session() as s:
        return s.get(Clip, cid).state


def _asking(monkeypatch, then=None):
    asked = []

    def question(parent, title, text, *a, **k):
        asked.append(text)
        if then is not None:
            then()
        return QMessageBox.Yes
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_an_administrator_confirms_the_clip_ids_before_a_run(qtbot, team, clip, tmp_path,  # noqa: F811
                                                          monkeypatch):
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    due = _import(clip, tmp_path, "due.mp4", "non_evidential")
    access.logout()
    access.login("admin", PASSWORDS["admin"])
    w = make_window(qtbot, "admin")
    lib = w.store.open_library(3)
    assert lib.overview is None                  # no footage rights: no review list
    lib.interactive = True
    asked = _asking(monkeypatch)
    assert lib.run_retention()
    assert lib.runner.wait(30000)
    assert len(asked) == 1 and f"Erase 1 clip(s) now: clip {due} " in asked[0]
    assert _state(team, due) == "erased"
    w.shutdown()


def test_a_declined_confirmation_erases_nothing(qtbot, team, clip, tmp_path, monkeypatch):  # noqa: F811
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    due = _import(clip, tmp_path, "due.mp4", "non_evidential")
    w = make_window(qtbot, "sam")
    lib = w.store.open_library(3)
    lib.interactive = True
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.No))
    assert not lib.run_retention()
    assert not lib.runner.busy and _state(team, due) == "present"
    w.shutdown()


def test_the_run_erases_only_the_confirmed_list(qtbot, team, clip, tmp_path, monkeypatch):  # noqa: F811
    """The review shown was stale and a clip becomes due while the question is open: the
    question names the fresh list, and the clip that became due after it is not erased."""
    from redaction.store import api
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    due = _import(clip, tmp_path, "due.mp4", "non_evidential")
    later = _import(clip, tmp_path, "later.mp4")
    shown = _import(clip, tmp_path, "shown.mp4")
    w = make_window(qtbot, "sam")
    lib = w.store.open_library(3)
    assert [c.id for c in lib.overview.erase] == [due]
    api.classify(shown, "non_evidential", "sam", reason="nothing of note")  # after the review
    lib.interactive = True
    asked = _asking(monkeypatch, then=lambda: api.classify(
        later, "non_evidential", "sam", reason="another workstation"))
    assert lib.run_retention()
    assert lib.runner.wait(30000)
    assert len(asked) == 1 and f"Erase 2 clip(s) now: clip {due}, {shown} " in asked[0]
    assert _state(team, due) == "erased" and _state(team, shown) == "erased"
    assert _state(team, later) == "present"
    assert f"clip {later} not erased" in lib.message.text()
    w.shutdown()


def test_the_window_refuses_a_classification_without_a_reason(qtbot, team, clip, tmp_path):  # noqa: F811
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    cid = _import(clip, tmp_path, "kept.mp4", "evidential")
    w = make_window(qtbot, "sam")
    errors = []
    lib = w.store.open_library(0)
    lib._on_error = errors.append
    assert lib.select_clip(cid) and lib.cls_btn.isEnabled()
    lib.cls_box.setCurrentIndex(lib.cls_box.findData("non_evidential"))
    lib.cls_reason.setText("  ")
    assert not lib.classify_selected()
    assert errors and f"give the reason for classifying clip {cid} non-evidential" in errors[-1]
    from redaction.store.models import Clip
    with team.session() as s:
        assert s.get(Clip, cid).classification == "evidential"
    w.shutdown()


def test_the_windows_next_review_default_is_the_policys_period(qtbot, team):  # noqa: F811
    from app.dialogs.store_forms import pydate
    from redaction.store import clips
    access.login("sam", PASSWORDS["sam"])
    w = make_window(qtbot, "sam")
    lib = w.store.open_library(3)
    six = clips.review_due_for(dt.datetime.now(dt.timezone.utc), 6)   # the CLI's default
    assert pydate(lib.review_next.date()) == six
    assert pydate(lib.review_next.maximumDate()) == six
    assert pydate(lib.review_next.minimumDate()) > dt.datetime.now(dt.timezone.utc).date()
    w.shutdown()


def test_a_clip_held_for_a_request_is_labelled_so(qtbot, team, clip, tmp_path):  # noqa: F811
    from PySide6.QtGui import QColor

    from redaction.store import requests
    access.login("dora", PASSWORDS["dora"])
    access.login("sam", PASSWORDS["sam"])
    cid = _import(clip, tmp_path, "asked.mp4", "non_evidential")
    with team.session() as s:
        rid = requests.create_request(s, "sar", "J. Bloggs", "dora").id
        requests.link_clips(s, rid, [cid], "dora")
    w = make_window(qtbot, "sam")
    lib = w.store.open_library(0)
    assert lib.select_clip(cid)
    item = lib.tree.currentItem()
    assert item.text(4) == f"held: on open request {rid}"
    assert item.foreground(4).color() != QColor("#ff6b6b")
    lib.tabs.setCurrentIndex(3)
    text = lib.retention.toPlainText()
    assert f"{cid} (on open request {rid})" in text
    assert "capture time not confirmed (due" not in text
    w.shutdown()
