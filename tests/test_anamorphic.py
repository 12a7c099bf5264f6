"""Anamorphic clips (pixels not square): the engine says how they are shown, and the
thumbnails the window lists show them so."""
from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from redaction.jobs import run_job
from redaction.media import MediaSource, probe
from redaction.thumbs import strip_job, track_thumbs_job

from helpers import round_disc_clip, run_bwv


def _bright_aspect(rgb: np.ndarray) -> float:
    ys, xs = np.nonzero(rgb.min(axis=2) > 200)
    return (xs.max() + 1 - xs.min()) / (ys.max() + 1 - ys.min())


@pytest.mark.parametrize("rotation,want,shown", [(0, Fraction(4, 3), 320), (90, Fraction(3, 4), 135)])
def test_probe_says_how_an_anamorphic_clip_is_shown(tmp_path, rotation, want, shown):
    clip = round_disc_clip(tmp_path / "hdv.mp4", 240, 180, Fraction(4, 3), rotation)
    info = probe(clip, with_hash=False)
    assert info.sample_aspect_ratio == want          # of the upright picture
    assert info.display_width == shown
    r = run_bwv("probe", str(clip), "--json", "--no-hash")
    d = json.loads(r.stdout)
    assert d["sample_aspect_ratio"] == f"{want.numerator}:{want.denominator}"
    assert d["display_width"] == shown
    r = run_bwv("probe", str(clip), "--no-hash")
    assert f"pixels:     {want.numerator}:{want.denominator} (not square)" in r.stdout


def test_square_pixels_probe_as_before(tmp_path):
    clip = round_disc_clip(tmp_path / "sq.mp4", 240, 180)
    info = probe(clip, with_hash=False)
    assert info.sample_aspect_ratio == 1 and info.display_width == 240
    assert "pixels:" not in run_bwv("probe", str(clip), "--no-hash").stdout


@pytest.mark.parametrize("rotation", [0, 90])
def test_thumbnails_show_an_anamorphic_clip_as_players_do(tmp_path, rotation):
    """The picture strip and the review panel's track crops used the stored pixels as
    square: a face round for the recipient was a narrow ellipse in the list."""
    clip = round_disc_clip(tmp_path / "hdv.mp4", 240, 180, Fraction(4, 3), rotation)
    with MediaSource(clip) as src:
        h, w = src.frame(0).shape[:2]
        ys, xs = np.nonzero(src.frame(0).min(axis=2) > 200)
        box = (float(xs.min()), float(ys.min()), float(xs.max() + 1 - xs.min()),
               float(ys.max() + 1 - ys.min()))
        sar = float(src.sample_aspect_ratio)
    strip = run_job(strip_job(clip, 2))
    _, thumb = strip[0]
    assert thumb.shape[1] / thumb.shape[0] == pytest.approx(w * sar / h, rel=0.03)
    assert _bright_aspect(thumb) == pytest.approx(1.0, abs=0.1)
    crops = run_job(track_thumbs_job(clip, [("t1", 0, box)]))
    assert _bright_aspect(crops["t1"]) == pytest.approx(1.0, abs=0.1)
    ch, cw = crops["t1"].shape[:2]
    assert cw / ch == pytest.approx(1.0, abs=0.1)      # a square crop as shown


def test_the_reports_thumbnail_shows_an_anamorphic_clip_as_players_do(tmp_path):
    """The PDF report's thumbnail (cut from the export, which keeps the pixel aspect) used
    the stored pixels as square: the redacted face looked narrower than in the video."""
    from PIL import Image
    import io
    from redaction.edits import AddTrack
    from redaction.export import ExportRequest, export_job
    from redaction.model import Keyframe, Track
    from redaction.report import _thumbnails
    from helpers import make_project
    clip = round_disc_clip(tmp_path / "hdv.mp4", 240, 180, Fraction(4, 3))
    s = make_project(clip, tmp_path)
    t = Track("t1", "face", "manual", "accepted", "bystander", [Keyframe(0, (100, 20, 40, 30))],
              end_frame=9)
    s.do(AddTrack(t))
    s.save()
    out = tmp_path / "out.mp4"
    run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    png, _ = _thumbnails(out, [t], [(0, 9)], s.project.style, 240, 180)["t1"]
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    # the solid fill (black) is the box: 40x30 stored pixels, shown 53x30
    ys, xs = np.nonzero(img.max(axis=2) < 30)
    assert (xs.max() + 1 - xs.min()) / (ys.max() + 1 - ys.min()) == pytest.approx(40 * 4 / 3 / 30, rel=0.1)
