"""Smeared detections (docs/adr/0008-tracking-and-detection-job.md, "smeared detections").

On a fast pan the plate network boxes only the band of characters it can still read on a
motion-blurred plate: on the leak check's pan2000 seed 1 a 212x111-px plate came back as
177x54 while the picture moved 66 px a frame, the track's keyframe took that box, and the
plate's frame and the rows above and below the characters stayed visible on exactly those
detection frames. A detection whose object moved at least ``smear_frac`` of its shorter side
in the picture over one frame (camera at the box + the track's own motion) now places the
track but does not shrink it below its last box carried by the camera, its size is not
measured as growth, and a track that started smeared takes the size of its first sharp box.
A shrinking box on a steady picture is still followed (a plate driving away).

Synthetic detections every 6 frames at 30 fps on a 1920x1080 picture.
"""
from __future__ import annotations

from redaction.detect.base import Detection
from redaction.track import FrameRecord, Tracker, TrackerSettings

FPS, W, H = 30.0, 1920, 1080


def _plate(cx: float, cy: float, w: float, h: float) -> Detection:
    return Detection("plate", (cx - w / 2, cy - h / 2, w, h), 0.9, sure=True)


def _run(pan: dict[int, float], dets: dict[int, Detection], frames: int = 60):
    """One track; ``pan[f]``: the picture's horizontal motion (px) from frame f-1 to f."""
    tr = Tracker(FPS, TrackerSettings(), frame_size=(W, H))
    for f in range(frames):
        run = None if f % 6 else ([dets[f]] if f in dets else [])
        tr.update(FrameRecord(f, (pan.get(f, 0.0), 0.0), False, run))
    tracks = tr.finish()
    assert len(tracks) == 1, [k.id for k in tracks]     # one plate, one track
    return tracks[0]


def _covers(box, cx, cy, w, h) -> bool:
    x, y, bw, bh = box
    return x <= cx - w / 2 + 0.5 and y <= cy - h / 2 + 0.5 and \
        x + bw >= cx + w / 2 - 0.5 and y + bh >= cy + h / 2 - 0.5


def test_a_smeared_plate_keeps_its_size():
    """Sharp 210x110 plate on frames 0 and 6 (still camera); then the wearer turns at
    66 px a frame and the detector returns the 180x54 character band on 12 and 18. The
    keyframes on 12 and 18 still hold the whole plate."""
    pan = {f: -66.0 for f in range(7, 19)}
    x = {0: 1500.0, 6: 1500.0}
    for f in range(7, 19):
        x[f] = x[f - 1] - 66.0
    dets = {0: _plate(x[0], 300, 210, 110), 6: _plate(x[6], 300, 210, 110),
            12: _plate(x[12], 300, 180, 54), 18: _plate(x[18], 300, 180, 54)}
    t = _run(pan, dets, frames=19)
    for f in (12, 18):
        assert _covers(t.box_at(f), x[f], 300, 210, 110), (f, t.box_at(f))


def test_a_track_that_starts_smeared_takes_its_first_sharp_size():
    """The plate is first found during the turn (180x54 on 6 and 12), then sharp (210x110)
    once the camera settles: the smeared keyframes are given the sharp size."""
    pan = {f: -66.0 for f in range(1, 13)}
    x = {0: 1800.0}
    for f in range(1, 19):
        x[f] = x[f - 1] + pan.get(f, 0.0)
    dets = {6: _plate(x[6], 300, 180, 54), 12: _plate(x[12], 300, 180, 54),
            18: _plate(x[18], 300, 210, 110)}
    t = _run(pan, dets, frames=19)
    for f in (6, 12):
        b = t.box_at(f)
        assert b[3] >= 110 - 0.5 and b[2] >= 210 - 0.5, (f, b)


def test_on_a_steady_picture_a_shrinking_plate_is_followed():
    """Recall first is not "never shrink": a plate driving away on a still camera
    (210 -> 120 px over four runs) is boxed at its own size on each run."""
    sizes = {0: (210, 110), 6: (180, 94), 12: (150, 79), 18: (120, 63)}
    dets = {f: _plate(900, 300, w, h) for f, (w, h) in sizes.items()}
    t = _run({}, dets, frames=19)
    assert abs(t.box_at(18)[2] - 120) < 2 and abs(t.box_at(18)[3] - 63) < 2


def test_a_smeared_box_is_not_growth():
    """Sharp 120x40 on 0 and 6 (still), then the 66-px turn smears it to 60x20 on 12 and
    back to sharp 120x40 on 18 after the turn: the jump back is not the plate approaching,
    so the hold after 18 does not grow beyond its margin."""
    pan = {f: -66.0 for f in range(7, 13)}
    x = {0: 1500.0}
    for f in range(1, 60):
        x[f] = x[f - 1] + pan.get(f, 0.0)
    dets = {0: _plate(x[0], 300, 120, 40), 6: _plate(x[6], 300, 120, 40),
            12: _plate(x[12], 300, 60, 20), 18: _plate(x[18], 300, 120, 40)}
    t = _run(pan, dets, frames=60)
    widest = max(t.box_at(f)[2] for f in range(18, t.last_frame + 1))
    assert widest <= 120 * (1 + 2 * TrackerSettings().max_hold_growth) + 1


def test_faces_follow_their_detections():
    """Smear is a plate rule (the plate network's character band): a face detection on the
    same turn is taken at its own size (measured on faces: no fewer leaks, ADR 0008)."""
    pan = {f: -66.0 for f in range(7, 13)}
    x = {0: 1500.0}
    for f in range(1, 13):
        x[f] = x[f - 1] + pan.get(f, 0.0)
    face = lambda cx, w, h: Detection("face", (cx - w / 2, 300 - h / 2, w, h), 0.9, sure=True)
    dets = {0: face(x[0], 110, 130), 6: face(x[6], 110, 130), 12: face(x[12], 80, 95)}
    t = _run(pan, dets, frames=13)
    assert abs(t.box_at(12)[3] - 95) < 1
