"""The product's fail-secure hold (1.5 s since session 13, ADR 0008) and the tracker rules that
must not move with it: when a gap between detections counts as long, and how far a held box
follows the object's own motion."""
from fractions import Fraction

import numpy as np

from redaction.detect.base import Detection
from redaction.detect.job import DetectSettings, detect_job
from redaction.jobs import run_job
from redaction.synth import ClipSpec, write_clip
from redaction.track import FrameRecord, Tracker, TrackerSettings
from redaction.track_settings import DEFAULT_HOLD_S

from test_track import RedDetector, covered_box, scene

W, H, FPS = 320, 240, 30
SQUARE = (140, 100, 40, 40)


def _clip(path, frames, visible):
    """A still textured street with a red square on the frames ``visible`` says."""
    def fn(i):
        f = scene(0)
        if visible(i):
            x, y, w, h = SQUARE
            f[y:y + h, x:x + w] = (255, 0, 0)
        return f
    return write_clip(path, ClipSpec(width=W, height=H, frames=frames, fps=Fraction(FPS),
                                     audio_rate=None, crf=12), frame_fn=fn)


def test_the_default_hold_and_pre_hold_last_one_and_a_half_seconds(tmp_path):
    """Red square on frames 60-89 of a 160-frame clip, the detector on every frame: the
    track starts 1.5 s (45 frames) before the first detection and ends 1.5 s after the
    last, covering the square's place throughout (a miss is not evidence of absence)."""
    assert DEFAULT_HOLD_S == 1.5 and DetectSettings().hold_s == DEFAULT_HOLD_S
    clip = _clip(tmp_path / "c.mp4", 160, lambda i: 60 <= i < 90)
    res = run_job(detect_job(clip, DetectSettings(kinds=("face",), every=1),
                             detector=RedDetector(), use_cache=False))
    (t,) = res.tracks
    assert min(t.scores) == 60 and max(t.scores) == 89
    assert t.first_frame == 60 - 45
    assert t.last_frame == 89 + 45
    for f in range(15, 135):
        assert covered_box(t.box_at(f), SQUARE), f
    assert t.box_at(14) is None and t.box_at(136) is None
    # the same clip with the old 1.0-s hold: 30 frames each way
    (old,) = run_job(detect_job(clip, DetectSettings(kinds=("face",), every=1, hold_s=1.0),
                                detector=RedDetector(), use_cache=False)).tracks
    assert old.first_frame == 30 and old.last_frame == 119


def _gap_run(cand_frame, **kw):
    """A sure face found every 6th frame up to 30 while it walks 3 px a frame, then missed
    (it stops, unseen); a doubtful box on ``cand_frame`` 25 px off it. Hold 1.5 s."""
    def face_at(f):
        return (1000.0 + 3.0 * min(f, 30), 500.0, 40.0, 48.0)
    cand = (1000.0 + 3.0 * 30 + 3.0 * (cand_frame - 30) - 25.0, 525.0, 40.0, 48.0)
    tr = Tracker(30.0, TrackerSettings(hold_s=1.5, **kw), frame_size=(1920, 1080))
    for f in range(100):
        dets = None
        if f % 6 == 0:
            dets = ([Detection("face", face_at(f), 0.8)] if f <= 30 else
                    [Detection("face", cand, 0.2, sure=False)] if f == cand_frame else [])
        tr.update(FrameRecord(f, (0.0, 0.0), False, dets))
    (t,) = tr.finish()
    assert cand_frame in t.scores
    return t, face_at(30), cand


def test_a_gap_of_over_half_a_second_is_long_whatever_the_hold():
    """An 18-frame gap (0.6 s) ending on a candidate is a doubtful join with the 1.5-s hold:
    the frames between keep the hold after the last sure box and the candidate's pre-hold.
    When 'long' was half the hold (22 frames at 1.5 s), this gap was interpolated straight
    towards the candidate and the face, which had stopped, was left uncovered."""
    t, face, cand = _gap_run(48)
    for f in range(31, 48):
        assert covered_box(t.box_at(f), face), f
        assert covered_box(t.box_at(f), cand), f
    half_the_hold, _, _ = _gap_run(48, long_gap_s=0.75)
    assert not all(covered_box(half_the_hold.box_at(f), face) for f in range(31, 48))


def test_a_held_box_follows_its_own_motion_for_one_second_whatever_the_hold():
    """A face walking 4 px a frame, found every 6th frame up to frame 30, then gone: the
    held box's centre goes on along that motion for 1 s (30 frames) and then stays with
    the camera (still), also when the hold is longer than 1 s."""
    def run(**kw):
        tr = Tracker(30.0, TrackerSettings(**kw), frame_size=(1920, 1080))
        for f in range(120):
            dets = None
            if f % 6 == 0:
                dets = [Detection("face", (500.0 + 4.0 * f, 500.0, 40.0, 48.0), 0.9)] if f <= 30 else []
            tr.update(FrameRecord(f, (0.0, 0.0), False, dets))
        (t,) = tr.finish()
        return t

    def cx(b):
        return b[0] + b[2] / 2

    t = run(hold_s=1.5)
    assert t.last_frame >= 30 + 45
    assert cx(t.box_at(60)) - cx(t.box_at(30)) > 100              # on along its motion for 1 s
    assert abs(cx(t.box_at(72)) - cx(t.box_at(60))) < 1            # ... then no further
    longer = run(hold_s=1.5, own_motion_s=1.5)
    assert cx(longer.box_at(72)) - cx(longer.box_at(60)) > 40
    assert np.isclose(cx(run(hold_s=1.0).box_at(58)), cx(t.box_at(58)))


def test_a_face_found_cut_by_the_edge_is_held_whole_as_the_camera_brings_it_in():
    """A 96x118 face at the right edge, 44 px of it in view when the detector finds it (the
    box ends 2 px short of the edge, as a detector's does), then missed while the camera
    pans 15 px a frame towards it. The held box is the whole face's (0.8 of its height
    wide, past the edge), so the part the pan brings into view is covered; before, the hold
    kept the 44-px sliver and the rest of the face was left visible. A box in the middle
    of the picture is not widened."""
    def run(x0, **kw):
        tr = Tracker(30.0, TrackerSettings(**kw), frame_size=(1920, 1080))
        for f in range(60):
            dets = None
            if f % 6 == 0:
                dets = [Detection("face", (x0, 600.0, 1918.0 - x0 if x0 > 1800 else 44.0, 118.0), 0.9)] \
                    if f == 0 else []
            tr.update(FrameRecord(f, (-15.0, 0.0) if f else (0.0, 0.0), False, dets))
        (t,) = tr.finish()
        return t

    def face_at(f):                      # the whole face, moving with the camera
        return (1874.0 - 15.0 * f, 600.0, 96.0, 118.0)

    t = run(1874.0)
    for f in (3, 4, 6, 10):
        assert covered_box(t.box_at(f), face_at(f), slack=3), f
    sliver = run(1874.0, edge_aspect=())
    assert not covered_box(sliver.box_at(6), face_at(6), slack=3)
    inside = run(900.0)
    assert inside.box_at(0)[2] == 44.0


def test_a_thin_sliver_at_any_edge_is_held_as_a_whole_face_past_that_edge():
    """Slivers of a face found at each edge, a few px short of it: the converted track's box
    reaches past that edge to the whole face's shape, never into the picture."""
    W_, H_ = 1920, 1080

    def first_box(box):
        tr = Tracker(30.0, TrackerSettings(), frame_size=(W_, H_))
        tr.update(FrameRecord(0, (0.0, 0.0), False, [Detection("face", box, 0.9)]))
        (t,) = tr.finish()
        return t.box_at(0)

    x, y, w, h = first_box((1910.0, 500.0, 8.0, 118.0))          # right edge, 2 px short
    assert x == 1910.0 and w > 0.8 * 118 - 1                       # grown rightwards
    x, y, w, h = first_box((2.0, 500.0, 8.0, 118.0))               # left edge
    assert x + w == 10.0 and w > 0.8 * 118 - 1                     # grown leftwards
    x, y, w, h = first_box((900.0, 2.0, 80.0, 20.0))               # top edge
    assert y + h == 22.0 and h > 80 / 0.8 - 1
    x, y, w, h = first_box((900.0, 1058.0, 80.0, 20.0))            # bottom edge
    assert y == 1058.0 and h > 80 / 0.8 - 1
    assert first_box((900.0, 500.0, 8.0, 118.0)) == (900.0, 500.0, 8.0, 118.0)


def test_a_short_hold_keeps_its_long_gaps():
    """With --hold 0.5 a gap of more than a quarter second is still 'long' (half the
    hold), as it was before the long-gap setting had its own half second."""
    tr = Tracker(30.0, TrackerSettings(hold_s=0.5))
    assert tr.long_gap_frames == 7
    assert Tracker(30.0, TrackerSettings(hold_s=1.5)).long_gap_frames == 15


def test_a_batch_redoes_clips_done_by_an_older_tracker(monkeypatch):
    """The batch's 'done' state names the tracker's version: clips done before a tracker
    change are done again (from the detection cache), not skipped with the old tracks."""
    import redaction.track_settings as ts
    from redaction.batch import settings_id
    s = DetectSettings()
    now = settings_id(s)
    monkeypatch.setattr(ts, "TRACKER_VERSION", ts.TRACKER_VERSION + 1)
    assert settings_id(s) != now
    assert s.key("abc") == DetectSettings().key("abc")       # the detection cache is kept
