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


def cut_mid_gop_with_a_burst(tmp_path):
    """A clip cut from a stream without re-encoding, 4 frames into its first GOP (its first
    shown frame is 0.4 s after its video starts), with a 1 kHz burst 1.0-1.2 s into the
    sound: what the transcript finds there, the export must mute there."""
    whole, cut = tmp_path / "whole.mp4", tmp_path / "cut.mp4"
    with av.open(str(whole), "w", format="mp4") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height = 64, 48
        vs.options = {"preset": "ultrafast", "bf": "0", "g": "10", "keyint_min": "10",
                      "sc_threshold": "0"}
        a_s = c.add_stream("aac", rate=RATE, layout="mono")
        for i in range(50):
            img = np.full((48, 64, 3), 4 * i, np.uint8)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
        x = np.zeros(2 * RATE, np.float32)
        n = int(0.2 * RATE)
        x[RATE:RATE + n] = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(n) / RATE)
        for t0 in range(0, x.size, 1024):
            f = av.AudioFrame.from_ndarray(x[None, t0:t0 + 1024].copy(), format="flt", layout="mono")
            f.sample_rate, f.pts, f.time_base = RATE, t0, Fraction(1, RATE)
            for p in a_s.encode(f):
                c.mux(p)
        for p in a_s.encode():
            c.mux(p)
    with av.open(str(whole)) as i, av.open(str(cut), "w", format="mp4") as o:
        out = {s.index: o.add_stream_from_template(s) for s in i.streams}
        shown = 0
        for p in i.demux():
            if p.dts is None:
                continue
            if p.stream.type == "video":
                shown += 1
                if shown <= 4:
                    continue
            p.stream = out[p.stream.index]
            o.mux(p)
    return cut


def test_speech_found_on_a_clip_cut_mid_gop_is_muted_where_it_is_heard(tmp_path):
    """The transcript's decoder, the waveform and the preview's sound took the video stream's
    start as time 0, the export the first frame shown: on a clip cut mid-GOP they differ
    (0.24 s here), so a range over a word the transcript found muted the wrong stretch of
    the export and the word stayed audible."""
    from redaction.audio_read import envelope_job
    from redaction.speech.audio16k import RATE as SR, decode_job
    clip = cut_mid_gop_with_a_burst(tmp_path)
    y = run_job(decode_job(clip))
    loud = np.flatnonzero(np.abs(y) > 0.1)
    start, end = loud[0] / SR, (loud[-1] + 1) / SR         # the "word", as transcribed
    env = run_job(envelope_job(clip))
    assert abs(np.flatnonzero(env.peaks[:, 1] > 0.1)[0] * env.bucket_s - start) <= 0.02
    s = make_project(clip, tmp_path)
    s.do(AddAudioRange(AudioRange(start - 0.02, end + 0.02, "mute", "name", id="a1")))
    s.save()
    out = tmp_path / "out.mp4"
    run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    x = decoded(out)
    assert np.abs(x).max() < 0.05, f"the burst is audible at {np.argmax(np.abs(x)) / RATE:.2f} s"
