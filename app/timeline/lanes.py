"""The timeline: thumbnails, ruler, detection density, one lane per track, audio
waveform with redaction ranges, and reviewer annotations, on one frame axis.

Mouse: click or drag on the upper lanes seeks/scrubs (a click on a track's bar also
selects it); drag on the audio lane creates an audio range, drag its edges to adjust,
double-click to edit; drag or click on the notes lane adds an annotation; Ctrl+wheel
zooms around the cursor, wheel scrolls (the lanes up and down when the whole clip is
in view and they are taller than the dock).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from redaction.review_checks import recorded_dark

from . import painters
from .geometry import EDGE, GUTTER, TimelineGeometry, keyframe_ticks  # noqa: F401
from .words import paint_words


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
        self.geo = TimelineGeometry()   # lanes, frame axis, zoom, hit tests (Qt-free)
        self._density = None
        self._drag: Optional[dict] = None
        self.selected_audio: Optional[str] = None
        self.redact_allowed = True      # False: the role may not redact: the audio lane only seeks
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

    # -- geometry (geometry.py) ------------------------------------------------------
    ppf = property(lambda self: self.geo.ppf, lambda self, v: setattr(self.geo, "ppf", v))
    offset = property(lambda self: self.geo.offset, lambda self, v: setattr(self.geo, "offset", v))
    fit = property(lambda self: self.geo.fit, lambda self, v: setattr(self.geo, "fit", v))

    def _geo(self) -> TimelineGeometry:
        """The geometry, told the widget's current size, font and clip."""
        g = self.geo
        g.width, g.height = self.width(), self.height()
        g.font_height = self.fontMetrics().height()
        g.frame_count = self.doc.frame_count if self.doc else 0
        g.n_tracks = len(self.doc.project.tracks) if self.doc else 0
        return g

    def lanes(self) -> dict[str, tuple[float, float]]:
        return self._geo().lanes()

    def minimumSizeHint(self):
        """Tall enough for every track's row at the label's font height (the audio lane at
        its least); the panel's scroll area scrolls when the dock is lower."""
        from PySide6.QtCore import QSize
        fh = self.fontMetrics().height()
        least = 3 * fh + fh + 4 + fh * 0.7 + fh + 3 * fh + fh + 8 + 8
        g = self._geo()
        return QSize(400, int(max(least, g.min_height() if g.n_tracks else 0) + 0.999))

    def sizeHint(self):
        from PySide6.QtCore import QSize
        fh = self.fontMetrics().height()
        n = len(self.doc.project.tracks) if self.doc else 0
        return QSize(1000, max(int(9 * fh + 20 + min(n, 12) * fh), self.minimumSizeHint().height()))

    def _update_fit(self) -> None:
        self._geo().update_fit()

    def x_of(self, frame: float) -> float:
        return self.geo.x_of(frame)

    def frame_at(self, x: float) -> int:
        return self._geo().frame_at(x)

    def visible_frames(self) -> float:
        return self._geo().visible_frames()

    def zoom(self, factor: float, around_x: Optional[float] = None) -> None:
        if not self.doc:
            return
        self._geo().zoom(factor, around_x)
        self.viewChanged.emit()
        self.update()

    def clamp(self) -> None:
        self._geo().clamp()

    def ensure_visible(self, frame: int) -> None:
        if self.doc and self._geo().ensure_visible(frame):
            self.viewChanged.emit()

    def resizeEvent(self, e) -> None:
        self._update_fit()
        self.clamp()
        super().resizeEvent(e)

    # -- painting ---------------------------------------------------------------------
    def density(self) -> np.ndarray:
        if self._density is None and self.doc:
            self._density = painters.density_rows(self.doc.project, self.doc.frame_count)
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
        painters.paint_thumbs(self, p, L["thumbs"])
        painters.paint_ruler(self, p, L["ruler"], text, mid)
        painters.paint_density(self, p, L["density"])
        painters.paint_dark(self, p, L["density"])
        painters.paint_tracks(self, p, L["lane"], text)
        painters.paint_audio(self, p, L["audio"], text)
        paint_words(self, p, L["words"], text)
        painters.paint_notes(self, p, L["notes"], text)

    # -- hit testing (geometry.py) -----------------------------------------------------
    def _zone(self, y: float) -> str:
        return self._geo().zone(y)

    def _track_at(self, pos: QPointF):
        return self._geo().track_at(pos.x(), pos.y(), self.doc.project.tracks)

    def _audio_at(self, x: float):
        return self._geo().audio_at(x, self.doc.project.audio, self.doc.media.index_at_time)

    def _note_at(self, x: float):
        return self._geo().note_at(x, self.doc.project.annotations)

    # -- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, e) -> None:
        if not self.doc or e.button() != Qt.LeftButton or e.position().x() < GUTTER:
            return
        pos = e.position()
        zone = self._zone(pos.y())
        if zone == "audio" and self.redact_allowed:
            r, part = self._audio_at(pos.x())
            if r is not None and part in ("start", "end"):
                # x1 is set by a move: a click on an edge alone changes nothing
                self._drag = {"kind": "audio_edge", "id": r.id, "part": part, "x1": None}
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
            edge = (zone == "audio" and self.redact_allowed
                    and self._audio_at(e.position().x())[1] in ("start", "end"))
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
            if r is not None:   # an edge is dropped on the frame boundary nearest it
                k = self._geo().boundary_at(d["x1"])
                start, end = ((media.time_of(min(k, media.frame_count - 1)), r.end)
                              if d["part"] == "start" else (r.start, self._end_time(max(0, k - 1))))
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
        if zone == "audio" and self.redact_allowed:
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
            self._geo().scroll(dy / 120)
            self.viewChanged.emit()
            self.update()
        else:           # the whole clip in view: the panel scrolls the lanes up and down
            e.ignore()
            return
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
                f = self.frame_at(pos.x())
                tip = f"Frame {f} · {self.doc.timecode(f)}"
                if zone == "density" and any(a <= f <= b for a, b in recorded_dark(self.doc.project)):
                    tip += "\nDark footage: the detectors miss more here (a check before export)"
            if tip:
                QToolTip.showText(e.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)
