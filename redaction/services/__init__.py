"""The engine's use cases: each checks the role (:mod:`redaction.access`) before it acts,
and a refusal is audited there. The CLI and the GUI call these; neither checks roles itself.

* :mod:`.editing` - any project command (``edit``), undo/redo, save, decisions (``decide``)
* :mod:`.evidence` - import (a job), classify, open a held clip, case notes and files
* :mod:`.disclosure` - export for disclosure (four-eyes), requests, approvals, the register
* :mod:`.retention_jobs` - retention runs (a job), the retention review, MoPI reviews,
  capture times
* :mod:`.gate` - ``authorise``: the one call for actions that are not a use case here
  (probe, verify, detect, opening a dialog)
"""
from __future__ import annotations

from .disclosure import (ExportPermit, RequestRef, approve_request, audit_anchor, authorise_export,
                         close_request, create_request, extend_request, finish_export,
                         disclosure_register, DisclosureEntry, four_eyes_required,
                         internal_review_allowed, link_clips, record_disclosure)
from .editing import (EditResult, TranscriptAdded, add_transcript, apply_detections, decide, edit,
                      open_for_review, redo, right_for, save, save_right, transcription_job,
                      undo)
from .evidence import (CaseRef, FileRef, ImportResult, NoteRef, add_case_file, annotate_case, classify, create_case,
                       import_clip, import_job, open_clip)
from .gate import authorise, authorise_user, log_out
from .views import (BatchState, CaseRow, ClipRow, Extension, RequestRow, batch_states, library,
                    request_row, requests)
from .retention_jobs import (CaptureTime, RetentionClip, RetentionOverview, RetentionResult,
                             record_review, retention_job, retention_overview, set_capture_time)

__all__ = [
    "library", "requests", "request_row", "CaseRow", "ClipRow", "RequestRow", "BatchState",
    "Extension",
    "authorise", "authorise_user",
    "library", "requests", "request_row", "CaseRow", "ClipRow", "RequestRow", "BatchState",
    "Extension", "log_out", "batch_states",
    "edit", "undo", "redo", "save", "save_right", "open_for_review", "decide", "right_for", "EditResult", "apply_detections", "transcription_job", "add_transcript", "TranscriptAdded",
    "import_job", "import_clip", "ImportResult", "classify", "open_clip", "create_case",
    "annotate_case", "add_case_file", "CaseRef", "NoteRef", "FileRef",
    "authorise_export", "audit_anchor", "ExportPermit", "four_eyes_required", "internal_review_allowed",
    "finish_export", "record_disclosure", "RequestRef",
    "create_request", "approve_request", "extend_request", "link_clips", "close_request",
    "retention_job", "RetentionResult", "record_review",
    "retention_overview", "RetentionOverview", "RetentionClip", "set_capture_time", "CaptureTime",
    "disclosure_register", "DisclosureEntry",
]
