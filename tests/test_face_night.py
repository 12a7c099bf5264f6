"""CenterFace's night model (``night_below``): which network runs on which picture.

A candidate night model is measured with ``bench/leak_check.py --face-night``,
``bench/light_recall.py --face-night`` and ``bench/eval_detect.py --face-night`` (ADR 0008,
"Light"). These tests use a copy of the shipped network as the "night model", so the
detections can be compared exactly; what is checked is the routing: daylight pictures never
reach the night model, dark ones reach it instead of (or, with ``night_union``, as well
as) the day model, and the manifest names both files.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from redaction.detect.factory import night_setting
from redaction.detect.faces import CenterFace, picture_brightness

ROOT = Path(__file__).resolve().parents[1]
FACE = ROOT.parent / "shared" / "eval" / "images" / "faces_dlib"


def _face_picture() -> np.ndarray:
    """A real face if ../shared/eval is there, else a drawn one (routing needs no face)."""
    files = sorted(FACE.glob("*.jpg"))
    if files:
        return cv2.cvtColor(cv2.imread(str(files[0])), cv2.COLOR_BGR2RGB)
    img = np.full((240, 320, 3), 170, np.uint8)
    cv2.ellipse(img, (160, 120), (40, 55), 0, 0, 360, (200, 160, 140), -1)
    return img


@pytest.fixture()
def night_file(tmp_path) -> Path:
    dst = tmp_path / "night.onnx"
    shutil.copy(ROOT / "resources" / "models" / "centerface.onnx", dst)
    return dst


def _spy(det: CenterFace) -> list:
    """Record which network each forward pass uses ('day' / 'night')."""
    used = []
    day, night = (det._sess, det._net), det._night
    real = CenterFace._forward

    def forward(model, blob):
        used.append("night" if model is night else "day" if model == day else "?")
        return real(model, blob)

    det._forward = forward
    return used


def test_picture_brightness_tells_night_from_day():
    day = _face_picture()
    assert picture_brightness(day) > 60
    dark = (day.astype(np.float32) * 0.2).astype(np.uint8)
    assert picture_brightness(dark) < 0.25 * picture_brightness(day) + 1
    tinted = dark.copy()
    tinted[..., 2] = 0                                         # sodium light: no blue
    assert picture_brightness(tinted) == pytest.approx(picture_brightness(dark), abs=2)


def test_dark_pictures_run_the_night_model_instead(night_file):
    det = CenterFace(night_below=60, night_model_file=night_file)
    plain = CenterFace()
    used = _spy(det)
    day = _face_picture()
    assert [b.box for b in det(day)] == [b.box for b in plain(day)]
    assert used and set(used) == {"day"}
    used.clear()
    dark = (day.astype(np.float32) * 0.25).astype(np.uint8)
    found = det(dark)
    assert used and set(used) == {"night"}
    # the "night model" here is the shipped network, so it finds what the day model finds
    assert [b.box for b in found] == [b.box for b in plain(dark)]
    names = [m["name"] for m in det.models()]
    assert names == ["centerface", "centerface_night"]
    assert det.models()[1]["file"] == "night.onnx"


def test_union_runs_both_on_dark_pictures_only(night_file):
    det = CenterFace(**night_setting(f"{night_file}:60:union"))
    assert det.night_union and det.night_below == 60
    used = _spy(det)
    day = _face_picture()
    det(day)
    assert set(used) == {"day"}
    used.clear()
    dark = (day.astype(np.float32) * 0.25).astype(np.uint8)
    found = det(dark)
    assert used.count("day") == used.count("night") > 0
    # two identical networks united: NMS leaves what one of them finds
    assert [b.box for b in found] == [b.box for b in CenterFace()(dark)]


def test_night_settings_are_parsed_from_the_right_or_refused():
    assert night_setting("m.onnx") == {"night_model_file": "m.onnx", "night_below": 60.0, "night_union": False}
    assert night_setting("m.onnx:45")["night_below"] == 45.0
    assert night_setting("m.onnx:45:union") == {"night_model_file": "m.onnx", "night_below": 45.0,
                                                "night_union": True}
    assert night_setting(r"C:\models\m.onnx:union")["night_model_file"] == r"C:\models\m.onnx"
    assert night_setting(r"C:\models\m.onnx")["night_model_file"] == r"C:\models\m.onnx"
    with pytest.raises(ValueError):
        night_setting(":50")
