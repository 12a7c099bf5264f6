"""The timeline's words lane draws only the words in view: a long clip's thousands of words
were all placed on every repaint of the lane (about 0.15 s for 6,000 words)."""
from __future__ import annotations

from PySide6.QtGui import QImage, QPainter


def _words_transcript(win, n):
    from redaction.speech.engines import Word
    from redaction.speech.transcript import Transcript
    doc = win.doc
    clip_s = doc.media.frame_count / float(doc.media.fps)
    step = clip_s / n
    return Transcript([Word(f"w{i}", i * step, i * step + step * 0.8, 0.9) for i in range(n)],
                      "whisper-tiny.en", doc.project.source.sha256, clip_s, [], clip_s)


def _paint(view, monkeypatch):
    """Paint the words lane; return the word labels drawn and how many words were placed."""
    from app.timeline.words import paint_words
    media = view.doc.media
    calls, labels = [0], []
    real = media.index_at_time

    def counted(s):
        calls[0] += 1
        return real(s)
    monkeypatch.setattr(media, "index_at_time", counted)
    img = QImage(view.width(), 40, QImage.Format_ARGB32)
    p = QPainter(img)
    draw = p.drawText
    monkeypatch.setattr(p, "drawText", lambda *a: (labels.append(a[-1]), draw(*a)))
    paint_words(view, p, (0, 30), view.palette().text().color())
    p.end()
    monkeypatch.setattr(media, "index_at_time", real)
    return labels, calls[0] // 2


def test_only_the_words_in_view_are_placed(qtbot, win, monkeypatch):
    t = _words_transcript(win, 6000)
    win.speech.show_transcript(t)
    view = win.timeline.view
    labels, placed = _paint(view, monkeypatch)          # the whole clip in view: all of them
    assert placed == 6000 and labels[0] == "w0"
    view.zoom(8.0)                                      # part of the clip in view
    n = view.doc.media.frame_count
    lo, hi = view.frame_at(0), view.frame_at(view.width())
    assert hi - lo < n / 2
    labels, placed = _paint(view, monkeypatch)
    assert labels and placed <= 6000 * (hi - lo + 4) / n, placed
    inview = [w for w in t.words if view.doc.media.index_at_time(w.start) >= lo + 1
              and view.doc.media.index_at_time(w.end) <= hi - 1]
    assert inview and all(int(lb[1:]) >= int(inview[0].word[1:]) - 2 * 6000 // n for lb in labels)
    assert int(labels[-1][1:]) >= int(inview[-1].word[1:]) - 2 * 6000 // n     # drawn to the right edge
