"""The main window: the composition root. It builds the widgets, docks, menus and actions,
creates one controller per area (``app/controllers/``: playback, editing, jobs, speech,
store, settings), wires each action to its controller's slot through the role gate, and
keeps the open Document's lifecycle (open, close, what follows a change)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtWidgets import (QDockWidget, QLabel, QMainWindow, QMessageBox, QStackedWidget,
                               QVBoxLayout, QWidget)

from redaction.paths import config_dir

from .access_ui import Gate
from .actions import build_actions
from .controllers.editing import EditingController, policy_reasons
from .controllers.files import FilesController
from .controllers.jobs import JobsController
from .controllers.playback import PlaybackController
from .controllers.settings import SettingsController
from .controllers.speech import SpeechController
from .controllers.store import StoreController
from .dialogs.help_overlay import HelpOverlay
from .elided_label import ElidedLabel
from .document import Document
from .player.audio_out import AudioOut
from .player.frame_view import FrameView
from .player.playback import Playback
from .player.transport import TransportBar
from .player.vlc_backend import VlcSurface, probe_vlc
from .prefs import Preferences
from .review.panel import ReviewPanel
from .timeline.panel import TimelinePanel
from .transcript.panel import TranscriptPanel
from .worker import JobRunner

log = logging.getLogger("bwv.gui")


def settings() -> QSettings:
    return QSettings(str(config_dir() / "gui-window.ini"), QSettings.IniFormat)


class MainWindow(QMainWindow):
    def __init__(self, user: str, prefs: Optional[Preferences] = None, interactive: bool = True,
                 gate: Optional[Gate] = None):
        super().__init__()
        self.user = user
        self.gate = gate or Gate(user)   # role checks for the acting (logged-in) user
        self.prefs = prefs or Preferences.load()
        self.interactive = interactive   # False: tests/screenshots, never block on a question
        self.doc: Optional[Document] = None
        self.store_clip_id: Optional[int] = None   # the open clip's id in the case store
        self.store_clip_name: Optional[str] = None  # and its original name (exports are named by it)
        self.store_clip = None    # the store's record of it (controllers.files.StoreClip)
        self.source_changed = False      # the clip's sha256 does not match the project's
        self.detect_in_process = True    # detection in a child process (tests: in this one)
        self._restored_state = False
        self.setWindowTitle(self.title_text())
        self.setObjectName("MainWindow")
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        self.runner = JobRunner(self)          # user jobs: export, detection, transcription
        self.bg = JobRunner(self)              # waveform, thumbnails
        self.a = build_actions(self)
        self._build_view()
        self._build_docks()
        self.help = HelpOverlay(self)
        self._build_controllers()
        self._build_menus()
        self._build_status()
        self._connect()
        self._restore()
        self.update_actions()
        self._notice_shown = False

    # -- construction ----------------------------------------------------------------------
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
        self.transcript = TranscriptPanel(self)
        for name, title, w, area in (("timeline", "Timeline", self.timeline, Qt.BottomDockWidgetArea),
                                     ("review", "Review", self.review, Qt.RightDockWidgetArea),
                                     ("transcript", "Transcript", self.transcript, Qt.RightDockWidgetArea)):
            d = QDockWidget(title, self)
            d.setObjectName(f"dock_{name}")
            d.setWidget(w)
            d.setAccessibleName(f"{title} dock")
            self.addDockWidget(area, d)
            setattr(self, f"dock_{name}", d)
        self.tabifyDockWidget(self.dock_review, self.dock_transcript)
        self.dock_review.raise_()

    def _build_controllers(self) -> None:
        tv = self.timeline.view
        self.files = FilesController(self, self.prefs)
        self.player = PlaybackController(self, self.a, self.playback, self.view, self.stack,
                                         self.transport, self.timeline)
        self.editing = EditingController(self, self.prefs, self.review, self.view, tv)
        self.jobs = JobsController(self, self.runner, self.bg, self.prefs, self.playback,
                                   self.view, tv, self.review)
        self.speech = SpeechController(self, self.runner, self.transcript, self.dock_transcript,
                                       tv, self.player)
        self.store = StoreController(self, self.gate, self.runner)
        self.settings = SettingsController(self, self.prefs, self.review, self.player)
        self.controllers = (self.files, self.player, self.editing, self.jobs, self.settings)
        self.player.set_icons()

    def _build_menus(self) -> None:
        groups: dict[str, list] = {}
        for a in self.a.values():
            groups.setdefault(a.property("group"), []).append(a)
        for g in ("File", "Edit", "Review", "Playback", "View"):
            m = self.menuBar().addMenu(f"&{g}")
            for a in groups.get(g, []):
                m.addAction(a)
        self.store.build_menus(self.menuBar())
        self.settings.build_help_menu(self.menuBar(), self.a["help"])
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
        self.jobs.build_status(sb)
        self.vlc_label = ElidedLabel(f"{self.vlc_status} · {self.audio_out.status}", self,
                                     max_chars=32)
        self.vlc_label.setAccessibleName("Sound playback status")
        sb.addPermanentWidget(self.vlc_label)
        sb.addPermanentWidget(self.user_label)
        self.store.show_status()

    def _connect(self) -> None:
        own: dict[str, Callable] = {
            "quit": self.close, "help": self.help.toggle,
            "deselect": lambda: self.help.hide() if self.help.isVisible() else
            self.doc is not None and self.doc.select(None),
        }
        for slots in (own, *(c.slots() for c in self.controllers)):
            for name, fn in slots.items():
                self.a[name].triggered.connect(self.gate.guard(name, fn, self.show_error))
        self.review.jumpRequested.connect(self.player.jump_to_track)
        self.review.checks.jumpRequested.connect(self.player.jump_to_check)

    # -- the document ----------------------------------------------------------------------
    def open_path(self, path, ask_recover: Optional[Callable[[Path], bool]] = None,
                  ask_migrate: Optional[Callable[[], bool]] = None) -> bool:
        """Open a clip or project (``FilesController.open_path``); False if it cannot be."""
        return self.files.open_path(path, ask_recover, ask_migrate)

    def set_document(self, doc: Document) -> None:
        if self.doc is not None:
            self.bg.cancel()
            self._close_when_idle(self.doc)     # its project's lock goes
        self.doc = doc
        self.gate.blocked = doc.session.edits_refused    # None until its clip is found changed
        self.source_changed = doc.session.edits_refused is not None
        self.review.set_redact_allowed(self.gate.why_not("redact"))
        self.playback.set_doc(doc)
        doc.frameChanged.connect(self.player.render)
        doc.modeChanged.connect(self.player.mode_changed)
        doc.projectChanged.connect(self._project_changed)
        doc.selectionChanged.connect(self._selection_changed)
        doc.coverageChanged.connect(self.review.show_coverage)
        doc.message.connect(lambda m: self.statusBar().showMessage(m, 4000))
        doc.error.connect(self.show_error)
        self.transport.set_clip(doc.frame_count)
        self.timeline.view.set_doc(doc)
        self.timeline.fit()
        self.review.set_doc(doc)
        self.speech.set_doc(doc)
        self.player.mode_changed(doc.mode)
        self._project_changed()
        self.jobs.start_bg()

    def close_document(self) -> bool:
        """Close the open clip (log out, switch user): unsaved edits are asked about when
        interactive (they are in the edit log either way). False if cancelled."""
        doc = self.doc
        if doc is None:
            return True
        if not self.files.may_close("closing it"):
            return False
        self.playback.pause()
        self.bg.cancel()
        self.bg.wait(5000)
        doc.save_coverage()
        self._close_when_idle(doc)      # its project's lock goes
        self.doc = None
        self.gate.blocked, self.source_changed = None, False
        self.store_clip_id = self.store_clip_name = self.store_clip = None
        self.playback.set_doc(None)
        self.timeline.view.set_doc(None)
        self.review.set_doc(None)
        self.speech.set_doc(None)
        self.view.set_frame(-1, None)
        self.view.set_tracks([], None)
        self.setWindowTitle(self.title_text())
        self.update_actions()
        return True

    def _close_when_idle(self, doc: Document) -> None:
        """Close ``doc`` (its project's lock goes, ADR 0015) once no job of this window is
        running: one cancelled but not yet ended may still read or write its project."""
        runners = (self.bg, self.runner)

        def ready() -> None:
            if any(r.busy for r in runners):
                return
            for r in runners:
                try:
                    r.idle.disconnect(ready)
                except (RuntimeError, TypeError):
                    pass
            doc.close()
        for r in runners:
            r.idle.connect(ready)
        ready()

    def _project_changed(self) -> None:
        self.setWindowTitle(self.title_text(self.doc_title()))
        self.timeline.view.project_changed()
        self.review.refresh()
        self.transcript.refresh()
        self.update_actions()
        self.player.render()
        self.jobs.thumb_timer.start()

    def _selection_changed(self, tid) -> None:
        self.timeline.show_row(tid)
        self.review.refresh()
        self.update_actions()
        self.player.render()

    def update_actions(self) -> None:
        """Each controller enables its actions for the open clip; then the role greys out
        what it does not allow."""
        for c in self.controllers:
            c.update_actions(self.doc is not None)
        self.gate.apply(self.a, self.doc.session if self.doc is not None else None)

    # -- messages --------------------------------------------------------------------------
    def doc_title(self) -> str:
        """The open clip as the officer knows it: a held clip by its original name and store
        id (its evidence copy is named by its hash), else the file and project names."""
        clip = self.store_clip
        if clip is None or not clip.name:
            return self.doc.title()
        return f"{clip.name} (clip {clip.id})" + (" *" if self.doc.session.dirty else "")

    def title_text(self, doc_title: Optional[str] = None) -> str:
        """The window title; "standalone, not for evidence" unless an enforced store under a
        machine policy (environment variables could otherwise point anywhere)."""
        text = "BWV Workstation" + (f" — {doc_title}" if doc_title else "")
        return f"{text} [{self.gate.label}]" if self.gate.label else text

    def show_error(self, msg: str) -> None:
        log.warning("%s", msg)
        self.statusBar().showMessage(msg, 8000)
        if self.interactive:
            QMessageBox.warning(self, "BWV Workstation", msg)

    # -- jobs, shutdown --------------------------------------------------------------------
    def wait_idle(self, ms: int = 30000) -> None:
        """Tests/screenshots: until the background loads and jobs are done (``JobsController``)."""
        self.jobs.wait_idle(ms)

    def shutdown(self) -> None:
        """Stop playback, timers and jobs (cancelled, then joined)."""
        self.playback.pause()
        self.jobs.thumb_timer.stop()
        if self.doc is not None:
            self.doc.autosave.stop()
        self.bg.shutdown()
        self.runner.shutdown()
        self.store.shutdown()
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
        if self.prefs.notice and not self._notice_shown:   # after the clip's own messages
            self._notice_shown = True     # a corrupt or out-of-range preferences file
            self.statusBar().showMessage(self.prefs.notice, 20000)
        if not self._restored_state:
            self._restored_state = True
            self._default_layout()

    def closeEvent(self, e) -> None:
        if not self.files.may_close("closing", discard=True):
            e.ignore()
            return
        self.shutdown()
        if self.doc is not None:
            self.doc.save_coverage()
        s = settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("state", self.saveState())
        s.setValue("size", self.size())
        s.sync()
        super().closeEvent(e)
