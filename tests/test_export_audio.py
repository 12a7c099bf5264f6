"""Export audio as the recipient hears it: continuous, and redacted where it was asked."""
from fractions import Fraction

import av
import numpy as np

from redaction.audio import rms_dbfs
from redaction.edits import AddAudioRange
from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.model import AudioRange

from helpers import make_project

RATE = 48000


def matroska_clip(path, seconds=2.0):
    """Video and lossless white-noise audio in Matroska, whose timestamps are milliseconds:
    a frame of 1024 samples (21.33 ms) is stamped 21 or 22 ms after the one before."""
    noise = (np.random.default_rng(3).standard_normal(int(seconds * RATE)) * 0.1).astype(np.float32)
    with av.open(str(path), "w", format="matroska") as o:
        vs = o.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        a_s = o.add_stream("pcm_s16le", rate=RATE, layout="mono")
        for i in range(int(seconds * 25)):
            f = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 80, np.uint8), format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 25)
            for p in vs.encode(f):
                o.mux(p)
        for p in vs.encode():
            o.mux(p)
        for t0 in range(0, noise.size, 1024):
            f = av.AudioFrame.from_ndarray(noise[None, t0:t0 + 1024].copy(), format="flt",
                                           layout="mono")
            f.sample_rate, f.pts, f.time_base = RATE, t0, Fraction(1, RATE)
            for p in a_s.encode(f):
                o.mux(p)
        for p in a_s.encode():
            o.mux(p)
    return noise


def decoded(path) -> np.ndarray:
    with av.open(str(path)) as c:
        rs = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        out, start = [], None
        for f in c.decode(audio=0):
            for r in rs.resample(f):
                start = float(r.pts * r.time_base) if start is None else start
                out.append(r.to_ndarray().reshape(-1))
    assert start == 0.0
    return np.concatenate(out)


def test_audio_stamped_in_milliseconds_is_exported_whole_and_in_place(tmp_path):
    """Every decoded audio frame was placed at its rounded timestamp: the export cut or
    padded up to 16 samples at each of the ~47 frame boundaries a second (crackle all through
    the disclosed sound, correlation with the source 0.33). Frames are now contiguous."""
    clip = tmp_path / "cam.mkv"
    src = matroska_clip(clip)
    s = make_project(clip, tmp_path)
    s.do(AddAudioRange(AudioRange(0.5, 0.75, "mute", "name spoken", id="a1")))
    s.save()
    out = tmp_path / "out.mp4"
    run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    x = decoded(out)
    a, b = int(1.0 * RATE), int(1.8 * RATE)            # unredacted: the source, sample for sample
    for j in range(a, b, 1024):
        ref, got = src[j:j + 1024], x[j:j + 1024]
        assert np.dot(ref, got) / np.dot(ref, ref) > 0.8, f"audio moved or cut at sample {j}"
    assert rms_dbfs(x[int(0.5 * RATE) + 48:int(0.75 * RATE) - 48]) < -50      # the range muted
    assert rms_dbfs(x[int(0.5 * RATE) - 96:int(0.5 * RATE) - 48]) > -30       # ... exactly there
    assert rms_dbfs(x[int(0.75 * RATE) + 48:int(0.75 * RATE) + 96]) > -30
