"""The timeline's painters: each draws one lane of a :class:`~app.timeline.lanes.TimelineView`
where its geometry (``geometry.py``) says, from the document; none keeps state (the view
caches the lanes in a pixmap and draws the playhead over it)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen

from redaction.review_checks import recorded_dark

from ..player.frame_view import KIND_COLORS, STATUS_COLORS
from .geometry import GUTTER, audio_frames, keyframe_ticks


def density_rows(project, n: int) -> np.ndarray:
    """Automatic tracks per kind on each frame (kinds in KIND_COLORS order)."""
    kinds = list(KIND_COLORS)
    d = np.zeros((len(kinds), n + 1), np.int32)
    for t in project.tracks:
        if t.origin != "auto" or t.kind not in kinds:
            continue
        k = kinds.index(t.kind)
        a, b = max(0, t.first_frame), min(n, t.last_frame + 1)
        if a >= b:      # outside the clip (an old project): flagged in the table
            continue
        d[k, a] += 1
        d[k, b] -= 1
    return np.cumsum(d, axis=1)[:, :n]


def paint_thumbs(view, p, lane) -> None:
    y, h = lane
    if not view.thumbs:
        return
    frames = [i for i, _ in view.thumbs]
    x = GUTTER
    while x < view.width():
        f = view.frame_at(x)
        k = max(0, int(np.searchsorted(frames, f, side="right")) - 1)
        img = view.thumbs[k][1]
        tw = img.width() * (h - 2) / img.height()
        p.drawImage(QRectF(x, y + 1, tw, h - 2), img)
        x += tw + 1


def ruler_ticks(view, label_px: float) -> list[tuple[float, str]]:
    """(x, label) of the ruler's ticks for labels ``label_px`` wide: frame numbers when zoomed
    in, else whole seconds, each on the frame shown at that time (the clip's own timestamps,
    so they are right on a variable-frame-rate clip; the average rate put them seconds out)."""
    min_px = label_px + 16
    media, n = view.doc.media, view.doc.frame_count
    fps = float(media.fps) or 25.0
    out = []
    frame_steps = [s for s in (1, 2, 5, 10) if s < fps]
    step = next((s for s in frame_steps if s * view.ppf >= min_px), None)
    if step is not None:
        f = int(view.offset // step) * step
        while view.x_of(f) < view.width() and f < n:
            out.append((view.x_of(f), f"{f}"))
            f += step
        return out
    secs = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)
                 if s * fps * view.ppf >= min_px), 3600)
    end = media.time_of(n - 1) if n else 0.0
    t = int(media.time_of(min(max(0, n - 1), int(view.offset))) // secs) * secs
    while t <= end:
        x = view.x_of(media.index_at_time(t))
        if x >= view.width():
            break
        if not out or x - out[-1][0] >= label_px + 4:   # where the rate drops, none overlap
            out.append((x, f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"))
        t += secs
    return out


def paint_ruler(view, p, lane, text, mid) -> None:
    y, h = lane
    fm = p.fontMetrics()
    p.setPen(text)
    for x, label in ruler_ticks(view, fm.horizontalAdvance("00:00:00")):
        p.drawLine(QPointF(x, y + h - 5), QPointF(x, y + h))
        p.drawText(QPointF(x + 3, y + fm.ascent() + 1), label)


DARK = QColor(20, 24, 70)               # dark footage (a strip under the density)


def paint_dark(view, p, lane) -> None:
    """A strip along the foot of the detection lane where the footage is dark."""
    y, h = lane
    sh = max(5.0, h / 2)
    for a, b in recorded_dark(view.doc.project):
        x0, x1 = max(GUTTER, view.x_of(a)), min(view.width(), view.x_of(b + 1))
        if x1 > x0:
            r = QRectF(x0, y + h - sh, x1 - x0, sh)
            p.fillRect(r, DARK)
            p.fillRect(r, QBrush(QColor(170, 180, 255), Qt.BDiagPattern))


def paint_density(view, p, lane) -> None:
    y, h = lane
    d = view.density()
    if d is None or not d.size or d.max() == 0:
        return
    cols = list(KIND_COLORS.values())
    total = d.sum(axis=0)
    peak = max(1, int(total.max()))
    x = GUTTER
    while x < view.width():
        a, b = view.frame_at(x), view.frame_at(x + 2)
        seg = d[:, a:b + 1]
        tot = int(seg.sum(axis=0).max()) if seg.size else 0
        if tot:
            k = int(seg.max(axis=1).argmax())
            c = QColor(cols[k])
            c.setAlpha(int(80 + 175 * tot / peak))
            p.fillRect(QRectF(x, y + 1, 2, h - 2), c)
        x += 2


def paint_tracks(view, p, lane, text) -> None:
    y0, h = lane
    if not view.doc.project.tracks:
        p.setPen(view.palette().placeholderText().color())
        hint = ("No tracks yet: draw a box on the picture, or run detection (Ctrl+D)"
                if view.redact_allowed else "No tracks in this project")   # a reviewer's
        p.drawText(QRectF(GUTTER + 8, y0, 600, p.fontMetrics().height() + 6), Qt.AlignVCenter,
                   hint)
        return
    if h <= 0:
        return
    sel = view.doc.selected
    view.label_rects = {}
    for n, t in enumerate(view.doc.project.tracks):
        y = y0 + n * h
        x0, x1 = view.x_of(t.first_frame), view.x_of(t.last_frame + 1)
        if x1 < GUTTER or x0 > view.width():
            continue
        r = QRectF(x0, y + 1, max(2.0, x1 - x0), max(2.0, h - 2))
        col = QColor(STATUS_COLORS.get(t.status, QColor("gray")))
        if t.status == "rejected":
            col.setAlpha(110)
        p.fillRect(r, col)
        if t.id == sel:
            p.setPen(QPen(text, 2))
            p.setBrush(Qt.NoBrush)
            p.drawRect(r)
        label, lrect = f"{t.id} {t.kind}", None
        fm = p.fontMetrics()
        if h >= 7 and r.width() > 24:
            if h < fm.height():
                f = p.font()
                f.setPixelSize(max(7, int(h) - 1))
                p.setFont(f)
                fm = p.fontMetrics()
            left = max(r.left(), GUTTER) + 1   # the label stays in view when scrolled
            lw = min(fm.horizontalAdvance(label) + 6, r.right() - left)
            if lw > 12:
                lrect = QRectF(left, y + 1, lw, max(2.0, h - 2))
        if h >= 6:
            p.setPen(QColor(0, 0, 0))
            xs = [view.x_of(k.frame + 0.5) for k in t.keyframes]
            skip = (lrect.left(), lrect.right()) if lrect is not None else None
            for kx in keyframe_ticks(xs, skip=skip):
                p.drawLine(QPointF(kx, y + 2), QPointF(kx, y + h - 2))
        if lrect is not None:   # on its own backdrop: never under the keyframe ticks
            p.fillRect(lrect, col.lighter(130))
            p.setPen(QColor(0, 0, 0))
            p.drawText(lrect.adjusted(3, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft,
                       fm.elidedText(label, Qt.ElideRight, int(lrect.width()) - 3))
            view.label_rects[t.id] = lrect
        p.setFont(view.font())


def paint_audio(view, p, lane, text) -> None:
    y, h = lane
    mid_y = y + h / 2
    env = view.envelope
    media = view.doc.media
    if env is not None and len(env.peaks):
        p.setPen(QColor(80, 200, 120))
        x = GUTTER
        while x < view.width():
            t0 = media.time_of(view.frame_at(x))
            t1 = media.time_of(view.frame_at(x + 1)) if view.ppf < 1 else t0 + float(1 / media.fps) / max(1, view.ppf)
            a = int(t0 / env.bucket_s)
            b = max(a + 1, int(t1 / env.bucket_s))
            seg = env.peaks[a:b]
            if len(seg):
                lo, hi = float(seg[:, 0].min()), float(seg[:, 1].max())
                p.drawLine(QPointF(x, mid_y - hi * h / 2), QPointF(x, mid_y - lo * h / 2))
            x += 1
    elif not media.info.audio:
        p.setPen(text)
        p.drawText(QRectF(GUTTER + 6, y, 300, h), Qt.AlignVCenter, "No audio stream")
    for r in view.doc.project.audio:
        first, last = audio_frames(r, media.index_at_time)
        x0, x1 = view.x_of(first), view.x_of(last + 1)
        c = QColor(229, 57, 53, 90) if r.mode == "mute" else QColor(255, 176, 0, 90)
        if r.status in ("rejected", "keep_clear"):    # reviewed, not redacted
            c = QColor(150, 150, 150, 60)
        rect = QRectF(x0, y + 1, max(2.0, x1 - x0), h - 2)
        p.fillRect(rect, c)
        pen = QPen(QColor(255, 255, 255) if r.id == view.selected_audio else c.darker(), 2)
        if r.status == "pending":                     # a proposal awaiting review
            pen = QPen(QColor(255, 176, 0), 2, Qt.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawRect(rect)
        p.setPen(text)
        p.drawText(rect.adjusted(3, 2, 0, 0), Qt.AlignTop | Qt.AlignLeft,
                   (f"{r.status} " if r.status != "accepted" else "") + f"{r.mode} {r.reason}"[:40])


def paint_notes(view, p, lane, text) -> None:
    y, h = lane
    for a in view.doc.project.annotations:
        x0 = view.x_of(a.frame + 0.5)
        if a.end_frame is not None and a.end_frame > a.frame:
            x1 = view.x_of(a.end_frame + 0.5)
            p.fillRect(QRectF(x0, y + 2, x1 - x0, h - 4), QColor(92, 107, 192, 140))
        p.setPen(QPen(QColor(255, 214, 0), 2))
        p.drawLine(QPointF(x0, y + 1), QPointF(x0, y + h - 1))
        p.setPen(text)
        p.drawText(QRectF(x0 + 3, y, 200, h), Qt.AlignVCenter, a.category)
