"""The main window's commands: editing slots, dialogs, jobs, preferences and theme.

A mixin of :class:`app.main_window.MainWindow` (split out to keep the composition root
small); it uses the window's ``doc``, ``runner``, ``review``, ``prefs`` and widgets.
"""
from __future__ import annotations

import importlib.util
import logging
import uuid
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from redaction import edits
from redaction.errors import BwvError
from redaction.model import Annotation, AudioRange

from .dialogs.export_dialog import ExportDialog
from .dialogs.preferences import PreferencesDialog
from .dialogs.small import AnnotationDialog, AudioRangeDialog
from .procjob import process_job
from .themes import THEMES, apply_theme

log = logging.getLogger("bwv.gui")


def policy_reasons(prefs) -> list[str]:
    """The decision reasons in force: the machine policy's list if it sets one, else the user's."""
    from redaction.policy import effective
    return list(effective("redaction_reasons", prefs.reasons))


def detect_available() -> bool:
    try:
        return importlib.util.find_spec("redaction.detect.job") is not None
    except (ImportError, ValueError):
        return False


class CommandsMixin:
    # -- editing ----------------------------------------------------------------------------
    def _decide(self, status: str) -> None:
        if self.doc is None:
            return
        reason = self.review.reason_text()
        if status != "accepted" and not reason:
            self.show_error("Give a reason for rejecting or keeping clear")
            return
        self.doc.decide(status, reason)

    def doc_set_start(self) -> None:
        self.doc.set_start()

    def _bulk(self, n: int) -> None:
        if n:   # 0: nothing matched, or refused (the service's message is already shown)
            self.statusBar().showMessage(f"{n} track(s) changed (one undo step)", 4000)

    def add_audio_range(self, start: float, end: float) -> None:
        d = AudioRangeDialog(self, start, end, self.doc.media.info.duration_s, policy_reasons(self.prefs))
        if not self.interactive or d.exec():
            s, e, mode, reason = d.values()
            self.doc.do(edits.AddAudioRange(AudioRange(s, e, mode, reason, id=f"a{uuid.uuid4().hex[:6]}")))

    def edit_audio_range(self, rid: str) -> None:
        r = next((r for r in self.doc.project.audio if r.id == rid), None)
        if r is None:
            return
        d = AudioRangeDialog(self, r.start, r.end, self.doc.media.info.duration_s, policy_reasons(self.prefs),
                             r.mode, r.reason, allow_delete=True)
        if d.exec():
            if d.deleted:
                self.doc.do(edits.DeleteAudioRange(rid))
            else:
                s, e, mode, reason = d.values()
                self.doc.do(edits.UpdateAudioRange(rid, s, e, mode, reason))

    def add_annotation(self, frame: int, end) -> None:
        d = AnnotationDialog(self, frame, end, self.prefs.annotation_categories)
        if not self.interactive or d.exec():
            self.doc.do(edits.AddAnnotation(Annotation(
                f"n{uuid.uuid4().hex[:6]}", frame, end, d.category.currentText(), d.note.text(), self.user)))

    def edit_annotation(self, nid: str) -> None:
        a = next((a for a in self.doc.project.annotations if a.id == nid), None)
        if a is None:
            return
        d = AnnotationDialog(self, a.frame, a.end_frame, self.prefs.annotation_categories,
                             a.category, a.note, allow_delete=True)
        if d.exec():
            cmds = [edits.DeleteAnnotation(nid)]
            if not d.deleted:
                cmds.append(edits.AddAnnotation(Annotation(nid, a.frame, a.end_frame, d.category.currentText(),
                                                           d.note.text(), self.user)))
            self.doc.do(edits.Batch(cmds, "edit annotation"))

    # -- file, jobs -----------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open clip or project", "",
                                              "Video or project (*.mp4 *.mov *.mkv *.avi *.bwvproj.json);;All files (*)")
        if path:
            self.open_path(path)

    def save(self) -> None:
        if self.doc is None:
            return
        try:
            self.doc.save()
            self.statusBar().showMessage(f"Saved {self.doc.session.path}", 4000)
        except BwvError as e:
            self.show_error(str(e))

    def export(self) -> Optional[ExportDialog]:
        if self.doc is None or self.runner.busy:
            return None
        self.playback.pause()
        d = ExportDialog(self, self.doc, self.runner, self.prefs.bases, self.prefs.organisation,
                         requests=self.open_requests(),
                         name=self.store_clip_name if self.store_clip_id is not None else None)
        if self.interactive:
            d.exec()
        return d

    def detect(self) -> None:
        if self.doc is None or not detect_available() or self.runner.busy:
            return
        from redaction.detect.factory import available_kinds
        from redaction.detect.job import DetectSettings, detect_job  # the detection issue's job
        path, sha = str(self.doc.session.source_path), self.doc.project.source.sha256
        settings = DetectSettings(kinds=available_kinds())
        if self.detect_in_process:  # keeps the GIL for the UI: stepping stays responsive
            factory = process_job(detect_job, path, settings, sha256=sha)
        else:
            factory = lambda cancel: detect_job(path, settings, cancel, sha256=sha)  # noqa: E731
        self.runner.start("detect", factory)
        self.runner.finished.connect(self._detected, Qt.SingleShotConnection)

    def _detected(self, result) -> None:
        if self.doc is None or result is None or not hasattr(result, "tracks"):
            return
        from redaction import services
        try:
            tracks = services.apply_detections(self.doc.session, result, self.user)
        except (BwvError, ValueError, KeyError) as e:
            self.show_error(f"detection results not added: {e}")
            return
        self.statusBar().showMessage(f"Detection added {len(tracks)} track(s) to review", 6000)

    def _job_started(self, name: str) -> None:
        self.job_label.setText(name.capitalize())
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.show()
        self._update_actions()

    def _job_progress(self, p) -> None:
        self.job_bar.setRange(0, max(1, p.total))
        self.job_bar.setValue(p.done)
        self.job_label.setText(f"{self.runner.name.capitalize()}: {p.message}")

    def _job_idle(self) -> None:
        for w in (self.job_label, self.job_bar, self.job_cancel):
            w.hide()
        self._update_actions()

    def show_error(self, msg: str) -> None:
        log.warning("%s", msg)
        self.statusBar().showMessage(msg, 8000)
        if self.interactive:
            QMessageBox.warning(self, "BWV Workstation", msg)

    def show_preferences(self) -> Optional[PreferencesDialog]:
        d = PreferencesDialog(self, self.prefs)
        if self.interactive and d.exec():
            self.apply_preferences(d)
        return d

    def apply_preferences(self, d: PreferencesDialog) -> None:
        try:
            d.apply()
        except BwvError as e:
            self.show_error(str(e))
            return
        apply_theme(QApplication.instance(), self.prefs.theme)
        self._set_icons()
        current = self.review.reason.currentText()
        self.review.reason.clear()
        self.review.reason.addItems(policy_reasons(self.prefs))
        self.review.reason.setCurrentText(current)
        if self.doc is not None:
            self.doc.autosave.setInterval(self.prefs.autosave_seconds * 1000)

    def cycle_theme(self) -> None:
        i = THEMES.index(self.prefs.theme) if self.prefs.theme in THEMES else 0
        self.prefs.theme = apply_theme(QApplication.instance(), THEMES[(i + 1) % len(THEMES)])
        self._set_icons()
        self.statusBar().showMessage(f"Theme: {self.prefs.theme}", 3000)
        try:
            self.prefs.save()
        except BwvError as e:
            log.warning("cannot save preferences: %s", e)
