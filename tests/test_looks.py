"""Looks: the detector run on a window round a lost track between full runs (detect/looks.py).

Generated clips with a red square (found by colour, so the detector sees exactly what is in
the decoded frame); the full-frame detector "misses" the square on a stretch of frames, as a
blurred or half-hidden face is missed, while a look on an upscaled window finds it.
"""
from fractions import Fraction

import numpy as np
import pytest

from redaction.detect.base import Detection
from redaction.detect.job import DetectSettings, detect_job
from redaction.detect.looks import (LOOK_BUDGET, LOOK_CREDIT, MAX_WINDOWS, Looker, Want, look,
                                    member_for, window)
from redaction.errors import Cancelled
from redaction.jobs import CancelToken, run_job
from redaction.synth import ClipSpec, write_clip
from redaction.track import FrameRecord, Tracker

W, H, FPS = 320, 240, 30
SIZE = 36


def path_x(i: int) -> float:
    """The square runs right, then turns back at frame 24: a held box, which keeps the
    object's last motion, runs on to the right while the object goes left."""
    return 20 + 6 * i if i <= 24 else 20 + 6 * 24 - 7 * (i - 24)


def square_at(i: int):
    return (int(path_x(i)), 90, SIZE, SIZE)


def make(path, frames=60):
    rng = np.random.default_rng(0)
    tex = np.kron(rng.integers(0, 160, (H // 8, W // 8), dtype=np.uint8), np.ones((8, 8), np.uint8))
    bg = np.dstack([tex // 2, tex, tex]).astype(np.uint8)

    def fn(i):
        f = bg.copy()
        x, y, w, h = square_at(i)
        f[y:y + h, max(0, x):x + w] = (255, 0, 0)
        return f
    return write_clip(path, ClipSpec(width=W, height=H, frames=frames, fps=Fraction(FPS),
                                     audio_rate=None, crf=12), frame_fn=fn)


def red_boxes(rgb):
    m = (rgb[..., 0] > 180) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)
    ys, xs = np.nonzero(m)
    if xs.size < 20:
        return []
    return [Detection("face", (float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1),
                               float(ys.max() - ys.min() + 1)), 0.9)]


class BlindFullFrames:
    """Finds the square on a window (a look) always, on a full frame only on the first
    ``sees_full`` full-frame calls (then the full pass misses it, as a blurred face is)."""
    name, kinds = "red", ("face",)

    def __init__(self, sees_full=5):
        self.sees_full = sees_full
        self.full_calls = 0
        self.look_calls = 0

    def models(self):
        return [{"name": "red", "sha256": "0" * 64}]

    def __call__(self, rgb):
        if rgb.shape[:2] == (H, W):
            self.full_calls += 1
            return red_boxes(rgb) if self.full_calls <= self.sees_full else []
        self.look_calls += 1
        return red_boxes(rgb)


def covered(track, i, slack=2):
    b = track.box_at(i)
    if b is None:
        return False
    x, y, w, h = square_at(i)
    x0, x1 = max(0, x), min(W, x + w)
    return b[0] <= x0 + slack and b[1] <= y + slack and b[0] + b[2] >= x1 - slack \
        and b[1] + b[3] >= y + h - slack


def uncovered(res, frames):
    return [i for i in frames if not any(covered(t, i) for t in res.tracks)]


def detect(clip, det, looks=True, **kw):
    return run_job(detect_job(clip, DetectSettings(kinds=("face",), every=6, looks=looks, **kw),
                              detector=det, use_cache=False))


def test_a_look_keeps_a_track_on_an_object_the_full_runs_miss(tmp_path):
    clip = make(tmp_path / "c.mp4")
    det = BlindFullFrames(sees_full=5)          # full runs find it up to frame 24, then never
    res = detect(clip, det)
    assert det.look_calls > 0
    # the full runs alone: the held box runs on to the right while the square turns back
    blind = detect(clip, BlindFullFrames(sees_full=5), looks=False)
    lost_without = uncovered(blind, range(25, 45))
    assert len(lost_without) >= 5, "the scene must defeat the hold for the test to mean anything"
    assert uncovered(res, range(0, 45)) == []
    assert len(res.tracks) == 1                  # re-found, not a new track


def test_looks_are_budgeted(tmp_path):
    clip = make(tmp_path / "c.mp4", frames=90)
    det = BlindFullFrames(sees_full=5)
    detect(clip, det)
    assert det.look_calls <= LOOK_BUDGET * det.full_calls + LOOK_CREDIT


def test_a_resumed_run_makes_the_same_looks(tmp_path, monkeypatch):
    monkeypatch.setenv("BWV_CACHE_DIR", str(tmp_path / "cache1"))
    clip = make(tmp_path / "c.mp4")
    settings = DetectSettings(kinds=("face",), every=6, looks=True)
    full = run_job(detect_job(clip, settings, detector=BlindFullFrames()))
    monkeypatch.setenv("BWV_CACHE_DIR", str(tmp_path / "cache2"))
    token = CancelToken()
    with pytest.raises(Cancelled):
        for p in detect_job(clip, settings, token, detector=BlindFullFrames()):
            if p.done >= 30:
                token.cancel()
    det = BlindFullFrames()
    det.full_calls = 5                           # the resumed run's full runs are all past frame 24
    again = run_job(detect_job(clip, settings, detector=det))
    assert 30 <= again.resumed_from < 60
    assert [t.keyframes for t in again.tracks] == [t.keyframes for t in full.tracks]


def test_a_look_never_starts_a_track():
    tr = Tracker(FPS, frame_size=(W, H))
    tr.update(FrameRecord(0, (0.0, 0.0), False, [Detection("face", (20, 90, 36, 36), 0.9)]))
    tr.update(FrameRecord(1, (0.0, 0.0)))
    tr.add_looks(1, [Detection("face", (250, 20, 30, 30), 0.95)])   # nowhere near the track
    assert tr.track_count == 1
    for i in range(2, 6):
        tr.update(FrameRecord(i, (0.0, 0.0)))
    tr.update(FrameRecord(6, (0.0, 0.0), False, []))                  # the full run misses it
    assert [w[0] for w in tr.look_wants(W, H)] == ["face"]            # now it is looked for
    tr.update(FrameRecord(7, (0.0, 0.0)))
    tr.add_looks(7, [Detection("face", (30, 92, 36, 36), 0.9)])
    (t,) = tr.finish()
    assert 7 in t.scores                           # re-joined on the look frame


def test_looks_are_off_by_default(tmp_path):
    clip = make(tmp_path / "c.mp4")
    det = BlindFullFrames()
    run_job(detect_job(clip, DetectSettings(kinds=("face",), every=6), detector=det, use_cache=False))
    assert det.look_calls == 0 and det.full_calls > 0


def test_look_maps_window_detections_to_frame_pixels():
    rgb = np.zeros((H, W, 3), np.uint8)
    rgb[100:130, 200:230] = (255, 0, 0)
    seen = []

    class Det:
        name, kinds = "red", ("face",)

        def __call__(self, img):
            seen.append(img.shape)
            return red_boxes(img)
    wins, dets = look(Det(), rgb, [Want("face", (195.0, 98.0, 34.0, 34.0), 0.2)])
    assert len(wins) == 1 and seen[0][0] > wins[0][4] - wins[0][2]        # upscaled
    (d,) = dets
    assert d.box == pytest.approx((200, 100, 30, 30), abs=1.5)
    # a detection of another kind, or centred outside the window, is not taken
    wins, dets = look(Det(), rgb, [Want("plate", (195.0, 98.0, 34.0, 34.0), 0.2)])
    assert wins == [] and dets == []


def test_window_grows_with_time_lost_and_stays_in_the_picture():
    a = window(Want("face", (100, 100, 40, 40), 0.0), W, H)
    b = window(Want("face", (100, 100, 40, 40), 1.0), W, H)
    assert b[0] < a[0] and b[2] > a[2]
    assert window(Want("face", (300, 220, 40, 40), 1.0), W, H)[2:] == (W, H)


def test_member_for_picks_the_kind():
    class K:
        def __init__(self, kinds):
            self.kinds = kinds

    class Multi:
        def __init__(self, members):
            self.members, self.kinds = members, tuple(k for m in members for k in m.kinds)
    f, p = K(("face",)), K(("plate",))
    assert member_for(Multi([f, p]), "plate") is p and member_for(f, "face") is f
    assert member_for(Multi([f]), "plate") is None


def test_looker_spacing_and_budget():
    lk = Looker()
    wants = lambda: [("face", (0, 0, 10, 10), 0.1)] * 5                  # noqa: E731
    assert lk.due(1, wants) == []                                       # no full run yet
    lk.seen(FrameRecord(0, (0.0, 0.0), False, []))
    got = lk.due(1, wants)
    assert len(got) == MAX_WINDOWS
    lk.seen(FrameRecord(1, (0.0, 0.0), looks=[["face", 0, 0, 1, 1]] * len(got), look_detections=[]))
    assert lk.due(2, wants) == []                                       # every 2nd frame
    assert len(lk.due(3, wants)) == MAX_WINDOWS
    assert Looker(enabled=False).due(1, wants) == []
