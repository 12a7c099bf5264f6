"""The project format: validation naming the field, round trip, interpolation rules."""
import json
import re

import pytest

from redaction.errors import ProjectError
from redaction.model import Keyframe, Track
from redaction.project_io import load_project, project_to_dict, save_project

SHA = "ab" * 32


def doc(**over):
    d = {"format": "bwv-project", "version": 1, "source": {"path": "clip.mp4", "sha256": SHA},
         "tracks": [{"id": "t1", "kind": "face", "origin": "auto", "status": "pending",
                     "reason": "", "keyframes": [{"frame": 0, "box": [0, 0, 10, 10]},
                                                 {"frame": 10, "box": [10, 20, 30, 40]}],
                     "end_frame": 20}],
         "audio": [{"start": 1.0, "end": 2.5, "mode": "mute", "reason": "name"}],
         "style": {"mode": "solid"}}
    d.update(over)
    return d


def write(tmp_path, d):
    p = tmp_path / "p.bwvproj.json"
    p.write_text(json.dumps(d))
    return p


def test_round_trip(tmp_path):
    p = load_project(write(tmp_path, doc()))
    save_project(p, tmp_path / "again.json")
    again = load_project(tmp_path / "again.json")
    assert project_to_dict(again) == project_to_dict(p)
    assert again.tracks[0].end_frame == 20 and again.audio[0].mode == "mute"


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d.update(version=99), "version"),
    (lambda d: d["source"].pop("sha256"), "source.sha256"),
    (lambda d: d["source"].update(sha256="xyz"), "source.sha256"),
    (lambda d: d["tracks"][0].update(kind="dog"), "tracks[0].kind"),
    (lambda d: d["tracks"][0].update(status="maybe"), "tracks[0].status"),
    (lambda d: d["tracks"][0]["keyframes"][1].update(box=[1, 2, 3]), "tracks[0].keyframes[1].box"),
    (lambda d: d["tracks"][0]["keyframes"][1].update(frame=0), "tracks[0].keyframes[1].frame"),
    (lambda d: d["tracks"][0]["keyframes"][0].update(box=[0, 0, -1, 5]), "tracks[0].keyframes[0].box"),
    (lambda d: d["tracks"][0].update(end_frame="x"), "tracks[0].end_frame"),
    (lambda d: d["tracks"].append(dict(d["tracks"][0])), "tracks[1].id"),
    (lambda d: d["audio"][0].update(end=0.5), "audio[0].end"),
    (lambda d: d["audio"][0].update(mode="loud"), "audio[0].mode"),
    (lambda d: d["style"].update(mode="sparkle"), "style.mode"),
    (lambda d: d["style"].update(margin_px=-1), "style.margin_px"),
    (lambda d: d["style"].update(margin_px="wide"), "style.margin_px"),
])
def test_malformed_project_names_the_field(tmp_path, mutate, field):
    d = doc()
    mutate(d)
    with pytest.raises(ProjectError) as e:
        load_project(write(tmp_path, d))
    assert f"'{field}'" in str(e.value)
    assert str(tmp_path / "p.bwvproj.json") in str(e.value)


def test_not_json(tmp_path):
    p = tmp_path / "p.bwvproj.json"
    p.write_text("{not json")
    with pytest.raises(ProjectError, match="not valid JSON"):
        load_project(p)


def test_interpolation_and_hold():
    t = Track("t", keyframes=[Keyframe(0, (0, 0, 10, 10)), Keyframe(10, (10, 20, 30, 40))], end_frame=20)
    assert t.box_at(5) == pytest.approx((5, 10, 20, 25))
    assert t.box_at(15) == (10, 20, 30, 40)          # held after the last keyframe
    assert t.box_at(20) == (10, 20, 30, 40)          # end_frame is inclusive
    assert t.box_at(21) is None and t.box_at(-1) is None
    t2 = Track("u", keyframes=[Keyframe(3, (0, 0, 5, 5)), Keyframe(8, (5, 5, 5, 5))])
    assert t2.last_frame == 8 and t2.box_at(9) is None  # no end_frame: ends at last keyframe
    assert t2.box_at(2) is None


def test_unknown_fields_are_kept(tmp_path):
    d = doc(future_field={"x": 1})
    p = load_project(write(tmp_path, d))
    assert project_to_dict(p)["future_field"] == {"x": 1}


def test_save_is_atomic_and_leaves_no_temp(tmp_path):
    p = load_project(write(tmp_path, doc()))
    target = tmp_path / "out.bwvproj.json"
    save_project(p, target)
    save_project(p, target)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out.bwvproj.json", "p.bwvproj.json"]


def test_pixel_margin_round_trips_and_defaults_to_two(tmp_path):
    assert load_project(write(tmp_path, doc())).style.margin_px == 2.0
    p = load_project(write(tmp_path, doc(style={"mode": "solid", "margin_px": 0})))
    assert p.style.margin_px == 0
    save_project(p, tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text())["style"]["margin_px"] == 0


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d["tracks"][0]["keyframes"][0].update(box=[0, 0, float("inf"), 10]),
     "tracks[0].keyframes[0].box[2]"),
    (lambda d: d["audio"][0].update(end=float("inf")), "audio[0].end"),
    (lambda d: d["tracks"][0].update(scores=[[0, float("-inf")]]), "tracks[0].scores[0][1]"),
])
@pytest.mark.parametrize("spelling", ["Infinity", "1e400", "1" + "0" * 400])
def test_a_number_out_of_range_names_the_field(tmp_path, mutate, field, spelling):
    """1e400 (read as infinity) or Infinity in a hand-edited file: one line naming the field,
    not an internal error when the project's state is hashed."""
    d = doc()
    mutate(d)
    p = tmp_path / "p.bwvproj.json"
    p.write_text(json.dumps(d).replace("Infinity", spelling))
    with pytest.raises(ProjectError, match=rf"field '{re.escape(field)}': expected a finite number"):
        load_project(p)
