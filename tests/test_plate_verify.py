"""The plate verifier (redaction/detect/plate_verify.py): the second stage that re-scores
the plate detector's proposals from a crop with context around each box.

Synthetic plates and hard negatives come from the training renderer
(training/plates/synth.py); the verifier was trained on samples from the same generator,
so these tests check behaviour and wiring, not accuracy (that is measured on real photos by
bench/eval_detect.py, figures in docs/adr/0011-plate-verifier.md).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from redaction.detect import models as reg
from redaction.detect.base import Detection
from redaction.detect.plate_verify import CROP_H, CROP_W, PlateVerifier, crop_for, window
from redaction.detect.plates import VerifiedPlateDetector, build_plates
from redaction.errors import IntegrityError
from redaction.fsutil import sha256_file

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ver():
    return PlateVerifier()


def test_model_files_match_registry_and_are_documented():
    md = (ROOT / "resources" / "models" / "MODELS.md").read_text()
    for name, file in (("plate_verifier", "plate_verifier.onnx"), ("plate_verifier_params", "plate_verifier.json")):
        m = reg.info(name)
        p = reg.model_path(name)
        assert p.name == file and sha256_file(p) == m.sha256 and m.sha256 in md
        assert m.licence == "GPL-3.0-or-later"
    params = json.loads(reg.model_path("plate_verifier_params").read_text())
    assert len(params["fuse"]) == 3 and 0 < params["threshold"] < 1


def test_crop_window_has_context_and_grey_outside_the_image():
    img = np.zeros((200, 300, 3), np.uint8)
    img[90:110, 130:170] = 255                      # a 40x20 white "plate"
    c = crop_for(img, (130, 90, 40, 20))
    assert c.shape == (CROP_H, CROP_W, 3) and c.dtype == np.uint8
    x, y, w, h = window((130, 90, 40, 20))
    assert (w, h) == (80, 40)                       # twice the box each way
    white = c[..., 0] > 127
    ys, xs = np.nonzero(white)                      # the box fills the middle half each way
    assert abs(xs.min() - CROP_W / 4) <= 2 and abs(xs.max() + 1 - 3 * CROP_W / 4) <= 2
    assert abs(ys.min() - CROP_H / 4) <= 2 and abs(ys.max() + 1 - 3 * CROP_H / 4) <= 2
    corner = crop_for(img, (0, 0, 40, 20))          # window half outside: mid-grey there
    assert (corner[:CROP_H // 4 - 1, :CROP_W // 4 - 1] == 128).all()
    wide = window((0, 0, 100, 10))                  # a flat box gets a window half as tall as wide
    assert wide[2] == 200 and wide[3] == 100


def _scene(synth, rng, h=480, w=640):
    return synth.procedural_background(rng, h, w)


def test_synthetic_plates_pass_and_osd_text_and_badges_do_not(ver, synth):
    """Plates of every style pass the fused threshold at a middling detector score; burned-in
    OSD blocks and badges, given the same score, do not."""
    rng = np.random.default_rng(11)
    plates, negs = [], []
    for i in range(24):
        img = _scene(synth, rng)
        style = synth.STYLES[i % len(synth.STYLES)]
        plate, _ = synth.render_plate(rng, style)
        pb = synth.paste_plate(img, plate, rng, float(rng.uniform(60, 160)), (320.0, 330.0))
        osd = synth.draw_osd(img, rng, line_h=(10, 24), avoid=[pb])
        bb = synth.paste_plate(img, synth.render_badge(rng), rng, float(rng.uniform(40, 90)), (160.0, 140.0))
        boxes = [pb, *osd, bb]
        f = ver(img, boxes, [0.5] * len(boxes))
        plates.append(f[0])
        negs.extend(f[1:])
    plates, negs = np.array(plates), np.array(negs)
    assert (plates >= ver.threshold).mean() >= 0.9, plates
    assert (negs < ver.threshold).mean() >= 0.9, negs
    assert plates.mean() > negs.mean() + 0.3


def test_fused_score_rises_with_the_detector_score(ver, synth):
    rng = np.random.default_rng(5)
    img = _scene(synth, rng)
    box = synth.paste_plate(img, synth.render_plate(rng, "uk_rear")[0], rng, 120.0, (300.0, 250.0))
    f = ver(img, [box] * 3, [0.3, 0.5, 0.8])
    assert f[0] < f[1] < f[2]
    assert ver(img, [], []).shape == (0,)


class _Fixed:
    """A stand-in plate detector proposing fixed boxes (to test the wiring alone)."""
    kinds, name = ("plate",), "fixed"

    def __init__(self, dets):
        self.dets = dets

    def __call__(self, image):
        return list(self.dets)

    def models(self):
        return [{"name": "fixed", "sha256": "0" * 64}]


def test_verified_detector_keeps_the_plate_and_drops_the_timestamp(ver, synth):
    rng = np.random.default_rng(2)
    img = _scene(synth, rng, 720, 1280)
    pb = synth.paste_plate(img, synth.render_plate(rng, "uk_rear")[0], rng, 200.0, (640.0, 500.0))
    view = np.ascontiguousarray(img)
    osd = synth.draw_osd(view, rng, line_h=(16, 20), avoid=[pb])
    dets = [Detection("plate", pb, 0.5)] + [Detection("plate", tuple(map(float, b)), 0.5) for b in osd]
    out = VerifiedPlateDetector(_Fixed(dets), ver, ver.threshold)(view)
    assert [d.box for d in out] == [pb]
    assert out[0].score >= ver.threshold and out[0].kind == "plate"
    assert VerifiedPlateDetector(_Fixed([]), ver, ver.threshold)(view) == []


def test_verify_switch_and_models():
    raw = build_plates("fast", verify=False)
    assert [m["name"] for m in raw.models()] == ["plate_detector"]
    v = build_plates("fast")
    assert isinstance(v, VerifiedPlateDetector)
    assert v.base.threshold == 0.3                  # proposes low, the verifier decides
    assert build_plates("fast", verified_threshold=0.5).threshold == 0.5
    with pytest.raises(ValueError, match="proposal_threshold"):
        build_plates("fast", threshold=0.5)         # ambiguous with the verifier on


def test_a_plate_cut_by_the_frame_edge_still_passes(ver, synth):
    """A car half out of the picture: the visible part of its plate, clipped to the frame as
    the detector reports it, is still a plate to the verifier."""
    rng = np.random.default_rng(21)
    kept = []
    for i in range(12):
        img = _scene(synth, rng, 720, 1280)
        plate, _ = synth.render_plate(rng, ("uk_rear", "uk_front", "eu")[i % 3])
        wpx = float(rng.uniform(120, 220))
        right = i % 2 == 0                          # cut by the right or the bottom edge
        c = (1280.0, 400.0) if right else (500.0, 720.0)     # half of it out of the picture
        x, y, w, h = synth.paste_plate(img, plate, rng, wpx, c)
        kept.append(ver(img, [(x, y, w, h)], [0.5])[0] >= ver.threshold)
    assert np.mean(kept) >= 0.75, kept


@pytest.mark.parametrize("name,file", [("plate_verifier", "plate_verifier.onnx"),
                                       ("plate_verifier_params", "plate_verifier.json")])
def test_tampered_verifier_files_are_refused(tmp_path, monkeypatch, name, file):
    for n in ("plate_verifier", "plate_verifier_params"):
        (tmp_path / reg.info(n).file).write_bytes(reg.model_path(n).read_bytes())
    data = bytearray((tmp_path / file).read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / file).write_bytes(bytes(data))
    monkeypatch.setattr(reg, "models_dir", lambda: tmp_path)
    with pytest.raises(IntegrityError, match=file.replace(".", r"\.")):
        PlateVerifier()


def test_the_verifier_cannot_veto_what_the_detector_is_sure_of(ver, synth):
    """Recall first: a proposal the detector scores at or above ``keep_from`` is kept even
    where the verifier rejects it (its reported score is then the higher of the two)."""
    rng = np.random.default_rng(4)
    img = np.ascontiguousarray(_scene(synth, rng, 720, 1280))
    osd = synth.draw_osd(img, rng, line_h=(16, 20))
    box = tuple(map(float, osd[0]))
    fused = float(ver(img, [box], [0.75])[0])
    assert fused < ver.threshold                    # the verifier rejects the timestamp ...
    sure = VerifiedPlateDetector(_Fixed([Detection("plate", box, 0.75)]), ver, ver.threshold, keep_from=0.7)
    (d,) = sure(img)                                # ... but the detector was sure: kept
    assert d.box == box and d.score == 0.75
    unsure = VerifiedPlateDetector(_Fixed([Detection("plate", box, 0.65)]), ver, ver.threshold, keep_from=0.7)
    assert unsure(img) == []
    assert build_plates("fast").keep_from == 0.7


def test_video_reports_every_unconfirmed_proposal_as_a_candidate(ver, synth):
    """Built for video, the verifier may lower a proposal's priority but never drops it:
    whatever it does not confirm is a candidate (``sure`` False) carrying the fused score,
    however low, for the tracker to confirm if it recurs (issue 12). Stills are unchanged:
    only confirmed boxes."""
    rng = np.random.default_rng(5)
    img = np.ascontiguousarray(_scene(synth, rng))
    box = synth.paste_plate(img, synth.render_plate(rng, "uk_rear")[0], rng, 120.0, (300.0, 250.0))
    osd = tuple(map(float, synth.draw_osd(img, rng, line_h=(16, 20), avoid=[box])[0]))
    f, f_osd = (float(v) for v in ver(img, [box, osd], [0.5, 0.35]))
    assert f_osd < 0.4                                  # what the old rule dropped on video
    base = _Fixed([Detection("plate", box, 0.5), Detection("plate", osd, 0.35)])
    video = VerifiedPlateDetector(base, ver, f + 0.01, candidates=True)(img)
    assert [d.box for d in video] == [box, osd]
    assert all(d.sure is False for d in video)
    assert abs(video[0].score - f) < 1e-6 and abs(video[1].score - f_osd) < 1e-6
    assert VerifiedPlateDetector(base, ver, f + 0.01)(img) == []          # a still: dropped
    (d,) = VerifiedPlateDetector(base, ver, f - 0.01)(img)                # a still: confirmed
    assert d.sure is True and d.box == box
    confirmed = VerifiedPlateDetector(base, ver, f - 0.01, candidates=True)(img)
    assert [(d.box, d.sure) for d in confirmed] == [(box, True), (osd, False)]
    from redaction.detect.factory import build_detector
    assert build_detector(("plate",), "fast", candidates=True).candidates is True
    assert build_detector(("plate",), "fast").candidates is False


def test_video_low_band_keeps_a_weak_proposal_only_where_the_verifier_backs_it(ver, synth):
    """On video the accurate preset also takes the network's proposals from 0.15 (oblique
    plates in a wearer's turn score 0.15-0.3; ADR 0008 "never found"): one under the preset's
    proposal threshold is kept when the verifier's fused score reaches ``low_fused``
    (confirmed from the verifier's threshold, else a candidate) and dropped otherwise, so the
    band's street texture does not flood the review list. Stills are unchanged."""
    rng = np.random.default_rng(5)
    img = np.ascontiguousarray(_scene(synth, rng))
    box = synth.paste_plate(img, synth.render_plate(rng, "uk_rear")[0], rng, 120.0, (300.0, 250.0))
    osd = tuple(map(float, synth.draw_osd(img, rng, line_h=(16, 20), avoid=[box])[0]))
    f, f_osd = (float(v) for v in ver(img, [box, osd], [0.25, 0.25]))
    assert f_osd < f                                   # the plate is backed more than the text
    bar = (f + f_osd) / 2
    base = _Fixed([Detection("plate", box, 0.25), Detection("plate", osd, 0.25)])
    video = VerifiedPlateDetector(base, ver, 1.01, candidates=True, propose_from=0.3, low_fused=bar)(img)
    assert [(d.box, d.sure) for d in video] == [(box, False)]          # backed, not confirmed
    assert abs(video[0].score - f) < 1e-6
    (d,) = VerifiedPlateDetector(base, ver, f - 0.01, candidates=True, propose_from=0.3, low_fused=bar)(img)
    assert d.box == box and d.sure is True                               # backed and confirmed
    # a proposal from the preset's own threshold up is never dropped on video
    above = _Fixed([Detection("plate", osd, 0.35)])
    (c,) = VerifiedPlateDetector(above, ver, 1.01, candidates=True, propose_from=0.3, low_fused=bar)(img)
    assert c.box == osd and c.sure is False
    # the presets: the band is built for video only
    video_det = build_plates("accurate", candidates=True)
    assert video_det.propose_from == 0.3 and video_det.low_fused == 0.6
    assert video_det.base.base.threshold == 0.15
    still = build_plates("accurate")
    assert still.propose_from == 0.0 and still.base.base.threshold == 0.3
    assert build_plates("fast", candidates=True).base.threshold == 0.3     # fast: no band


def test_experiment_files_replace_the_shipped_models_and_are_named_in_the_manifest(tmp_path):
    """``model_file`` / ``verifier_file`` (benches measuring a candidate pair against the
    shipped one, bench/eval_detect.py --plate-model/--plate-verifier): the detector runs the
    given files, the verifier takes its fusion and threshold from the .json beside its .onnx,
    and the export manifest names the files actually used, not the shipped ones."""
    models = ROOT / "resources" / "models"
    det = tmp_path / "candidate_detector.onnx"
    det.write_bytes((models / reg.info("plate_detector").file).read_bytes())
    vonnx = tmp_path / "candidate_verifier.onnx"
    vonnx.write_bytes((models / reg.info("plate_verifier").file).read_bytes())
    params = json.loads((models / reg.info("plate_verifier_params").file).read_text())
    params["threshold"] = 0.9123
    vonnx.with_suffix(".json").write_text(json.dumps(params))
    v = build_plates("accurate", model_file=str(det), verifier_file=str(vonnx))
    assert v.threshold == pytest.approx(0.9123)
    files = {m["file"] for m in v.models()}
    assert {"candidate_detector.onnx", "candidate_verifier.onnx", "candidate_verifier.json"} <= files
    assert not files & {reg.info(n).file for n in ("plate_detector", "plate_verifier", "plate_verifier_params")}
    shipped = build_plates("accurate")
    assert shipped.threshold == pytest.approx(PlateVerifier().threshold) != pytest.approx(0.9123)
