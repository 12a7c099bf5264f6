"""The frame view: the exact decoded frame, scaled to fit, with box overlays.

It paints pixels handed to it (:meth:`FrameView.set_frame`) and draws the tracks'
boxes for that frame on top in Edit mode. Mouse editing (Edit mode only): drag on
empty picture draws a new box; drag a box to move it; drag a corner of the selected
box to resize. The results are emitted in frame pixel coordinates; the view never
edits the project itself.

The magnifier (``set_magnifier``, key Z) is a loupe under the pointer at 2-8x the displayed
size, drawn from the frame's own pixels (the array handed to ``set_frame``, not the scaled
picture), each pixel an exact square block (nearest-neighbour), with the pixel under the
pointer outlined and its frame coordinates shown: for checking a small plate.

An anamorphic clip (pixels not square: 1440x1080 stored, shown 16:9) is shown stretched as
players show it (``pixel_aspect``, the clip's sample aspect ratio): the picture, the boxes,
the loupe's blocks and the mouse use separate x and y scales, so a box drawn on the screen is
in the frame's own (stored) pixels, which the detectors and the export use.
"""
from __future__ import annotations

from typing import Optional

import cv2
import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

STATUS_COLORS = {"pending": QColor(255, 176, 0), "accepted": QColor(229, 57, 53),
                 "rejected": QColor(158, 158, 158), "keep_clear": QColor(30, 136, 229)}
STATUS_STYLES = {"pending": Qt.DashLine, "accepted": Qt.SolidLine, "rejected": Qt.DotLine,
                 "keep_clear": Qt.SolidLine}
KIND_COLORS = {"face": QColor(171, 71, 188), "plate": QColor(38, 166, 154),
               "person": QColor(255, 112, 67), "screen": QColor(92, 107, 192),
               "other": QColor(141, 110, 99)}
STATUS_TEXT = {"pending": "pending", "accepted": "redact", "rejected": "rejected",
               "keep_clear": "keep clear"}
HANDLE = 7  # px, corner handles
MAGNIFICATIONS = (2, 3, 4, 6, 8)


class FrameView(QWidget):
    boxDrawn = Signal(object)          # (x, y, w, h) in frame pixels
    boxEdited = Signal(str, object)    # track id, new box
    trackClicked = Signal(object)      # track id or None
    painted = Signal(int)              # frame index just painted
    pressed = Signal()                 # a left press on the picture (playback pauses first)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Frame view")
        self.setAccessibleDescription("The exact decoded video frame with redaction boxes")
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(320, 180)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.frame_index = -1
        self.rgb: Optional[np.ndarray] = None       # the pixels shown (before scaling)
        self.pixel_aspect = 1.0                     # a frame pixel's width / height on screen
        self._scaled: Optional[QImage] = None
        self._scaled_buf: Optional[np.ndarray] = None
        self.tracks: list = []                      # model tracks (read only)
        self.show_overlays = True
        self.editable = True
        self.selected: Optional[str] = None
        self.banner = ""
        self._drag: Optional[dict] = None
        self.magnifier = False
        self.magnification = 4
        self._pointer: Optional[QPointF] = None     # last pointer position (magnifier)

    # -- content ---------------------------------------------------------------------
    def set_frame(self, index: int, rgb: np.ndarray, pixel_aspect: float = 1.0) -> None:
        """Show ``rgb`` (frame pixels); ``pixel_aspect``: the clip's sample aspect ratio."""
        self.frame_index = index
        self.rgb = rgb
        pixel_aspect = float(pixel_aspect or 1.0)
        self.pixel_aspect = pixel_aspect if np.isfinite(pixel_aspect) and pixel_aspect > 0 else 1.0
        self._rescale()
        self.update()

    def set_tracks(self, tracks: list, selected: Optional[str]) -> None:
        self.tracks, self.selected = tracks, selected
        self.update()

    def set_banner(self, text: str) -> None:
        self.banner = text
        self.update()

    # -- magnifier --------------------------------------------------------------------
    def set_magnifier(self, on: bool) -> None:
        self.magnifier = bool(on)
        if self.magnifier and self._pointer is None:   # toggled with the pointer already here
            pos = self.mapFromGlobal(QCursor.pos())
            if self.rect().contains(pos):
                self._pointer = QPointF(pos)
        self.update()

    def set_magnification(self, k: int) -> None:
        self.magnification = min(max(int(k), MAGNIFICATIONS[0]), MAGNIFICATIONS[-1])
        self.update()

    def next_magnification(self) -> int:
        i = MAGNIFICATIONS.index(self.magnification) if self.magnification in MAGNIFICATIONS else 0
        self.set_magnification(MAGNIFICATIONS[(i + 1) % len(MAGNIFICATIONS)])
        return self.magnification

    def loupe(self) -> Optional[dict]:
        """Where the loupe is and what it shows (None when off, no frame or no pointer):
        ``rect`` (widget), ``pixel`` (frame x, y under the pointer or None outside the
        picture), ``block`` (screen pixels per frame pixel, across and down: not square for
        an anamorphic clip), ``image`` (the magnified
        pixels, a numpy array) and ``at`` (its top-left in the widget)."""
        if not self.magnifier or self.rgb is None or self._pointer is None:
            return None
        pos = self._pointer
        side = int(min(max(min(self.width(), self.height()) * 0.5, 120), 360))
        rect = QRectF(round(pos.x()) - side // 2, round(pos.y()) - side // 2, side, side)
        sx, sy, ox, oy = self._fit()
        bx, by = max(1, round(self.magnification * sx)), max(1, round(self.magnification * sy))
        h, w = self.rgb.shape[:2]
        fx, fy = (pos.x() - ox) / sx, (pos.y() - oy) / sy
        inside = 0 <= fx < w and 0 <= fy < h
        ix, iy = int(np.floor(fx)), int(np.floor(fy))
        nx, ny = side // (2 * bx) + 2, side // (2 * by) + 2
        x0, x1 = max(0, ix - nx), min(w, ix + nx + 1)
        y0, y1 = max(0, iy - ny), min(h, iy + ny + 1)
        out = {"rect": rect, "pixel": (ix, iy) if inside else None, "block": (bx, by),
               "image": None, "at": None, "pixel_rect": None}
        if x1 > x0 and y1 > y0:
            crop = self.rgb[y0:y1, x0:x1]
            out["image"] = np.ascontiguousarray(np.repeat(np.repeat(crop, by, 0), bx, 1))
            ax = round(pos.x() - (fx - x0) * bx)
            ay = round(pos.y() - (fy - y0) * by)
            out["at"] = (ax, ay)
            if inside:
                out["pixel_rect"] = QRectF(ax + (ix - x0) * bx, ay + (iy - y0) * by, bx, by)
        return out

    def _paint_loupe(self, p: QPainter) -> None:
        lp = self.loupe()
        if lp is None:
            return
        rect = lp["rect"]
        p.save()
        p.setRenderHint(QPainter.Antialiasing, False)
        p.setRenderHint(QPainter.SmoothPixmapTransform, False)
        p.setClipRect(rect)
        p.fillRect(rect, QColor(0, 0, 0))
        img = lp["image"]
        if img is not None:
            q = QImage(img.data, img.shape[1], img.shape[0], img.strides[0], QImage.Format_RGB888)
            p.drawImage(QPointF(*lp["at"]), q)
        if lp["pixel_rect"] is not None and min(lp["block"]) >= 4:
            p.setPen(QPen(QColor(255, 214, 0), 1))
            p.setBrush(Qt.NoBrush)
            p.drawRect(lp["pixel_rect"].adjusted(-1, -1, 0, 0))
        fm = p.fontMetrics()
        px = lp["pixel"]
        label = f"{self.magnification}×" + (f" · pixel {px[0]}, {px[1]}" if px else " · outside")
        chip = QRectF(rect.left(), rect.bottom() - fm.height() - 4,
                      fm.horizontalAdvance(label) + 10, fm.height() + 4)
        p.fillRect(chip, QColor(0, 0, 0, 190))
        p.setPen(QColor("white"))
        p.drawText(chip.adjusted(5, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, label)
        p.setClipping(False)
        p.setPen(QPen(QColor(0, 0, 0), 3))
        p.drawRect(rect)
        p.setPen(QPen(QColor(255, 255, 255), 1))
        p.drawRect(rect)
        p.restore()

    def leaveEvent(self, e) -> None:
        self._pointer = None
        if self.magnifier:
            self.update()
        super().leaveEvent(e)

    def wheelEvent(self, e) -> None:
        if not self.magnifier:
            return super().wheelEvent(e)
        step = 1 if e.angleDelta().y() > 0 else -1
        i = MAGNIFICATIONS.index(self.magnification) if self.magnification in MAGNIFICATIONS else 2
        self.set_magnification(MAGNIFICATIONS[min(max(i + step, 0), len(MAGNIFICATIONS) - 1)])
        e.accept()

    # -- geometry ---------------------------------------------------------------------
    def _fit(self) -> tuple[float, float, float, float]:
        """x scale, y scale, x offset, y offset of the picture in the widget (the scales
        differ by ``pixel_aspect``: an anamorphic frame is shown stretched across)."""
        if self.rgb is None:
            return 1.0, 1.0, 0.0, 0.0
        h, w = self.rgb.shape[:2]
        s = min(self.width() / (w * self.pixel_aspect), self.height() / h)
        sx = s * self.pixel_aspect
        return sx, s, (self.width() - w * sx) / 2, (self.height() - h * s) / 2

    def to_widget(self, box) -> QRectF:
        sx, sy, ox, oy = self._fit()
        x, y, w, h = box
        return QRectF(ox + x * sx, oy + y * sy, w * sx, h * sy)

    def to_frame(self, p: QPointF) -> tuple[float, float]:
        sx, sy, ox, oy = self._fit()
        h, w = self.rgb.shape[:2] if self.rgb is not None else (1, 1)
        return (min(max((p.x() - ox) / sx, 0.0), w), min(max((p.y() - oy) / sy, 0.0), h))

    def _rescale(self) -> None:
        if self.rgb is None:
            self._scaled = None
            return
        # scaled to device pixels: on a HiDPI screen (200 %) a picture scaled to the widget's
        # logical size would be drawn magnified again, at half the frame's resolution
        dpr = self.devicePixelRatioF()
        sx, sy = (k * dpr for k in self._fit()[:2])
        h, w = self.rgb.shape[:2]
        tw, th = max(1, round(w * sx)), max(1, round(h * sy))
        if (tw, th) == (w, h):
            buf = np.ascontiguousarray(self.rgb)
        else:
            # INTER_AREA only for strong reductions: for factors >= 0.5 it costs ~10x more than
            # INTER_LINEAR at 1080p and the two look the same (no aliasing to average away).
            interp = cv2.INTER_AREA if min(sx, sy) < 0.5 else cv2.INTER_LINEAR
            buf = cv2.resize(self.rgb, (tw, th), interpolation=interp)
        self._scaled_buf = buf
        self._scaled = QImage(buf.data, tw, th, buf.strides[0], QImage.Format_RGB888)
        self._scaled.setDevicePixelRatio(dpr)

    def resizeEvent(self, e) -> None:
        self._rescale()
        super().resizeEvent(e)

    # -- painting ---------------------------------------------------------------------
    def visible_boxes(self):
        if not self.show_overlays:
            return []
        out = []
        for t in self.tracks:
            b = t.box_at(self.frame_index)
            if b is not None:
                out.append((t, b, t.keyframe_at(self.frame_index) is not None))
        # the selected track last so it is drawn on top and hit first
        out.sort(key=lambda x: x[0].id == self.selected)
        return out

    def paintEvent(self, e) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(16, 16, 16))
        dpr = self.devicePixelRatioF()
        if self._scaled is not None and self._scaled.devicePixelRatio() != dpr:
            self._rescale()             # moved to a screen of another scale
        if self._scaled is not None:
            _, _, ox, oy = self._fit()
            p.drawImage(QPointF(round(ox * dpr) / dpr, round(oy * dpr) / dpr), self._scaled)
        else:
            p.setPen(QColor(200, 200, 200))
            p.drawText(self.rect(), Qt.AlignCenter, "No clip open")
        p.setRenderHint(QPainter.Antialiasing, True)
        fm_font = QFont(self.font())
        p.setFont(fm_font)
        for t, b, is_key in self.visible_boxes():
            r = self.to_widget(b)
            col = STATUS_COLORS.get(t.status, QColor("white"))
            sel = t.id == self.selected
            pen = QPen(col, (3 if sel else 2) if is_key else (2 if sel else 1.5),
                       STATUS_STYLES.get(t.status, Qt.SolidLine))
            p.setPen(pen)
            p.setBrush(Qt.NoBrush)
            p.drawRect(r)
            label = f"{t.id} {t.kind} · {STATUS_TEXT.get(t.status, t.status)}" + \
                ("" if is_key else " · interp.")
            fm = p.fontMetrics()
            tw, th = fm.horizontalAdvance(label) + 8, fm.height() + 2
            chip = QRectF(r.left(), r.top() - th if r.top() - th >= 0 else r.bottom(), tw, th)
            p.fillRect(chip, KIND_COLORS.get(t.kind, QColor("gray")))
            p.setPen(QColor("white"))
            p.drawText(chip.adjusted(4, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, label)
            if sel and self.editable:
                p.setBrush(col)
                p.setPen(QPen(QColor("black"), 1))
                for c in (r.topLeft(), r.topRight(), r.bottomLeft(), r.bottomRight()):
                    p.drawRect(QRectF(c.x() - HANDLE / 2, c.y() - HANDLE / 2, HANDLE, HANDLE))
        if self._drag and self._drag.get("rect") is not None:
            p.setPen(QPen(QColor(255, 255, 255), 1.5, Qt.DashLine))
            p.setBrush(QColor(255, 255, 255, 40))
            p.drawRect(self.to_widget(self._drag["rect"]))
        self._paint_loupe(p)
        if self.banner:
            fm = p.fontMetrics()
            br = QRectF(0, 0, self.width(), fm.height() + 8)
            p.fillRect(br, QColor(0, 0, 0, 170))
            p.setPen(QColor(255, 214, 0))
            p.drawText(br, Qt.AlignCenter, self.banner)
        p.end()
        self.painted.emit(self.frame_index)

    # -- mouse editing -----------------------------------------------------------------
    def _hit(self, pos: QPointF):
        for t, b, _ in reversed(self.visible_boxes()):
            r = self.to_widget(b)
            if t.id == self.selected:
                for name, c in (("tl", r.topLeft()), ("tr", r.topRight()),
                                ("bl", r.bottomLeft()), ("br", r.bottomRight())):
                    if abs(pos.x() - c.x()) <= HANDLE and abs(pos.y() - c.y()) <= HANDLE:
                        return t, b, name
            if r.adjusted(-2, -2, 2, 2).contains(pos):
                return t, b, "move"
        return None, None, None

    def mousePressEvent(self, e) -> None:
        if e.button() != Qt.LeftButton or self.rgb is None:
            return super().mousePressEvent(e)
        self.setFocus()
        self.pressed.emit()     # playing: pause, so the edit lands on the frame shown now
        pos = e.position()
        t, b, part = self._hit(pos)
        if t is not None:
            self.trackClicked.emit(t.id)
            if self.editable:
                self._drag = {"kind": part, "id": t.id, "start": self.to_frame(pos),
                              "box": b, "rect": None}
            return
        self.trackClicked.emit(None)
        if self.editable:
            self._drag = {"kind": "draw", "start": self.to_frame(pos), "rect": None}

    def mouseMoveEvent(self, e) -> None:
        self._pointer = e.position()
        if self.magnifier:
            self.update()
        d = self._drag
        if not d:
            _, _, part = self._hit(e.position())
            shape = {"tl": Qt.SizeFDiagCursor, "br": Qt.SizeFDiagCursor, "tr": Qt.SizeBDiagCursor,
                     "bl": Qt.SizeBDiagCursor, "move": Qt.SizeAllCursor}.get(part, Qt.CrossCursor
                                                                              if self.editable else Qt.ArrowCursor)
            self.setCursor(shape)
            return
        x, y = self.to_frame(e.position())
        x0, y0 = d["start"]
        if d["kind"] == "draw":
            d["rect"] = (min(x, x0), min(y, y0), abs(x - x0), abs(y - y0))
        elif d["kind"] == "move":
            bx, by, bw, bh = d["box"]
            d["rect"] = (bx + x - x0, by + y - y0, bw, bh)
        else:
            bx, by, bw, bh = d["box"]
            l, t, r, b = bx, by, bx + bw, by + bh
            if "l" in d["kind"]:
                l = x
            if "r" in d["kind"]:
                r = x
            if "t" in d["kind"]:
                t = y
            if "b" in d["kind"]:
                b = y
            d["rect"] = (min(l, r), min(t, b), abs(r - l), abs(b - t))
        self.update()

    def mouseReleaseEvent(self, e) -> None:
        d, self._drag = self._drag, None
        if not d or d.get("rect") is None:
            self.update()
            return
        x, y, w, h = d["rect"]
        if w >= 4 and h >= 4:
            box = (round(x, 1), round(y, 1), round(w, 1), round(h, 1))
            if d["kind"] == "draw":
                self.boxDrawn.emit(box)
            else:
                self.boxEdited.emit(d["id"], box)
        self.update()

    def event(self, e) -> bool:
        if e.type() == QEvent.ToolTip:
            t, _, _ = self._hit(QPointF(e.pos()))
            if t is not None:
                conf = t.mean_score()
                QToolTip.showText(e.globalPos(), f"<b>{t.id}</b> · {t.kind} · {t.origin}<br>"
                                  f"status: {STATUS_TEXT.get(t.status, t.status)}<br>"
                                  f"reason: {t.reason or '—'}<br>frames {t.first_frame}–{t.last_frame}"
                                  + (f"<br>confidence {conf:.2f}" if conf is not None else ""), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)
