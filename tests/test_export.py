"""Export: fidelity, frame timing, audio, records, refusal and crash safety."""
import csv
import json
import os
import resource
import signal
import subprocess
import sys

import av
import numpy as np
import pytest

from redaction.audio import rms_dbfs
from redaction.edits import AddAudioRange, AddTrack, SetStatus
from redaction.errors import ExportError, IntegrityError
from redaction.export import ExportRequest, export_job
from redaction.fsutil import sha256_file
from redaction.jobs import CancelToken, run_job
from redaction.media import MediaSource, split_yuv420p
from redaction.model import AudioRange, Keyframe, Track
from redaction.render import expand_box, to_rect

from helpers import run_bwv
from helpers import decode_all, decode_audio, frame_times, make_project, moving_track, psnr


def request(session, out, **kw):
    return ExportRequest(project=session.path, out=out, operator="alice", recipient="Bob Jones",
                         organisation="CPS", basis="s.35 DPA 2018", **kw)


@pytest.fixture
def redacted(clip_copy, tmp_path):
    """A project with one moving accepted face, one rejected track and two audio ranges."""
    clip = clip_copy("ntsc")
    s = make_project(clip, tmp_path)
    s.do(AddTrack(moving_track("t1", start=0, end=40)))
    s.do(AddTrack(Track("t2", "plate", "manual", "rejected", "not a plate",
                        [Keyframe(0, (250, 10, 40, 20))], end_frame=44)))
    s.do(AddAudioRange(AudioRange(0.4, 0.8, "mute", "name spoken", id="a1")))
    s.do(AddAudioRange(AudioRange(1.0, 1.3, "bleep", "address", id="a2")))
    s.save()
    return clip, s


def test_export_keeps_source_frames_times_and_quality(redacted, tmp_path):
    clip, s = redacted
    before = (sha256_file(clip), clip.stat().st_mtime_ns)
    out = tmp_path / "out" / "case_redacted.mp4"
    out.parent.mkdir()
    res = run_job(export_job(request(s, out)))
    assert (sha256_file(clip), clip.stat().st_mtime_ns) == before  # master untouched

    src_frames, out_frames = decode_all(clip), decode_all(out)
    assert len(out_frames) == len(src_frames) == 45 == res.frames
    src_t, out_t = frame_times(clip), frame_times(out)
    assert max(abs(a - b) for a, b in zip(src_t, out_t)) <= 0.001
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "h264" and v.format.name == "yuv420p"
        assert v.average_rate == src_frames and False or str(v.average_rate) == "30000/1001"
        a = c.streams.audio[0]
        assert (a.codec_context.name, a.rate, a.layout.name) == ("aac", 48000, "stereo")

    track = s.project.track("t1")
    for i in (0, 13, 27, 40, 44):
        y_src = split_yuv420p(src_frames[i])[0]
        y_out = split_yuv420p(out_frames[i])[0]
        box = track.box_at(i)
        mask = np.ones_like(y_src, bool)
        if box is not None:
            x0, y0, x1, y1 = to_rect(expand_box(box, s.project.style.margin), 320, 240)
            mask[max(0, y0 - 8):y1 + 8, max(0, x0 - 8):x1 + 8] = False  # codec block spill
            inner = y_out[y0 + 4:y1 - 4, x0 + 4:x1 - 4]
            assert np.abs(inner.astype(int) - 16).max() <= 3, f"fill not solid on frame {i}"
        assert psnr(y_src[mask], y_out[mask]) >= 40.0, f"frame {i} outside redactions"
    # the rejected track's region is NOT redacted
    y_out = split_yuv420p(out_frames[5])[0]
    assert psnr(split_yuv420p(src_frames[5])[0][10:30, 250:290], y_out[10:30, 250:290]) > 35


def test_export_audio_mute_and_bleep(redacted, tmp_path):
    clip, s = redacted
    out = tmp_path / "a.mp4"
    run_job(export_job(request(s, out)))
    samples, rate, start = decode_audio(out)
    src, _, sstart = decode_audio(clip)

    def seg(x, t0, a, b):
        return x[:, int((a - t0) * rate):int((b - t0) * rate)]
    assert rms_dbfs(seg(samples, start, 0.45, 0.75)) < -60
    assert rms_dbfs(seg(src, sstart, 0.45, 0.75)) > -20  # the source had the tone there
    bleep = seg(samples, start, 1.05, 1.25)[0]
    spec = np.abs(np.fft.rfft(bleep * np.hanning(bleep.size)))
    peak_hz = np.argmax(spec) * rate / bleep.size
    assert abs(peak_hz - 1000) < 15
    outside = seg(samples, start, 1.35, 1.45)
    assert rms_dbfs(outside) > -20  # the rest of the audio is kept


def test_records_manifest_csv_and_log(redacted, tmp_path):
    clip, s = redacted
    out = tmp_path / "x.mp4"
    res = run_job(export_job(request(s, out)))
    m = json.loads((tmp_path / "x.manifest.json").read_text())
    assert m["source"]["sha256"] == sha256_file(clip)
    assert m["export_sha256"] == m["output"]["sha256"] == sha256_file(out) == res.sha256
    assert m["output"]["frames"] == m["source"]["frames"] == 45
    assert (m["operator"], m["recipient"], m["organisation"]) == ("alice", "Bob Jones", "CPS")
    assert m["basis"] == "s.35 DPA 2018" and m["created_utc"].endswith("Z")
    assert m["style"]["mode"] == "solid" and m["tool"]["version"]
    log_lines = [json.loads(l) for l in open(m["edit_log"]["path"])]
    assert [e["action"] for e in log_lines[-3:]] == ["export", "export_publishing",
                                                      "export_published"]
    assert log_lines[-3]["hash"] == m["edit_log"]["last_entry_hash"]
    assert log_lines[-3]["details"]["export_sha256"] == res.sha256
    assert log_lines[-1]["details"]["export_entry"] == log_lines[-3]["seq"]
    assert log_lines[-2]["details"]["files"] == log_lines[-1]["details"]["files"]
    rows = list(csv.DictReader(open(tmp_path / "x.redactions.csv")))
    assert [r["id"] for r in rows] == ["t1", "a1", "a2"]
    assert rows[0]["first_frame"] == "0" and rows[0]["last_frame"] == "40"
    assert rows[0]["end_timecode"] == "00:00:01:10" and rows[0]["reason"] == "third party"
    assert rows[1]["mode"] == "mute"


def test_metadata_is_stripped(clip_copy, tmp_path):
    clip = clip_copy("tagged")
    s = make_project(clip, tmp_path)
    out = tmp_path / "m.mp4"
    run_job(export_job(request(s, out)))
    with av.open(str(out)) as c:
        tags = dict(c.metadata)
    assert not {"title", "location", "comment"} & tags.keys()
    assert "ABC123" not in out.read_bytes().decode("latin-1")
    m = json.loads((tmp_path / "m.manifest.json").read_text())
    assert {"title", "location", "comment"} <= set(m["metadata"]["dropped_keys"])


def test_rotation_is_honoured(clip_copy, tmp_path):
    clip = clip_copy("rotated")
    s = make_project(clip, tmp_path)
    out = tmp_path / "r.mp4"
    run_job(export_job(request(s, out)))
    with MediaSource(out) as o, MediaSource(clip) as i:
        assert (o.info.width, o.info.height) == (240, 320) and o.rotation == 0
        assert psnr(o.frame(3), i.frame(3)) > 35


def test_vfr_timestamps_survive(clip_copy, tmp_path):
    clip = clip_copy("vfr")
    s = make_project(clip, tmp_path)
    out = tmp_path / "v.mp4"
    run_job(export_job(request(s, out)))
    a, b = frame_times(clip), frame_times(out)
    assert len(a) == len(b) == 40
    assert max(abs(x - y) for x, y in zip(a, b)) <= 0.001


def test_trimmed_export_records_ranges(redacted, tmp_path):
    clip, s = redacted
    out = tmp_path / "t.mp4"
    run_job(export_job(request(s, out, ranges=[(5, 14), (30, 39)])))
    src = decode_all(clip)
    got = decode_all(out)
    assert len(got) == 20
    assert psnr(split_yuv420p(src[35])[0][150:, :100], split_yuv420p(got[15])[0][150:, :100]) > 40
    m = json.loads((tmp_path / "t.manifest.json").read_text())
    assert m["trimmed"] and m["ranges"] == [{"first_frame": 5, "last_frame": 14, "frames": 10},
                                            {"first_frame": 30, "last_frame": 39, "frames": 10}]
    samples, rate, _ = decode_audio(out)
    assert abs(samples.shape[1] / rate - 20 * 1001 / 30000) < 0.05


def test_existing_output_is_refused_and_kept(redacted, tmp_path):
    clip, s = redacted
    out = tmp_path / "exists.mp4"
    out.write_bytes(b"precious")
    with pytest.raises(ExportError, match="refusing to overwrite"):
        run_job(export_job(request(s, out)))
    assert out.read_bytes() == b"precious"
    (tmp_path / "other.manifest.json").write_text("{}")
    with pytest.raises(ExportError, match="other.manifest.json"):
        run_job(export_job(request(s, tmp_path / "other.mp4")))
    assert not (tmp_path / "other.mp4").exists()


def test_pending_blocks_and_override_is_logged(clip_copy, tmp_path):
    clip = clip_copy()
    s = make_project(clip, tmp_path)
    s.do(AddTrack(moving_track("t1", status="pending")))
    s.save()
    with pytest.raises(ExportError, match="pending"):
        run_job(export_job(request(s, tmp_path / "p.mp4")))
    assert not (tmp_path / "p.mp4").exists()
    run_job(export_job(request(s, tmp_path / "p.mp4", accept_pending=True)))
    log = [json.loads(l) for l in open(s.log.path)]
    assert any(e["action"] == "accept_pending_override" and e["details"]["tracks"] == ["t1"]
               for e in log)
    y = split_yuv420p(decode_all(tmp_path / "p.mp4")[0])[0]
    assert abs(int(y[40:80, 25:75].mean()) - 16) <= 3  # the pending track was redacted


def test_changed_source_is_refused(clip_copy, tmp_path):
    clip = clip_copy()
    s = make_project(clip, tmp_path)
    with open(clip, "ab") as f:
        f.write(b"\0")
    with pytest.raises(IntegrityError, match="changed"):
        run_job(export_job(request(s, tmp_path / "c.mp4")))
    assert list(tmp_path.glob("c.*")) == []


def test_cancel_raises_cancelled(redacted, tmp_path):
    from redaction.errors import Cancelled
    clip, s = redacted
    token = CancelToken()
    job = export_job(request(s, tmp_path / "c2.mp4"), token)
    with pytest.raises(Cancelled):
        for p in job:
            if p.done >= 10:
                token.cancel()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".c2", "c2"))] == []


def test_full_disk_mid_export_leaves_no_output(redacted, tmp_path):
    """A real write failure: the file size limit makes the kernel refuse writes (EFBIG)."""
    clip, s = redacted
    out = tmp_path / "full.mp4"
    limit = 60_000  # bytes: past the project files, well short of the export

    def limit_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r = subprocess.run([sys.executable, "-m", "redaction", "export", str(s.path), "--out", str(out),
                        "--operator", "alice", "--recipient", "Bob", "--organisation", "CPS",
                        "--basis", "test", "--quiet"],
                       capture_output=True, text=True, preexec_fn=limit_writes, timeout=120)
    assert r.returncode != 0
    assert "disk full" in r.stderr and str(out) in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1
    leftovers = [p.name for p in tmp_path.iterdir() if "full" in p.name]
    assert leftovers == []


def test_cli_export_end_to_end(redacted, tmp_path):
    clip, s = redacted
    out = tmp_path / "cli.mp4"
    r = run_bwv("export", str(s.path), "--out", str(out), "--operator", "alice",
                "--recipient", "Bob", "--organisation", "CPS", "--basis", "court", "--quiet")
    assert r.returncode == 0, r.stderr
    assert f"sha256 {sha256_file(out)}" in r.stdout
    r2 = run_bwv("export", str(s.path), "--out", str(out), "--operator", "alice",
                 "--recipient", "Bob", "--organisation", "CPS", "--basis", "court")
    assert r2.returncode != 0 and "refusing to overwrite" in r2.stderr


def test_export_is_reproducible(redacted, tmp_path):
    """The same project and source give the same bytes (ACPO principle 3), run after run."""
    clip, s = redacted
    shas = {run_job(export_job(request(s, tmp_path / f"r{i}.mp4"))).sha256 for i in range(4)}
    assert len(shas) == 1


@pytest.mark.parametrize("ranges", [None, [(3, 20), (30, 45)]])
def test_a_coarse_source_time_base_keeps_its_frame_rate(tmp_path, ranges):
    """Matroska keeps a 1/1000 time base; the MP4 muxer turns it into 1/16000 when it writes
    the header. Frames stamped in the stream's changed time base played 16x too fast."""
    from fractions import Fraction
    from redaction.synth import ClipSpec, write_clip
    from helpers import make_project, moving_track
    from redaction.edits import AddTrack
    clip = tmp_path / "c.mkv"
    write_clip(clip, ClipSpec(frames=50, fps=Fraction(25), time_base=Fraction(1, 1000),
                              container="matroska"))
    s = make_project(clip, tmp_path)
    s.do(AddTrack(moving_track(end=40)))
    s.save()
    out = tmp_path / "o.mp4"
    run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B", ranges=ranges)))
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        times = [float(f.pts * f.time_base) for f in c.decode(v)]
        n = len(times)
        audio = c.streams.audio[0]
        audio_s = float(audio.duration * audio.time_base) if audio.duration else None
    assert n == (50 if ranges is None else 34)
    assert times[:3] == pytest.approx([0.0, 0.04, 0.08], abs=1e-3)
    assert times[-1] == pytest.approx((n - 1) * 0.04, abs=1e-3)
    if audio_s is not None:
        assert audio_s == pytest.approx(n * 0.04, abs=0.05)


def test_a_full_range_source_keeps_its_blacks_and_whites(tmp_path):
    """A yuvj420p (full-range) clip: the export is limited range, as it declares, so a
    player shows the same picture as the source."""
    from redaction.synth import ClipSpec, write_clip
    from helpers import make_project
    import numpy as np
    clip = tmp_path / "full.mp4"
    write_clip(clip, ClipSpec(frames=6, pix_fmt="yuvj420p"))
    s = make_project(clip, tmp_path)
    out = tmp_path / "o.mp4"
    run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))

    def rgb(path):
        with av.open(str(path)) as c:
            return [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
    a, b = rgb(clip), rgb(out)
    assert len(a) == len(b) == 6
    diff = np.abs(np.stack(a) - np.stack(b))
    assert diff.mean() < 4.0 and np.percentile(diff, 99) < 16, (diff.mean(), np.percentile(diff, 99))


@pytest.mark.parametrize("rotation", [0, 90])
def test_an_odd_sized_clip_is_exported_with_one_black_row_and_column(tmp_path, rotation):
    """321x241 (legal in 4:4:4; 4:2:0 needs even sizes): the export is 322x242, the picture
    in place (display coordinates unchanged, also when the clip is rotated), one black
    column and row at the right and bottom, redactions where they were drawn, named in the
    manifest."""
    from redaction.synth import ClipSpec, write_clip
    from helpers import make_project

    def stored(i):
        f = np.full((241, 321, 3), 110, np.uint8)
        f[:40, :60] = 230                          # a bright block in the stored top-left corner
        f[:, -1] = 200                             # the last stored column and row, light
        f[-1, :] = 200
        return f
    odd = tmp_path / "odd321.mp4"
    write_clip(odd, ClipSpec(width=321, height=241, frames=5, pix_fmt="yuv444p", rotation=rotation),
               frame_fn=stored)
    src = MediaSource(odd)
    dw, dh = src.info.width, src.info.height
    want = [src.frame(i, "rgb24").astype(int) for i in range(5)]
    src.close()
    s = make_project(odd, tmp_path)
    # a redaction on the display picture's bottom-right corner, up to its edge
    s.do(AddTrack(Track("t1", "face", "manual", "accepted", reason="third party",
                        keyframes=[Keyframe(0, (dw - 50, dh - 50, 50, 50)), Keyframe(4, (dw - 50, dh - 50, 50, 50))])))
    out = tmp_path / "o.mp4"
    run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    got = [f.astype(int) for f in decode_all(out, "rgb24")]
    assert len(got) == 5 and got[0].shape == (dh + 1, dw + 1, 3)
    for a, b in zip(want, got):
        inner = b[:dh, :dw]
        keep = np.ones((dh, dw), bool)
        keep[dh - 60:, dw - 60:] = False            # the redaction and its margin
        assert np.abs(inner[keep] - a[keep]).mean() < 3      # the picture did not move
        assert b[dh - 25, dw - 25].max() < 30                 # redacted: solid black fill
        assert b[dh, : dw - 70].max() < 30 and b[: dh - 70, dw].max() < 30   # the padding
    m = json.loads(out.with_name("o.manifest.json").read_text())
    assert (m["output"]["width"], m["output"]["height"]) == (dw + 1, dh + 1)
    assert m["output"]["padding"]["right_px"] == 1 and m["output"]["padding"]["bottom_px"] == 1
    assert (m["source"]["width"], m["source"]["height"]) == (dw, dh)
    from pypdf import PdfReader
    text = " ".join(p.extract_text() for p in PdfReader(str(out.with_name("o.report.pdf"))).pages)
    assert f"{dw + 1}x{dh + 1}: one black column at the right and row at the bottom" in " ".join(text.split())
    assert decode_audio(out)[0].shape[1] > 0
    from redaction.verify import verify_project
    assert verify_project(s.path, "alice").clean


def test_corrupt_data_in_the_clip_is_named_as_the_clips_fault(tmp_path):
    """Garbled bytes in the middle of the media data: one line naming the clip (exit 3), not
    'cannot write the export' naming the output; nothing written."""
    from redaction.errors import MediaError
    from redaction.synth import ClipSpec, write_clip
    from helpers import make_project
    raw = tmp_path / "raw.mp4"
    write_clip(raw, ClipSpec(frames=90, width=320, height=240))
    clip = tmp_path / "garbled.mp4"
    with av.open(str(raw)) as i, av.open(str(clip), "w", format="mp4",
                                         options={"movflags": "+faststart"}) as o:
        m = {s.index: o.add_stream_from_template(s) for s in i.streams}
        for pk in i.demux():
            if pk.dts is not None:
                pk.stream = m[pk.stream.index]
                o.mux(pk)
    data = bytearray(clip.read_bytes())
    for k in range(len(data) // 2, len(data) // 2 + 40_000, 50):
        data[k] ^= 0x5A
    clip.write_bytes(bytes(data))
    s = make_project(clip, tmp_path)
    out = tmp_path / "o.mp4"
    try:
        run_job(export_job(ExportRequest(s.path, out, "alice", "R", "O", "B")))
    except MediaError as e:
        assert str(clip.name) in str(e) and "corrupt data" in str(e)
        assert not out.exists()
    else:   # the decoders concealed it: then the export is whole
        with av.open(str(out)) as c:
            assert sum(1 for _ in c.decode(video=0)) == 90


def test_the_manifest_names_what_the_export_leaves_out(tmp_path):
    """Audio that runs on past the last video frame, and a second video stream: not in the
    export (it follows the picture), and named in the manifest."""
    from fractions import Fraction
    from redaction.synth import ClipSpec, _write_tone
    from helpers import make_project
    clip = tmp_path / "c.mp4"
    spec = ClipSpec(frames=10)
    with av.open(str(clip), "w", format="mp4") as o:
        streams = []
        for w in (320, 160):
            vs = o.add_stream("libx264", rate=25)
            vs.width, vs.height, vs.pix_fmt = w, 240, "yuv420p"
            streams.append(vs)
        a_s = o.add_stream("aac", rate=48000, layout="stereo")
        for i in range(10):
            for vs in streams:
                f = av.VideoFrame.from_ndarray(np.full((240, vs.width, 3), 80, np.uint8), format="rgb24")
                f.pts, f.time_base = i, Fraction(1, 25)
                for pk in vs.encode(f):
                    o.mux(pk)
        for vs in streams:
            for pk in vs.encode():
                o.mux(pk)
        _write_tone(o, a_s, spec, 1.4)                     # 1.4 s of sound, 0.4 s of picture
    s = make_project(clip, tmp_path)
    res = run_job(export_job(ExportRequest(s.path, tmp_path / "o.mp4", "alice", "R", "O", "B")))
    notes = res.manifest_data["not_exported"]
    assert any(n.startswith("stream 1 (video") for n in notes), notes
    assert any("runs 1.0" in n and "past the last video frame" in n for n in notes), notes
    # a range that ends before the clip does: cutting the sound there is what was asked
    res = run_job(export_job(ExportRequest(s.path, tmp_path / "p.mp4", "alice", "R", "O", "B",
                                           ranges=[(0, 5)])))
    assert not any("past the last video frame" in n for n in res.manifest_data["not_exported"])
