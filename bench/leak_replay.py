"""Tracker changes in seconds: record the leak check's detections once, replay the tracker.

    python bench/leak_replay.py record DIR [--scenarios all|pan1000,...] [--seeds 0,1]
    python bench/leak_replay.py replay DIR [--set smear_frac=0.3 --set hold_s=2.0 ...]
                                           [--only 'edges_*']

``record`` renders each scene of bench/hard_scenes.py, runs the product's detection job on
it (the default preset and cadence) and keeps every frame record (camera motion, cut,
detections with their scores) with the scene's ground truth in ``DIR/<scene>_<seed>.pkl``
(about 20 MB a scene: the visibility masks; never in the repository, the crops come from
../shared/eval). ``replay`` feeds those records to :class:`redaction.track.Tracker` with any
:class:`~redaction.track.TrackerSettings` changed by ``--set`` and grades each graded
object-frame as bench/leak_check.py does (at least 24 px, half visible; leaked when under
80 % of its visible pixels lie in the redacted rectangles, the project's default style
margins applied), from the boxes instead of a decoded export: about 15 s for the whole suite
instead of 18 min.

What replay cannot show: the detector runs on the frames the recording's tracker chose
(the cadence adds runs while a track is lost in view), so a tracker change that would move
those runs is replayed on the old ones; confirm any change with bench/leak_check.py. On the
suite recorded at f723859 it matched the full check to the frame on faces (674 / 11,496) and
within 4 frames on plates (90 against 94).
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import pickle
import sys
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hard_scenes import SCENARIOS, scenario, write_scene  # noqa: E402
from redaction.detect.factory import available_kinds  # noqa: E402
from redaction.detect.job import DetectSettings, _decode_record, detect_job  # noqa: E402
from redaction.jobs import run_job  # noqa: E402
from redaction.media import MediaSource  # noqa: E402
from redaction.model import Style  # noqa: E402
from redaction.paths import clip_cache_dir  # noqa: E402
from redaction.render import style_box, to_rect  # noqa: E402
from redaction.track import Tracker, TrackerSettings  # noqa: E402

MIN_PX = 24


def record(out: Path, names: list[str], seeds: list[int], seconds: float, fps: int = 30,
           crf: int = 18) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        for seed in seeds:
            dest = out / f"{name}_{seed}.pkl"
            if dest.exists():
                continue
            with tempfile.TemporaryDirectory() as tmp:
                clip = Path(tmp) / "c.mp4"
                scene = write_scene(clip, scenario(name), seconds=seconds, seed=seed, fps=fps, crf=crf)
                settings = DetectSettings(kinds=available_kinds())
                run_job(detect_job(clip, settings, use_cache=True))
                with MediaSource(clip) as src:
                    sha, fps = src.sha256, float(src.fps)
                # the scene's clip is new, so the job's cache for it is the one just written
                (cache,) = clip_cache_dir(sha).glob("detect-*.jsonl")
                recs = [json.loads(line) for line in cache.read_text().splitlines()[1:] if line]
                cache.unlink()
            gt = {i: [(k, kind, tuple(map(float, box)), int(x0), int(y0), vis, region)
                      for k, kind, box, (x0, y0, vis, region), _tags in scene.gt(i)]
                  for i in range(scene.frames)}
            with open(dest, "wb") as f:
                pickle.dump({"recs": recs, "gt": gt, "size": scene.sc.size, "fps": fps}, f)
            print(f"{name} seed {seed}: {len(recs)} frame records", flush=True)


def replay(path: Path, settings: TrackerSettings):
    """(per object ``(index, kind) -> [graded, leaked frames]``, redacted share, tracks)."""
    with open(path, "rb") as f:
        d = pickle.load(f)
    W, H = d["size"]
    tr = Tracker(d["fps"], settings, frame_size=(W, H))
    for r in d["recs"]:
        tr.update(_decode_record(r))
    tracks = tr.finish()
    style = Style()
    per: dict = defaultdict(lambda: [0, []])
    share = []
    for i, objs in d["gt"].items():
        m = np.zeros((H, W), bool)
        for t in tracks:
            b = t.box_at(i)
            r = None if b is None else to_rect(style_box(b, style), W, H)
            if r:
                m[r[1]:r[3], r[0]:r[2]] = True
        share.append(m.mean())
        for k, kind, box, x0, y0, vis, region in objs:
            if min(box[2], box[3]) < MIN_PX or vis.sum() < 0.5 * region.sum():
                continue
            ys, xs = np.nonzero(vis)
            ys, xs = ys + y0, xs + x0
            ok = (ys >= 0) & (ys < H) & (xs >= 0) & (xs < W)
            covered = m[ys[ok], xs[ok]].mean() if ok.any() else 1.0
            per[(k, kind)][0] += 1
            if covered < 0.8:
                per[(k, kind)][1].append(i)
    return per, float(np.mean(share)), tracks, _false_tracks(tracks, d["gt"])


def _false_tracks(tracks, gt) -> int:
    """Tracks none of whose detections lies on a scene object of its kind (its box's centre
    inside the object's box, or the object's centre inside its box): false proposals, or
    real faces and plates of the background photographs (not in the ground truth). A figure
    to compare between settings, not a false-positive rate."""
    n = 0
    for t in tracks:
        hit = False
        for f in t.scores:
            b = t.box_at(f)
            if b is None:
                continue
            bx, by = b[0] + b[2] / 2, b[1] + b[3] / 2
            for _k, kind, box, *_ in gt.get(f, []):
                if kind != t.kind:
                    continue
                ox, oy = box[0] + box[2] / 2, box[1] + box[3] / 2
                if (box[0] <= bx <= box[0] + box[2] and box[1] <= by <= box[1] + box[3]) or \
                        (b[0] <= ox <= b[0] + b[2] and b[1] <= oy <= b[1] + b[3]):
                    hit = True
                    break
            if hit:
                break
        n += not hit
    return n


def _setting(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    if key not in TrackerSettings.__dataclass_fields__:
        raise SystemExit(f"unknown tracker setting {key!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("dir", type=Path)
    r.add_argument("--scenarios", default="all")
    r.add_argument("--seeds", default="0,1")
    r.add_argument("--seconds", type=float, default=6)
    r.add_argument("--fps", type=int, default=30, help="as bench/leak_check.py --fps")
    r.add_argument("--crf", type=int, default=18, help="as bench/leak_check.py --crf")
    p = sub.add_parser("replay")
    p.add_argument("dir", type=Path)
    p.add_argument("--set", action="append", default=[], help="TrackerSettings field=value")
    p.add_argument("--only", default="*", help="glob over scene_seed names")
    a = ap.parse_args()
    if a.cmd == "record":
        names = [s.name for s in SCENARIOS] if a.scenarios == "all" else a.scenarios.split(",")
        record(a.dir, names, [int(s) for s in a.seeds.split(",")], a.seconds, a.fps, a.crf)
        return
    settings = TrackerSettings(hold_s=DetectSettings.hold_s, confirm_hits=3)  # as the job builds it
    settings = replace(settings, **dict(_setting(s) for s in a.set))
    total: dict = defaultdict(lambda: [0, 0])
    shares = []
    n_false = 0
    files = sorted(f for f in a.dir.glob("*.pkl") if fnmatch.fnmatch(f.stem, a.only))
    if not files:
        raise SystemExit(f"{a.dir}: no recorded scenes match {a.only!r} (run `record` first)")
    for f in files:
        per, share, tracks, false = replay(f, settings)
        n_false += false
        shares.append(share)
        leaks = []
        for (k, kind), (graded, leaked) in sorted(per.items()):
            total[kind][0] += graded
            total[kind][1] += len(leaked)
            if leaked:
                leaks.append(f"obj {k} {kind} {len(leaked)} (frames {leaked[0]}-{leaked[-1]})")
        print(f"{f.stem:<22} redacted {100 * share:5.1f} %  tracks {len(tracks):3d} "
              f"(off truth {false:2d})  "
              + ("; ".join(leaks) or "no leak"))
    print("overall: " + ", ".join(f"{k}s {v[1]} / {v[0]} ({100 * v[1] / max(1, v[0]):.1f} %)"
                                  for k, v in sorted(total.items()))
          + f"; redacted {100 * float(np.mean(shares)):.1f} % of the picture on average"
          + f"; {n_false} tracks off the ground truth")


if __name__ == "__main__":
    main()
