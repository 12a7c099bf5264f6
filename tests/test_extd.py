"""EXTD-64 (the `thorough` preset's crowd face detector) and the CenterFace close-up guard.

Real faces come from the bundled sample clip (resources/sample, Apache-2.0, a person filmed
close up by a wearable camera); nothing from ../shared/eval is used here.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from redaction.detect import build_detector
from redaction.detect import models as reg
from redaction.detect.extd import EXTD, decode_level
from redaction.detect.factory import FACE_PRESETS, PRESETS, STILLS_PRESET
from redaction.errors import IntegrityError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample" / "sample_bwv.mp4"
FACE_FRAME = 60                                  # the face, measured: x 248-435, y 123-378
FACE_BOX = (248, 123, 435, 378)


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    cap = cv2.VideoCapture(str(SAMPLE))
    cap.set(cv2.CAP_PROP_POS_FRAMES, FACE_FRAME)
    ok, bgr = cap.read()
    cap.release()
    assert ok, "cannot read the sample clip"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def extd() -> EXTD:
    return EXTD()


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_extd_finds_the_real_face_of_the_sample_clip(extd, frame):
    small = cv2.resize(frame, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)   # 304x540
    dets = extd(small)
    assert dets and all(d.kind == "face" for d in dets)
    best = max(dets, key=lambda d: d.score)
    x, y, w, h = (v * 2 for v in best.box)
    assert best.score > 0.9
    assert _iou((x, y, x + w, y + h), FACE_BOX) > 0.5
    assert len([d for d in dets if d.score >= 0.5]) == 1        # one face, no false ones


def test_extd_finds_a_crowd_of_small_faces(extd, frame):
    """Six copies of the frame at 1/8 scale (faces about 23x32 px) side by side."""
    tile = cv2.resize(frame, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)   # 76x135
    crowd = np.concatenate([np.concatenate([tile] * 3, axis=1)] * 2, axis=0)          # 228x270
    boxes = extd.raw(crowd)
    found = 0
    for r in range(2):
        for c in range(3):
            ox, oy = c * tile.shape[1], r * tile.shape[0]
            gt = tuple(v / 8 for v in FACE_BOX)
            gt = (gt[0] + ox, gt[1] + oy, gt[2] + ox, gt[3] + oy)
            found += any(_iou(b[:4], gt) > 0.4 for b in boxes)
    assert found >= 5


def test_blank_and_odd_sized_images_give_no_faces(extd):
    for shape in ((1, 1, 3), (17, 33, 3), (416, 416, 3), (240, 427, 3)):
        assert extd(np.zeros(shape, np.uint8)) == []
    assert extd(np.zeros((0, 10, 3), np.uint8)) == []
    with pytest.raises(ValueError):
        extd(np.zeros((10, 10), np.uint8))


def test_decode_matches_the_upstream_prior_box_arithmetic():
    """One cell, stride 8, anchor 32: prior centre (x+0.5)*8, offsets * 0.1 * 32, sizes exp(0.2 l)."""
    conf = np.zeros((3, 4), np.float32)
    loc = np.zeros((4, 3, 4), np.float32)
    conf[1, 2] = 0.9
    loc[:, 1, 2] = (1.0, -0.5, 0.0, np.log(2) / 0.2)
    b = decode_level(conf, loc, 8, 32, 0.5)
    cx, cy = 2.5 * 8 + 3.2, 1.5 * 8 - 1.6
    assert np.allclose(b[0], [cx - 16, cy - 32, cx + 16, cy + 32, 0.9], atol=1e-4)
    assert len(decode_level(conf, loc, 8, 32, 0.95)) == 0


def test_extd_model_is_registered_and_a_tampered_file_is_refused(tmp_path):
    m = reg.info("extd_64")
    assert m.licence == "MIT" and "e99af10f282d" in m.source
    md = (ROOT / "resources" / "models" / "MODELS.md").read_text()
    assert m.sha256 in md and (ROOT / "resources" / "models" / "LICENSE-EXTD-MIT.txt").is_file()
    shutil.copy(reg.model_path("extd_64"), tmp_path / m.file)
    EXTD(model_root=tmp_path)                                   # an intact copy loads
    data = bytearray((tmp_path / m.file).read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / m.file).write_bytes(bytes(data))
    for backend in ("cv2", "ort"):
        with pytest.raises(IntegrityError, match="extd_64.onnx"):
            EXTD(model_root=tmp_path, backend=backend)


def test_backends_agree(frame):
    small = cv2.resize(frame, (304, 540), interpolation=cv2.INTER_AREA)
    a, b = EXTD(backend="cv2").raw(small), EXTD(backend="ort").raw(small)
    assert len(a) == len(b) >= 1
    assert np.abs(a[np.argsort(-a[:, 4])] - b[np.argsort(-b[:, 4])]).max() < 1e-2


def test_thorough_preset_builds_and_is_the_stills_default(frame):
    assert "thorough" in PRESETS and STILLS_PRESET == "thorough" and "extd" in FACE_PRESETS["thorough"]
    det = build_detector(("face", "plate"), "thorough")
    names = {e["name"] for e in det.models()}
    assert {"extd_64", "centerface", "blazeface_full_range", "plate_detector"} <= names
    small = cv2.resize(frame, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    faces = [d for d in det(small) if d.kind == "face"]
    assert any(_iou((d.box[0], d.box[1], d.box[0] + d.box[2], d.box[1] + d.box[3]),
                    tuple(v / 2 for v in FACE_BOX)) > 0.5 for d in faces)


def test_cli_preset_choices_include_thorough():
    import argparse

    from redaction.cli import cmd_detect
    ap = argparse.ArgumentParser()
    cmd_detect.register(ap.add_subparsers())
    ns = ap.parse_args(["detect", "x.jpg", "--preset", "thorough"])
    assert ns.preset == "thorough"
    assert ap.parse_args(["detect", "x.mp4"]).preset is None       # resolved per input kind


# ----------------------------------------------------------------------------- close-up guard

FACE_LMS = [(0.3, 0.4), (0.7, 0.4), (0.5, 0.58), (0.35, 0.75), (0.65, 0.75)]   # relative (x, y)


def test_closeup_guard_rejects_huge_implausible_boxes_and_keeps_faces():
    from redaction.detect.faces import closeup_plausible
    w, h = 1920, 1080
    boxes = np.array([
        [300, 100, 1000, 1050, 0.9],     # 0: a close-up face (0.74 w/h, face landmarks): kept
        [100, 300, 1800, 1080, 0.9],     # 1: a car-wide box (2.2 w/h): dropped
        [300, 100, 1000, 1050, 0.9],     # 2: face-shaped, but mouth above the eyes: dropped
        [300, 100, 1000, 1050, 0.35],    # 3: face-shaped, but scored under the bar: dropped
        [10, 10, 60, 80, 0.31],          # 4: small (a twentieth of the frame): never judged
        [1500, 100, 2200, 1050, 0.8],    # 5: a face cut by the right edge (unclipped box): kept
    ], np.float32)
    face = np.array(FACE_LMS, np.float32)
    flipped = face.copy()
    flipped[:, 1] = 1 - flipped[:, 1]
    lms = np.stack([face, face, flipped, face, flipped, face])
    assert closeup_plausible(boxes, lms, w, h).tolist() == [True, False, False, False, True, True]
    assert closeup_plausible(np.zeros((0, 5), np.float32), np.zeros((0, 5, 2)), w, h).tolist() == []


@pytest.mark.slow
def test_closeup_guard_keeps_the_real_close_up_face(frame):
    """The sample clip's face cropped so that it fills 70 % of a 1080-high frame."""
    from redaction.detect.faces import CenterFace
    x1, y1, x2, y2 = FACE_BOX
    fh = (y2 - y1) / 0.7
    cy, cx = (y1 + y2) / 2, (x1 + x2) / 2
    top, left = max(0, int(cy - fh / 2)), max(0, int(cx - fh * 0.3))
    crop = frame[top:int(top + fh), left:int(left + fh * 0.6)]
    f = 1080 / crop.shape[0]
    big = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    gt = ((x1 - left) * f, (y1 - top) * f, (x2 - left) * f, (y2 - top) * f)
    assert (gt[3] - gt[1]) / big.shape[0] > 0.6
    for guard in (True, False):
        boxes = CenterFace(scales=(1.0,), coarse=240, guard=guard).raw(big)
        assert any(_iou(b[:4], gt) > 0.5 for b in boxes), f"guard={guard}"


# -- the periodic EXTD-64 pass on video (ADR 0008, "never-found objects") ------------------

class _Counting:
    """A stand-in member: records the calls that reach it."""
    name, kinds, threshold = "count", ("face",), 0.6

    def __init__(self):
        self.calls = 0

    def models(self):
        return []

    def raw(self, image):
        self.calls += 1
        return np.float32([[1, 1, 9, 9, 0.9]])


def test_periodic_member_runs_once_a_second_of_video_and_restarts_on_a_new_clip():
    from redaction.detect.extd import Periodic
    inner = _Counting()
    p = Periodic(inner, period_s=1.0)
    img = np.zeros((16, 16, 3), np.uint8)
    ran = []
    for f in range(0, 91, 6):           # detection frames at rest, 30 fps
        p.at_frame(f, 30.0)
        if len(p.raw(img)):
            ran.append(f)
    assert ran == [0, 30, 60, 90]
    for f in (2, 4):                    # extra runs of the adaptive cadence: no extra EXTD
        p.at_frame(90 + f, 30.0)
        assert len(p.raw(img)) == 0
    p.at_frame(3, 30.0)                 # a frame before the last run: the next clip
    assert len(p.raw(img)) == 1
    assert inner.calls == 5
    still = Periodic(_Counting())       # never told a frame (stills): runs on every call
    assert all(len(still.raw(img)) for _ in range(3))


def test_the_periodic_pass_is_in_the_default_video_preset_only(frame):
    """On in "accurate" for video (profile faces CenterFace never finds; ADR 0008, session
    16), not in "fast", not for stills; "thorough" runs EXTD-64 on every call instead. On its
    frame it finds the sample's real face without a second box."""
    from redaction.detect.extd import Periodic
    from redaction.detect.factory import DEFAULT_PRESET, VIDEO_EXTD, build_faces
    assert DEFAULT_PRESET == "accurate"
    has = {p: any(isinstance(m, Periodic) for m in build_faces(p, candidates=True).members)
           for p in PRESETS}
    assert has == {"fast": False, "accurate": True, "thorough": False}
    assert not any(isinstance(m, Periodic) for m in build_faces("accurate").members)   # stills
    assert build_faces("accurate", candidates=True).members[-1].period_s == VIDEO_EXTD["period_s"]
    video = build_faces("accurate", candidates=True, video_extd=VIDEO_EXTD)
    assert isinstance(video.members[-1], Periodic)
    assert isinstance(video.members[-1].det, EXTD)
    assert any(m["name"] == "extd_64" for m in video.models())
    assert not any(isinstance(m, Periodic) for m in build_faces("accurate", video_extd=VIDEO_EXTD).members)
    assert not any(isinstance(m, Periodic)
                   for m in build_faces("thorough", candidates=True, video_extd=VIDEO_EXTD).members)
    # on its frame it finds the sample's real face (with CenterFace: one box, not two)
    video.at_frame(0, 30.0)
    boxes = video.raw(frame)
    assert len(video.members[-1].raw(frame)) >= 1
    x1, y1, x2, y2 = FACE_BOX
    hits = [b for b in boxes if b[0] < (x1 + x2) / 2 < b[2] and b[1] < (y1 + y2) / 2 < b[3]]
    assert len(hits) == 1


def test_a_resumed_run_runs_the_periodic_pass_on_the_same_frames(tmp_path, monkeypatch):
    """The job tells the detector every detection frame, cached ones included, so an
    interrupted run, resumed, runs the periodic member on the frames the full run did."""
    from redaction.detect.extd import Periodic

    class Recorder(Periodic):
        def __init__(self):
            super().__init__(_Counting(), period_s=0.5)
            self.frames = []
            self.name, self.kinds = "rec", ("face",)

        def at_frame(self, frame, fps, **hints):
            super().at_frame(frame, fps, **hints)
            self._frame = frame

        def __call__(self, image):
            if self._due:
                self.frames.append(self._frame)
            return []

    full, first, second, again = _full_cut_and_resumed(tmp_path, monkeypatch, Recorder)
    assert len(full.frames) >= 3
    assert sorted(set(first.frames) | set(second.frames)) == full.frames
    assert not set(second.frames) & set(range(again.resumed_from))


def test_a_resumed_run_gives_the_detector_the_same_face_hints(tmp_path, monkeypatch):
    """The lite plan (ADR 0013) searches round the faces the tracker follows: the hint for a
    detection frame is the tracker's state *before* that frame, for fresh and cached frames
    alike, so a resumed run plans every frame as the uninterrupted run did."""
    from redaction.detect.base import Detection

    class Recorder:
        name, kinds = "rec", ("face",)

        def __init__(self):
            self.hints: dict[int, tuple] = {}

        def models(self):
            return []

        def at_frame(self, frame, fps, faces=None, **_):
            self._frame = frame
            self.hints[frame] = tuple(tuple(round(v, 3) for v in b) for b in faces or ())

        def __call__(self, image):
            side = 16.0 + (self._frame % 9)          # a face whose size changes every run
            return [Detection("face", (40.0, 30.0, side, side), 0.9)]

    full, _, second, _ = _full_cut_and_resumed(tmp_path, monkeypatch, Recorder)
    assert full.hints[0] == () and len({v for v in full.hints.values() if v}) >= 3
    assert second.hints == full.hints


def _full_cut_and_resumed(tmp_path, monkeypatch, make):
    """A 60-frame clip detected whole (``full``), then cancelled at frame 30 (``first``) and
    resumed from the cache (``second``, its result ``again``), each with a fresh ``make()``."""
    from redaction.detect.job import DetectSettings, detect_job
    from redaction.errors import Cancelled
    from redaction.jobs import CancelToken, run_job
    from redaction.synth import ClipSpec, write_clip

    monkeypatch.setenv("BWV_CACHE_DIR", str(tmp_path / "cache"))
    clip = tmp_path / "c.mp4"
    write_clip(clip, ClipSpec(width=160, height=96, frames=60))
    settings = DetectSettings(kinds=("face",), every=4)
    full = make()
    run_job(detect_job(clip, settings, detector=full, use_cache=False))
    token = CancelToken()
    first = make()
    with pytest.raises(Cancelled):
        for p in detect_job(clip, settings, token, detector=first):
            if p.done >= 30:
                token.cancel()
    second = make()
    again = run_job(detect_job(clip, settings, detector=second))
    assert 30 <= again.resumed_from < 60
    return full, first, second, again
