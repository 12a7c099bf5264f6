"""The transcript dock: the clip's words (from :mod:`redaction.speech`), searchable; select
words and redact them (mute or bleep, with a pad and a reason) through the same edit
commands as a range drawn on the waveform; personal details found in the words become
pending audio proposals, accepted, rejected or kept clear here with a reason.

A thin view: transcription is the engine's job (run by the window's job runner) and its
result goes into the project through ``services.add_transcript``, as ``bwv transcribe
--project`` does (app/controllers/speech.py); every other change is a command applied with
``Document.do`` (role-checked and logged).
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QHBoxLayout,
                               QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from redaction import edits
from redaction.speech import pii
from redaction.speech.transcript import (DEFAULT_PAD_S, AfterPicture, proposals, search,
                                         word_range)

STATUS_BG = {"pending": QColor(255, 176, 0, 110), "accepted": QColor(229, 57, 53, 110)}


class TranscriptPanel(QWidget):
    seekTime = Signal(float)            # seconds from the first frame
    transcribeRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Transcript")
        self.doc = None
        self.transcript = None
        self._listed = None             # the transcript whose words are listed
        self._marks: list = []          # each listed word's colour (None, pending, accepted)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.transcribe_btn = QPushButton("Transcribe", self)
        self.transcribe_btn.setToolTip("Transcribe the clip's speech offline (cached per clip) "
                                       "and propose the personal details found, as bwv "
                                       "transcribe --project does")
        self.transcribe_btn.clicked.connect(self.transcribeRequested)
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Search the words…")
        self.search_box.setAccessibleName("Search transcript")
        self.search_box.returnPressed.connect(self.find)
        self.status = QLabel("No transcript yet", self)
        self.status.setWordWrap(True)
        top.addWidget(self.transcribe_btn)
        top.addWidget(self.search_box, 1)
        lay.addLayout(top)
        lay.addWidget(self.status)
        self.words = QListWidget(self)
        self.words.setAccessibleName("Transcript words")
        self.words.setViewMode(QListView.IconMode)     # words flow and wrap like text
        self.words.setFlow(QListView.LeftToRight)
        self.words.setWrapping(True)
        self.words.setResizeMode(QListView.Adjust)
        self.words.setMovement(QListView.Static)
        self.words.setSpacing(1)
        self.words.setUniformItemSizes(False)
        self.words.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.words.itemClicked.connect(self._clicked)
        lay.addWidget(self.words, 3)
        row = QHBoxLayout()
        self.mode = QComboBox(self)
        self.mode.addItems(["mute", "bleep"])
        self.mode.setAccessibleName("Redaction mode")
        self.pad = QDoubleSpinBox(self)
        self.pad.setRange(0.0, 2.0)
        self.pad.setSingleStep(0.05)
        self.pad.setValue(DEFAULT_PAD_S)
        self.pad.setSuffix(" s pad")
        self.pad.setAccessibleName("Pad before and after the words")
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("Reason (required)")
        self.reason.setAccessibleName("Reason")
        self.redact_btn = QPushButton("Redact selected words", self)
        self.redact_btn.clicked.connect(self.redact_selected)
        for w in (self.mode, self.pad, self.reason):
            row.addWidget(w, 1 if w is self.reason else 0)
        row.addWidget(self.redact_btn)
        lay.addLayout(row)
        prow = QHBoxLayout()
        self.propose_btn = QPushButton("Propose personal details", self)
        self.propose_btn.setToolTip("UK phone numbers, postcodes, plates, dates of birth, e-mail "
                                    "addresses and digit sequences become pending audio ranges")
        self.propose_btn.clicked.connect(self.propose)
        prow.addWidget(self.propose_btn)
        self.decide_btns = {}
        for status, text in (("accepted", "Accept"), ("rejected", "Reject"),
                             ("keep_clear", "Keep clear")):
            b = QPushButton(text, self)
            b.clicked.connect(lambda _=False, s=status: self.decide(s))
            prow.addWidget(b)
            self.decide_btns[status] = b
        lay.addLayout(prow)
        self.proposals = QListWidget(self)
        self.proposals.setAccessibleName("Audio proposals")
        self.proposals.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.proposals.itemClicked.connect(self._proposal_clicked)
        lay.addWidget(self.proposals, 1)
        self._refresh_buttons()

    # -- data -----------------------------------------------------------------------------
    def set_doc(self, doc) -> None:
        self.doc = doc
        self.transcript = None
        self.refresh()

    def set_transcript(self, t) -> None:
        self.transcript = t
        self.refresh()

    def refresh(self) -> None:
        self.proposals.clear()
        t = self.transcript
        if t is not self._listed:      # the words are listed once per transcript: an edit
            self.words.clear()         # only recolours them (a long clip's thousands of
            self._listed, self._marks = t, []    # words took seconds per edit to rebuild)
            for i, w in enumerate(t.words if t is not None else []):
                it = QListWidgetItem(w.word)
                it.setData(Qt.UserRole, i)
                it.setToolTip(f"word {i} · {w.start:.2f}–{w.end:.2f} s · confidence {w.confidence:.2f}")
                self.words.addItem(it)
                self._marks.append(None)
        if t is None:
            self.status.setText("No transcript yet: Transcribe (offline, cached per clip)")
        else:
            self.status.setText(f"{len(t.words)} words · {t.engine}")
            self._mark_words(t)
        if self.doc:
            for r in self.doc.project.audio:
                if r.origin != "auto" and r.words is None:
                    continue
                label = pii.LABELS.get(r.kind, "words") if r.kind else "words"
                it = QListWidgetItem(f"{r.id}  {label}  {r.start:.2f}–{r.end:.2f} s  {r.mode}  "
                                     f"[{r.status.replace('_', ' ')}]")
                it.setData(Qt.UserRole, r.id)
                it.setToolTip(r.reason)
                if r.status in STATUS_BG:
                    it.setBackground(QBrush(STATUS_BG[r.status]))
                self.proposals.addItem(it)
        self._refresh_buttons()

    def _mark_words(self, t) -> None:
        """Colour each word a range covers: amber while any is pending, else red."""
        ranges = [r for r in (self.doc.project.audio if self.doc else []) if r.status in STATUS_BG]
        for i, w in enumerate(t.words):
            hit = [r.status for r in ranges if w.start < r.end and w.end > r.start]
            mark = ("pending" if "pending" in hit else "accepted") if hit else None
            if mark != self._marks[i]:
                self._marks[i] = mark
                self.words.item(i).setBackground(QBrush(STATUS_BG[mark]) if mark else QBrush())

    def _refresh_buttons(self) -> None:
        has = self.transcript is not None and self.doc is not None
        for b in (self.redact_btn, self.propose_btn, *self.decide_btns.values()):
            b.setEnabled(has)
        self.search_box.setEnabled(has)
        self.transcribe_btn.setEnabled(self.doc is not None)

    # -- actions -------------------------------------------------------------------------
    def find(self) -> int:
        """Select every match of the search text; returns how many."""
        if self.transcript is None:
            return 0
        hits = search(self.transcript, self.search_box.text())
        self.words.clearSelection()
        for a, b in hits:
            for i in range(a, b + 1):
                self.words.item(i).setSelected(True)
        if hits:
            self.words.scrollToItem(self.words.item(hits[0][0]))
            self.seekTime.emit(self.transcript.words[hits[0][0]].start)
        self.status.setText(f"{len(hits)} match(es) for “{self.search_box.text()}”")
        return len(hits)

    def selected_span(self) -> Optional[tuple[int, int]]:
        idx = sorted(self.words.row(it) for it in self.words.selectedItems())
        return (idx[0], idx[-1]) if idx else None

    def redact_selected(self) -> bool:
        span = self.selected_span()
        if span is None or self.doc is None:
            self.status.setText("Select words first")
            return False
        reason = self.reason.text().strip()
        if not reason:
            self.status.setText("Give a reason for the redaction")
            self.reason.setFocus()
            return False
        try:
            r = word_range(self.transcript, self.doc.project, *span,
                           mode=self.mode.currentText(), reason=reason, pad=self.pad.value())
        except AfterPicture as e:       # the export leaves that audio out: nothing to redact
            self.status.setText(f"Not redacted: {e}; the export leaves that audio out.")
            return False
        r.decided_by = self.doc.user
        ok = self.doc.do(edits.AddAudioRange(r))
        if ok:
            self.status.setText(f"{r.id}: {r.mode} {r.start:.2f}–{r.end:.2f} s")
        return ok

    def propose(self) -> int:
        if self.doc is None or self.transcript is None:
            return 0
        dropped: list[str] = []
        rs = proposals(self.transcript, self.doc.project, mode=self.mode.currentText(),
                       dropped=dropped)
        if rs and not self.doc.do(edits.AddAudioRanges(rs, f"transcript ({self.transcript.engine})")):
            return 0
        self.proposed(rs, dropped)
        return len(rs)

    def proposed(self, rs: list, dropped: list[str]) -> None:
        """Say what was proposed (here or by Transcribe) and what was not."""
        if rs:
            text = f"{len(rs)} proposal(s) added, pending review."
        else:
            text = ("No new spoken details found. The search finds phone numbers, postcodes, "
                    "vehicle registrations, e-mail addresses, dates of birth, National "
                    "Insurance numbers and long digit "
                    "runs; names and street addresses are not found: listen, select the words "
                    "and use Redact selected words.")
        if dropped:
            text += " Not proposed: " + "; ".join(dropped)
        self.status.setText(text)

    def decide(self, status: str) -> bool:
        ids = [it.data(Qt.UserRole) for it in self.proposals.selectedItems()]
        reason = self.reason.text().strip()
        if not ids or not reason:
            self.status.setText("Select proposals and give a reason")
            return False
        return self.doc.do(edits.SetAudioStatus(ids, status, reason, self.doc.user))

    def _clicked(self, it) -> None:
        if self.transcript is not None:
            self.seekTime.emit(self.transcript.words[it.data(Qt.UserRole)].start)

    def _proposal_clicked(self, it) -> None:
        r = next((r for r in self.doc.project.audio if r.id == it.data(Qt.UserRole)), None)
        if r is not None:
            self.seekTime.emit(r.start)
