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
    assert w.store.open_store_clip(held_clip["id"])
    from helpers import export_for_request
    d = export_for_request(w, ref.id, tmp_path / "out.mp4")
    assert lib.isVisible()
    assert lib.reg_table.rowCount() == 1
    assert lib.reg_table.item(0, 2).text() == f"REQ-{ref.id}"
    assert lib.reg_table.item(0, 6).text() == d.result.sha256[:16] + "…"
    assert "J. Smith" in lib.req_details.toPlainText()
    assert d.result.sha256[:16] in lib.req_details.toPlainText()   # the request's disclosures
    w.shutdown()
