"""The window's transcript dock and its job (a mixin of MainWindow, kept apart to keep the
window small): transcription runs in the window's job runner as an engine job; the panel
(app/transcript/panel.py) and the timeline's words lane show the result."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from .transcript.panel import TranscriptPanel


class SpeechMixin:
    def _build_transcript_dock(self) -> None:
        self.transcript = TranscriptPanel(self)
        d = QDockWidget("Transcript", self)
        d.setObjectName("dock_transcript")
        d.setWidget(self.transcript)
        d.setAccessibleName("Transcript dock")
        self.addDockWidget(Qt.RightDockWidgetArea, d)
        self.tabifyDockWidget(self.dock_review, d)
        self.dock_review.raise_()
        self.dock_transcript = d
        self.transcript.transcribeRequested.connect(self.transcribe)
        self.transcript.seekTime.connect(self._seek_time)

    def _transcript_set_doc(self, doc) -> None:
        self.transcript.set_doc(doc)
        self.timeline.view.transcript = None
        if doc is not None:     # a transcript made before (cached per clip) shows at once
            from redaction.speech.job import cached
            t = cached(doc.project.source.sha256)
            if t is not None:
                self._show_transcript(t)

    def _show_transcript(self, t) -> None:
        self.transcript.set_transcript(t)
        self.timeline.view.transcript = t
        self.timeline.view.project_changed()

    def transcribe(self) -> bool:
        if self.doc is None or self.runner.busy:
            return False
        from redaction.speech.job import transcribe_job
        path, sha = self.doc.session.source_path, self.doc.project.source.sha256
        if not self.runner.start("transcribe", lambda cancel: transcribe_job(path, cancel,
                                                                              sha256=sha)):
            return False
        self.runner.finished.connect(self._transcribed, Qt.SingleShotConnection)
        return True

    def _transcribed(self, t) -> None:
        if self.doc is not None and t is not None and t.source_sha256 == self.doc.project.source.sha256:
            self._show_transcript(t)
            self.dock_transcript.raise_()
            self.statusBar().showMessage(f"Transcript: {len(t.words)} words ({t.engine})", 5000)

    def _seek_time(self, t: float) -> None:
        if self.doc is not None:
            self._seek(self.doc.media.index_at_time(t))
