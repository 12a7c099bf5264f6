"""The timeline: thumbnails, ruler, detection density, one lane per track, audio
waveform with redaction ranges, and reviewer annotations, on one frame axis.

Mouse: click or drag on the upper lanes seeks/scrubs (a click on a track's bar also
selects it); drag on the audio lane creates an audio range, drag its edges to adjust,
double-click to edit; drag or click on the notes lane adds an annotation; Ctrl+wheel
zooms around the cursor, wheel scrolls.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..player.frame_view import KIND_COLORS, STATUS_COLORS
from .words import paint_words

GUTTER = 84
EDGE = 5  # px grab tolerance for range edges
TICK_GAP = 4  # px: keyframe ticks closer than this are thinned (a solid comb says nothing)


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


class TimelineView(QWidget):
    seekRequested = Signal(int)
    trackSelected = Signal(str)
    audioRangeDrawn = Signal(float, float)
    audioRangeAdjusted = Signal(str, float, float)
    audioRangeEdit = Signal(str)
    annotationDrawn = Signal(int, object)   # frame, end frame or None
    annotationEdit = Signal(str)
    viewChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription("Tracks, audio and annotations over time; click to seek")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.ClickFocus)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.doc = None
        self.thumbs: list[tuple[int, QImage]] = []
        self.envelope = None
        self.transcript = None  # redaction.speech Transcript: the words lane (words.py)
        self.ppf = 1.0          # pixels per frame
        self.offset = 0.0       # first visible frame
        self.fit = True
        self._density = None
        self._drag: Optional[dict] = None
        self.selected_audio: Optional[str] = None
        self._version = 0
        self._static: Optional[QPixmap] = None
        self._static_key_value = None
        self.label_rects: dict = {}  # track id -> where its label was drawn (tests)

    # -- data -----------------------------------------------------------------------
    def set_doc(self, doc) -> None:
        self.doc = doc
        self.thumbs, self.envelope = [], None
        self.fit = True
        self.project_changed()

    def set_thumbs(self, items) -> None:
        self.thumbs = []
        for i, rgb in items:
            rgb = np.ascontiguousarray(rgb)
            img = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                         QImage.Format_RGB888).copy()
            self.thumbs.append((i, img))
        self.update()

    def set_envelope(self, env) -> None:
        self.envelope = env
        self.update()

    def project_changed(self) -> None:
        self._density = None
        self._version += 1
        self.updateGeometry()
        self.update()

    # -- geometry ---------------------------------------------------------------------
    def lanes(self) -> dict[str, tuple[float, float]]:
        fh = self.fontMetrics().height()
        n = len(self.doc.project.tracks) if self.doc else 0
        y = 0.0
        out = {}
        fixed = [("thumbs", max(36, 3 * fh)), ("ruler", fh + 4), ("density", fh + 2)]
        for name, h in fixed:
            out[name] = (y, h)
            y += h
        tail = [("audio", max(40, 3.5 * fh)), ("words", fh + 6), ("notes", fh + 8)]
        avail = self.height() - y - sum(h for _, h in tail)
        lane = min(fh * 1.3, max(4.0, avail / max(1, n))) if n else 0
        out["tracks"] = (y, max(avail, fh + 2))
        out["lane"] = (y, lane)
        y += out["tracks"][1]
        for name, h in tail:
            out[name] = (y, h)
            y += h
        return out

    def minimumSizeHint(self):
        from PySide6.QtCore import QSize
        fh = self.fontMetrics().height()
        return QSize(400, int(3 * fh + fh + 4 + fh * 0.7 + fh + 3 * fh + fh + 8 + 8))

    def sizeHint(self):
        from PySide6.QtCore import QSize
        fh = self.fontMetrics().height()
        n = len(self.doc.project.tracks) if self.doc else 0
        return QSize(1000, int(9 * fh + 20 + min(n, 12) * fh))

    def _update_fit(self) -> None:
        if self.doc and self.fit:
            self.ppf = max(1e-6, (self.width() - GUTTER - 8) / max(1, self.doc.frame_count))
            self.offset = 0.0

    def x_of(self, frame: float) -> float:
        return GUTTER + (frame - self.offset) * self.ppf

    def frame_at(self, x: float) -> int:
        f = self.offset + (x - GUTTER) / self.ppf
        return int(max(0, min(self.doc.frame_count - 1, round(f - 0.5)))) if self.doc else 0

    def visible_frames(self) -> float:
        return (self.width() - GUTTER) / self.ppf

    def zoom(self, factor: float, around_x: Optional[float] = None) -> None:
        if not self.doc:
            return
        around_x = self.width() / 2 if around_x is None else around_x
        f = self.offset + (around_x - GUTTER) / self.ppf
        fit_ppf = (self.width() - GUTTER - 8) / max(1, self.doc.frame_count)
        self.ppf = min(60.0, max(fit_ppf, self.ppf * factor))
        self.fit = self.ppf <= fit_ppf * 1.0001
        self.offset = max(0.0, f - (around_x - GUTTER) / self.ppf)
        self.clamp()
        self.viewChanged.emit()
        self.update()

    def clamp(self) -> None:
        if self.doc:
            self.offset = max(0.0, min(self.offset, self.doc.frame_count - self.visible_frames() + 1))

    def ensure_visible(self, frame: int) -> None:
        if self.fit or not self.doc:
            return
        x = self.x_of(frame)
        if x < GUTTER or x > self.width() - 8:
            self.offset = max(0.0, frame - self.visible_frames() * 0.2)
            self.clamp()
            self.viewChanged.emit()

    def resizeEvent(self, e) -> None:
        self._update_fit()
        self.clamp()
        super().resizeEvent(e)

    # -- painting ---------------------------------------------------------------------
    def _density_rows(self) -> np.ndarray:
        if self._density is None and self.doc:
            n = self.doc.frame_count
            kinds = list(KIND_COLORS)
            d = np.zeros((len(kinds), n + 1), np.int32)
            for t in self.doc.project.tracks:
                if t.origin != "auto" or t.kind not in kinds:
                    continue
                k = kinds.index(t.kind)
                a, b = max(0, t.first_frame), min(n, t.last_frame + 1)
                if a >= b:      # outside the clip (an old project): flagged in the table
                    continue
                d[k, a] += 1
                d[k, b] -= 1
            self._density = np.cumsum(d, axis=1)[:, :n]
        return self._density

    def _static_key(self):
        d = self.doc
        return (self.width(), self.height(), round(self.ppf, 9), round(self.offset, 3), self._version,
                id(self.envelope), id(self.transcript), len(self.thumbs), d.selected,
                self.selected_audio,
                self.palette().cacheKey(), self.devicePixelRatioF())

    def paintEvent(self, e) -> None:
        """Lanes are drawn once into a pixmap (they change on edits, zoom and scroll, not on
        every frame); each frame only the playhead and drag feedback are drawn over it."""
        p = QPainter(self)
        if not self.doc:
            p.fillRect(self.rect(), self.palette().base())
            p.end()
            return
        self._update_fit() if self.fit else None
        key = self._static_key()
        if self._static is None or self._static_key_value != key:
            dpr = self.devicePixelRatioF()
            pm = QPixmap(int(self.width() * dpr), int(self.height() * dpr))
            pm.setDevicePixelRatio(dpr)
            sp = QPainter(pm)
            self._paint_static(sp)
            sp.end()
            self._static, self._static_key_value = pm, key
        p.drawPixmap(0, 0, self._static)
        L = self.lanes()
        if self._drag and self._drag.get("kind") in ("new_audio", "new_note") and self._drag.get("x1") is not None:
            y, h = L["audio" if self._drag["kind"] == "new_audio" else "notes"]
            x0, x1 = sorted((self._drag["x0"], self._drag["x1"]))
            p.fillRect(QRectF(x0, y, x1 - x0, h), QColor(255, 255, 255, 60))
        x = self.x_of(self.doc.frame + 0.5)
        if x >= GUTTER:
            p.setPen(QPen(QColor(255, 40, 40), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
            p.setBrush(QColor(255, 40, 40))
            y0 = L["ruler"][0]
            p.drawPolygon(QPolygonF([QPointF(x - 5, y0), QPointF(x + 5, y0), QPointF(x, y0 + 7)]))
        p.end()

    def _paint_static(self, p) -> None:
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        L = self.lanes()
        W = self.width()
        fm = p.fontMetrics()
        text = pal.text().color()
        mid = pal.mid().color()
        for name, label in (("thumbs", "Picture"), ("ruler", "Time"), ("density", "Detections"),
                            ("tracks", "Tracks"), ("audio", "Audio"), ("words", "Words"),
                            ("notes", "Notes")):
            y, h = L[name]
            p.fillRect(QRectF(0, y, GUTTER - 2, h), pal.alternateBase())
            p.setPen(text)
            p.drawText(QRectF(6, y, GUTTER - 10, min(h, fm.height() + 4)), Qt.AlignLeft | Qt.AlignVCenter, label)
            p.setPen(mid)
            p.drawLine(0, int(y + h), W, int(y + h))
        p.setClipRect(QRectF(GUTTER, 0, W - GUTTER, self.height()))
        self._paint_thumbs(p, L["thumbs"])
        self._paint_ruler(p, L["ruler"], text, mid)
        self._paint_density(p, L["density"])
        self._paint_tracks(p, L["lane"], text)
        self._paint_audio(p, L["audio"], text)
        paint_words(self, p, L["words"], text)
        self._paint_notes(p, L["notes"], text)

    def _paint_thumbs(self, p, lane) -> None:
        y, h = lane
        if not self.thumbs:
            return
        frames = [i for i, _ in self.thumbs]
        x = GUTTER
        while x < self.width():
            f = self.frame_at(x)
            k = max(0, int(np.searchsorted(frames, f, side="right")) - 1)
            img = self.thumbs[k][1]
            tw = img.width() * (h - 2) / img.height()
            p.drawImage(QRectF(x, y + 1, tw, h - 2), img)
            x += tw + 1

    def _paint_ruler(self, p, lane, text, mid) -> None:
        """Ticks on frames when zoomed in, on whole seconds (labelled by time) otherwise."""
        y, h = lane
        fps = float(self.doc.media.fps) or 25.0
        fm = p.fontMetrics()
        min_px = fm.horizontalAdvance("00:00:00") + 16
        p.setPen(text)
        frame_steps = [s for s in (1, 2, 5, 10) if s < fps]
        step = next((s for s in frame_steps if s * self.ppf >= min_px), None)
        if step is not None:
            f = int(self.offset // step) * step
            while self.x_of(f) < self.width():
                x = self.x_of(f)
                p.drawLine(QPointF(x, y + h - 5), QPointF(x, y + h))
                p.drawText(QPointF(x + 3, y + fm.ascent() + 1), f"{f}")
                f += step
            return
        secs = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)
                     if s * fps * self.ppf >= min_px), 3600)
        t = int(self.offset / fps // secs) * secs
        while self.x_of(t * fps) < self.width():
            x = self.x_of(t * fps)
            p.drawLine(QPointF(x, y + h - 5), QPointF(x, y + h))
            p.drawText(QPointF(x + 3, y + fm.ascent() + 1),
                       f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}")
            t += secs

    def _paint_density(self, p, lane) -> None:
        y, h = lane
        d = self._density_rows()
        if d is None or not d.size or d.max() == 0:
            return
        cols = list(KIND_COLORS.values())
        total = d.sum(axis=0)
        peak = max(1, int(total.max()))
        x = GUTTER
        while x < self.width():
            a, b = self.frame_at(x), self.frame_at(x + 2)
            seg = d[:, a:b + 1]
            tot = int(seg.sum(axis=0).max()) if seg.size else 0
            if tot:
                k = int(seg.max(axis=1).argmax())
                c = QColor(cols[k])
                c.setAlpha(int(80 + 175 * tot / peak))
                p.fillRect(QRectF(x, y + 1, 2, h - 2), c)
            x += 2

    def _paint_tracks(self, p, lane, text) -> None:
        y0, h = lane
        if not self.doc.project.tracks:
            p.setPen(self.palette().placeholderText().color())
            p.drawText(QRectF(GUTTER + 8, y0, 600, p.fontMetrics().height() + 6), Qt.AlignVCenter,
                       "No tracks yet: draw a box on the picture, or run detection (Ctrl+D)")
            return
        if h <= 0:
            return
        sel = self.doc.selected
        self.label_rects = {}
        for n, t in enumerate(self.doc.project.tracks):
            y = y0 + n * h
            x0, x1 = self.x_of(t.first_frame), self.x_of(t.last_frame + 1)
            if x1 < GUTTER or x0 > self.width():
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
                xs = [self.x_of(k.frame + 0.5) for k in t.keyframes]
                skip = (lrect.left(), lrect.right()) if lrect is not None else None
                for kx in keyframe_ticks(xs, skip=skip):
                    p.drawLine(QPointF(kx, y + 2), QPointF(kx, y + h - 2))
            if lrect is not None:   # on its own backdrop: never under the keyframe ticks
                p.fillRect(lrect, col.lighter(130))
                p.setPen(QColor(0, 0, 0))
                p.drawText(lrect.adjusted(3, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft,
                           fm.elidedText(label, Qt.ElideRight, int(lrect.width()) - 3))
                self.label_rects[t.id] = lrect
            p.setFont(self.font())

    def _paint_audio(self, p, lane, text) -> None:
        y, h = lane
        mid_y = y + h / 2
        env = self.envelope
        media = self.doc.media
        if env is not None and len(env.peaks):
            p.setPen(QColor(80, 200, 120))
            x = GUTTER
            while x < self.width():
                t0 = media.time_of(self.frame_at(x))
                t1 = media.time_of(self.frame_at(x + 1)) if self.ppf < 1 else t0 + float(1 / media.fps) / max(1, self.ppf)
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
        for r in self.doc.project.audio:
            x0, x1 = self.x_of(media.index_at_time(r.start)), self.x_of(media.index_at_time(r.end) + 1)
            c = QColor(229, 57, 53, 90) if r.mode == "mute" else QColor(255, 176, 0, 90)
            if r.status in ("rejected", "keep_clear"):    # reviewed, not redacted
                c = QColor(150, 150, 150, 60)
            rect = QRectF(x0, y + 1, max(2.0, x1 - x0), h - 2)
            p.fillRect(rect, c)
            pen = QPen(QColor(255, 255, 255) if r.id == self.selected_audio else c.darker(), 2)
            if r.status == "pending":                     # a proposal awaiting review
                pen = QPen(QColor(255, 176, 0), 2, Qt.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.NoBrush)
            p.drawRect(rect)
            p.setPen(text)
            p.drawText(rect.adjusted(3, 2, 0, 0), Qt.AlignTop | Qt.AlignLeft,
                       (f"{r.status} " if r.status != "accepted" else "") + f"{r.mode} {r.reason}"[:40])

    def _paint_notes(self, p, lane, text) -> None:
        y, h = lane
        for a in self.doc.project.annotations:
            x0 = self.x_of(a.frame + 0.5)
            if a.end_frame is not None and a.end_frame > a.frame:
                x1 = self.x_of(a.end_frame + 0.5)
                p.fillRect(QRectF(x0, y + 2, x1 - x0, h - 4), QColor(92, 107, 192, 140))
            p.setPen(QPen(QColor(255, 214, 0), 2))
            p.drawLine(QPointF(x0, y + 1), QPointF(x0, y + h - 1))
            p.setPen(text)
            p.drawText(QRectF(x0 + 3, y, 200, h), Qt.AlignVCenter, a.category)

    # -- hit testing -------------------------------------------------------------------
    def _zone(self, y: float) -> str:
        for name, (y0, h) in self.lanes().items():
            if name != "lane" and y0 <= y < y0 + h:
                return name
        return "none"

    def _track_at(self, pos: QPointF):
        y0, h = self.lanes()["lane"]
        if h <= 0:
            return None
        n = int((pos.y() - y0) // h)
        tracks = self.doc.project.tracks
        if 0 <= n < len(tracks):
            f = self.frame_at(pos.x())
            t = tracks[n]
            if t.first_frame - 2 / self.ppf <= f <= t.last_frame + 2 / self.ppf:
                return t
        return None

    def _audio_at(self, x: float):
        media = self.doc.media
        for r in reversed(self.doc.project.audio):
            x0, x1 = self.x_of(media.index_at_time(r.start)), self.x_of(media.index_at_time(r.end) + 1)
            if abs(x - x0) <= EDGE:
                return r, "start"
            if abs(x - x1) <= EDGE:
                return r, "end"
            if x0 < x < x1:
                return r, "inside"
        return None, None

    def _note_at(self, x: float):
        for a in self.doc.project.annotations:
            x0 = self.x_of(a.frame + 0.5)
            x1 = self.x_of(a.end_frame + 0.5) if a.end_frame else x0
            if x0 - EDGE <= x <= x1 + EDGE:
                return a
        return None

    # -- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, e) -> None:
        if not self.doc or e.button() != Qt.LeftButton or e.position().x() < GUTTER:
            return
        pos = e.position()
        zone = self._zone(pos.y())
        if zone == "audio":
            r, part = self._audio_at(pos.x())
            if r is not None and part in ("start", "end"):
                self._drag = {"kind": "audio_edge", "id": r.id, "part": part, "x1": pos.x()}
            elif r is not None:
                self.selected_audio = r.id
                self.update()
            else:
                self._drag = {"kind": "new_audio", "x0": pos.x(), "x1": None}
            return
        if zone == "notes":
            a = self._note_at(pos.x())
            if a is not None:
                self.seekRequested.emit(a.frame)
            else:
                self._drag = {"kind": "new_note", "x0": pos.x(), "x1": None}
            return
        if zone == "tracks":
            t = self._track_at(pos)
            if t is not None:
                self.trackSelected.emit(t.id)
        self._drag = {"kind": "scrub"}
        self.seekRequested.emit(self.frame_at(pos.x()))

    def mouseMoveEvent(self, e) -> None:
        d = self._drag
        if not d:
            zone = self._zone(e.position().y())
            edge = zone == "audio" and self._audio_at(e.position().x())[1] in ("start", "end")
            self.setCursor(Qt.SizeHorCursor if edge else Qt.ArrowCursor)
            return
        x = min(max(e.position().x(), GUTTER), self.width())
        if d["kind"] == "scrub":
            self.seekRequested.emit(self.frame_at(x))
        else:
            d["x1"] = x
            self.update()

    def mouseReleaseEvent(self, e) -> None:
        d, self._drag = self._drag, None
        if not d or d.get("x1") is None:
            if d and d["kind"] == "new_note":
                self.annotationDrawn.emit(self.frame_at(d["x0"]), None)
            self.update()
            return
        media = self.doc.media
        if d["kind"] == "new_audio":
            a, b = sorted((self.frame_at(d["x0"]), self.frame_at(d["x1"])))
            if b > a:
                self.audioRangeDrawn.emit(media.time_of(a), self._end_time(b))
        elif d["kind"] == "new_note":
            a, b = sorted((self.frame_at(d["x0"]), self.frame_at(d["x1"])))
            self.annotationDrawn.emit(a, b if b > a else None)
        elif d["kind"] == "audio_edge":
            r = next((r for r in self.doc.project.audio if r.id == d["id"]), None)
            if r is not None:
                f = self.frame_at(d["x1"])
                start, end = (media.time_of(f), r.end) if d["part"] == "start" else (r.start, self._end_time(f))
                if end > start:
                    self.audioRangeAdjusted.emit(r.id, start, end)
        self.update()

    def _end_time(self, frame: int) -> float:
        media = self.doc.media
        return media.time_of(frame + 1) if frame + 1 < media.frame_count else media.info.duration_s

    def mouseDoubleClickEvent(self, e) -> None:
        if not self.doc:
            return
        zone = self._zone(e.position().y())
        if zone == "audio":
            r, _ = self._audio_at(e.position().x())
            if r is not None:
                self.audioRangeEdit.emit(r.id)
        elif zone == "notes":
            a = self._note_at(e.position().x())
            if a is not None:
                self.annotationEdit.emit(a.id)

    def wheelEvent(self, e) -> None:
        dy = e.angleDelta().y() or e.angleDelta().x()
        if e.modifiers() & Qt.ControlModifier:
            self.zoom(1.25 if dy > 0 else 0.8, e.position().x())
        elif not self.fit:
            self.offset -= dy / 120 * self.visible_frames() * 0.1
            self.clamp()
            self.viewChanged.emit()
            self.update()
        e.accept()

    def event(self, e) -> bool:
        if e.type() == QEvent.ToolTip and self.doc:
            pos = QPointF(e.pos())
            zone = self._zone(pos.y())
            tip = ""
            if zone == "tracks":
                t = self._track_at(pos)
                if t:
                    tip = f"{t.id} {t.kind} ({t.origin}) · {t.status} · frames {t.first_frame}–{t.last_frame}" + \
                        (f"\n{t.reason}" if t.reason else "")
            elif zone == "audio":
                r, _ = self._audio_at(pos.x())
                if r:
                    tip = f"Audio {r.mode} {r.start:.2f}–{r.end:.2f} s\n{r.reason}\nDouble-click to edit"
                else:
                    tip = "Drag to create an audio redaction range"
            elif zone == "notes":
                a = self._note_at(pos.x())
                tip = f"{a.category}: {a.note}\n({a.user})" if a else "Click for a marker, drag for a range"
            elif zone != "none":
                tip = f"Frame {self.frame_at(pos.x())} · {self.doc.timecode(self.frame_at(pos.x()))}"
            if tip:
                QToolTip.showText(e.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)
