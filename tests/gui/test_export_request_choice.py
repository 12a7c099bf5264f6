"""The export dialog offers the open requests the clip is on, and chooses the only one: an
export for a request left at "(none)" never reached the disclosure register, and requests
the clip is not on were offered only to be refused at Export."""
from __future__ import annotations

import pytest

from redaction import access

from .test_store_gui import PASSWORDS, held_clip, make_window, team  # noqa: F401

pytestmark = pytest.mark.gui


def test_the_export_dialog_lists_the_clips_requests_and_chooses_the_only_one(qtbot, team, held_clip, tmp_path):  # noqa: F811
    from redaction import services
    other = services.create_request("foi", "The Gazette", "dora")            # not this clip's
    ref = services.create_request("subject_access", "J. Smith", "dora")
    services.link_clips(ref.id, [held_clip["id"]], "dora")
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.store.open_store_clip(held_clip["id"], wait=True)
    d = w.jobs.export()
    offered = [d.request_box.itemData(i) for i in range(d.request_box.count())]
    assert offered == [None, ref.id] and other.id not in offered
    assert d.request_box.currentData() == ref.id
    d.reject()
    # a second request on the same clip: the officer chooses, nothing is chosen for them
    two = services.create_request("cps", "CPS Leeds", "dora")
    services.link_clips(two.id, [held_clip["id"]], "dora")
    d = w.jobs.export()
    assert sorted(d.request_box.itemData(i) for i in range(1, d.request_box.count())) == \
        sorted([ref.id, two.id])
    assert d.request_box.currentData() is None
    d.reject()
    w.shutdown()


def test_a_clip_on_no_request_is_offered_none_with_the_reason(qtbot, team, held_clip):  # noqa: F811
    from redaction import services
    services.create_request("foi", "The Gazette", "dora")
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.store.open_store_clip(held_clip["id"], wait=True)
    d = w.jobs.export()
    assert d.request_box.count() == 1 and d.request_box.currentData() is None
    assert "No open request lists this clip" in d.request_box.toolTip()
    d.reject()
    w.shutdown()
