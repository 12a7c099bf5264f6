"""What the library's views share: colours, labels, the countdown texts, a read-only cell."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidgetItem

OVERDUE = QColor("#8b1a1a")
DUE_SOON = QColor("#7a5a00")
CLASS_LABELS = {"evidential": "Evidential", "non_evidential": "Non-evidential",
                "unclassified": "Unclassified"}


def retention_text(clip: dict, today: Optional[dt.date] = None) -> str:
    """The countdown shown for a clip: days to erasure, MoPI review date, or a flag."""
    if clip.state != "present":
        return f"{clip.state} ({clip.erasure_rule or 'retention'})"
    cls = clip.classification
    if cls == "non_evidential":
        n = clip.erase_in_days
        if n is None:
            return ""
        hold = getattr(clip, "retention_hold", None)
        if n == 0 and hold:       # due, but kept (an open request, a guessed capture time)
            return hold
        if clip.capture_guessed:  # retention holds it until a supervisor confirms
            return ("held: capture time not confirmed" if n == 0
                    else f"erased in {n} day{'s' if n != 1 else ''} (capture time guessed)")
        return "erasure due now" if n == 0 else f"erased in {n} day{'s' if n != 1 else ''}"
    if cls == "evidential":
        due = clip.review_due
        if not due:
            return "MoPI review"
        d = dt.date.fromisoformat(due[:10])
        left = (d - (today or dt.datetime.now(dt.timezone.utc).date())).days
        return f"MoPI review {d.isoformat()}" + (" (due)" if left <= 0 else f" (in {left} days)")
    return "unclassified: classify it"


def batch_text(clip: dict) -> str:
    """The clip's latest `bwv batch detect` job: queued, running, done (tracks), failed."""
    b = clip.batch
    if not b:
        return ""
    if b.status == "done":
        return f"done: {b.tracks} track(s)" if b.tracks is not None else "done"
    if b.status == "running" and (b.attempts or 0) > 1:
        return f"running (attempt {b.attempts})"
    if b.status == "failed":
        return "failed: " + (b.error or "").splitlines()[0][:80] if b.error else "failed"
    return b.status


def batch_tip(b: dict) -> str:
    lines = [f"Batch {b.batch} on {b.executor or '?'}, queued {(b.queued or '')[:16]}"
             f" by {b.by or '?'}"]
    if b.worker:
        lines.append(f"Worker {b.worker}, attempt(s) {b.attempts or 0}")
    if b.project:
        lines.append(f"Project {b.project}")
    if b.error:
        lines.append(f"Error: {b.error}")
    return "\n".join(lines)


def request_due_text(r: dict) -> str:
    n = r.days_left
    if r.due is None or n is None:
        return ""
    if r.status != "open":
        return ""
    return f"OVERDUE by {-n} day(s)" if n < 0 else ("due today" if n == 0 else f"{n} day(s)")


def item(text, tip: str = "") -> QTableWidgetItem:
    it = QTableWidgetItem("" if text is None else str(text))
    it.setFlags(it.flags() & ~Qt.ItemIsEditable)
    if tip:
        it.setToolTip(tip)
    return it

