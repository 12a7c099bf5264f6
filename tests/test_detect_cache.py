"""The detection cache is used only as far as it holds the run's records as the job writes
them, in frame order: a damaged file is never half-used (redaction/detect/job.py, _Cache)."""
import json
from pathlib import Path

import pytest

from redaction.detect.job import DetectSettings, detect_job
from redaction.jobs import run_job

from test_track import RedDetector, make

SETTINGS = DetectSettings(kinds=("face",), every=2)


def _boxes(result):
    return [[(k.frame, k.box) for k in t.keyframes] for t in result.tracks]


def _damage(lines: list[bytes], how: str) -> bytes:
    """The cache file's lines (header first, then frames 0, 1, ...) damaged ``how``."""
    if how == "two writers":            # a second run appended the same frames again
        lines = lines[:11] + lines[6:]
    elif how == "record missing":
        lines = lines[:11] + lines[12:]
    elif how == "records swapped":
        lines = lines[:11] + [lines[12], lines[11]] + lines[13:]
    elif how == "not a record":
        lines = lines[:11] + [b"[1, 2]"] + lines[12:]
    elif how == "field missing":
        lines = lines[:11] + [b'{"f": 10}'] + lines[12:]
    elif how == "field of the wrong type":
        row = json.loads(lines[11])
        row["m"] = "abcdef"
        lines = lines[:11] + [json.dumps(row).encode()] + lines[12:]
    elif how == "not UTF-8":
        lines = lines[:11] + [b"\xff\xfe garbage"] + lines[12:]
    return b"\n".join(lines)


@pytest.mark.parametrize("how", ["two writers", "record missing", "records swapped",
                                 "not a record", "field missing", "field of the wrong type",
                                 "not UTF-8"])
def test_a_damaged_cache_is_used_only_up_to_its_first_bad_line(tmp_path, how):
    clip = make(tmp_path / "c.mp4", frames=40)
    full = run_job(detect_job(clip, SETTINGS, detector=RedDetector()))
    from redaction.paths import cache_dir
    (cache,) = Path(cache_dir()).rglob("detect-*.jsonl")
    lines = cache.read_bytes().rstrip(b"\n").split(b"\n")
    assert len(lines) == 41
    cache.write_bytes(_damage(lines, how))

    again = run_job(detect_job(clip, SETTINGS, detector=RedDetector()))
    assert again.resumed_from == 10          # frames 0-9: the records before the damage
    assert again.frames == 40
    assert _boxes(again) == _boxes(full)
    rows = [json.loads(l) for l in cache.read_text().splitlines()[1:]]
    assert [r["f"] for r in rows] == list(range(40))     # rebuilt whole, in order
