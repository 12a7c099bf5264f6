"""bench/leak_replay.py grades replayed tracks as the leak check grades an export: an
object-frame leaks when under 80 % of its visible pixels lie in a redacted rectangle."""
from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from leak_replay import replay  # noqa: E402

from redaction.detect.base import Detection  # noqa: E402
from redaction.detect.job import _encode_record  # noqa: E402
from redaction.track import FrameRecord, TrackerSettings  # noqa: E402

W, H, FPS, N = 320, 240, 30.0, 120


def _scene(tmp_path: Path, detect_until: int, false_at: int = -1) -> Path:
    """A still 40x40 face at (100, 80) on every frame, hidden from frame 90 (an occluder);
    the detector sees it on every 6th frame up to ``detect_until``, and a false face at
    (220, 150) on frame ``false_at``."""
    box = (100.0, 80.0, 40.0, 40.0)
    recs, gt = [], {}
    for f in range(N):
        dets = None
        if f % 6 == 0:
            dets = [Detection("face", box, 0.9)] if f <= detect_until else []
            if f == false_at:
                dets.append(Detection("face", (220.0, 150.0, 30.0, 30.0), 0.8))
        recs.append(_encode_record(FrameRecord(f, (0.0, 0.0), False, dets)))
        region = np.ones((40, 40), bool)
        vis = region if f < 90 else np.zeros_like(region)
        gt[f] = [(0, "face", box, 100, 80, vis, region)]
    path = tmp_path / "s.pkl"
    path.write_bytes(pickle.dumps({"recs": recs, "gt": gt, "size": (W, H), "fps": FPS}))
    return path


def test_a_tracked_object_does_not_leak(tmp_path):
    per, share, tracks, off = replay(_scene(tmp_path, N), TrackerSettings(hold_s=1.0))
    graded, leaked = per[(0, "face")]
    assert graded == 90 and leaked == [] and len(tracks) == 1 and off == 0
    assert 0 < share < 0.1


def test_a_track_on_no_object_is_counted_off_the_truth(tmp_path):
    per, _, tracks, off = replay(_scene(tmp_path, N, false_at=30), TrackerSettings(hold_s=1.0))
    assert len(tracks) == 2 and off == 1
    assert per[(0, "face")][1] == []


def test_frames_past_the_hold_leak(tmp_path):
    """Detected up to frame 24, held 1 s (30 frames) after it: frames 55-89 leak."""
    per, _, _, _ = replay(_scene(tmp_path, 24), TrackerSettings(hold_s=1.0))
    graded, leaked = per[(0, "face")]
    assert graded == 90
    assert leaked and leaked[0] > 24 + 25 and leaked[-1] == 89
    assert leaked == list(range(leaked[0], 90))
