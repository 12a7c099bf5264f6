"""Jobs: export and detection in the user-job runner (with the status bar's progress,
label and Cancel), and the background loads of an opened clip in the background runner
(picture strip, then the sha256 check, waveform and track crops)."""
from __future__ import annotations

import importlib.util
import time
from typing import Optional

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QToolButton

from redaction.errors import BwvError

from .. import background
from ..dialogs.export_dialog import ExportDialog
from ..procjob import process_job
from . import Controller


def detect_available() -> bool:
    try:
        return importlib.util.find_spec("redaction.detect.job") is not None
    except (ImportError, ValueError):
        return False


def progress_text(p, frames: bool) -> str:
    """'detecting, frame 120 of 377, about 2 min left': the frames (``frames``: a job that
    counts frames, as detection does; transcription counts per cent) and the time when known."""
    text = p.message or "working"
    if frames and p.total > 0:
        text += f", frame {p.done} of {p.total}"
    if p.eta_s is not None and p.done < p.total:
        eta = max(0.0, p.eta_s)
        text += f", about {eta:.0f} s left" if eta < 90 else f", about {eta / 60:.0f} min left"
    return text


class JobsController(Controller):
    """Holds the window, the user-job runner (export, detection), the background runner,
    the preferences (bases, organisation), the playback clock (paused for an export), the
    frame view, the timeline view and the review panel (results of the loads)."""

    def __init__(self, win, runner, bg, prefs, playback, view, timeline_view, review):
        super().__init__(win)
        self.runner, self.bg, self.prefs, self.playback = runner, bg, prefs, playback
        self.view, self.timeline_view, self.review = view, timeline_view, review
        self.thumb_timer = QTimer(self, singleShot=True, interval=800, timeout=self.load_crops)
        runner.started.connect(self.job_started)
        runner.progress.connect(self.job_progress)
        runner.idle.connect(self.job_idle)
        runner.cancelled.connect(self.job_cancelled)
        runner.failed.connect(lambda m: win.show_error(m))
        bg.finished.connect(self.bg_loaded)
        # connected once, filtered by the job's name: a one-shot connection made per run
        # outlived a cancelled run and applied the next run's result a second time
        runner.finished.connect(self._job_finished)

    def slots(self):
        return {"export": self.export, "detect": self.detect}

    def update_actions(self, has: bool) -> None:
        a = self.win.a
        a["export"].setEnabled(has)
        if has:
            pend = [t for t in self.doc.project.pending() if t.origin == "auto"]
            a["export"].setToolTip(
                f"{len(pend)} detected track(s) pending: export needs decisions or a logged override"
                if pend else "Export the redacted video with its manifest (Ctrl+E)")
        ok = detect_available()
        a["detect"].setEnabled(has and ok and not self.runner.busy)
        if not ok:
            a["detect"].setToolTip("Automatic detection is not installed in this build")

    def wait_idle(self, ms: int = 30000) -> None:
        """Tests/screenshots: let background loads finish and deliver their results (the
        strip's job starts the media job when it ends: wait until both runners stay idle)."""
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            for r in (self.bg, self.runner):
                r.wait(max(1, int((deadline - time.monotonic()) * 1000)))
            QApplication.processEvents()
            QApplication.processEvents()
            if not (self.bg.busy or self.runner.busy):
                break

    def build_status(self, sb) -> None:
        """The job's label, progress bar and Cancel in the status bar (hidden when idle)."""
        self.job_label = QLabel("", self.win)
        self.job_bar = QProgressBar(self.win)
        self.job_bar.setMaximumWidth(220)
        self.job_bar.setAccessibleName("Background job progress")
        self.job_cancel = QToolButton(self.win)
        self.job_cancel.setText("Cancel")
        self.job_cancel.setAccessibleName("Cancel background job")
        self.job_cancel.clicked.connect(self.cancel_job)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
            sb.addPermanentWidget(w)

    # -- user jobs ---------------------------------------------------------------------------
    def export(self) -> Optional[ExportDialog]:
        win = self.win
        if self.doc is None or self.runner.busy:
            return None
        self.playback.pause()
        d = ExportDialog(win, self.doc, self.runner, self.prefs.bases, self.prefs.organisation,
                         requests=win.store.open_requests(self.doc.project.source.sha256),
                         name=win.store_clip_name if win.store_clip_id is not None else None)
        d.exported.connect(win.store.refresh_library)    # its register and requests
        if win.interactive:
            d.exec()
        return d

    def detect(self) -> None:
        if self.doc is None or not detect_available() or self.runner.busy:
            return
        from redaction.detect.factory import available_kinds
        from redaction.detect.job import DetectSettings, detect_job  # the detection issue's job
        path, sha = str(self.doc.session.source_path), self.doc.project.source.sha256
        settings = DetectSettings(kinds=available_kinds())
        if self.win.detect_in_process:  # keeps the GIL for the UI: stepping stays responsive
            factory = process_job(detect_job, path, settings, sha256=sha)
        else:
            factory = lambda cancel: detect_job(path, settings, cancel, sha256=sha)  # noqa: E731
        self.runner.start("detect", factory)

    def _job_finished(self, result) -> None:
        if self.runner.name == "detect":
            self.detected(result)

    def detected(self, result) -> None:
        if self.doc is None or result is None or not hasattr(result, "tracks"):
            return
        from redaction import services
        try:
            tracks = services.apply_detections(self.doc.session, result, self.win.user)
        except (BwvError, ValueError, KeyError) as e:
            self.win.show_error(f"detection results not added: {e}")
            return
        again = self.doc.session.project.extra.get("detection", {}).get("already_decided", 0)
        self.status(f"Detection added {len(tracks)} track(s) to review"
                    + (f"; {again} not proposed again (already decided)" if again else ""), 6000)

    def job_started(self, name: str) -> None:
        self._cancelling = False
        self.job_label.setText(f"{name.capitalize()}: starting…")   # (detectors loading: seconds)
        self.job_cancel.setEnabled(True)
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.show()
        self.win.update_actions()

    def cancel_job(self) -> None:
        """Cancel: said at once (a detection child process may take seconds to stop)."""
        if not self.runner.busy:
            return
        self._cancelling = True
        self.job_cancel.setEnabled(False)
        self.job_label.setText(f"{self.runner.name.capitalize()}: cancelling…")
        self.runner.cancel()

    def job_cancelled(self) -> None:
        self.status(f"{(self.runner.name or 'job').capitalize()} cancelled: nothing was added "
                    "or written", 8000)

    def job_progress(self, p) -> None:
        self.job_bar.setRange(0, max(1, p.total))
        self.job_bar.setValue(p.done)
        if not getattr(self, "_cancelling", False):
            text = progress_text(p, frames=self.runner.name == "detect")
            self.job_label.setText(f"{self.runner.name.capitalize()}: {text}")

    def job_idle(self) -> None:
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
        self.win.update_actions()

    # -- background loads --------------------------------------------------------------------
    def start_bg(self) -> None:
        """The picture strip first (a job of its own), then the sha256 check, the waveform and
        the track crops (``bg_loaded`` starts that when the strip is in)."""
        path = str(self.doc.media.path)
        self.bg.start("strip", lambda cancel: background.strip_first_job(path, 60, cancel))

    def start_media_bg(self) -> None:
        doc = self.doc
        items = background.crop_items(doc.project, set(self.review.icons))
        path, sha = str(doc.media.path), doc.project.source.sha256
        held = self.win.store_clip
        if held is not None and held.sha256 == sha:
            sha = ""          # the library's open job hashed this file just now: not twice
        self.bg.start("media", lambda cancel: background.clip_media_job(path, 0, items, cancel, sha))

    def load_crops(self) -> None:
        if self.doc is None or self.bg.busy:
            return
        items = background.crop_items(self.doc.project, set(self.review.icons))
        if items:
            path = str(self.doc.media.path)
            self.bg.start("crops", lambda cancel: background.crops_job(path, items, cancel))

    def bg_loaded(self, result) -> None:
        if not result or self.doc is None:
            return
        if result.get("path") not in (None, str(self.doc.media.path)):
            return     # a late result of the clip open before (its signal was queued)
        if "strip" in result:
            self.timeline_view.set_thumbs(result["strip"])
            if "envelope" not in result:
                self.start_media_bg()
                return
        if "envelope" in result:
            self.timeline_view.set_envelope(result["envelope"])
        if result.get("source_ok") is False:
            self.win.source_changed = True
            self.doc.session.source_changed(str(result.get("sha256") or ""))
            self.win.gate.blocked = self.doc.session.edits_refused
            self.win.store.show_status()                  # the review panel greys its edits
            self.win.player.mode_changed(self.doc.mode)   # no drawing on the picture
            self.view.set_banner("SOURCE CLIP HAS CHANGED since the project was made: its sha256 "
                                 "does not match; boxes may be wrong, edits and export refused")
            self.win.update_actions()
            self.win.show_error(f"{self.doc.session.source_path}: the clip's sha256 does not match "
                                "the project's; edits and export are refused")
        self.review.set_icons(result.get("crops", {}))
        if background.crop_items(self.doc.project, set(self.review.icons)):
            self.thumb_timer.start()
