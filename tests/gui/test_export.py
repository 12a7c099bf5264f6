"""Export gating, and export from the dialog producing the same files as the CLI."""
from __future__ import annotations

import json

import av
import numpy as np

from redaction import edits
from redaction.cli import main as bwv
from redaction.fsutil import sha256_file
from redaction.model import Keyframe, Track


def _auto(tid, status="pending"):
    return Track(tid, "face", "auto", status, keyframes=[Keyframe(0, (40, 30, 60, 60)),
                                                         Keyframe(39, (200, 120, 60, 60))])


def test_export_disabled_while_auto_tracks_pending(qtbot, win):
    doc = win.doc
    doc.do(edits.AddTracks([_auto("a1")]))
    assert "pending" in win.a["export"].toolTip()
    d = win.jobs.export()
    qtbot.addWidget(d)
    d.recipient.setText("Jane Doe")
    d.org.setText("Doe & Co Solicitors")
    assert d.basis.currentText() == "" and "lawful basis" in d.error.text()   # never pre-selected
    d.basis.setCurrentText("Criminal Procedure and Investigations Act 1996 (disclosure)")
    assert not d.go.isEnabled()                   # pending: disabled
    assert "Export is disabled" in d.pending_note.text()
    d.override.setChecked(True)                   # explicit override
    assert d.go.isEnabled()
    assert d.request().accept_pending
    # the note said "Export is disabled" beside an enabled Export button: it says what the
    # override does instead
    assert "disabled" not in d.pending_note.text()
    assert "1 track(s) still pending" in d.pending_note.text() and "redacted" in d.pending_note.text()
    d.override.setChecked(False)
    assert not d.go.isEnabled()
    assert "Export is disabled" in d.pending_note.text()
    d.reject()
    doc.decide("accepted", "Third party", ["a1"])
    d2 = win.jobs.export()
    qtbot.addWidget(d2)
    d2.recipient.setText("Jane Doe")
    d2.org.setText("Doe & Co Solicitors")
    d2.basis.setCurrentText("Criminal Procedure and Investigations Act 1996 (disclosure)")
    assert d2.go.isEnabled() and not d2.override.isVisible()
    d2.recipient.setText("")
    assert not d2.go.isEnabled()                  # required fields
    d2.recipient.setText("Jane")
    d2.ranges.setText("5-")
    assert not d2.go.isEnabled()
    d2.ranges.setText("0-9, 00:00:01:00-00:00:01:10")
    assert d2.request().ranges == [(0, 9), (25, 35)]
    d2.reject()


def _frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="yuv420p") for f in c.decode(video=0)]


def test_export_from_dialog_matches_cli(qtbot, win, tmp_path):
    doc = win.doc
    doc.do(edits.AddTracks([_auto("a1"), _auto("a2")]))
    doc.decide("accepted", "Third party face", ["a1"])
    doc.decide("rejected", "Officer", ["a2"])
    doc.seek(10)
    doc.add_box((10, 150, 50, 40))
    d = win.jobs.export()
    qtbot.addWidget(d)
    out_gui = tmp_path / "gui.mp4"
    d.out.setText(str(out_gui))
    d.recipient.setText("Jane Doe")
    d.org.setText("Doe & Co Solicitors")
    d.basis.setCurrentText("Criminal Procedure and Investigations Act 1996 (disclosure)")
    d.basis.setCurrentText("UK GDPR Art.15 (subject access)")
    d.style_mode.setCurrentText("pixelate")
    d.ranges.setText("0-19, 30-39")
    assert d.go.isEnabled()
    d.go.click()
    assert d.stack.currentIndex() == 1                        # progress page, off the UI thread
    qtbot.waitUntil(lambda: d.stack.currentIndex() == 2, timeout=120000)
    res = d.result
    assert res.out == out_gui and res.manifest.exists() and res.csv.exists()
    assert res.sha256 in d.summary.text() and str(res.manifest) in d.summary.text()
    d.accept()
    out_cli = tmp_path / "cli.mp4"
    rc = bwv(["export", str(doc.session.path), "--out", str(out_cli), "--operator", "alice",
              "--recipient", "Jane Doe", "--organisation", "Doe & Co Solicitors",
              "--basis", "UK GDPR Art.15 (subject access)", "--style", "pixelate",
              "--ranges", "0-19,30-39", "--quiet"])
    assert rc == 0
    a, b = _frames(out_gui), _frames(out_cli)
    assert len(a) == len(b) == 30
    # exports are reproducible (redaction/determinism.py): the dialog writes the CLI's bytes
    assert sha256_file(out_gui) == sha256_file(out_cli)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    mg = json.loads(res.manifest.read_text())
    mc = json.loads(out_cli.with_name("cli.manifest.json").read_text())
    for key in ("source", "ranges", "trimmed", "style", "redactions", "operator", "recipient",
                "organisation", "basis", "metadata"):
        assert mg[key] == mc[key], key
    assert set(mg["redactions"]["tracks"]) == {"a1", doc.project.tracks[-1].id}
    assert mg["output"]["frames"] == mc["output"]["frames"] == 30
    # the UI session keeps appending to the same, unbroken log after the engine's export entry
    doc.add_box((5, 5, 20, 20))
    acts = [e["action"] for e in doc.session.log.verify()]
    assert acts.count("export") == 2 and acts[-1] == "apply"


def _filled_dialog(qtbot, win, out):
    """The export dialog, filled in as an officer would for a defence solicitor."""
    d = win.jobs.export()
    qtbot.addWidget(d)
    d.out.setText(str(out))
    d.recipient.setText("Jane Doe")
    d.org.setText("Doe & Co Solicitors")
    d.basis.setCurrentText("Criminal Procedure and Investigations Act 1996 (disclosure)")
    return d


def test_dialog_export_goes_through_the_window_session(qtbot, win, tmp_path):
    """The export appends to the window's own session: the override is logged once, the
    manifest records the state the window holds, and verify replays the log afterwards."""
    from redaction import projstate
    from redaction.verify import verify_project
    doc = win.doc
    doc.do(edits.AddTracks([_auto("a1")]))
    d = _filled_dialog(qtbot, win, tmp_path / "o.mp4")
    d.override.setChecked(True)
    d.go.click()
    qtbot.waitUntil(lambda: d.stack.currentIndex() == 2, timeout=120000)
    man = json.loads(d.result.manifest.read_text())
    assert man["project_state"]["sha256"] == projstate.project_hash(doc.project)
    assert man["redactions"]["accepted_by_override"] == ["a1"]
    assert d.result.report.exists() and f"Report:   {d.result.report}" in d.summary.text()
    d.accept()
    entries = doc.session.log.verify()
    over = [e for e in entries if "override" in e["action"]]
    assert len(over) == 1 and over[0]["details"]["confirmed_by"] == "alice"
    doc.decide("rejected", "not a face", ["a1"])
    doc.save()
    rep = verify_project(doc.session.path, "bob", record=False)
    assert rep.exports_checked == 1 and rep.edits_replayed >= 2


def test_a_style_chosen_in_the_dialog_becomes_the_projects_so_the_preview_shows_it(qtbot, win, tmp_path):
    """The dialog's Style box changed only that export: the preview (the project's style)
    showed solid fill while the export was pixelated, never previewed."""
    doc = win.doc
    doc.do(edits.AddTracks([_auto("a1", "accepted")]))
    assert doc.project.style.mode == "solid"
    d = _filled_dialog(qtbot, win, tmp_path / "o.mp4")
    d.style_mode.setCurrentText("pixelate")
    d.go.click()
    qtbot.waitUntil(lambda: d.stack.currentIndex() == 2, timeout=120000)
    assert doc.project.style.mode == "pixelate"             # what the preview now renders
    man = json.loads(d.result.manifest.read_text())
    assert man["style"]["mode"] == "pixelate"
    steps = [(e["details"].get("command") or {}).get("name") or e["action"]
             for e in doc.session.log.verify()]
    assert "set_style" in steps and steps.index("set_style") < steps.index("export"), steps
    d.accept()
    doc.undo()                                                # one undoable, logged edit
    assert doc.project.style.mode == "solid"
