"""Media as cameras and evidence systems write it: containers and streams the synthetic
fixtures do not cover (AVI with PCM audio, ...), each made here with PyAV, small and fast."""
from fractions import Fraction

import av
import numpy as np

from redaction.export import ExportRequest, export_job
from redaction.jobs import run_job
from redaction.media import MediaSource

from helpers import EXPORT_ARGS, make_project, run_bwv


def _avi_with_pcm(path, frames=10, rate=16000, channels=1, layout=None):
    """An MJPEG AVI with 16-bit PCM audio, as many body-worn and dash cameras record: AVI
    stores a channel count, no channel layout ("1 channels", not "mono")."""
    with av.open(str(path), "w", format="avi") as c:
        vs = c.add_stream("mjpeg", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuvj420p"
        layout = layout or ("mono" if channels == 1 else "stereo")
        a = c.add_stream("pcm_s16le", rate=rate, layout=layout)
        for i in range(frames):
            img = np.full((48, 64, 3), 20 * i % 256, np.uint8)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
        n = rate * frames // 25
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 32767).astype(np.int16)
        data = np.repeat(tone, channels).reshape(1, -1)
        f = av.AudioFrame.from_ndarray(data, format="s16", layout=layout)
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


def test_a_matroska_clip_with_timestamps_far_from_zero_is_not_called_truncated(tmp_path):
    """A recorder that stamps time since boot, or a transport stream remuxed to Matroska
    keeping its timestamps: FFmpeg's Matroska writer stores the last timestamp as the
    duration, so the header of this 1 s clip reads as 4,000,001 s."""
    path = tmp_path / "dvr.mkv"
    with av.open(str(path), "w", format="matroska") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.options = 64, 48, {"preset": "ultrafast"}
        start = 4_000_000 * 25                  # 4,000,000 s in the codec's 1/25 time base
        for i in range(25):
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 9 * i, np.uint8), format="rgb24")
            f.pts, f.time_base = start + i, Fraction(1, 25)
            for p in vs.encode(f):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
    with MediaSource(path) as src:
        info = src.info
    assert info.frames == 25 and abs(info.duration_s - 1.0) < 1e-6
    assert info.truncated is None
    assert abs(info.declared_duration_s - 1.0) < 0.1


def test_a_matroska_clip_cut_short_is_still_called_truncated(tmp_path):
    path = tmp_path / "dvr.mkv"
    with av.open(str(path), "w", format="matroska") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.options = 64, 48, {"preset": "ultrafast", "g": "5"}
        rng = np.random.default_rng(1)
        for i in range(100):
            f = av.VideoFrame.from_ndarray(rng.integers(0, 255, (48, 64, 3), np.uint8),
                                           format="rgb24")
            f.pts, f.time_base = 4_000_000 * 25 + i, Fraction(1, 25)
            for p in vs.encode(f):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
    data = path.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 3])
    with MediaSource(cut) as src:
        assert src.info.truncated is not None, src.info


def test_eight_channel_audio_is_exported(tmp_path):
    """7.1 PCM (an interview-room or multi-microphone recorder): eight planar channels
    crashed the export process (PyAV reads a ninth plane past the end of the frame), so
    this runs the real CLI in a child process."""
    clip = _avi_with_pcm(tmp_path / "room.avi", channels=8, layout="7.1", rate=8000)
    proj, out = tmp_path / "case.bwvproj.json", tmp_path / "out.mp4"
    r = run_bwv("project", "new", str(clip), "--out", str(proj))
    assert r.returncode == 0, r.stderr
    r = run_bwv("export", str(proj), "--out", str(out), *EXPORT_ARGS)
    assert r.returncode == 0, (r.returncode, r.stderr[-800:])
    with av.open(str(out)) as c:
        (a,) = c.streams.audio
        assert (a.rate, a.codec_context.channels) == (8000, 8)
        resampler = av.AudioResampler(format="flt", layout="7.1", rate=8000)
        packed = np.concatenate([r.to_ndarray().reshape(-1) for f in c.decode(a)
                                 for r in resampler.resample(f)])
    peaks = np.abs(packed.reshape(-1, 8)).max(axis=0)
    # the tone on every channel but the LFE (3), which AAC keeps below 120 Hz
    assert (np.delete(peaks, 3) > 0.2).all(), peaks


def _ts_with_b_frames(path, frames=30):
    """An MPEG transport stream (DVRs, CCTV and camera docks write them) of H.264 with
    B-frames: FFmpeg seeks a transport stream by decoding timestamp, so a seek to a
    keyframe's presentation time lands on the next keyframe."""
    with av.open(str(path), "w", format="mpegts") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height = 64, 48
        vs.options = {"preset": "veryfast", "bf": "2", "g": "8", "keyint_min": "8",
                      "sc_threshold": "0"}
        for i in range(frames):
            img = np.zeros((48, 64, 3), np.uint8)
            img[:, 2 * i: 2 * i + 2] = 255                  # a bar at x = 2i: the frame's number
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
    return path


def test_a_transport_stream_with_b_frames_opens_with_exact_frames(tmp_path):
    clip = _ts_with_b_frames(tmp_path / "dvr.ts")
    with av.open(str(clip)) as c:
        expected = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    with MediaSource(clip) as src:
        assert src.frame_count == len(expected) == 30
        for i in (0, 5, 29, 3, 16, 8, 0, 23):                # every GOP, out of order
            assert np.array_equal(src.frame(i), expected[i]), i


def test_a_clip_that_starts_mid_gop_counts_only_the_frames_it_shows(tmp_path):
    """A recording cut from a stream without re-encoding (a pre-record buffer, a CCTV
    export) may begin with frames that need a keyframe the file does not hold: the decoder
    shows nothing before the first keyframe, so they are not frames of the clip."""
    whole = tmp_path / "whole.mp4"
    with av.open(str(whole), "w", format="mp4") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height = 64, 48
        vs.options = {"preset": "ultrafast", "bf": "0", "g": "10", "keyint_min": "10",
                      "sc_threshold": "0"}
        for i in range(30):
            img = np.full((48, 64, 3), 8 * i, np.uint8)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in vs.encode():
            c.mux(p)
    cut = tmp_path / "cut.mp4"
    with av.open(str(whole)) as i, av.open(str(cut), "w", format="mp4") as o:
        ov = o.add_stream_from_template(i.streams.video[0])
        for n, p in enumerate(p for p in i.demux(video=0) if p.dts is not None):
            if n >= 4:                                  # starts 4 frames into the first GOP
                p.stream = ov
                o.mux(p)
    with av.open(str(cut)) as c:
        expected = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(expected) == 20                          # frames 10-29, from the 2nd keyframe
    with MediaSource(cut) as src:
        assert src.frame_count == 20 and src.info.truncated is None
        assert np.array_equal(src.frame(0), expected[0])
        assert np.array_equal(src.frame(19), expected[19])
