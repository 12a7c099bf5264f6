"""The tracker's settings and its input, one frame record at a time (redaction/track.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# The fail-secure hold (and pre-hold) of the product, in seconds of steady picture: 1.5 s
# since the leak check over seeds 0-3 (ADR 0008, session 13); the CLI, the batch and the
# detection job all take it from here
DEFAULT_HOLD_S = 1.5
# Raised when the tracker's rules change what it makes of the same detections: the detection
# cache holds detections (the tracks are rebuilt from them), but a batch's "done" state holds
# the result, so a batch run after such a change does its clips again (from the cache)
TRACKER_VERSION = 4
# Under this brightness (detect.light.picture_brightness) a picture is dark: the dark-footage
# check before export and the tracker's dark rule (TrackerSettings.dark_below). The leak
# check's night scenes measure 24-52 (their flash frames up to 112), its daylight scenes
# 98-144; 4 of the 100 faces_wider photos (night riots and protests) and 3 of the 9
# faces_dlib photos are under it (ADR 0008, session 14)
DARK_BELOW = 60.0


@dataclass
class TrackerSettings:
    hold_s: float = DEFAULT_HOLD_S  # fail-secure hold after the last detection (and pre-hold before the first)
    hold_growth: float = 0.5       # extra margin per second lost (fraction of box size)
    min_iou: float = 0.15
    max_centre_dist: float = 1.0   # in box sizes, for matches without overlap (shake)
    lost_growth: float = 1.5       # ... plus this many box sizes per second the track has been lost
    gate_px_per_s: float = 480.0   # ... or an unknown motion of this many px per second since the
                                   # previous detection run (per second, so a 12.5 fps clip's moving
                                   # plate is not split into a new track every run)
    max_hold_growth: float = 0.75  # a held box grows at most this much (fraction of size, per side)
    # frames on which the camera moves this fast (picture widths per second; 480 px/s at
    # 1080p) blur small objects past what a detector finds: they do not count towards the
    # hold or the pre-hold, which then last until hold_s of steadier picture ... up to max_hold_s
    blind_speed: float = 0.25
    max_hold_s: float = 4.0
    # a gap between two detections of a track longer than this (or than half the hold, if
    # that is shorter) is uncertain: its margin grows as in a hold, and a doubtful join there
    # keeps both holds (below). Not half of hold_s alone: a longer hold must not turn more
    # gaps into plain joins
    long_gap_s: float = 0.5
    # a held or pre-held box follows the object's own motion for this long at most, then
    # only the camera (extrapolating further drifts off; ADR 0008, session 9)
    own_motion_s: float = 1.0
    # the stitch gate: a detection no track's gate took (it would start a new track) joins a
    # track of its kind that no detection matched on this run, whose last detection is at
    # most ``stitch_s`` old, if it is the same size (within ``stitch_ratio``) and within
    # ``stitch_widths_s`` picture widths a second of the track's prediction (plus its size):
    # a vehicle driving past on its own, which a track of one detection cannot predict (the
    # car on the Intel car-park clip moved 0.36-0.47 widths a second). The join holds only
    # if the next detection continues the course of the two (three on one course are one
    # object); otherwise the track is cut there again when it is converted, each part with
    # its own hold, as if never joined. None: off (ADR 0008, session 19)
    stitch_widths_s: Optional[float] = 0.8
    stitch_s: float = 0.6
    stitch_ratio: float = 1.5
    stitch_kinds: tuple = ("plate",)
    # the shape of a whole object of each kind, (kind, width / height when cut at a side,
    # width / height when cut at the top or bottom): a track's first and last boxes, cut by
    # the picture's edge, are extended past it to that shape (faces as the detectors box
    # them). Not plates: replayed with the UK's long and square plates (4.7:1, 1.4:1) it cost
    # 3 points of picture, at 2:1 0.3 points, and covered no more (ADR 0008, session 13).
    # Empty: the visible part only
    edge_aspect: tuple = (("face", 0.8, 0.8),)
    min_hits: int = 1              # detections needed to keep a track (1 = recall first)
    confirm_hits: int = 3          # ... when none of them is sure (candidates only, ADR 0008)
    plate_confirm_hits: int = 2    # ... for plates: a plate the detector proposes on two runs is
                                   # proposed even if the verifier doubts it (recall first; the
                                   # white car's front plate on the Intel car-park clip)
    residual_px: float = 2.0       # add an in-between keyframe when camera residual exceeds this
    # a detection on a frame where the object moved at least this share of its shorter side
    # in the picture (camera + own motion, one frame) is smeared: the plate network boxes
    # only the part it can still read (the character band, at half the plate's height), so
    # its size is not measured there (ADR 0008, "smeared detections"). Plates only: on faces
    # it was measured to gain nothing
    smear_frac: float = 0.2
    smear_kinds: tuple = ("plate",)
    # a long gap between two detections of a track where either is a candidate also gets the
    # hold after the first and the pre-hold before the second (ADR 0008, "doubtful joins")
    doubtful_join_hold: bool = True
    # a track of candidates that recurred (kept, proposed as low confidence) is held and
    # pre-held through fast pans like a sure one, up to this long (0: plain hold_s)
    confirmed_max_hold_s: float = 2.0
    confirmed_hold_kinds: tuple = ("plate", "face")
    candidate_growth_s: Optional[float] = 1.0     # ... whose held margin grows this long at most
                                                  # (1 s, also with the 1.5-s hold: replayed at
                                                  # 1.5 s it covered no more, ADR 0008 session 13)
    # a candidate (a box the detector doubts) joins a track without overlapping its
    # prediction only within this many box sizes (the gate's own growth while a track is
    # lost, and unknown motion, are for sure detections): a doubtful box 1.5-2 sizes off a
    # lost plate was more often street texture than the plate (ADR 0008, "doubtful joins")
    candidate_gate: Optional[float] = 1.0
    # "when unsure, propose it": a candidate of a kind's rule ``(kind, score, px of the larger
    # side)``, at least both, counts alone towards keeping its track (``rule_hits`` of them
    # keep it, flagged low confidence), where other candidates must recur. ``day_rules`` by
    # day; ``dark_rules`` on detection frames darker than ``dark_below`` (the dark check's
    # brightness), where the detector's doubt is the picture's. None: no dark rules
    # (ADR 0008, session 17)
    dark_below: Optional[float] = DARK_BELOW
    rule_hits: int = 1
    day_rules: tuple = (("face", 0.0, 64.0), ("plate", 0.3, 0.0))
    dark_rules: tuple = (("face", 0.0, 48.0), ("plate", 0.3, 0.0))


@dataclass
class FrameRecord:
    frame: int
    motion: tuple                               # camera motion since the previous frame:
                                                # (a, b, tx, ty) similarity, or (dx, dy)
    cut: bool = False
    detections: Optional[list] = None           # list[Detection] on detection frames, else None
    unknown: bool = False                       # the camera's motion could not be measured
    looks: Optional[list] = None                # windows searched round lost tracks between
                                                # full runs ([kind, x0, y0, x1, y1]; detect/looks.py)
    look_detections: Optional[list] = None      # ... and what was found in them
    light: Optional[float] = None               # the picture's brightness on detection frames
                                                # (faces.picture_brightness; the dark check)
