"""A case store that becomes unreachable mid-session (a server down, its database file moved
away): every window action that needs it is refused in one line, "case store unavailable:
<reason>", instead of an exception in a Qt slot (the role gate had cached the rights it had
checked, so only the others, and the services, reached the store). pytest-qt fails a test on
an exception raised in a slot."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from redaction import access
from redaction.store.errors import StoreUnavailable

from .test_store_gui import PASSWORDS, held_clip, make_window, team  # noqa: F401

pytestmark = pytest.mark.gui


def message(w) -> str:
    return w.statusBar().currentMessage()


def test_a_store_down_mid_session_refuses_window_actions_in_one_line(qtbot, team, held_clip, tmp_path):  # noqa: F811
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    assert w.store.open_store_clip(held_clip["id"], wait=True)
    live = team._sessions
    # the server stops answering: every new transaction fails to connect
    team._sessions = sessionmaker(create_engine(f"sqlite:///{tmp_path / 'down' / 'x.sqlite3'}"),
                                  expire_on_commit=False)
    try:
        for trigger in (w.store.a_library.trigger, w.store.a_requests.trigger,
                        w.a["export"].trigger):
            w.statusBar().clearMessage()
            trigger()
            assert message(w).startswith("case store unavailable: "), message(w)
            assert "\n" not in message(w)
        w.gate.refresh()                     # the rights are asked again: greyed, with why
        w.update_actions()
        assert not w.a["export"].isEnabled()
        assert "case store unavailable" in w.a["export"].toolTip()
        assert "User: dora" in w.gate.status_text()
    finally:
        team._sessions = live
    w.shutdown()


def test_a_database_file_moved_away_mid_session_is_refused_not_standalone(qtbot, team, held_clip, tmp_path):  # noqa: F811
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    shutil.move(tmp_path / "db", tmp_path / "db-moved")
    try:
        with pytest.raises(StoreUnavailable, match="case store unavailable: .*has gone"):
            access.check("view", "dora")      # before: allowed, as if there were no store
        w.store.a_library.trigger()
        assert message(w).startswith("case store unavailable: "), message(w)
    finally:
        shutil.move(tmp_path / "db-moved", tmp_path / "db")
    w.shutdown()


def test_a_store_found_down_is_asked_once_per_few_seconds_not_per_right(qtbot, team, monkeypatch):  # noqa: F811
    """Each update of the actions asked the store once per right: a server that times out
    froze the window for every right, on every update."""
    from app import access_ui
    access.login("dora", PASSWORDS["dora"])
    w = make_window(qtbot, "dora")
    asked = []

    def down(right, user):
        asked.append(right)
        raise StoreUnavailable("connection timed out")
    monkeypatch.setattr(access_ui.access, "why_not", down)
    clock = [1000.0]
    monkeypatch.setattr(access_ui, "_now", lambda: clock[0])
    w.gate.refresh()
    w.update_actions()
    w.update_actions()
    assert len(asked) == 1
    assert "case store unavailable" in w.a["export"].toolTip() and not w.a["export"].isEnabled()
    clock[0] += access_ui.DOWN_FOR_S + 1         # a few seconds on: asked again
    w.update_actions()
    assert len(asked) == 2
    monkeypatch.undo()
    w.shutdown()
