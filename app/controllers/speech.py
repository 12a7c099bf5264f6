"""Speech: the transcript dock's job (transcription runs in the user-job runner as an engine
job) and showing a transcript in the panel (app/transcript/panel.py) and the timeline's
words lane; a transcript made before (cached per clip) shows when the clip opens."""
from __future__ import annotations

from . import Controller


class SpeechController(Controller):
    """Holds the window, the user-job runner, the transcript panel and its dock, the
    timeline view (words lane) and the playback controller (seeking to a word)."""

    def __init__(self, win, runner, panel, dock, timeline_view, player):
        super().__init__(win)
        self.runner, self.panel, self.dock, self.timeline_view = runner, panel, dock, timeline_view
        panel.transcribeRequested.connect(self.transcribe)
        panel.seekTime.connect(player.seek_time)
        # connected once, filtered by the job's name: a one-shot connection made per run
        # outlived a cancelled or failed run and took the next job's result (an export's)
        runner.finished.connect(self._job_finished)

    def set_doc(self, doc) -> None:
        self.panel.set_doc(doc)
        self.timeline_view.transcript = None
        if doc is not None:     # a transcript made before (cached per clip) shows at once
            from redaction.speech.job import cached
            t = cached(doc.project.source.sha256, self.engine())
            if t is not None:
                self.show_transcript(t)

    def engine(self):
        """The engine whose transcript the project's word numbers refer to (recorded by
        ``bwv transcribe --project`` or ``add-audio --words``), else None: the best one."""
        from redaction.speech.transcript import recorded_engine
        return recorded_engine(self.doc.project) if self.doc is not None else None

    def show_transcript(self, t) -> None:
        self.panel.set_transcript(t)
        self.timeline_view.transcript = t
        self.timeline_view.project_changed()

    def transcribe(self) -> bool:
        if self.doc is None or self.runner.busy:
            return False
        from redaction import services
        session, user, engine = self.doc.session, self.doc.user, self.engine()
        return self.runner.start("transcribe", lambda cancel: services.transcription_job(
            session, user, cancel, engine=engine))

    def _job_finished(self, result) -> None:
        if self.runner.name == "transcribe":
            self.transcribed(result)

    def transcribed(self, t) -> None:
        from redaction.speech.transcript import Transcript
        if self.doc is not None and isinstance(t, Transcript) and \
                t.source_sha256 == self.doc.project.source.sha256:
            self.show_transcript(t)
            self.dock.raise_()
            self.status(f"Transcript: {len(t.words)} words ({t.engine})", 5000)
            self.add_to_project(t)

    def add_to_project(self, t) -> None:
        """As ``bwv transcribe --project``, through the same service: the proposals and the
        project's record of the transcript (one undo step), then the ``transcribe`` entry.
        A role that may not redact sees the transcript only (nothing recorded)."""
        if not self.win.gate.allowed("redact"):
            self.panel.status.setText(f"{len(t.words)} words · {t.engine} (not recorded in "
                                      "the project: your role may not redact)")
            return
        from redaction import services
        from redaction.errors import BwvError
        try:
            res = services.add_transcript(self.doc.session, t, self.doc.user,
                                          self.panel.mode.currentText())
        except (BwvError, ValueError, KeyError) as e:
            self.win.show_error(f"transcript not recorded in the project: {e}")
            return
        self.panel.proposed(res.added, res.dropped)
