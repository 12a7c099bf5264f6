"""``bwv detect`` on still images and folders of images: a damaged image is an error naming
it (never "no faces"), and a failed run leaves no half-written JSONL behind."""
from __future__ import annotations

import cv2
import numpy as np

from helpers import run_bwv


def _photo(path, size=(320, 240)):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), img)
    return path


def test_a_truncated_jpeg_is_an_error_not_an_image_without_faces(tmp_path):
    """libjpeg decodes a cut JPEG with its missing part grey, and OpenCV returns it: the run
    said nothing and wrote no detections for a picture it never saw whole."""
    good = _photo(tmp_path / "photo.jpg")
    data = good.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[:len(data) // 2])
    r = run_bwv("detect", str(cut), "--kinds", "face", "--quiet")
    assert r.returncode != 0
    assert r.stdout == ""
    last = r.stderr.strip().splitlines()[-1]
    assert "cut.jpg" in last and ("truncated" in last or "corrupt" in last), r.stderr


def test_a_bad_image_in_a_folder_leaves_no_half_written_output(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    _photo(folder / "a.png")
    (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "found.jsonl"
    r = run_bwv("detect", str(folder), "--kinds", "face", "--out", str(out), "--quiet")
    assert r.returncode != 0
    assert "b.png" in r.stderr.strip().splitlines()[-1]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["photos"]     # no temp file either


def test_a_folder_skips_sub_folders_named_like_images(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    _photo(folder / "a.png")
    (folder / "album.jpg").mkdir()
    out = tmp_path / "found.jsonl"
    r = run_bwv("detect", str(folder), "--kinds", "face", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert out.is_file()
