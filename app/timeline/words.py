"""The timeline's words lane: the transcript's words under the waveform, each at its time;
words inside an audio redaction are marked (pending amber, redacted red). Only the words in
the visible time range are drawn (found by bisection: a long clip has thousands)."""
from __future__ import annotations

import bisect

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor

MARK = {"pending": QColor(255, 176, 0, 120), "accepted": QColor(229, 57, 53, 120)}


def _index(view, t) -> tuple[list[float], float]:
    """The words' start times (in order) and the longest word, kept per transcript."""
    cached = getattr(view, "_words_index", None)
    if cached is None or cached[0] is not t or cached[1] != len(t.words):
        starts = [w.start for w in t.words]
        longest = max((w.end - w.start for w in t.words), default=0.0)
        cached = view._words_index = (t, len(t.words), starts, longest)
    return cached[2], cached[3]


def _visible(view, t) -> range:
    """Indices of the words that may lie in view (a frame's margin either side)."""
    media = view.doc.media
    n = media.frame_count
    if not t.words or not n:
        return range(0)
    starts, longest = _index(view, t)
    f0, f1 = view.frame_at(0), view.frame_at(view.width())
    t0 = media.time_of(f0 - 1) if f0 > 0 else float("-inf")
    t1 = media.time_of(f1 + 2) if f1 + 2 < n else float("inf")
    return range(bisect.bisect_left(starts, t0 - longest), bisect.bisect_right(starts, t1))


def paint_words(view, p, lane, text) -> None:
    t = getattr(view, "transcript", None)
    y, h = lane
    if t is None:
        return
    media = view.doc.media
    fm = p.fontMetrics()
    ranges = [r for r in view.doc.project.audio if r.status in MARK]
    last_x = -1e9
    for i in _visible(view, t):
        w = t.words[i]
        x0 = view.x_of(media.index_at_time(w.start))
        x1 = view.x_of(media.index_at_time(w.end) + 1)
        if x1 < 0 or x0 > view.width():
            continue
        hit = [r for r in ranges if w.start < r.end and w.end > r.start]
        if hit:
            st = "pending" if any(r.status == "pending" for r in hit) else "accepted"
            p.fillRect(QRectF(x0, y + 1, max(2.0, x1 - x0), h - 2), MARK[st])
        p.setPen(QColor(120, 120, 120))
        p.drawLine(int(x0), int(y + h - 3), int(x0), int(y + h - 1))
        if x0 >= last_x + 3:        # a word's label only where it fits after the last one
            p.setPen(text)
            label = fm.elidedText(w.word, Qt.ElideRight, int(max(x1 - x0, fm.horizontalAdvance(w.word))))
            p.drawText(QRectF(x0 + 1, y, fm.horizontalAdvance(label) + 2, h),
                       Qt.AlignVCenter | Qt.AlignLeft, label)
            last_x = x0 + fm.horizontalAdvance(label) + 2
