"""Media as cameras and evidence systems write it: containers and streams the synthetic
fixtures do not cover (AVI with PCM audio, ...), each made here with PyAV, small and fast."""
from fractions import Fraction

import av
import numpy as np

from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.media import MediaSource

from helpers import make_project


def _avi_with_pcm(path, frames=10, rate=16000, channels=1):
    """An MJPEG AVI with 16-bit PCM audio, as many body-worn and dash cameras record: AVI
    stores a channel count, no channel layout ("1 channels", not "mono")."""
    with av.open(str(path), "w", format="avi") as c:
        vs = c.add_stream("mjpeg", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuvj420p"
        a = c.add_stream("pcm_s16le", rate=rate, layout="mono" if channels == 1 else "stereo")
        for i in range(frames):
            img = np.full((48, 64, 3), 20 * i % 256, np.uint8)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
        n = rate * frames // 25
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 32767).astype(np.int16)
        data = np.repeat(tone, channels).reshape(1, -1)
        f = av.AudioFrame.from_ndarray(data, format="s16",
                                       layout="mono" if channels == 1 else "stereo")
        f.sample_rate, f.pts, f.time_base = rate, 0, Fraction(1, rate)
        for p in a.encode(f):
            c.mux(p)
        for p in a.encode():
            c.mux(p)
    return path


def _export(clip, tmp_path):
    s = make_project(clip, tmp_path)
    s.save()
    out = tmp_path / "out.mp4"
    run_job(export_job(ExportRequest(project=s.path, out=out, operator="alice", recipient="Bob",
                                     organisation="CPS", basis="test")))
    return out


def test_pcm_audio_without_a_channel_layout_is_exported(tmp_path):
    clip = _avi_with_pcm(tmp_path / "cam.avi")
    with av.open(str(clip)) as c:      # the premise: the AVI names no layout
        assert c.streams.audio[0].codec_context.layout.name == "1 channels"
    out = _export(clip, tmp_path)
    with av.open(str(out)) as c:
        (a,) = c.streams.audio
        assert (a.rate, a.codec_context.channels) == (16000, 1)
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(a)])
    assert np.abs(samples).max() > 0.2                       # the tone, not silence
    with MediaSource(out) as o:
        assert o.frame_count == 10
