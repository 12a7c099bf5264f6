"""The timeline's words lane: the transcript's words under the waveform, each at its time;
words inside an audio redaction are marked (pending amber, redacted red)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor

MARK = {"pending": QColor(255, 176, 0, 120), "accepted": QColor(229, 57, 53, 120)}


def paint_words(view, p, lane, text) -> None:
    t = getattr(view, "transcript", None)
    y, h = lane
    if t is None:
        return
    media = view.doc.media
    fm = p.fontMetrics()
    ranges = [r for r in view.doc.project.audio if r.status in MARK]
    last_x = -1e9
    for w in t.words:
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
