"""The export's picture as the recipient's player shows it: shape and redactions."""
from fractions import Fraction

import av
import numpy as np
import pytest

from redaction.edits import AddTrack
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.model import Keyframe, Track

from helpers import make_project


def anamorphic_clip(path, rotation=0, sar=Fraction(4, 3)):
    """240x180 stored pixels, each 4/3 as wide as tall: a 16:9 picture (like 1440x1080 HDV
    or some camera modes)."""
    with av.open(str(path), "w", format="mp4") as o:
        vs = o.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 240, 180, "yuv420p"
        vs.codec_context.sample_aspect_ratio = sar
        if rotation:
            vs.set_display_rotation(-rotation)
        rng = np.random.default_rng(1)
        for i in range(6):
            f = av.VideoFrame.from_ndarray(rng.integers(0, 255, (180, 240, 3), dtype=np.uint8),
                                           format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 25)
            for p in vs.encode(f):
                o.mux(p)
        for p in vs.encode():
            o.mux(p)


@pytest.mark.parametrize("rotation", [0, 90])
def test_an_anamorphic_clip_keeps_its_shape(tmp_path, rotation):
    """The export dropped the clip's pixel aspect ratio: a 16:9 anamorphic clip played as 4:3,
    everyone in it squeezed to three quarters of their width. It now carries it (turned with
    a picture rotated for display), the manifest says so, and the redaction still covers the
    same pixels."""
    clip = tmp_path / "hdv.mp4"
    anamorphic_clip(clip, rotation)
    s = make_project(clip, tmp_path)
    box = (40, 30, 50, 40)
    s.do(AddTrack(Track("t1", "face", "manual", "accepted", "bystander", [Keyframe(0, box)],
                        end_frame=5)))
    s.save()
    out = tmp_path / "out.mp4"
    res = run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    want = Fraction(4, 3) if rotation == 0 else Fraction(3, 4)
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert v.sample_aspect_ratio == want
        shown = Fraction(v.width, v.height) * v.sample_aspect_ratio
        assert shown == (Fraction(16, 9) if rotation == 0 else Fraction(9, 16))
        y = next(c.decode(v)).to_ndarray(format="gray")
    assert res.manifest_data["output"]["sample_aspect_ratio"] == f"{want.numerator}:{want.denominator}"
    assert y[30:70, 40:90].max() <= 20              # the box, in the pixels it was drawn on
