"""The timeline's geometry and hit testing, without Qt: where each lane is, frame <-> x,
zoom and scroll, and what lies under a point (a track's bar, an audio range or its edge,
an annotation). The widget (``lanes.py``) feeds it its size and font height and asks it;
the painters (``painters.py``) draw where it says. Unit-tested headless."""
from __future__ import annotations

import math
from typing import Callable, Optional

GUTTER = 84
EDGE = 5      # px grab tolerance for range edges
TICK_GAP = 4  # px: keyframe ticks closer than this are thinned (a solid comb says nothing)
MAX_PPF = 60.0


def keyframe_ticks(xs, min_gap: float = TICK_GAP, skip=None) -> list[float]:
    """The x positions of the keyframe ticks to draw: at most one per ``min_gap`` pixels,
    none inside ``skip`` (the label's span, x0..x1), so the label stays readable."""
    out: list[float] = []
    for x in xs:
        if skip is not None and skip[0] - 1 <= x <= skip[1] + 1:
            continue
        if out and x - out[-1] < min_gap:
            continue
        out.append(x)
    return out


class TimelineGeometry:
    """Lanes on one frame axis. ``ppf`` pixels per frame, ``offset`` the first visible
    frame; ``fit`` keeps the whole clip in view."""

    def __init__(self, width: float = 0, height: float = 0, font_height: float = 16,
                 frame_count: int = 0, n_tracks: int = 0):
        self.width, self.height, self.font_height = width, height, font_height
        self.frame_count, self.n_tracks = frame_count, n_tracks
        self.ppf = 1.0
        self.offset = 0.0
        self.fit = True

    # -- lanes -------------------------------------------------------------------------------
    def _heads(self) -> list[tuple[str, float]]:
        fh = self.font_height
        return [("thumbs", max(36, 3 * fh)), ("ruler", fh + 4), ("density", fh + 2)]

    def _tails(self, audio: float) -> list[tuple[str, float]]:
        fh = self.font_height
        return [("audio", audio), ("words", fh + 6), ("notes", fh + 8)]

    def row_min(self) -> float:
        """A track's row is never lower than this: its label in the font's full height."""
        return self.font_height + 2

    def audio_heights(self) -> tuple[float, float]:
        """The audio lane's height when there is room, and the least it gives way to rows."""
        fh = self.font_height
        return max(40, 3.5 * fh), max(24, 2 * fh)

    def min_height(self) -> float:
        """The least height that keeps every track's row at ``row_min`` (the audio lane at its
        least); the widget asks for it and the timeline panel scrolls when the dock is lower."""
        full, least = self.audio_heights()
        fixed = sum(h for _, h in self._heads()) + sum(h for _, h in self._tails(least))
        return fixed + max(1, self.n_tracks) * self.row_min()

    def lanes(self) -> dict[str, tuple[float, float]]:
        """name -> (y, height); "lane" is the first track's row (y, row height). With many
        tracks the audio lane gives way first, down to its least height; rows stay at least
        ``row_min`` (below ``min_height`` they run past the bottom: the panel scrolls)."""
        fh, n = self.font_height, self.n_tracks
        y = 0.0
        out = {}
        for name, h in self._heads():
            out[name] = (y, h)
            y += h
        audio, least = self.audio_heights()
        short = n * self.row_min() - (self.height - y - sum(h for _, h in self._tails(audio)))
        if n and short > 0:
            audio = max(least, audio - short)
        tail = self._tails(audio)
        avail = self.height - y - sum(h for _, h in tail)
        lane = min(fh * 1.3, max(self.row_min(), avail / n)) if n else 0
        out["tracks"] = (y, max(avail, fh + 2, n * lane))
        out["lane"] = (y, lane)
        y += out["tracks"][1]
        for name, h in tail:
            out[name] = (y, h)
            y += h
        return out

    def zone(self, y: float) -> str:
        for name, (y0, h) in self.lanes().items():
            if name != "lane" and y0 <= y < y0 + h:
                return name
        return "none"

    # -- the frame axis ----------------------------------------------------------------------
    def fit_ppf(self) -> float:
        return max(1e-6, (self.width - GUTTER - 8) / max(1, self.frame_count))

    def update_fit(self) -> None:
        if self.frame_count and self.fit:
            self.ppf = self.fit_ppf()
            self.offset = 0.0

    def x_of(self, frame: float) -> float:
        return GUTTER + (frame - self.offset) * self.ppf

    def frame_at(self, x: float) -> int:
        if not self.frame_count:
            return 0
        f = self.offset + (x - GUTTER) / self.ppf     # frame k lies over [k, k + 1)
        return int(max(0, min(self.frame_count - 1, math.floor(f))))

    def boundary_at(self, x: float) -> int:
        """The frame boundary nearest ``x``: k is the one between frames k - 1 and k (a
        range's start edge dropped there starts on frame k, an end edge ends on k - 1)."""
        if not self.frame_count:
            return 0
        return int(max(0, min(self.frame_count, round(self.offset + (x - GUTTER) / self.ppf))))

    def visible_frames(self) -> float:
        return (self.width - GUTTER) / self.ppf

    def zoom(self, factor: float, around_x: Optional[float] = None) -> None:
        around_x = self.width / 2 if around_x is None else around_x
        f = self.offset + (around_x - GUTTER) / self.ppf
        fit_ppf = (self.width - GUTTER - 8) / max(1, self.frame_count)
        self.ppf = min(MAX_PPF, max(fit_ppf, self.ppf * factor))
        self.fit = self.ppf <= fit_ppf * 1.0001
        self.offset = max(0.0, f - (around_x - GUTTER) / self.ppf)
        self.clamp()

    def clamp(self) -> None:
        if self.frame_count:
            self.offset = max(0.0, min(self.offset, self.frame_count - self.visible_frames() + 1))

    def ensure_visible(self, frame: int) -> bool:
        """Scroll so ``frame`` is in view (not when fitted); True if it scrolled."""
        if self.fit or not self.frame_count:
            return False
        x = self.x_of(frame)
        if x < GUTTER or x > self.width - 8:
            self.offset = max(0.0, frame - self.visible_frames() * 0.2)
            self.clamp()
            return True
        return False

    def scroll(self, steps: float) -> None:
        """The wheel: a tenth of the visible frames per step (not when fitted)."""
        if not self.fit:
            self.offset -= steps * self.visible_frames() * 0.1
            self.clamp()

    # -- hit testing ---------------------------------------------------------------------------
    def track_at(self, x: float, y: float, tracks: list):
        y0, h = self.lanes()["lane"]
        if h <= 0:
            return None
        n = int((y - y0) // h)
        if 0 <= n < len(tracks):
            f, t = self.frame_at(x), tracks[n]
            if t.first_frame - 2 / self.ppf <= f <= t.last_frame + 2 / self.ppf:
                return t
        return None

    def audio_at(self, x: float, ranges: list, index_at_time: Callable[[float], int]):
        """(range, "start" | "end" | "inside") under ``x``, or (None, None); the last drawn
        range wins."""
        for r in reversed(ranges):
            first, last = audio_frames(r, index_at_time)
            x0, x1 = self.x_of(first), self.x_of(last + 1)
            if abs(x - x0) <= EDGE:
                return r, "start"
            if abs(x - x1) <= EDGE:
                return r, "end"
            if x0 < x < x1:
                return r, "inside"
        return None, None

    def note_at(self, x: float, annotations: list):
        for a in annotations:
            x0 = self.x_of(a.frame + 0.5)
            x1 = self.x_of(a.end_frame + 0.5) if a.end_frame else x0
            if x0 - EDGE <= x <= x1 + EDGE:
                return a
        return None


def audio_frames(r, index_at_time: Callable[[float], int]) -> tuple[int, int]:
    """The first and last frame an audio range sounds under: its end is exclusive, so a
    range ending where a frame starts stops with the frame before."""
    first = index_at_time(r.start)
    return first, max(first, index_at_time(r.end - 1e-6))
