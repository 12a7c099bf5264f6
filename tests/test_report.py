"""The PDF disclosure report (issue 15): written beside every export, listed with its sha256
in the manifest, holding the hashes, the redactions (thumbnails from the redacted export),
audio ranges, decisions and heads; `bwv report` rebuilds it identically, never overwriting."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
from pypdf import PdfReader

from redaction.edits import AddAudioRange, AddTrack, SetStatus
from redaction.errors import ExportError
from redaction.export import ExportRequest, export_job
from redaction.fsutil import sha256_file
from redaction.jobs import run_job
from redaction.model import AudioRange, Keyframe, Track
from redaction.report import regenerate

from helpers import make_project, moving_track, run_bwv


def _text(pdf) -> str:
    r = PdfReader(str(pdf))
    return "\n".join(p.extract_text() for p in r.pages)


@pytest.fixture
def exported(clip_copy, tmp_path):
    clip = clip_copy("ntsc")
    s = make_project(clip, tmp_path)
    s.do(AddTrack(moving_track("t1", start=0, end=40)))
    s.do(SetStatus(["t1"], "accepted", "bystander's face", "alice"))
    s.do(AddTrack(Track("t2", "plate", "manual", "rejected", "not a plate: a road sign",
                        [Keyframe(0, (250, 10, 40, 20))], end_frame=44)))
    s.do(AddAudioRange(AudioRange(0.4, 0.8, "bleep", "phone number spoken", id="a1")))
    s.do(AddAudioRange(AudioRange(1.0, 1.2, "mute", "digits: officer's collar number", id="a2",
                                  status="rejected", origin="auto", kind="digits")))
    s.save()
    out = tmp_path / "out" / "case_REDACTED.mp4"
    out.parent.mkdir()
    res = run_job(export_job(ExportRequest(project=s.path, out=out, operator="PC 123 A. Officer",
                                           recipient="J. Smith", organisation="CPS",
                                           basis="Criminal proceedings")))
    return s, res


def test_every_export_writes_a_report_listed_in_the_manifest(exported):
    s, res = exported
    pdf = res.out.with_name("case_REDACTED.report.pdf")
    assert res.report == pdf and pdf.is_file()
    m = json.loads(res.manifest.read_text())
    assert m["report"] == {"path": str(pdf.resolve()), "sha256": sha256_file(pdf)}
    assert m["disclosure_context"] is None        # no case store: standalone
    text = _text(pdf)
    flat = text.replace("\n", " ")
    for h in (m["source"]["sha256"], m["export_sha256"], m["edit_log"]["last_entry_hash"],
              m["project_state"]["sha256"]):
        assert h in flat, h
    for words in ("bystander's face", "not a plate: a road sign", "phone number spoken",
                  "J. Smith", "CPS", "Criminal proceedings", "PC 123 A. Officer", "Signature",
                  "standalone, not for evidence"):
        assert words in flat, words
    assert "00:00:00.400" in flat and "bleep" in flat
    # a rejected audio proposal is a decision, not a redaction
    assert "Audio redactions (1)" in flat and m["redactions"]["audio"] == ["a1"]
    assert "officer's collar number" in flat and "rejected" in flat
    # the edit log's export entry names the report
    entry = [e for e in s.log.entries() if e["action"] == "export"][-1]
    assert entry["details"]["report"] == str(pdf.resolve())


def test_thumbnails_come_from_the_redacted_export(exported):
    """The one thumbnail (track t1) shows the solid fill where the face was: the image inside
    the red outline is black, never the original's pixels."""
    _, res = exported
    r = PdfReader(str(res.report))
    imgs = [im for p in r.pages for im in p.images]
    assert len(imgs) == 1
    arr = np.asarray(imgs[0].image.convert("RGB")).astype(int)
    h, w = arr.shape[:2]
    # the redaction sits in the middle of the crop (padding on every side that the frame allows)
    dark = (arr.sum(axis=2) < 60)
    assert dark.mean() > 0.05
    red = (arr[..., 0] > 180) & (arr[..., 1] < 90) & (arr[..., 2] < 90)
    assert red.any()                             # the outline marks where the redaction is


def test_report_regenerates_identically_and_never_overwrites(exported, tmp_path):
    _, res = exported
    with pytest.raises(ExportError, match="refusing to overwrite"):
        regenerate(res.manifest)
    again = regenerate(res.manifest, tmp_path / "again.pdf")
    assert again.matches is True and again.sha256 == sha256_file(res.report)
    # CLI: the same, and one line for an existing target
    r = run_bwv("report", str(res.manifest), "--out", str(tmp_path / "cli.pdf"))
    assert r.returncode == 0, r.stderr
    assert "identical to the report the manifest lists" in r.stdout
    r = run_bwv("report", str(res.manifest), "--out", str(tmp_path / "cli.pdf"))
    assert r.returncode != 0 and "refusing to overwrite" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    # --out was given: the hint is another name, not "give --out" (what the officer just did)
    assert "give --out" not in r.stderr and "another --out" in r.stderr


def test_regenerate_refuses_a_changed_export(exported, tmp_path):
    _, res = exported
    data = bytearray(res.out.read_bytes())
    data[-10] ^= 0xFF
    res.out.chmod(0o644)
    res.out.write_bytes(bytes(data))
    r = run_bwv("report", str(res.manifest), "--out", str(tmp_path / "x.pdf"))
    assert r.returncode != 0 and "sha256 differs" in r.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_export_refuses_when_the_report_name_is_taken(exported, tmp_path):
    s, res = exported
    out = res.out.with_name("second.mp4")
    out.with_name("second.report.pdf").write_bytes(b"%PDF- someone else's")
    with pytest.raises(ExportError, match="refusing to overwrite"):
        run_job(export_job(ExportRequest(project=s.path, out=out, operator="alice",
                                         recipient="x", organisation="y", basis="z")))
    assert not out.exists()


def test_names_outside_latin1_are_drawn(clip_copy, tmp_path):
    """The report embeds DejaVu Sans: a Polish or Czech name is drawn, not blank boxes."""
    s = make_project(clip_copy("ntsc"), tmp_path)
    s.save()
    out = tmp_path / "o.mp4"
    res = run_job(export_job(ExportRequest(project=s.path, out=out, operator="PC 7 Łukasz Wójcik",
                                           recipient="Jiří Žák", organisation="Sąd Okręgowy",
                                           basis="Criminal proceedings")))
    flat = _text(res.report).replace("\n", " ")
    assert "Jiří Žák" in flat and "Łukasz Wójcik" in flat and "Sąd Okręgowy" in flat
    assert b"DejaVuSans" in res.report.read_bytes()         # the embedded font


def test_the_decisions_section_says_which_kind_has_none(clip_copy, tmp_path):
    """Every track redacted but an audio proposal rejected: the report must not say "None:
    every track is redacted" as if nothing was left unredacted."""
    s = make_project(clip_copy("ntsc"), tmp_path)
    s.do(AddTrack(moving_track("t1", start=0, end=40)))
    s.do(AddAudioRange(AudioRange(1.0, 1.2, "mute", "digits: officer's collar number", id="a2",
                                  status="rejected", origin="auto", kind="digits")))
    s.save()
    res = run_job(export_job(ExportRequest(project=s.path, out=tmp_path / "o.mp4", operator="PC 1",
                                           recipient="J. Smith", organisation="CPS", basis="B")))
    flat = " ".join(_text(res.report).split())
    assert "Tracks: none, every track in the project is redacted." in flat
    assert "officer's collar number" in flat and "None:" not in flat
    assert "Audio: none" not in flat


def test_report_names_who_drew_each_manual_track(exported):
    """A track drawn by hand is evidence of a person's judgement: the report says whose and
    when (from the edit log's entry that added it), in the redactions and in the decisions
    not to redact; a rebuilt report says the same."""
    s, res = exported
    flat = "".join(_text(res.report).split())     # narrow columns wrap inside the time
    added = {e["details"]["command"]["track"]: e for e in s.log.entries()
             if e["action"] == "apply" and e["details"]["command"].get("name") == "add_track"}
    assert set(added) == {"t1", "t2"}
    for tid in ("t1", "t2"):
        assert f"drawnbyalice{added[tid]['time']}" in flat, tid


def test_track_authors_follow_undo_and_redo():
    from redaction.report import track_authors

    def apply(seq, user, cmd, action="apply"):
        return {"seq": seq, "user": user, "time": f"T{seq}", "action": action,
                "details": {"command": cmd}}

    entries = [apply(1, "alice", {"name": "add_track", "track": "m1"}),
               apply(2, "bob", {"name": "batch", "commands": [
                   {"name": "add_tracks", "tracks": ["a1"]},
                   {"name": "add_track", "track": "m2"}]}),
               apply(3, "alice", {"name": "add_track", "track": "m2"}, "undo"),
               apply(4, "carol", {"name": "add_track", "track": "m2"}, "redo"),
               apply(5, "dave", {"name": "add_track", "track": "m3"})]
    assert track_authors(entries, upto=4) == {"m1": ("alice", "T1"), "m2": ("carol", "T4")}
    assert "m3" in track_authors(entries)
