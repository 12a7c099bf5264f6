"""Project edits: every change to a project, from the CLI or the GUI, goes through
:func:`edit` (or :func:`undo`/:func:`redo`), which checks the role the command needs.

Annotations need ``annotate`` (a reviewer may add notes); every other command (tracks,
boxes, decisions, audio ranges, kinds, style, checks) needs ``redact``. A refusal raises
PermissionDenied (audited) and leaves the project unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .. import edits
from ..session import ProjectSession
from .gate import authorise

ANNOTATION_COMMANDS = (edits.AddAnnotation, edits.DeleteAnnotation)


def right_for(cmd: edits.Command) -> str:
    """The access right a command needs: ``annotate`` for notes only, else ``redact``."""
    if isinstance(cmd, edits.Batch):
        rights = {right_for(c) for c in cmd.commands}
        return "annotate" if rights == {"annotate"} else "redact"
    return "annotate" if isinstance(cmd, ANNOTATION_COMMANDS) else "redact"


@dataclass(frozen=True)
class EditResult:
    action: str                       # "apply" | "undo" | "redo"
    command: Optional[edits.Command]  # None: nothing to undo/redo
    user: str


def _details(session: ProjectSession, cmd: edits.Command) -> dict:
    return {"project": str(session.path), "command": cmd.name,
            "describe": cmd.describe()}


def edit(session: ProjectSession, cmd: edits.Command, user: Optional[str] = None) -> EditResult:
    """Check the role for ``cmd``, then apply it (logged in the edit log, undoable)."""
    who = authorise(right_for(cmd), user or session.user, **_details(session, cmd))
    session.do(cmd)
    return EditResult("apply", cmd, who)


def decide(session: ProjectSession, ids: list[str], status: str, reason: str,
           user: Optional[str] = None) -> EditResult:
    """Accept, reject or keep clear tracks (a redaction decision)."""
    return edit(session, edits.SetStatus(list(ids), status, reason, user or session.user), user)


def undo(session: ProjectSession, user: Optional[str] = None) -> EditResult:
    if not session.undo_stack:
        return EditResult("undo", None, user or session.user)
    cmd = session.undo_stack[-1]
    who = authorise(right_for(cmd), user or session.user, undo=True, **_details(session, cmd))
    return EditResult("undo", session.undo(), who)


def redo(session: ProjectSession, user: Optional[str] = None) -> EditResult:
    if not session.redo_stack:
        return EditResult("redo", None, user or session.user)
    cmd = session.redo_stack[-1]
    who = authorise(right_for(cmd), user or session.user, redo=True, **_details(session, cmd))
    return EditResult("redo", session.redo(), who)


def open_for_review(path, user: Optional[str] = None, ask_recover=lambda p: False,
                    logged: bool = False, sha256: Optional[str] = None):
    """Open a clip or project for review (the window's File > Open, ``bwv gui FILE``): the
    ``view`` right first (an administrator, who may not see footage, is refused and the
    refusal audited), then the consultation recorded, naming the clip and its sha256
    (``logged``: already recorded, by the library's ``api.open_clip``; ``sha256``: the
    clip's hash it has just verified, so a new default project does not hash it again)."""
    from .. import access
    from ..workspace import open_workspace
    who = authorise("view", user, file=str(path))
    ws = open_workspace(path, who, ask_recover, sha256=sha256)
    if not logged:
        access.record("consultation", "file.open", who,
                      {"clip": str(ws.session.source_path), "project": str(ws.session.path),
                       "sha256": ws.session.project.source.sha256})
    return ws


def save_right(session: ProjectSession) -> str:
    """The right saving needs: ``annotate`` when every unsaved change is a note, else
    ``redact`` (a reviewer cannot write a disclosure officer's restored edits to the file)."""
    changes = session.unsaved
    if all(c is not None and right_for(c) == "annotate" for c in changes):
        return "annotate"
    return "redact"


def save(session: ProjectSession, user: Optional[str] = None) -> str:
    """Save the project: the right its unsaved changes need (:func:`save_right`)."""
    who = authorise(save_right(session), user or session.user, project=str(session.path), save=True)
    session.save()
    return who


def apply_detections(session: ProjectSession, result, user: Optional[str] = None) -> list:
    """Add a detection run's tracks to the project (``redact``; one undo step)."""
    authorise("redact", user or session.user, project=str(session.path), command="detection")
    from ..detect.apply import add_to_project
    return add_to_project(session, result)


def decide_audio(session: ProjectSession, ids: list[str], status: str, reason: str,
                 user: Optional[str] = None) -> EditResult:
    """Accept, reject or keep clear audio ranges (proposals from the transcript)."""
    return edit(session, edits.SetAudioStatus(list(ids), status, reason, user or session.user),
                user)


def add_speech_proposals(session: ProjectSession, transcript, user: Optional[str] = None,
                         mode: str = "mute") -> list:
    """Add the transcript's personal-detail proposals as pending audio ranges (``redact``;
    one undo step); returns the ranges added (none already in the project twice)."""
    from ..speech.transcript import proposals
    ranges = proposals(transcript, session.project, mode=mode)
    if ranges:
        edit(session, edits.AddAudioRanges(ranges, f"transcript ({transcript.engine})"), user)
    return ranges


def transcription_job(session: ProjectSession, user: Optional[str] = None, cancel=None,
                      engine: Optional[str] = None):
    """Transcribe the project's clip (a job; the window runs it off the GUI thread): the role
    is checked first (hearing the audio is consulting the footage). Nothing is logged here:
    :func:`add_transcript` adds what the transcript proposes and records it, then logs the
    ``transcribe`` entry, as ``bwv transcribe --project`` does."""
    authorise("view", user, project=str(session.path))
    from ..speech.job import transcribe_job
    return (yield from transcribe_job(session.source_path, cancel,
                                      sha256=session.project.source.sha256, engine=engine))


@dataclass(frozen=True)
class TranscriptAdded:
    added: list                       # the pending proposals added
    dropped: list                     # a line for each detail after the picture (no range)
    replaced: Optional[dict] = None   # the record word numbers referred to, where this
                                      # transcript differs and ranges carry word numbers


def add_transcript(session: ProjectSession, transcript, user: Optional[str] = None,
                   mode: str = "mute") -> TranscriptAdded:
    """Put a transcript into the project, as ``bwv transcribe --project`` and the window's
    Transcribe both do: its personal-detail proposals (pending) and the project's record of
    the transcript its word numbers refer to (``extra["transcript"]``: engine, models, word
    count, sha256) as one checked edit (``redact``; one undo step), then the ``transcribe``
    entry naming them, logged after them. One unit: an entry that cannot be logged withdraws
    the edit. Not saved (the caller saves)."""
    from ..speech.transcript import EXTRA_KEY, proposals
    if session.bounds is None:
        session.use_clip_bounds()       # checked against the clip before anything is logged
    dropped: list[str] = []
    added = proposals(transcript, session.project, mode=mode, dropped=dropped)
    rec = transcript.record()
    old = session.project.extra.get(EXTRA_KEY)
    replaced = old if isinstance(old, dict) and old.get("sha256") != rec["sha256"] and \
        any(a.words is not None for a in session.project.audio) else None
    label = f"transcript ({transcript.engine})"
    cmds: list = [edits.AddAudioRanges(added, label)] if added else []
    if old != rec:
        cmds.append(edits.SetExtra(EXTRA_KEY, rec))
    with session.command():
        if cmds:
            edit(session, cmds[0] if len(cmds) == 1 else edits.Batch(cmds, label), user)
        session.record("transcribe", {"engine": transcript.engine, "models": transcript.models,
                                      "words": len(transcript.words), "transcript": rec,
                                      "proposals": [a.id for a in added]})
    return TranscriptAdded(added, dropped, replaced)
