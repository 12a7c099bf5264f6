"""The library browser (Library menu): the disclosure flow over the case store.

One window, one tab per view (each its own module):

* ``clips_view``: cases and clips, classification and the retention countdown; import
  clips into a case (a job with progress and cancel; a truncated clip is refused unless
  accepted, logged).
* ``requests_view``: due dates (overdue highlighted) and details; create, link clips,
  extend (with the reason), approve for export (supervisor, four-eyes), close (outcome).
* ``register_view``: every export entered for a request (date, recipient, organisation,
  basis, sha256, path), all requests or one.
* ``retention_view``: the clips due for erasure (and those held), the evidential clips due
  for MoPI review, guessed capture times to confirm or correct, and a retention run.
* ``jobs``: the message line and the library's job (import, retention) with Cancel.
* ``batch_poll``: while a clip's batch job is queued or running, its "Batch detection"
  cell follows the batch (re-read every few seconds, off the UI thread).

Reads come from :mod:`redaction.services` (typed rows: services.views; role-checked,
consultations logged); every change is a :mod:`redaction.services` call, which checks the
role and audits a refusal. The views check no role: they only grey out what the role does
not allow (:class:`app.access_ui.Gate`, with the reason as tooltip) and show the service's
refusal (who may do it) when an action is reached anyway. Opening a clip asks the window to
open the verified evidence file (a job: ``api.open_clip_job`` re-hashes it off the UI thread
and outside any transaction, and refuses a clip that changed).
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from redaction.errors import BwvError

from ..worker import JobRunner
from .batch_poll import BatchPoll
from .clips_view import ClipsView
from .common import CLASS_LABELS, DUE_SOON, OVERDUE, request_due_text, retention_text  # noqa: F401
from .jobs import JobRow
from .register_view import RegisterView
from .requests_view import RequestsView
from .retention_view import RetentionView

VIEWS = ("clips_view", "requests_view", "register_view", "retention_view", "job_row")


class LibraryWindow(QWidget):
    """A separate window over the case store for the acting ``user``. The views' widgets
    and actions are reachable as its attributes (``lib.req_table``, ``lib.new_request()``):
    the window's Library menu and the tests drive them so."""

    def __init__(self, parent, user: str, open_clip: Callable[..., bool],
                 on_error: Callable[[str], None], gate=None):
        super().__init__(parent, Qt.Window)
        self.setWindowTitle("BWV Workstation — Library")
        self.setAccessibleName("Library")
        self.setObjectName("LibraryWindow")
        self.user, self._open_clip, self._on_error = user, open_clip, on_error
        self.gate = gate
        self.interactive = getattr(parent, "interactive", True)
        self.cases: list[dict] = []
        self.overview = None
        self.form = None                 # the last form opened (tests fill it in)
        self.runner = JobRunner(self)    # import and retention runs
        self.batch_poll = BatchPoll(self)  # follows a running batch while visible
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel("", self)
        top.addWidget(self.summary, 1)
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        v.addLayout(top)
        self.tabs = QTabWidget(self)
        v.addWidget(self.tabs, 1)
        self.clips_view = ClipsView(self)
        self.requests_view = RequestsView(self)
        self.register_view = RegisterView(self)
        self.retention_view = RetentionView(self)
        for view, title in ((self.clips_view, "Cases and clips"),
                            (self.requests_view, "Requests"),
                            (self.register_view, "Disclosure register"),
                            (self.retention_view, "Retention")):
            self.tabs.addTab(view, title)
        self.job_row = JobRow(self)
        v.addLayout(self.job_row)
        self.resize(1100, 640)
        self._update_buttons()

    def __getattr__(self, name: str):
        """The views' widgets and actions, as attributes of the window."""
        d = self.__dict__
        for view in VIEWS:
            obj = d.get(view)
            if obj is not None and hasattr(obj, name):
                return getattr(obj, name)
        raise AttributeError(name)

    # -- roles, messages, forms ------------------------------------------------------------
    def why_not(self, right: str) -> Optional[str]:
        """None if the role allows ``right`` (for greying out only: the services decide)."""
        return self.gate.why_not(right) if self.gate is not None else None

    def _gated(self, button, right: str, tip: str, enabled: bool = True) -> None:
        why = self.why_not(right)
        button.setEnabled(enabled and why is None)
        button.setToolTip(tip if why is None else f"Not allowed: {why}")

    def say(self, text: str, error: bool = False) -> None:
        """The outcome of the last action, in the window (errors also to the main window)."""
        msg = self.job_row.message
        msg.setStyleSheet("color: #ff6b6b" if error else "")
        msg.setText(text)
        if error:
            self._on_error(text)

    def _service(self, fn, *args, **kw):
        """Call a service; a refusal or bad value is shown and None returned."""
        try:
            return fn(*args, **kw)
        except BwvError as e:
            self.say(str(e), error=True)
            return None

    def _open_form(self, form):
        self.form = form
        if self.interactive:
            form.exec()
        else:
            form.show()
        return form

    # -- loading -------------------------------------------------------------------------
    def refresh(self) -> bool:
        from redaction import services
        req = self.requests_view.selected_request()
        try:
            self.cases = services.library(self.user)
            self.overview = services.retention_overview(self.user)
            all_requests = services.requests(self.user, include_closed=True)
        except BwvError as e:
            self._on_error(str(e))
            return False
        self.clips_view.fill(self.cases)
        self.retention_view.fill(self.overview)
        self.register_view.fill_filter(all_requests)
        self.register_view.load()
        self.requests_view.load()
        if req is not None:
            self.requests_view.select_request(req.id)
        n = sum(len(c.clips) for c in self.cases)
        self.summary.setText(f"{len(self.cases)} case(s), {n} clip(s), "
                             f"{len(self.requests_view.requests)} request(s) shown · "
                             f"acting as {self.user}")
        self._update_buttons()
        self.batch_poll.follow()
        return True

    def showEvent(self, e) -> None:
        super().showEvent(e)
        self.batch_poll.follow()

    def hideEvent(self, e) -> None:
        super().hideEvent(e)
        self.batch_poll.follow()        # hidden: stops

    def shutdown(self) -> None:
        """Cancel and join the library's jobs and its batch poll."""
        self.batch_poll.shutdown()
        self.runner.shutdown()

    def _update_buttons(self) -> None:
        """Enable what the selection and the role allow (the reason as tooltip otherwise)."""
        if "job_row" not in self.__dict__:
            return                      # still being built
        busy = self.runner.busy
        self.clips_view.update_buttons(busy)
        self.requests_view.update_buttons()
        self.retention_view.update_buttons(busy)

    def clip(self, clip_id: int) -> Optional[dict]:
        return next((x for c in self.cases for x in c.clips if x.id == clip_id), None)

    def present_clips(self) -> list[dict]:
        return [x for c in self.cases for x in c.clips if x.state == "present"]
