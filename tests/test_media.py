"""Media layer: probe, exact random access, VFR timing, rotation, bad input."""
import json
import random
from fractions import Fraction

import numpy as np
import pytest

from redaction.errors import MediaError
from redaction.fsutil import sha256_file
from redaction.media import MediaSource, probe
from redaction.timebase import parse_timecode, timecode

from helpers import run_bwv


def test_probe_json_has_contract_keys(clips):
    r = run_bwv("probe", str(clips["ntsc"]), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for k in ("path", "sha256", "frames", "fps", "width", "height", "duration_s", "rotation", "audio"):
        assert k in d
    assert d["frames"] == 45
    assert d["fps"] == "30000/1001"
    assert d["time_base"] == "1/30000"
    assert (d["width"], d["height"]) == (320, 240)
    assert d["sha256"] == sha256_file(clips["ntsc"])
    assert d["audio"] == [{"index": 1, "codec": "aac", "sample_rate": 48000, "channels": 2,
                           "layout": "stereo"}]
    assert abs(d["duration_s"] - 45 * 1001 / 30000) < 1e-3


def test_probe_human_output(clips):
    r = run_bwv("probe", str(clips["mono"]))
    assert r.returncode == 0
    assert "44100 Hz, 1 ch" in r.stdout


def test_random_access_is_exact(clips):
    with MediaSource(clips["basic"]) as seq:
        reference = [seq.frame(i).copy() for i in range(seq.frame_count)]
    order = list(range(len(reference))) * 2
    random.Random(7).shuffle(order)
    with MediaSource(clips["basic"]) as src:
        for i in order:
            assert np.array_equal(src.frame(i), reference[i]), f"frame {i} differs after seeking"
    # frames differ from each other, so equality above is meaningful
    assert not np.array_equal(reference[3], reference[4])


def test_vfr_maps_presentation_times_to_indices(clips):
    durations = [3000, 3000, 6000, 1500, 4500]
    expected, t = [], 0
    for i in range(40):
        expected.append(t / 90000)
        t += durations[i % 5]
    with MediaSource(clips["vfr"]) as src:
        assert src.info.vfr
        assert src.frame_count == 40
        for i in range(40):
            assert abs(src.time_of(i) - expected[i]) < 1e-6
            assert src.index_at_time(expected[i] + 0.001) == i


def test_rotation_is_applied_for_display(clips):
    with MediaSource(clips["rotated"]) as src:
        assert src.rotation == 90
        f = src.frame(0)
        assert f.shape == (320, 240, 3)
        # stored top-left block ends up top-right after a clockwise quarter turn
        assert f[5:35, -55:-5].mean() > 200
        assert f[5:35, 5:55].mean() < 150
    info = probe(clips["rotated"])
    assert (info.width, info.height, info.rotation) == (240, 320, 90)


def test_source_is_opened_read_only(clip_copy):
    clip = clip_copy()
    before = (sha256_file(clip), clip.stat().st_mtime_ns, sorted(p.name for p in clip.parent.iterdir()))
    with MediaSource(clip) as src:
        for i in (0, 17, 3, 40):
            src.frame(i)
    probe(clip)
    after = (sha256_file(clip), clip.stat().st_mtime_ns, sorted(p.name for p in clip.parent.iterdir()))
    assert before == after


@pytest.mark.parametrize("make,needle", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_text("this is not a video\n" * 50), "not a readable video"),
    (lambda p: None, "no such file"),
])
def test_bad_media_gives_one_line_error(tmp_path, make, needle):
    bad = tmp_path / "bad.mp4"
    make(bad)
    r = run_bwv("probe", str(bad))
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert str(bad) in r.stderr and needle in r.stderr


def test_truncated_clip(clips, tmp_path):
    data = clips["basic"].read_bytes()
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(data[: len(data) // 2])
    r = run_bwv("probe", str(bad))
    # either refused outright, or it opens with fewer frames: never a traceback
    assert "Traceback" not in r.stderr
    if r.returncode != 0:
        assert str(bad) in r.stderr and r.stderr.count("\n") == 1
    else:
        assert "frames" in r.stdout


def test_audio_only_file_is_refused(tmp_path):
    import av
    path = tmp_path / "audio_only.mp4"
    with av.open(str(path), "w") as c:
        s = c.add_stream("aac", rate=48000, layout="mono")
        fr = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        fr.sample_rate = 48000
        fr.pts = 0
        for pkt in list(s.encode(fr)) + list(s.encode(None)):
            c.mux(pkt)
    with pytest.raises(MediaError, match="no video stream"):
        MediaSource(path)


def test_timecode_round_trip():
    fps = Fraction(30000, 1001)
    assert timecode(0, fps) == "00:00:00:00"
    assert timecode(30, fps) == "00:00:01:00"
    assert timecode(29, Fraction(25)) == "00:00:01:04"
    for f in (0, 1, 29, 30, 1799, 1800, 107892):
        assert parse_timecode(timecode(f, Fraction(25)), Fraction(25)) == f
    assert parse_timecode("#120", fps) == 120


def test_an_edit_list_pre_roll_is_not_a_frame(tmp_path):
    """A clip cut with stream copy starts with pre-roll packets the edit list discards (here
    the video starts at -0.5 s): the frame index must count only what the decoder shows."""
    from fractions import Fraction
    import av
    import numpy as np
    from redaction.media import MediaSource, probe
    clip = tmp_path / "cut.mp4"
    tb = Fraction(1, 90000)
    with av.open(str(clip), "w", format="mp4") as o:
        vs = o.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 320, 240, "yuv420p"
        vs.time_base = vs.codec_context.time_base = tb
        vs.options = {"bf": "0", "preset": "ultrafast"}
        for i in range(40):
            f = av.VideoFrame.from_ndarray(np.full((240, 320, 3), i * 5, np.uint8), format="rgb24")
            f.pts, f.time_base = (i - 12) * 3600, tb
            for pk in vs.encode(f):
                o.mux(pk)
        for pk in vs.encode():
            o.mux(pk)
    with av.open(str(clip)) as c:
        shown = sum(1 for _ in c.decode(video=0))
    info = probe(clip)
    assert info.frames == shown < 40
    with MediaSource(clip) as src:
        first = src.frame(0)
        last = src.frame(src.frame_count - 1)
    assert first.mean() > 40 and last.mean() > first.mean()   # frame 0 is the first one shown


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_an_odd_sized_frame_keeps_its_colour_over_the_right_pixels(rotation):
    """Padding an odd-sized frame for 4:2:0 (ADR 0002): each chroma sample is the mean of
    the upright 2x2 block of pixels it covers, whatever the rotation (a redaction's edge must
    not carry colour from the pixel beside it)."""
    import av
    import numpy as np
    from redaction.media import rotate, split_yuv420p, to_array

    def planes444(img):
        f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24").reformat(format="yuv444p")
        return [np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:f.height, :f.width].astype(int)
                for p in f.planes]
    hd, wd = (13, 21) if rotation in (0, 180) else (21, 13)
    upright = np.zeros((hd, wd, 3), np.uint8)
    upright[:, :] = (220, 30, 30)
    upright[:, 6:12] = (30, 30, 220)
    upright[:, 12:] = (30, 200, 30)
    upright[8:, :] = (240, 240, 40)
    stored = np.ascontiguousarray(rotate(upright, (360 - rotation) % 360))
    frame = av.VideoFrame.from_ndarray(stored, format="rgb24").reformat(format="yuv444p")
    y, u, v = split_yuv420p(to_array(frame, "yuv420p", rotation))
    assert y.shape == (hd + 1, wd + 1) and (y[hd, :] == 16).all() and (y[:, wd] == 16).all()
    want_y, want_u, want_v = planes444(upright)
    assert np.abs(y[:hd, :wd].astype(int) - want_y).max() <= 1
    hb, wb = hd // 2, wd // 2
    for got, want in ((u, want_u), (v, want_v)):
        blocks = want[: 2 * hb, : 2 * wb].reshape(hb, 2, wb, 2).mean(axis=(1, 3))
        assert np.abs(got[:hb, :wb].astype(int) - blocks).max() <= 1
