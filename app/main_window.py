"""The main window: the composition root. It builds the widgets, docks and actions and
wires them to the :class:`~app.document.Document`; the behaviour lives in the parts."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDockWidget, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from redaction import edits
from redaction.errors import BwvError
from redaction.paths import config_dir

from . import background
from .access_ui import Gate
from .actions import build_actions
from .dialogs.help_overlay import HelpOverlay
from .dialogs.small import ask_goto
from .document import MODE_LABELS, Document, open_document
from .icons import SHAPES, icon
from .player.frame_view import FrameView
from .player.audio_out import AudioOut
from .player.playback import SPEEDS, Playback
from .player.transport import TransportBar, capture_time
from .player.vlc_backend import VlcSurface, probe_vlc
from .prefs import Preferences
from .review.panel import ReviewPanel
from .timeline.panel import TimelinePanel
from .window_commands import CommandsMixin, detect_available, policy_reasons
from .window_speech import SpeechMixin
from .window_store import StoreMixin
from .worker import JobRunner

log = logging.getLogger("bwv.gui")
BANNERS = {"preview": "REDACTED PREVIEW: exactly what the export shows (pending tracks shown as redacted)",
           "original": "ORIGINAL: no redactions shown"}


def settings() -> QSettings:
    return QSettings(str(config_dir() / "gui-window.ini"), QSettings.IniFormat)


class MainWindow(SpeechMixin, StoreMixin, CommandsMixin, QMainWindow):
    def __init__(self, user: str, prefs: Optional[Preferences] = None, interactive: bool = True,
                 gate: Optional[Gate] = None):
        super().__init__()
        self.user = user
        self.gate = gate or Gate(user)   # role checks for the acting (logged-in) user
        self.store_clip_id: Optional[int] = None
        self.prefs = prefs or Preferences.load()
        self.interactive = interactive   # False: tests/screenshots, never block on a question
        self._restored_state = False
        self.source_changed = False
        self.detect_in_process = True
        self.doc: Optional[Document] = None
        self.setWindowTitle(self.title_text())
        self.setObjectName("MainWindow")
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        self.runner = JobRunner(self)          # user jobs: export, detection
        self.bg = JobRunner(self)              # waveform, thumbnails
        self.a = build_actions(self)
        self._set_icons()
        self._build_view()
        self._build_docks()
        self._build_menus()
        self._build_status()
        self.help = HelpOverlay(self)
        self._connect()
        self._thumb_timer = QTimer(self, singleShot=True, interval=800, timeout=self._load_crops)
        self._restore()
        self._update_actions()

    # -- construction ----------------------------------------------------------------------
    def _set_icons(self) -> None:
        color = QApplication.palette().buttonText().color()
        playing = getattr(self, "playback", None) is not None and self.playback.playing
        for name in SHAPES:
            if name in self.a:
                self.a[name].setIcon(icon(name, color))
        self.a["play"].setIcon(icon("pause" if playing else "play", color))

    def _build_view(self) -> None:
        self.view = FrameView(self)
        inst, self.vlc_status = probe_vlc()
        self.vlc = VlcSurface(inst, self) if inst is not None else None
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        if self.vlc is not None:
            self.stack.addWidget(self.vlc)
        self.audio_out = AudioOut(self)
        self.playback = Playback(None, self.vlc, self, audio=self.audio_out)
        self.transport = TransportBar(self.a, self)
        self.transport.set_note(self.vlc_status.split(":")[0] if self.vlc is None else "Sound: Shift+Space",
                                self.vlc_status)
        central = QWidget(self)
        v = QVBoxLayout(central)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        v.addWidget(self.stack, 1)
        v.addWidget(self.transport)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.setCorner(Qt.TopRightCorner, Qt.RightDockWidgetArea)
        self.timeline = TimelinePanel(self)
        self.review = ReviewPanel(self.a, policy_reasons(self.prefs), self)
        self.review.short_n.setValue(self.prefs.short_track_frames)
        for name, title, w, area in (("timeline", "Timeline", self.timeline, Qt.BottomDockWidgetArea),
                                     ("review", "Review", self.review, Qt.RightDockWidgetArea)):
            d = QDockWidget(title, self)
            d.setObjectName(f"dock_{name}")
            d.setWidget(w)
            d.setAccessibleName(f"{title} dock")
            self.addDockWidget(area, d)
            setattr(self, f"dock_{name}", d)
        self._build_transcript_dock()

    def _build_menus(self) -> None:
        groups: dict[str, list] = {}
        for a in self.a.values():
            groups.setdefault(a.property("group"), []).append(a)
        for g in ("File", "Edit", "Review", "Playback", "View"):
            m = self.menuBar().addMenu(f"&{g}")
            for a in groups.get(g, []):
                m.addAction(a)
        self._build_store_menus()
        tb = self.addToolBar("Main")
        tb.setObjectName("toolbar_main")
        tb.setToolButtonStyle(Qt.ToolButtonTextOnly)
        for name in ("open", "save", "undo", "redo", None, "mode_edit", "mode_preview", "mode_original",
                     None, "next_pending", "detect", "export", None, "help"):
            tb.addSeparator() if name is None else tb.addAction(self.a[name])
        for name in ("mode_edit", "mode_preview", "mode_original", "magnifier"):
            self.a[name].setCheckable(True)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.user_label = QLabel(f"User: {self.user}", self)
        self.job_label = QLabel("", self)
        self.job_bar = QProgressBar(self)
        self.job_bar.setMaximumWidth(220)
        self.job_bar.setAccessibleName("Background job progress")
        self.job_cancel = QToolButton(self)
        self.job_cancel.setText("Cancel")
        self.job_cancel.setAccessibleName("Cancel background job")
        self.job_cancel.clicked.connect(self.runner.cancel)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
            sb.addPermanentWidget(w)
        self.vlc_label = QLabel(f"{self.vlc_status} · {self.audio_out.status}", self)
        self.vlc_label.setAccessibleName("Sound playback status")
        sb.addPermanentWidget(self.vlc_label)
        sb.addPermanentWidget(self.user_label)
        self._build_store_status()

    def _connect(self) -> None:
        a, pb = self.a, self.playback
        simple: dict[str, Callable] = {
            "open": self.open_dialog, "save": self.save, "export": self.export,
            "detect": self.detect, "quit": self.close, "preferences": self.show_preferences,
            "play": lambda: self._with_doc(pb.toggle),
            "play_sound": lambda: self._with_doc(lambda: pb.play(with_sound=self.vlc is not None)),
            "shuttle_back": lambda: self._with_doc(lambda: pb.shuttle(-1)),
            "shuttle_forward": lambda: self._with_doc(lambda: pb.shuttle(1)),
            "step_back": lambda: self._step(-1), "step_forward": lambda: self._step(1),
            "back_second": lambda: self._step(-self._fps_int()),
            "forward_second": lambda: self._step(self._fps_int()),
            "go_start": lambda: self._seek(0), "go_end": lambda: self._seek(10 ** 9),
            "goto": self.goto, "speed_up": lambda: self._speed(1), "speed_down": lambda: self._speed(-1),
            "mode_cycle": lambda: self._with_doc(self.doc_cycle_mode),
            "mode_edit": lambda: self.set_mode("edit"), "mode_preview": lambda: self.set_mode("preview"),
            "mode_original": lambda: self.set_mode("original"),
            "zoom_in": lambda: self.timeline.view.zoom(2.0), "zoom_out": lambda: self.timeline.view.zoom(0.5),
            "magnifier": lambda: self.view.set_magnifier(self.a["magnifier"].isChecked()),
            "magnifier_power": lambda: self.view.next_magnification(),
            "zoom_fit": self.timeline.fit, "theme": self.cycle_theme, "help": self.help.toggle,
            "accept": lambda: self._decide("accepted"), "reject": lambda: self._decide("rejected"),
            "keep_clear": lambda: self._decide("keep_clear"), "next_pending": self.next_pending,
            "add_note": lambda: self._with_doc(lambda: self.add_annotation(self.doc.frame, None)),
            "undo": lambda: self._with_doc(lambda: self.doc.undo()),
            "redo": lambda: self._with_doc(lambda: self.doc.redo()),
            "set_start": lambda: self._with_doc(self.doc_set_start),
            "set_end": lambda: self._with_doc(lambda: self.doc.set_end()),
            "split": lambda: self._with_doc(lambda: self.doc.split()),
            "merge": lambda: self._with_doc(lambda: self.doc.merge()),
            "delete": lambda: self._with_doc(lambda: self.doc.delete_selected()),
            "deselect": lambda: self.help.hide() if self.help.isVisible() else
            self._with_doc(lambda: self.doc.select(None)),
        }
        for name, fn in simple.items():
            a[name].triggered.connect(self.gate.guard(name, fn, self.show_error))
        pb.stateChanged.connect(self._playing_changed)
        pb.speedChanged.connect(self.transport.show_speed)
        self.transport.seekRequested.connect(self._seek)
        self.transport.speedRequested.connect(pb.set_speed)
        self.transport.modeRequested.connect(self.set_mode)
        self.view.boxDrawn.connect(lambda box: self._with_doc(lambda: self.doc.add_box(box)))
        self.view.boxEdited.connect(lambda tid, box: self._with_doc(lambda: self.doc.set_box(tid, box)))
        self.view.trackClicked.connect(lambda tid: self._with_doc(lambda: self.doc.select(tid)))
        tv = self.timeline.view
        tv.seekRequested.connect(self._seek)
        tv.trackSelected.connect(lambda tid: self._with_doc(lambda: self.doc.select(tid)))
        tv.audioRangeDrawn.connect(self.add_audio_range)
        tv.audioRangeAdjusted.connect(lambda rid, s, e: self.doc.do(edits.UpdateAudioRange(rid, s, e)))
        tv.audioRangeEdit.connect(self.edit_audio_range)
        tv.annotationDrawn.connect(self.add_annotation)
        tv.annotationEdit.connect(self.edit_annotation)
        rv = self.review
        rv.jumpRequested.connect(self.jump_to_track)
        rv.checks.jumpRequested.connect(self.jump_to_check)
        rv.checks.doneRequested.connect(self.mark_checks_done)
        rv.kindRequested.connect(lambda k: self.doc and self.doc.selected and
                                 self.doc.do(edits.SetKind(self.doc.selected, k)))
        rv.acceptAllRequested.connect(lambda k: self.doc and self._bulk(self.doc.accept_all(
            k, self.review.reason_text() or f"All {k} tracks redacted")))
        rv.rejectShortRequested.connect(lambda n: self.doc and self._bulk(self.doc.reject_short(
            n, f"Shorter than {n} frames (likely false detection)")))
        self.runner.started.connect(self._job_started)
        self.runner.progress.connect(self._job_progress)
        self.runner.idle.connect(self._job_idle)
        self.runner.failed.connect(lambda m: self.show_error(m))
        self.bg.finished.connect(self._bg_loaded)

    # -- opening ---------------------------------------------------------------------------
    def open_path(self, path, ask_recover: Optional[Callable[[Path], bool]] = None) -> bool:
        ask = ask_recover or (self._ask_recover if self.interactive else (lambda p: False))
        try:
            doc = open_document(path, self.user, ask, self.prefs.autosave_seconds)
        except BwvError as e:
            self.show_error(str(e))
            return False
        self.store_clip_id = self.store_clip_name = None   # open_store_clip sets them after
        self.set_document(doc)
        if doc.media.info.truncated:
            self.show_error(f"{doc.media.path}: truncated: {doc.media.info.truncated}. Only the "
                            "readable frames can be reviewed and exported.")
        if doc.session.recovered_edits:
            self.statusBar().showMessage(
                f"Restored {doc.session.recovered_edits} unsaved edit(s) from the edit log "
                "(the last session did not close cleanly)", 10000)
        return True

    def _ask_recover(self, rec: Path) -> bool:
        return QMessageBox.question(
            self, "Recover unsaved edits?",
            f"The last session on this project did not close cleanly.\nAutosaved edits were found "
            f"({rec.name}). Recover them?", QMessageBox.Yes | QMessageBox.No,
            QMessageBox.Yes) == QMessageBox.Yes

    def set_document(self, doc: Document) -> None:
        if self.doc is not None:
            self.bg.cancel()
            self.doc.autosave.stop()
        self.doc = doc
        self.playback.set_doc(doc)
        doc.frameChanged.connect(self.render)
        doc.modeChanged.connect(self._mode_changed)
        doc.projectChanged.connect(self._project_changed)
        doc.selectionChanged.connect(self._selection_changed)
        doc.coverageChanged.connect(self.review.show_coverage)
        doc.message.connect(lambda m: self.statusBar().showMessage(m, 4000))
        doc.error.connect(self.show_error)
        self.transport.set_clip(doc.frame_count)
        self.timeline.view.set_doc(doc)
        self.timeline.fit()
        self.review.set_doc(doc)
        self._transcript_set_doc(doc)
        self._mode_changed(doc.mode)
        self._project_changed()
        self._start_bg()

    def close_document(self) -> bool:
        """Close the open clip (log out, switch user): unsaved edits are asked about when
        interactive (they are in the edit log either way). False if cancelled."""
        doc = self.doc
        if doc is None:
            return True
        if doc.session.dirty and self.interactive:
            r = QMessageBox.question(self, "Unsaved edits", "Save the project before closing it?",
                                     QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
            if r == QMessageBox.Cancel:
                return False
            if r == QMessageBox.Save:
                self.save()
        self.playback.pause()
        self.bg.cancel()
        self.bg.wait(5000)
        doc.autosave.stop()
        doc.save_coverage()
        self.doc = None
        self.store_clip_id = self.store_clip_name = None
        self.playback.set_doc(None)
        self.timeline.view.set_doc(None)
        self.review.set_doc(None)
        self._transcript_set_doc(None)
        self.view.set_frame(-1, None)
        self.view.set_tracks([], None)
        self.setWindowTitle(self.title_text())
        self._update_actions()
        return True

    def _start_bg(self) -> None:
        """The picture strip first (a job of its own), then the sha256 check, the waveform and
        the track crops (``_bg_loaded`` starts that when the strip is in)."""
        path = str(self.doc.media.path)
        self.bg.start("strip", lambda cancel: background.strip_first_job(path, 60, cancel))

    def _start_media_bg(self) -> None:
        doc = self.doc
        items = background.crop_items(doc.project, set(self.review.icons))
        path, sha = str(doc.media.path), doc.project.source.sha256
        self.bg.start("media", lambda cancel: background.clip_media_job(path, 0, items, cancel, sha))

    def _load_crops(self) -> None:
        if self.doc is None or self.bg.busy:
            return
        items = background.crop_items(self.doc.project, set(self.review.icons))
        if items:
            path = str(self.doc.media.path)
            self.bg.start("crops", lambda cancel: background.crops_job(path, items, cancel))

    def _bg_loaded(self, result) -> None:
        if not result or self.doc is None:
            return
        if "strip" in result:
            self.timeline.view.set_thumbs(result["strip"])
            if "envelope" not in result:
                self._start_media_bg()
                return
        if "envelope" in result:
            self.timeline.view.set_envelope(result["envelope"])
        if result.get("source_ok") is False:
            self.source_changed = True
            self.view.set_banner("SOURCE CLIP HAS CHANGED since the project was made: its sha256 "
                                 "does not match; boxes may be wrong and export will refuse")
            self.show_error(f"{self.doc.session.source_path}: the clip's sha256 does not match the "
                            "project's; export will refuse")
        self.review.set_icons(result.get("crops", {}))
        if background.crop_items(self.doc.project, set(self.review.icons)):
            self._thumb_timer.start()

    def wait_idle(self, ms: int = 30000) -> None:
        """Tests/screenshots: let background loads finish and deliver their results (the
        strip's job starts the media job when it ends: wait until both runners stay idle)."""
        import time
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            for r in (self.bg, self.runner):
                r.wait(max(1, int((deadline - time.monotonic()) * 1000)))
            QApplication.processEvents()
            QApplication.processEvents()
            if not (self.bg.busy or self.runner.busy):
                break

    # -- rendering -------------------------------------------------------------------------
    def render(self, *_):
        doc = self.doc
        if doc is None:
            return
        if not self.playback.using_vlc:
            try:
                self.view.set_frame(doc.frame, doc.image())
            except BwvError as e:  # a corrupt frame: stop playing, say it once
                self.playback.pause()
                self.show_error(str(e))
        self.view.set_tracks(doc.project.tracks if doc.mode == "edit" else [], doc.selected)
        self.transport.show_position(doc.frame, doc.timecode(),
                                     capture_time(doc.media.info.captured, doc.media.time_of(doc.frame)))
        self.timeline.view.ensure_visible(doc.frame)
        self.timeline.view.update()

    def _mode_changed(self, mode: str) -> None:
        self.view.editable = mode == "edit" and self.gate.allowed("redact")
        if not self.source_changed:
            self.view.set_banner(BANNERS.get(mode, ""))
        self.transport.show_mode(mode)
        for m in ("edit", "preview", "original"):
            self.a[f"mode_{m}"].setChecked(m == mode)
        self.statusBar().showMessage(f"View: {MODE_LABELS[mode]}", 2000)
        self.render()

    def _project_changed(self) -> None:
        self.setWindowTitle(self.title_text(self.doc.title()))
        self.timeline.view.project_changed()
        self.review.refresh()
        self.transcript.refresh()
        self._update_actions()
        self.render()
        self._thumb_timer.start()

    def _selection_changed(self, tid) -> None:
        self.review.refresh()
        self._update_actions()
        self.render()

    def _update_actions(self) -> None:
        has = self.doc is not None
        sel = has and self.doc.selected_track() is not None
        for n in ("accept", "reject", "keep_clear", "set_start", "set_end", "split", "merge", "delete"):
            self.a[n].setEnabled(sel)
        for n in ("save", "export", "undo", "redo", "next_pending", "add_note", "goto"):
            self.a[n].setEnabled(has)
        if has:
            us, rs = self.doc.session.undo_stack, self.doc.session.redo_stack
            self.a["undo"].setEnabled(bool(us))
            self.a["redo"].setEnabled(bool(rs))
            self.a["undo"].setText(f"&Undo {us[-1].describe()}" if us else "&Undo")
            self.a["redo"].setText(f"&Redo {rs[-1].describe()}" if rs else "&Redo")
            pend = [t for t in self.doc.project.pending() if t.origin == "auto"]
            self.a["export"].setToolTip(
                f"{len(pend)} detected track(s) pending: export needs decisions or a logged override"
                if pend else "Export the redacted video with its manifest (Ctrl+E)")
        self.a["play_sound"].setEnabled(self.vlc is not None)
        if self.vlc is None:
            self.a["play_sound"].setToolTip(self.vlc_status)
        ok = detect_available()
        self.a["detect"].setEnabled(has and ok and not self.runner.busy)
        if not ok:
            self.a["detect"].setToolTip("Automatic detection is not installed in this build")
        self.gate.apply(self.a)

    # -- navigation / playback ----------------------------------------------------------------
    def _with_doc(self, fn: Callable) -> None:
        if self.doc is not None:
            fn()

    def _fps_int(self) -> int:
        return max(1, round(float(self.doc.media.fps))) if self.doc else 25

    def _step(self, n: int) -> None:
        if self.doc is not None:
            self.playback.pause()
            self.doc.step(n)

    def _seek(self, i: int) -> None:
        if self.doc is not None:
            self.playback.pause()
            self.doc.seek(i)

    def _speed(self, d: int) -> None:
        s = self.playback.speed
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - s))
        self.playback.set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, i + d))])

    def _playing_changed(self, playing: bool) -> None:
        self.stack.setCurrentWidget(self.vlc if self.playback.using_vlc else self.view)
        if playing and self.playback.using_vlc:
            self.statusBar().showMessage("Playing with sound (VLC): overlays hidden; pause to review "
                                         "the exact frame", 5000)
        self._set_icons()
        if not playing:
            self.render()

    def goto(self) -> None:
        if self.doc is None:
            return
        i = ask_goto(self, self.doc.media.fps, self.doc.frame, self.doc.frame_count)
        if i is not None:
            self._seek(i)

    def set_mode(self, mode: str) -> None:
        if self.doc is not None:
            self.doc.set_mode(mode)

    def doc_cycle_mode(self) -> None:
        self.doc.cycle_mode()

    def jump_to_track(self, tid: str) -> None:
        t = self.doc.project.track(tid)
        self.doc.select(tid)
        if not t.covers(self.doc.frame):
            self._seek(t.first_frame)
        self.view.setFocus()

    def jump_to_check(self, tid: str, frame: int) -> None:
        if self.doc is None:
            return
        self.doc.select(tid)
        self._seek(frame)
        self.view.setFocus()

    def mark_checks_done(self, keys: list) -> None:
        if self.doc is None:
            return
        from .dialogs.small import ask_text
        note = ask_text(self, "Mark checked", "What did you check, and what did you find? "
                        "(recorded in the edit log)")
        if note:
            self.doc.mark_checks_done(keys, note)

    def next_pending(self) -> None:
        if self.doc is None:
            return
        t = self.doc.next_pending()
        if t is None:
            self.statusBar().showMessage("No pending tracks", 3000)
        else:
            self.doc.select(t.id)
            self._seek(t.first_frame)

    def shutdown(self) -> None:
        """Stop playback, timers and jobs (cancelled, then joined)."""
        self.playback.pause()
        self._thumb_timer.stop()
        if self.doc is not None:
            self.doc.autosave.stop()
        self.bg.shutdown()
        self.runner.shutdown()
        if self.library is not None:
            self.library.runner.shutdown()
        if self.vlc is not None:
            self.vlc.release()
            self.vlc = None

    # -- window state ----------------------------------------------------------------------
    def _restore(self) -> None:
        s = settings()
        geo, state = s.value("geometry"), s.value("state")
        self._restored_state = isinstance(state, QByteArray)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
            size = s.value("size")
            if isinstance(size, QSize) and not self.isMaximized():
                self.resize(size)   # some platforms (offscreen) restore the frame, not the size
        else:
            self.resize(1600, 960)

    def _default_layout(self) -> None:
        w, h = self.width(), self.height()
        self.resizeDocks([self.dock_review], [max(360, int(w * 0.27))], Qt.Horizontal)
        self.resizeDocks([self.dock_timeline], [max(190, int(h * 0.33))], Qt.Vertical)

    def showEvent(self, e) -> None:
        super().showEvent(e)
        if not self._restored_state:
            self._restored_state = True
            self._default_layout()

    def closeEvent(self, e) -> None:
        if self.doc is not None and self.doc.session.dirty and self.interactive:
            r = QMessageBox.question(self, "Unsaved edits", "Save the project before closing?",
                                     QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
            if r == QMessageBox.Cancel:
                e.ignore()
                return
            if r == QMessageBox.Save:
                self.save()
            else:
                self.doc.clear_recovery()
        self.shutdown()
        if self.doc is not None:
            self.doc.save_coverage()
        s = settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState())
        s.setValue("size", self.size())
        s.sync()
        super().closeEvent(e)
