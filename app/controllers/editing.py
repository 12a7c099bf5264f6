"""Editing: decisions, track edits, bulk decisions, boxes from the picture, audio ranges,
annotations, checks marked done, undo and redo. Every edit goes through ``Document.do``
(the service layer checks the user's right and logs it)."""
from __future__ import annotations

import uuid
from typing import Optional

from redaction import edits
from redaction.model import Annotation, AudioRange

from ..dialogs.small import AnnotationDialog, AudioRangeDialog
from . import Controller


def policy_reasons(prefs) -> list[str]:
    """The decision reasons in force: the machine policy's list if it sets one, else the user's."""
    from redaction.policy import effective
    return list(effective("redaction_reasons", prefs.reasons))


class EditingController(Controller):
    """Holds the window, the preferences (reasons, annotation categories), the review panel
    (reason text, bulk controls), the frame view and the timeline view (their intents)."""

    def __init__(self, win, prefs, review, view, timeline_view):
        super().__init__(win)
        self.prefs, self.review = prefs, review
        d = self.with_doc
        view.boxDrawn.connect(lambda box: d(lambda: self.doc.add_box(box))())
        view.boxEdited.connect(lambda tid, box: d(lambda: self.doc.set_box(tid, box))())
        view.trackClicked.connect(lambda tid: d(lambda: self.doc.select(tid))())
        tv = timeline_view
        tv.trackSelected.connect(lambda tid: d(lambda: self.doc.select(tid))())
        tv.audioRangeDrawn.connect(self.add_audio_range)
        tv.audioRangeAdjusted.connect(lambda rid, s, e: self.doc.do(edits.UpdateAudioRange(rid, s, e)))
        tv.audioRangeEdit.connect(self.edit_audio_range)
        tv.annotationDrawn.connect(self.add_annotation)
        tv.annotationEdit.connect(self.edit_annotation)
        review.checks.doneRequested.connect(self.mark_checks_done)
        review.kindRequested.connect(self.set_kind)
        review.acceptAllRequested.connect(self.accept_all)
        review.rejectShortRequested.connect(self.reject_short)

    def slots(self):
        d = self.with_doc
        return {
            "accept": lambda: self.decide("accepted"), "reject": lambda: self.decide("rejected"),
            "keep_clear": lambda: self.decide("keep_clear"),
            "add_note": d(lambda: self.add_annotation(self.doc.frame, None)),
            "undo": d(lambda: self.doc.undo()), "redo": d(lambda: self.doc.redo()),
            "set_start": d(lambda: self.doc.set_start()), "set_end": d(lambda: self.doc.set_end()),
            "split": d(lambda: self.doc.split()), "merge": d(lambda: self.doc.merge()),
            "delete": d(lambda: self.doc.delete_selected()),
        }

    def update_actions(self, has: bool) -> None:
        a = self.win.a
        sel = has and self.doc.selected_track() is not None
        for n in ("accept", "reject", "keep_clear", "set_start", "set_end", "split", "merge", "delete"):
            a[n].setEnabled(sel)
        a["add_note"].setEnabled(has)
        us, rs = (self.doc.session.undo_stack, self.doc.session.redo_stack) if has else ([], [])
        a["undo"].setEnabled(bool(us))
        a["redo"].setEnabled(bool(rs))
        if has:
            a["undo"].setText(f"&Undo {us[-1].describe()}" if us else "&Undo")
            a["redo"].setText(f"&Redo {rs[-1].describe()}" if rs else "&Redo")

    # -- decisions ---------------------------------------------------------------------------
    def decide(self, status: str) -> None:
        if self.doc is None:
            return
        reason = self.review.reason_text()
        if status == "accepted":
            t = self.doc.selected_track()
            reason = self.redact_reason(t.kind if t is not None else None)
            if reason is None:
                return
        elif not self.review.reason_chosen():
            # the reason box shows the stock reason to redact until the officer picks one:
            # leaving personal data unredacted needs a reason of its own
            self.win.show_error("Choose or type the reason for not redacting this track "
                                "(e.g. False detection) before Reject or Keep clear")
            self.review.reason.setFocus()
            return
        if self.doc.decide(status, reason) and status != "accepted":
            self.review.carry_reason()

    def redact_reason(self, kind: Optional[str]) -> Optional[str]:
        """The reason to record for redacting; None (refused, said) while the box still shows
        the reason just given for not redacting a track: "False detection" carried over to
        the next Accept went into the redaction list and the signed report. The stock reason
        for the kind is then shown, so Accept again records it."""
        carried = self.review.carried_reason()
        if carried is None:
            return self.review.reason_text()
        if kind:
            self.review.offer_reason_for(kind)
        self.win.show_error(f"\u201c{carried}\u201d is the reason you gave for not redacting the "
                            "last track: choose the reason for redacting this one"
                            + (" (the stock reason is now shown: Accept again to use it)"
                               if self.review.carried_reason() is None else ""))
        self.review.reason.setFocus()
        return None

    def set_kind(self, kind: str) -> None:
        if self.doc and self.doc.selected:
            self.doc.do(edits.SetKind(self.doc.selected, kind))

    def accept_all(self, kind: str) -> None:
        if self.doc:
            reason = self.redact_reason(kind)
            if reason is not None:
                self.bulk(self.doc.accept_all(kind, reason or f"All {kind} tracks redacted"))

    def reject_short(self, n: int) -> None:
        if self.doc:
            self.bulk(self.doc.reject_short(n, f"Shorter than {n} frames (likely false detection)"))

    def bulk(self, n: int) -> None:
        if n:   # 0: nothing matched, or refused (the service's message is already shown)
            self.status(f"{n} track(s) changed (one undo step)", 4000)

    def mark_checks_done(self, keys: list) -> None:
        if self.doc is None:
            return
        from ..dialogs import small   # looked up when called (tests replace ask_text)
        note = small.ask_text(self.win, "Mark checked", "What did you check, and what did you find? "
                        "(recorded in the edit log)")
        if note:
            self.doc.mark_checks_done(keys, note)

    # -- audio ranges, annotations -----------------------------------------------------------
    def add_audio_range(self, start: float, end: float) -> None:
        d = AudioRangeDialog(self.win, start, end, self.doc.media.info.duration_s,
                             policy_reasons(self.prefs))
        if not self.win.interactive or d.exec():
            s, e, mode, reason = d.values()
            self.doc.do(edits.AddAudioRange(AudioRange(s, e, mode, reason, id=self.doc.project.new_audio_id(),
                                                       decided_by=self.doc.user)))

    def edit_audio_range(self, rid: str) -> None:
        r = next((r for r in self.doc.project.audio if r.id == rid), None)
        if r is None:
            return
        d = AudioRangeDialog(self.win, r.start, r.end, self.doc.media.info.duration_s,
                             policy_reasons(self.prefs), r.mode, r.reason, allow_delete=True)
        if d.exec():
            if d.deleted:
                self.doc.do(edits.DeleteAudioRange(rid))
            else:
                s, e, mode, reason = d.values()
                self.doc.do(edits.UpdateAudioRange(rid, s, e, mode, reason))

    def add_annotation(self, frame: int, end) -> None:
        d = AnnotationDialog(self.win, frame, end, self.prefs.annotation_categories)
        if not self.win.interactive or d.exec():
            self.doc.do(edits.AddAnnotation(Annotation(
                f"n{uuid.uuid4().hex[:6]}", frame, end, d.category.currentText(), d.note.text(),
                self.win.user)))

    def edit_annotation(self, nid: str) -> None:
        a = next((a for a in self.doc.project.annotations if a.id == nid), None)
        if a is None:
            return
        d = AnnotationDialog(self.win, a.frame, a.end_frame, self.prefs.annotation_categories,
                             a.category, a.note, allow_delete=True)
        if d.exec():
            cmds = [edits.DeleteAnnotation(nid)]
            if not d.deleted:
                cmds.append(edits.AddAnnotation(Annotation(nid, a.frame, a.end_frame,
                                                           d.category.currentText(),
                                                           d.note.text(), self.win.user)))
            self.doc.do(edits.Batch(cmds, "edit annotation"))
