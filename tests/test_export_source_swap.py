"""The clip an export decodes must be the clip whose sha256 it records: a clip swapped for
another (renamed in, or written over) after the export hashed it, and put back before
anyone looks, is refused, and nothing is published (the manifest would otherwise name the
original's sha256 over another clip's pixels, and `bwv verify` would pass)."""
from __future__ import annotations

import os
import shutil

import pytest

from redaction import edits as E
from redaction import export as X
from redaction.errors import IntegrityError
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.synth import ClipSpec, write_clip
from redaction.verify import verify_project

from helpers import make_project, moving_track


@pytest.fixture
def swap_during_decode(clip_copy, tmp_path, monkeypatch):
    """A project of ``basic.mp4`` whose clip is replaced by another clip of the same length
    while the export opens it for decoding, and put back just after."""
    clip = clip_copy()
    other = write_clip(tmp_path / "other.mp4", ClipSpec(frames=50, width=320, height=240,
                                                        audio_rate=None))
    s = make_project(clip, tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    real = X.open_container

    def swapping(path):
        os.replace(clip, tmp_path / "saved.mp4")
        shutil.copy(other, clip)
        try:
            return real(path)
        finally:
            os.replace(tmp_path / "saved.mp4", clip)

    monkeypatch.setattr(X, "open_container", swapping)
    return s


def test_a_clip_swapped_while_exporting_is_refused(swap_during_decode, tmp_path):
    s = swap_during_decode
    out = tmp_path / "e1.mp4"
    with pytest.raises(IntegrityError, match="source clip changed while it was being exported"):
        run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    assert not list(tmp_path.glob("e1.*"))        # nothing published
    assert "export" not in [e["action"] for e in s.log.verify()]
    assert verify_project(s.path, "bob", record=False).exports_checked == 0


def test_a_clip_replaced_after_encoding_is_refused_before_publishing(clip_copy, tmp_path,
                                                                      monkeypatch):
    """Swapped and put back while the report is built (after the video was encoded, before
    publishing): refused, the export entry gets its export_aborted, nothing is published."""
    import redaction.report as report
    clip = clip_copy()
    s = make_project(clip, tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    real = report.build_pdf

    def swapping(*a, **kw):
        os.replace(clip, tmp_path / "saved.mp4")
        os.replace(tmp_path / "saved.mp4", clip)
        return real(*a, **kw)

    monkeypatch.setattr(report, "build_pdf", swapping)
    with pytest.raises(IntegrityError, match="source clip changed while it was being exported"):
        run_job(export_job(ExportRequest(s.path, tmp_path / "e1.mp4", "alice", "R", "O", "B")))
    assert not list(tmp_path.glob("e1.*"))
    rep = verify_project(s.path, "bob", record=False)
    assert any("nothing was published" in w for w in rep.warnings), rep.warnings


def test_an_untouched_clip_exports_and_verifies(clip_copy, tmp_path):
    s = make_project(clip_copy(), tmp_path)
    s.do(E.AddTrack(moving_track("t1", status="accepted")))
    s.save()
    run_job(export_job(ExportRequest(s.path, tmp_path / "e1.mp4", "alice", "R", "O", "B")))
    assert verify_project(s.path, "bob", record=False).exports_checked == 1
