"""A log whose chain is intact but whose entries hold the wrong shapes (rewritten and
re-hashed by hand, or written by a broken tool) is refused in one line naming the entry,
by verify and by export: not an internal error."""
from __future__ import annotations

import json

import pytest

from redaction import edits as E
from redaction.editlog import GENESIS, entry_hash
from redaction.errors import IntegrityError
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job

from helpers import make_project, moving_track, run_bwv


@pytest.fixture
def exported(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    run_job(export_job(ExportRequest(s.path, tmp_path / "e1.mp4", "alice", "R", "O", "B")))
    return s


def _rewrite(s, seq: int, fn) -> None:
    """Change entry ``seq`` with ``fn``, re-hash the chain from there and move the anchor."""
    entries = [json.loads(x) for x in s.log.path.read_text().splitlines()]
    fn(entries[seq - 1])
    prev = GENESIS
    for e in entries:
        e["prev"] = prev
        e.pop("hash")
        e["hash"] = prev = entry_hash(e)
    s.log.path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    doc = json.loads(s.path.read_text())
    doc["log_head"] = {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}
    s.path.write_text(json.dumps(doc))


MALFORMED = {
    "change is a list": (2, lambda e: e["details"].update(change=[1]), "entry 2 (apply)"),
    "base state without tracks": (1, lambda e: e["details"]["state"].pop("tracks"),
                                  "entry 1 (create_project)"),
    "export output is a number": (3, lambda e: e["details"].update(output=5), "entry 3"),
    "published files not a map": (5, lambda e: e["details"].update(files=5), "entry 5"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_entry_is_named_not_an_internal_error(exported, tmp_path, name):
    seq, fn, where = MALFORMED[name]
    assert json.loads(exported.log.path.read_text().splitlines()[4])["action"] == \
        "export_published"
    _rewrite(exported, seq, fn)
    r = run_bwv("verify", str(exported.path), "--no-record")
    assert r.returncode == IntegrityError.exit_code, r.stderr
    assert where in r.stderr and "malformed" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    if seq < 3:     # the export refuses it too, exporting nothing
        r = run_bwv("export", str(exported.path), "--out", str(tmp_path / "e2.mp4"),
                    "--operator", "a", "--recipient", "b", "--organisation", "c", "--basis", "d")
        assert r.returncode == IntegrityError.exit_code and where in r.stderr, r.stderr
        assert not (tmp_path / "e2.mp4").exists()
