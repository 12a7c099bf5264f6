"""The open project as a reviewer works on it, without Qt: rules the window follows.

The window (``app/document.py``) is a thin Qt adapter over what is here; everything here
is testable headless.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional

from .model import Track

# words that mark a stock reason as meant for a kind of object (case-insensitive)
KIND_WORDS = {
    "face": ("face",),
    "plate": ("registration", "plate", "vehicle"),
    "person": ("body", "whole figure"),     # "young person" and "Personal data" are not
    "screen": ("screen", "document"),
    "other": (),
}


def _kinds_of(reason: str) -> set[str]:
    low = reason.lower()
    return {k for k, words in KIND_WORDS.items() if any(w in low for w in words)}


def reason_for_kind(kind: str, reasons: Iterable[str]) -> Optional[str]:
    """The first stock reason written for ``kind`` (a face, a plate...), or None."""
    for r in reasons:
        if kind in _kinds_of(r):
            return r
    return None


def default_reason(current: str, kind: Optional[str], reasons: list[str]) -> str:
    """The reason to offer for a decision on a ``kind`` of track: the reviewer's own words
    (or an emptied field) are kept, and so is a stock reason that fits the kind (or fits no kind at all); a stock
    reason written for another kind ("Third party face" for a plate) gives way to the stock
    reason for this kind, where there is one."""
    current = (current or "").strip()
    if kind is None or not current or current not in reasons:
        return current          # typed (or cleared) by the reviewer: never replaced
    kinds = _kinds_of(current)
    if not kinds or kind in kinds:
        return current
    return reason_for_kind(kind, reasons) or current


def focus_kind(tracks: list[Track], selected: Optional[Track] = None) -> Optional[str]:
    """The kind the next decision is most likely about: the selected track's, else the most
    common kind among the pending tracks (the first such track's on a tie), else None."""
    if selected is not None:
        return selected.kind
    pend = sorted((t for t in tracks if t.status == "pending"), key=lambda t: t.first_frame)
    if not pend:
        return None
    counts = Counter(t.kind for t in pend)
    top = max(counts.values())
    return next(t.kind for t in pend if counts[t.kind] == top)


def span_problem(track: Track, frame_count: int) -> Optional[str]:
    """Why a track's frames do not lie in the clip, or None. Edits are validated against the
    clip (``edit_checks``), but a project written before that may hold such a track: the
    table flags it, since the timeline (one frame axis, the clip's) cannot show it."""
    if not track.keyframes or frame_count <= 0:
        return None
    last = frame_count - 1
    if track.first_frame > last or track.last_frame < 0:
        return f"outside the clip (frames 0–{last}): not shown on the timeline"
    if track.last_frame > last:
        return f"ends after the clip (frames 0–{last})"
    if track.first_frame < 0:
        return f"starts before the clip (frames 0–{last})"
    return None
