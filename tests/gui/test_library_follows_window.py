"""The library window, left open beside the workstation, follows what the window does: an
export entered in the disclosure register shows there without Refresh."""
from __future__ import annotations

import pytest

from redaction import access

from .test_store_gui import PASSWORDS, held_clip, make_window, team  # noqa: F401

pytestmark = pytest.mark.gui


def test_open_library_shows_an_export_for_a_request_at_once(qtbot, team, held_clip, tmp_path):  # noqa: F811
    from redaction import services
    ref = services.create_request("subject_access", "J. Smith", "dora")
    services.link_clips(ref.id, [held_clip["id"]], "dora")
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    lib = w.store.open_library(2)
    assert lib.reg_table.rowCount() == 0
    assert lib.select_request(ref.id) is True
    assert w.store.open_store_clip(held_clip["id"], wait=True)
    from helpers import export_for_request
    d = export_for_request(w, ref.id, tmp_path / "out.mp4")
    assert lib.isVisible()
    assert lib.reg_table.rowCount() == 1
    assert lib.reg_table.item(0, 2).text() == f"REQ-{ref.id}"
    assert lib.reg_table.item(0, 6).text() == d.result.sha256[:16] + "…"
    assert "J. Smith" in lib.req_details.toPlainText()
    assert d.result.sha256[:16] in lib.req_details.toPlainText()   # the request's disclosures
    w.shutdown()


def test_classify_in_the_library_refuses_a_clip_changed_since_it_was_shown(qtbot, team, held_clip):  # noqa: F811
    """The library classifies the clip as it showed it (ADR 0007: the GUI passes the version
    it read): a classification recorded meanwhile elsewhere is not silently overwritten."""
    from redaction import services
    cid = held_clip["id"]
    access.login("sam", PASSWORDS["sam"])
    w = make_window(qtbot, "sam")
    lib = w.store.open_library()
    assert lib.select_clip(cid) and lib.cls_box.currentData() == "non_evidential"
    # meanwhile, at another workstation: evidential
    services.classify(cid, "evidential", "sam", reason="shows the arrest (other workstation)")
    lib.cls_box.setCurrentIndex(lib.cls_box.findData("unclassified"))
    lib.cls_reason.setText("not reviewed yet")
    assert not lib.classify_selected()
    assert "changed by someone else" in w.statusBar().currentMessage()
    from redaction.store.models import Clip
    with team.session() as s:
        assert s.get(Clip, cid).classification == "evidential"
    assert lib.cls_reason.text() == "not reviewed yet"          # what was typed stays
    row = lib.clip(cid)
    assert row.classification == "evidential"                  # the view shows the change
    w.shutdown()


def test_a_truncated_clip_opened_from_the_library_has_its_own_name_in_the_title(qtbot, team, tmp_path):  # noqa: F811
    """The library's row reads "cut.mp4 (truncated)"; the window took the row's text as
    the clip's name, so the label went into the title (and the default export name)."""
    from helpers import truncated_clip
    from redaction.store import api
    access.login("dora", PASSWORDS["dora"])
    info = api.import_clip(truncated_clip(tmp_path), "INC-2024-077", "dora", accept_truncated=True)
    w = make_window(qtbot, "dora")
    lib = w.store.open_library()
    assert lib.select_clip(info["id"])
    assert "(truncated)" in lib.tree.currentItem().text(0)
    lib.open_selected()                            # a job: the hash is checked off the UI thread
    assert w.runner.wait()
    assert w.doc is not None and w.store_clip_id == info["id"]
    assert "cut.mp4" in w.windowTitle() and "(truncated)" not in w.windowTitle()
    assert w.jobs.export().out.text().endswith("cut-redacted.mp4")
    w.shutdown()
