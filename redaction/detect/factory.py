"""The one entry point for building detectors: :func:`build_detector`.

``build_detector(kinds=("face", "plate"), preset="accurate")`` returns one
:class:`~redaction.detect.base.Detector` covering every requested kind. Each kind has a
builder in :data:`BUILDERS` (``kind -> callable(preset) -> Detector``); adding a kind
(the plate detector) is one entry there. Presets trade speed for recall; the figures
behind them are in docs/adr/0005-face-detector.md.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .base import Detection, Detector, merged_models

PRESETS = ("fast", "accurate", "thorough")
DEFAULT_PRESET = "accurate"
# still images (`bwv detect` on an image or a folder) default to the slower, stronger preset
STILLS_PRESET = "thorough"

# Face presets (measured: docs/adr/0005-face-detector.md).
#   centerface: CenterFace passes. ``scales`` are resize factors, each capped so the pass
#     has at most ``max_pixels``; ``coarse`` adds a pass at that long side for close-ups.
#   blazeface: the whole-frame BlazeFace full-range pass joined to the union.
#   video_candidates: the CenterFace score from which a detector built for video
#     (``candidates=True``) also reports candidates, kept by the tracker only when they
#     recur (docs/adr/0008-tracking-and-detection-job.md).
#   video_lite: (video only) CenterFace's full plan (every scale, up to max_pixels) on one
#     detection frame every ``full_every_s`` s of video, one pass capped at
#     ``lite_max_pixels`` on the detection frames between (ADR 0013, session 11).
#   video_extd: (video only) an EXTD-64 pass on one detection frame every ``period_s`` s,
#     after CenterFace and BlazeFace, for faces CenterFace never scores above 0.1 (profile
#     and tilted faces; ADR 0008, "never-found objects", session 16); None: off. On in
#     "accurate" since session 16: on the combined-condition scenes (walk_720, walk_1080,
#     4 seeds) it cuts leaked face frames from 341 to 211, once a second and every 2 s
#     alike, for about 1.3-1.6x the detection time. Every ``HOLD`` (1.5 s) so that a face
#     only it finds is found again before its track's hold runs out. ``bench/leak_check.py
#     --video-extd S[:PIXELS]`` and ``bench/detect_speed.py --ab`` measure it.
VIDEO_EXTD = {"threshold": 0.6, "scales": (1.0,), "max_pixels": 1_200_000, "max_side": 0.5,
              "period_s": 1.5}
FACE_PRESETS: dict[str, dict] = {
    "fast": {
        "centerface": {"threshold": 0.3, "scales": (1.0,), "max_pixels": 1280 * 736,
                       "coarse": 240, "coarse_threshold": 0.4},
        "video_candidates": 0.15,
        "blazeface": {"threshold": 0.7},
    },
    "accurate": {
        "centerface": {"threshold": 0.3, "scales": (1.0, 1.5), "max_pixels": 2_100_000,
                       "coarse": 240, "coarse_threshold": 0.4},
        "video_candidates": 0.15,
        "blazeface": {"threshold": 0.7},
        # video: the periodic EXTD-64 pass (profile faces; recall before speed: ADR 0008,
        # session 16); "fast" goes without it
        "video_extd": dict(VIDEO_EXTD),
        # video: the full plan once a second, one pass capped at 1280x736 between (ADR 0013,
        # session 11): 0.61-0.80x the detection job's time, leak check no worse
        "video_lite": {"full_every_s": 1.0, "lite_max_pixels": 1280 * 736},
        # video: EXTD-64 round each followed face CenterFace missed on a detection frame
        # (follow.py); None: off
        "video_follow_up": None,
    },
    # EXTD-64 (crowds of small faces) first, then CenterFace at a higher threshold (EXTD
    # finds what CenterFace 0.3-0.5 adds, with fewer false positives) incl. the coarse
    # close-up pass, then BlazeFace. ~0.3 s per 416x416 image, ~3 s per 1080p frame on 2
    # cores: the default for still images, too slow for every detection frame of a video.
    "thorough": {
        "extd": {"threshold": 0.25, "scales": (1.0,), "max_pixels": 2_100_000},
        "centerface": {"threshold": 0.5, "scales": (1.0, 1.5), "max_pixels": 2_100_000,
                       "coarse": 240, "coarse_threshold": 0.4},
        "video_candidates": 0.15,
        "blazeface": {"threshold": 0.7},
    },
}


def lite_setting(text: str) -> dict | None:
    """``"S[:PIXELS]"`` -> a preset's ``video_lite`` entry (benchmarks; ``"0"``: off)."""
    period, _, pixels = str(text).partition(":")
    if float(period) <= 0:
        return None
    return {"full_every_s": float(period), **({"lite_max_pixels": int(pixels)} if pixels else {})}


def follow_setting(text: str) -> dict | None:
    """``"T[:WINDOWS]"`` -> a face preset's ``video_follow_up`` entry (benchmarks; ``"0"``: off)."""
    thr, _, wins = str(text).partition(":")
    if float(thr) <= 0:
        return None
    return {"threshold": float(thr), **({"max_windows": int(wins)} if wins else {})}


def night_setting(text: str) -> dict:
    """``ONNX[:BELOW[:union]]`` (bench flags) -> CenterFace's night model settings: the
    candidate night model run on pictures darker than BELOW (default 60), instead of the
    shipped model or (``union``) as well as it. Parsed from the right, so a Windows path's
    drive letter is part of the path."""
    path, union = text, False
    if path.endswith(":union"):
        path, union = path[: -len(":union")], True
    below = 60.0
    head, sep, tail = path.rpartition(":")
    if sep and tail.replace(".", "", 1).isdigit():
        path, below = head, float(tail)
    if not path:
        raise ValueError(f"night setting {text!r}: no model file")
    return {"night_model_file": path, "night_below": below, "night_union": union}


def plate_lite_setting(text: str) -> dict | None:
    """``"S:SIDE[,SIDE]"`` -> a plate preset's ``video_lite`` entry (benchmarks; ``"0"``: off)."""
    period, _, sides = str(text).partition(":")
    if float(period) <= 0:
        return None
    return {"full_every_s": float(period), "sides": tuple(int(v) for v in sides.split(",") if v)}


def build_faces(preset: str = DEFAULT_PRESET, candidates: bool = False, **overrides) -> Detector:
    """The face detector of ``preset``: CenterFace passes united with BlazeFace (and, for
    ``thorough``, preceded by EXTD-64).
    ``candidates``: also report lower-scored boxes as candidates (video; the tracker
    confirms them)."""
    from .faces import BlazeFace, CenterFace, CombinedFaceDetector
    cfg = FACE_PRESETS[_check_preset(preset)]
    cf_cfg = {**cfg["centerface"], **overrides.get("centerface", {})}
    if candidates:
        cf_cfg.setdefault("candidate_threshold", cfg["video_candidates"])
        for k, v in (cfg.get("video_lite") or {}).items():
            cf_cfg.setdefault(k, v)
    cf = CenterFace(**cf_cfg)
    members = [cf]
    if cfg.get("extd") is not None:       # first: its boxes fit faces best (ADR 0005)
        from .extd import EXTD
        members.insert(0, EXTD(**{**cfg["extd"], **overrides.get("extd", {})}))
    if cfg.get("blazeface") is not None:
        members.append(BlazeFace(**{**cfg["blazeface"], **overrides.get("blazeface", {})}))
    periodic = overrides.get("video_extd", cfg.get("video_extd"))
    if candidates and periodic and cfg.get("extd") is None:
        from .extd import EXTD, Periodic
        ecfg = dict(periodic)
        period = ecfg.pop("period_s")
        members.append(Periodic(EXTD(**ecfg), period))     # last: it adds, never moves a box
    follow = overrides.get("video_follow_up", cfg.get("video_follow_up"))
    follow_up = None
    if candidates and follow:
        from .extd import EXTD
        from .follow import FollowUp
        follow_up = FollowUp(EXTD(threshold=follow["threshold"]), **{k: v for k, v in follow.items()
                                                                     if k != "threshold"},
                             threshold=follow["threshold"])
    return CombinedFaceDetector(members, name=f"faces-{preset}", follow_up=follow_up)


def build_plates(preset: str = DEFAULT_PRESET, candidates: bool = False, **overrides) -> Detector:
    """The number-plate detector of ``preset`` (redaction/detect/plates.py): proposals
    checked by the verifier. ``candidates`` (video): every proposal the verifier does not
    confirm is reported as a candidate, with its fused score, for the tracker to confirm
    when it recurs or continues a track (recall first; ADR 0011)."""
    from .plates import build_plates as _build
    return _build(_check_preset(preset), candidates=candidates, **overrides)


# kind -> builder(preset, candidates=False) -> Detector. The plate detector registers itself here.
BUILDERS: dict[str, Callable[..., Detector]] = {
    "face": build_faces,
    "plate": build_plates,
}


def available_kinds() -> tuple[str, ...]:
    return tuple(BUILDERS)


def _check_preset(preset: str) -> str:
    if preset not in PRESETS:
        raise ValueError(f"unknown detector preset {preset!r}; choose one of {', '.join(PRESETS)}")
    return preset


def _inside(inner, outer) -> float:
    """Share of ``inner``'s area that lies inside ``outer`` (both ``(x, y, w, h)``)."""
    ix = max(0.0, min(inner[0] + inner[2], outer[0] + outer[2]) - max(inner[0], outer[0]))
    iy = max(0.0, min(inner[1] + inner[3], outer[1] + outer[3]) - max(inner[1], outer[1]))
    return ix * iy / max(1e-9, inner[2] * inner[3])


def drop_plates_inside_faces(dets: list[Detection], share: float = 0.8) -> list[Detection]:
    """Drop plate boxes lying (``share`` of their area) inside a sure face box: a mouth of
    teeth is the plate detector's typical false positive on body-worn video (measured on the
    EgoBlur clip), and a plate inside a face box is redacted with the face anyway."""
    faces = [d.box for d in dets if d.kind == "face" and d.sure]
    if not faces:
        return dets
    return [d for d in dets if d.kind != "plate" or not any(_inside(d.box, f) >= share for f in faces)]


class MultiDetector:
    """Several detectors run on the same frame; their detections concatenated."""

    def __init__(self, members: list[Detector]):
        self.members = list(members)
        self.kinds = tuple(k for m in self.members for k in m.kinds)
        self.name = "+".join(m.name for m in self.members)

    def __call__(self, image: np.ndarray) -> list[Detection]:
        out: list[Detection] = []
        for m in self.members:
            out.extend(m(image))
        return drop_plates_inside_faces(out)

    def models(self) -> list[dict]:
        return merged_models(self.members)

    def at_frame(self, frame: int, fps: float, **hints) -> None:
        from .base import tell_frame
        for m in self.members:
            tell_frame(m, frame, fps, **hints)

    def forget_hints(self) -> None:
        from .base import forget_hints
        for m in self.members:
            forget_hints(m)


def build_detector(kinds=("face", "plate"), preset: str = DEFAULT_PRESET,
                   candidates: bool = False) -> Detector:
    """One detector for ``kinds`` (each must be in :data:`BUILDERS`) at ``preset``.

    Raises ``ValueError`` for an unknown kind or preset: a kind that was asked for is never
    silently skipped. Models are loaded (and their sha256 checked) here, once; the
    returned detector is reused for every frame. ``candidates=True`` builds the video
    detector: it also reports lower-scored candidates (``Detection.sure`` False) for the
    tracker to confirm over several detection frames; stills use the default.
    """
    if isinstance(kinds, str):
        kinds = tuple(k.strip() for k in kinds.split(",") if k.strip())
    kinds = tuple(dict.fromkeys(kinds))
    if not kinds:
        raise ValueError("no detection kinds requested")
    _check_preset(preset)
    missing = [k for k in kinds if k not in BUILDERS]
    if missing:
        raise ValueError(f"no detector for kind {', '.join(map(repr, missing))}; "
                         f"available: {', '.join(BUILDERS)}")
    members = [BUILDERS[k](preset, candidates=candidates) for k in kinds]
    return members[0] if len(members) == 1 else MultiDetector(members)
