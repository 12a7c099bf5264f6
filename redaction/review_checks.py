"""Checks before export: places in the footage where the proposals may not be enough.

The detector and tracker never prove that a face or plate is *not* there. Two situations
are worth an officer's eyes before disclosure, and are listed in the window's review panel,
by ``bwv project checks`` and in the export's manifest:

- **lost in view**: an automatic track whose detections stopped while the object was still
  inside the picture (not at the picture's edge, not at a cut, not at the clip's end). It is
  held for ``hold_s`` after its last detection, but if the object stays (occluded, turned
  away, blurred) it may show again after the hold.
- **low confidence**: an automatic track made only of candidates (the detector's score was
  below its own threshold, or the plate verifier doubted it). It is proposed, but the officer
  should look at what it is.
- **dark footage**: frames where detection ran on a dark picture (night, deep shade;
  :data:`~redaction.detect.light.DARK_BELOW`). The detectors find far fewer faces and
  plates there (the leak check's night scenes: about 18 % of face and 23 % of plate frames
  left visible, against 3 % and 1 % by day; ADR 0008, session 14), so the officer should
  look through those frames for anything not proposed. Not tied to a track.

- **not detected**: frames no detection run covered (none was run on the clip, or the last
  run was limited to a range): nothing is proposed there, or only what an earlier run
  proposed, so every face and plate must be found by eye. Not tied to a track.

A check is *done* when the officer records that they looked (``mark_done``: who, when, a
note; an edit, so it is logged and undoable). Checks of rejected and keep-clear tracks are
not listed: the decision already records a look at the track.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .edits import SetExtra
from .editlog import utc_now
from .model import Project, Track

EXTRA_KEY = "checks_done"
AFTER_HOLD_S = 2.0            # how far past the end of the hold a "lost in view" check reaches


@dataclass(frozen=True)
class Check:
    key: str                  # stable id: "<kind>:<track>:<frame>"
    kind: str                 # "lost_in_view" | "low_confidence" | "dark" | "not_detected"
    track_id: str             # "" for a check of frames (dark)
    first_frame: int          # the frames to look at
    last_frame: int
    message: str
    frame: int = -1           # where to look first (the window goes there)
    done_by: str = ""
    done_at: str = ""
    note: str = ""

    @property
    def done(self) -> bool:
        return bool(self.done_by)

    def to_json(self) -> dict:
        return {"key": self.key, "kind": self.kind, "track": self.track_id,
                "frames": [self.first_frame, self.last_frame], "message": self.message,
                "done": self.done, "done_by": self.done_by, "done_at": self.done_at,
                "note": self.note}


def _centre(box) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def _inside(box, width: int, height: int, margin: float = 0.6) -> bool:
    """Whether ``box``'s centre lies inside the picture by at least ``margin`` of its size."""
    cx, cy = _centre(box)
    mx, my = box[2] * margin, box[3] * margin
    return mx <= cx <= width - mx and my <= cy <= height - my


def _lost_in_view(t: Track, frames: int, width: int, height: int, fps: float) -> Optional[Check]:
    """``frames``: the last frame detection ran on, plus one (the clip's length)."""
    if not t.scores:
        return None
    last_det = max(t.scores)
    end = t.last_frame
    if end <= last_det or last_det >= frames - 2 or end >= frames - 1:
        return None              # ended on a detection (a cut), or held to the range's end
    box_det, box_end = t.box_at(last_det), t.box_at(end)
    if box_det is None or box_end is None:
        return None
    if not _inside(box_det, width, height) or not _inside(box_end, width, height, margin=0.0):
        return None              # at the edge, or held out of the picture: it left
    hold = end - last_det
    if hold < 0.3 * fps:
        return None              # the hold was cut short by a cut: a new shot
    upto = min(frames - 1, end + int(round(AFTER_HOLD_S * fps)))
    return Check(f"lost_in_view:{t.id}:{last_det}", "lost_in_view", t.id, last_det + 1, upto,
                 f"{t.id} ({t.kind}) was last detected on frame {last_det} while inside the "
                 f"picture and is held to frame {end}: check frames {last_det + 1}–{upto} "
                 f"for it", frame=last_det + 1)


def _low_confidence(t: Track) -> Optional[Check]:
    if "low_confidence" not in t.flags:
        return None
    best = t.best_frame()
    score = max(t.scores.values()) if t.scores else 0.0
    return Check(f"low_confidence:{t.id}", "low_confidence", t.id, t.first_frame,
                 t.last_frame,
                 f"{t.id} ({t.kind}) is a low-confidence proposal (best score {score:.2f}, on "
                 f"frame {best}): look at what it is before deciding",
                 frame=best if best is not None else t.first_frame)


def recorded_dark(project: Project) -> list[tuple[int, int]]:
    """The dark ranges ``(first, last)`` the last detection run recorded; malformed entries
    (a hand-edited project: the detection record is informative) are left out."""
    det = project.extra.get("detection")
    rows = det.get("dark") if isinstance(det, dict) else None
    return [(r[0], r[1]) for r in (rows if isinstance(rows, list) else ())
            if isinstance(r, (list, tuple)) and len(r) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in r) and r[0] <= r[1]]


def _dark(project: Project, frames: int) -> list[Check]:
    """One check per dark range the last detection run recorded (within the clip)."""
    out: list[Check] = []
    for a, b in recorded_dark(project):
        a, b = max(0, a), min(frames - 1, b)
        if b < a:
            continue
        # the key names both ends: a later run that finds the stretch longer is a new check
        out.append(Check(f"dark:{a}-{b}", "dark", "", a, b,
                         f"frames {a}–{b} are dark (night or deep shade): the detectors find far "
                         f"fewer faces and plates in the dark, so look through these frames for "
                         f"any face or plate that is not proposed", frame=a))
    return out


def _not_detected(project: Project, frames: int) -> list[Check]:
    """Frames the last detection run did not cover (all of them when none was run)."""
    det = project.extra.get("detection")
    settings = det.get("settings") if isinstance(det, dict) else None
    if not isinstance(det, dict):
        spans = [(0, frames - 1)]
    else:
        first = settings.get("first") if isinstance(settings, dict) else None
        last = settings.get("last") if isinstance(settings, dict) else None
        first = first if isinstance(first, int) and not isinstance(first, bool) and first > 0 else 0
        last = last if isinstance(last, int) and not isinstance(last, bool) and 0 <= last else frames - 1
        spans = [(0, first - 1), (last + 1, frames - 1)]
    out = []
    for a, b in spans:
        a, b = max(0, a), min(frames - 1, b)
        if b < a:
            continue
        what = ("no automatic detection has been run on this clip: nothing is proposed there"
                if not isinstance(det, dict) else f"the last detection run did not cover frames "
                f"{a}–{b}: only what an earlier run proposed there, if any, is proposed")
        out.append(Check(f"not_detected:{a}-{b}", "not_detected", "", a, b,
                         f"{what}, so look through frames {a}–{b} "
                         "for every face and number plate (or run detection)", frame=a))
    return out


def review_checks(project: Project, frames: int, width: int, height: int,
                  fps: float) -> list[Check]:
    """Every check of ``project``'s automatic tracks (pending or accepted), in frame order,
    with the record of those already done."""
    done = project.extra.get(EXTRA_KEY, {}) or {}
    done = done if isinstance(done, dict) else {}
    # a detection run on part of the clip: tracks held to the end of that part are not lost
    det = project.extra.get("detection")
    settings = det.get("settings") if isinstance(det, dict) else None
    last = settings.get("last") if isinstance(settings, dict) else None
    out: list[Check] = _not_detected(project, frames)
    if isinstance(last, int) and 0 <= last < frames - 1:
        frames = last + 1
    out += _dark(project, frames)
    for t in project.tracks:
        if t.origin != "auto" or t.status in ("rejected", "keep_clear"):
            continue
        # one check a track: a low-confidence track is looked at as a whole anyway
        c = _low_confidence(t) or _lost_in_view(t, frames, width, height, fps)
        if c is not None:
            out.append(c)
    for k, c in enumerate(out):
        d = done.get(c.key)
        if isinstance(d, dict):
            out[k] = Check(**{**c.__dict__, "done_by": str(d.get("by", "")),
                              "done_at": str(d.get("at", "")), "note": str(d.get("note", ""))})
    out.sort(key=lambda c: (c.first_frame, c.key))
    return out


def open_checks(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.done]


def mark_done(keys: list[str], user: str, note: str, project: Project) -> SetExtra:
    """The edit that records ``keys`` as looked at by ``user`` (apply it with the session,
    so it is logged and undoable). A check already done keeps its first record."""
    if not note.strip():
        raise ValueError("a note is required: say what you checked")
    done = dict(project.extra.get(EXTRA_KEY, {}) or {})
    again = sorted(k for k in keys if k in done)
    if again:
        raise ValueError(f"check {again[0]} was already marked done by {done[again[0]].get('by')}")
    at = utc_now()
    for k in keys:
        done[k] = {"by": user, "at": at, "note": note.strip()}
    return SetExtra(EXTRA_KEY, done)


def clip_checks(project: Project, clip_path) -> list[Check]:
    """:func:`review_checks` with the clip's frame count, size and rate read from the clip."""
    from .media import MediaSource
    with MediaSource(clip_path, sha256=project.source.sha256) as src:
        return review_checks(project, src.frame_count, src.info.width, src.info.height,
                             float(src.fps))
