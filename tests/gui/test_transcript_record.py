"""The window's Transcribe records the transcript in the project as ``bwv transcribe
--project`` does (ADR 0012, "Left" in session 16): the same service adds the proposals and
the record (engine, models, word count, sha256) as one edit, then logs the ``transcribe``
entry naming them, after them; ``bwv export --transcript`` then writes what the dock shows."""
from __future__ import annotations

import json

from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.project_io import load_project
from redaction.speech.transcript import EXTRA_KEY

from helpers import run_bwv

from .test_transcript import speech_clip, swin  # noqa: F401


def _transcribed(swin):
    swin.transcript.transcribe_btn.click()
    assert swin.runner.wait(120000)
    assert swin.transcript.transcript is not None
    return swin.transcript.transcript


def test_the_window_records_the_transcript_and_logs_after_the_proposals(qtbot, swin):  # noqa: F811
    doc = swin.doc
    t = _transcribed(swin)
    assert doc.project.extra.get(EXTRA_KEY) == t.record()
    log = list(doc.session.log.entries())
    actions = [e["action"] for e in log]
    assert actions.count("transcribe") == 1
    k = actions.index("transcribe")
    assert "apply" in actions[:k] and "apply" not in actions[k:], actions
    pend = doc.project.pending_audio()
    assert [a.kind for a in pend] == ["uk_phone"]
    assert log[k]["details"]["proposals"] == [a.id for a in pend]
    assert log[k]["details"]["transcript"] == t.record()
    assert log[k]["user"] == "alice"
    doc.undo()                                 # one undo step: proposals and record together
    assert doc.project.audio == [] and EXTRA_KEY not in doc.project.extra


def test_the_window_and_the_cli_record_the_same_and_export_agrees(qtbot, swin, tmp_path):  # noqa: F811
    doc = swin.doc
    t = _transcribed(swin)
    cli = tmp_path / "cli.bwvproj.json"
    r = run_bwv("transcribe", str(doc.session.source_path), "--project", str(cli), "--quiet")
    assert r.returncode == 0, r.stderr
    other = load_project(cli)
    assert other.extra[EXTRA_KEY] == doc.project.extra[EXTRA_KEY]
    assert [(a.kind, a.words, a.start, a.end, a.status) for a in other.audio] == \
        [(a.kind, a.words, a.start, a.end, a.status) for a in doc.project.audio]
    cli_log = [json.loads(x) for x in (tmp_path / "cli.editlog.jsonl").read_text().splitlines()]
    cli_entry = next(e for e in cli_log if e["action"] == "transcribe")
    win_entry = next(e for e in doc.session.log.entries() if e["action"] == "transcribe")
    assert set(cli_entry["details"]) == set(win_entry["details"])
    swin.transcript.proposals.selectAll()
    swin.transcript.reason.setText("caller's mobile number")
    swin.transcript.decide_btns["accepted"].click()
    doc.save()
    req = ExportRequest(doc.session.path, tmp_path / "o.mp4", "alice", "CPS", "CPS", "test",
                        transcript=True)
    res = run_job(export_job(req, session=doc.session))
    m = res.manifest_data["transcript"]
    assert m["engine"] == t.engine and m["words"] == len(t.words) and m["redacted_words"] > 0
