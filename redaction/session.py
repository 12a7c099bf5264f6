"""A project opened for editing: the model, its file, its edit log, undo/redo.

Every change goes through :meth:`ProjectSession.do` with a command object; every
apply, undo and redo is appended to the edit log with the user, the change it made
(values before and after) and the hash of the project state after it, so the log alone
rebuilds the project (:mod:`redaction.replay`). Saving is atomic and records the log
head (``log_head``) so a deleted log tail is detected.

Opening compares the project file with the state its log rebuilds: edits logged after
the last save (a crash) are restored from the log; a file that differs from its log in
any other way (edited by hand) is refused for editing and export, naming the first
difference (``bwv project rebuild`` restores the logged state, and logs what it discards).
"""
from __future__ import annotations

import copy
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

from dataclasses import dataclass

from . import projstate, replay
from .editlog import EditLog, log_path_for
from .edits import Command
from .errors import BwvError, IntegrityError, ProjectError
from .fsutil import sha256_file
from .model import Project, Source
from .project_io import (PROJECT_SUFFIX, check_new_project_name, load_project,
                         relative_source_path, resolve_source, save_project)


LEGACY_MESSAGE = ("edit log written by an earlier version cannot be replayed: run "
                  "`bwv project migrate` (or accept the migration offered when the window "
                  "opens it) to record its current state as the base, attributed and logged, "
                  "before editing or exporting")


def check_anchor(project: Project, entries: list[dict], project_path: Path, log_path: Path) -> None:
    """The project's ``log_head`` (written by every save) must name an entry the log still
    holds, unchanged. Entries after it are unsaved work (a crash); a log that ends before
    it, or holds another entry there, was cut or replaced, and every use of the project is
    refused (fail closed: exporting or editing would re-anchor the project on the cut log)."""
    head = project.extra.get("log_head")
    if not isinstance(head, dict):
        raise IntegrityError("project has no edit-log anchor (log_head): it was not saved by "
                             "this tool, or the anchor was removed by hand", project_path)
    seq, h = head.get("seq"), head.get("hash")
    if not entries:
        raise IntegrityError(f"edit log is missing or empty, but the project was last saved at "
                             f"its entry {seq}", log_path)
    if not isinstance(seq, int) or seq < 1 or seq > len(entries) or entries[seq - 1]["hash"] != h:
        raise IntegrityError(f"edit log does not contain the project's last recorded entry "
                             f"(seq {seq}): entries were deleted or replaced", log_path)


@dataclass
class Consistency:
    """How the project file stands against the state its edit log rebuilds."""
    kind: str                     # ok | legacy | unsaved | differs
    message: str = ""
    replay: Optional[replay.Replay] = None
    differences: tuple[str, ...] = ()
    unsaved_edits: int = 0


class _NotLogged(Exception):
    """The edit log refused an entry (a full disk...): the change must be undone."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class ProjectSession:
    def __init__(self, project: Project, path: str | os.PathLike, user: str):
        self.project = project
        self.path = Path(path)
        self.user = user
        self.log = EditLog(log_path_for(self.path))
        self.undo_stack: list[Command] = []
        self.redo_stack: list[Command] = []
        self.dirty = False
        self.listeners: list[Callable[[str, Optional[Command]], None]] = []
        self._state: Optional[dict] = None   # the state after the last logged edit
        self._hasher = projstate.Hasher()
        self._lock = threading.Lock()        # the export job records from a worker thread
        self.recovered_edits = 0             # unsaved logged edits restored on opening
        # what changed since the last save: each command, None for a change that is not one
        # (restored from the log, replaced): saving needs the rights these need (services.save)
        self.unsaved: list[Optional[Command]] = []
        # (frames, width, height, duration_s) of the clip: edits are validated against it
        self.bounds: Optional[tuple[int, int, int, float]] = None
        self.created = False                 # this session made the project (create)
        self.lock = None                     # its ProjectLock while the window holds it
        # why edits are refused (the clip on disk is not the project's: source_changed)
        self.edits_refused: Optional[str] = None
        # the open command() units: [log mark, snapshot] each; a save moves them (see save)
        self._units: list[list] = []

    # -- opening ----------------------------------------------------------------
    @classmethod
    def create(cls, clip: str | os.PathLike, path: str | os.PathLike, user: str,
               sha256: Optional[str] = None) -> "ProjectSession":
        path = Path(path)
        check_new_project_name(path)
        if path.exists():
            raise ProjectError("project already exists", path)
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():   # name the folder, not the edit log it would hold
            raise ProjectError("folder does not exist", folder)
        clip = Path(clip)
        sha = sha256 or sha256_file(clip)
        project = Project(Source(relative_source_path(clip, path), sha))
        from .policy import effective
        project.style.mode = effective("default_style", project.style.mode)  # IT's default
        s = cls(project, path, user)
        if s.log.path.exists():
            raise ProjectError("an edit log already exists for this project name", s.log.path)
        s._state = projstate.state_of(project)
        s._hasher = projstate.Hasher()
        s.created = True
        try:
            s.log.append(user, "create_project", {"source": str(clip), "source_sha256": sha,
                                                  "log_format": replay.LOG_FORMAT,
                                                  "state": s._state})
            s.save()
        except BaseException:
            s.remove_created()      # a retry must find nothing of this attempt
            raise
        return s

    def remove_created(self) -> None:
        """Remove the project file and edit log this session created (:meth:`create`), when
        making the project failed: never files it did not create."""
        if not self.created:
            return
        from .fsutil import unlink_quiet
        unlink_quiet(self.path)
        unlink_quiet(self.log.path)
        self.created = False

    @classmethod
    def open(cls, path: str | os.PathLike, user: str, *, check: bool = True) -> "ProjectSession":
        """Open for editing. With ``check`` (the default) a project file that differs from
        its edit log is refused (IntegrityError naming the first difference), and edits
        logged after the last save are restored from the log."""
        s = cls(load_project(path), path, user)
        if check:
            c = s.consistency()
            if c.kind == "differs":
                raise IntegrityError(f"project file differs from its edit log: {c.message} "
                                     f"(`bwv verify` lists the differences; `bwv project rebuild` "
                                     "restores the logged state)", s.path)
            if c.kind == "unsaved":
                s.restore_from_log(c)
        return s

    # -- the log as the truth ---------------------------------------------------------------
    def consistency(self) -> Consistency:
        """Replay the (chain-verified) log and compare it with the project in memory."""
        entries = self.log.verify()
        check_anchor(self.project, entries, self.path, self.log.path)
        try:
            rep = replay.replay(entries, self.log.path)
        except replay.LegacyLog as e:
            return Consistency("legacy", e.message)
        now = projstate.state_of(self.project)
        if projstate.state_hash(now) == projstate.state_hash(rep.state):
            self._state = rep.state
            self._hasher = projstate.Hasher()
            return Consistency("ok", replay=rep)
        head = (self.project.extra.get("log_head") or {})
        seq = head.get("seq") if isinstance(head, dict) else None
        if (isinstance(seq, int) and rep.base_seq <= seq < rep.seq
                and 0 < seq <= len(entries) and entries[seq - 1]["hash"] == head.get("hash")):
            at_save = replay.replay(entries, self.log.path, upto=seq)
            if projstate.state_hash(at_save.state) == projstate.state_hash(now):
                n = sum(1 for e in entries[seq:] if e.get("action") in replay.EDIT_ACTIONS)
                return Consistency("unsaved", f"{n} edit(s) logged after the last save",
                                   replay=rep, unsaved_edits=n)
        diffs = tuple(projstate.differences(rep.state, now))
        return Consistency("differs", diffs[0] if diffs else "state hash differs", rep, diffs)

    def restore_from_log(self, c: Consistency) -> None:
        """Take the state the log rebuilds (edits logged after the last save: a crash)."""
        head = self.project.extra.get("log_head")    # the anchor the file was saved with
        self.project = replay.rebuild(c.replay.state, self.project.source.path, str(self.log.path))
        if head is not None:
            self.project.extra["log_head"] = head
        self._state = c.replay.state
        self._hasher = projstate.Hasher()
        self.recovered_edits = c.unsaved_edits
        self.unsaved.append(None)
        self.dirty = True

    def _base_state(self) -> dict:
        """The state the next change is measured from; writes a migration base for a log
        from an earlier version (format 1) first."""
        if self._state is None:
            if not replay.has_base(self.log.entries()):
                # fail closed: nothing silently blesses a file that cannot be checked
                raise IntegrityError(LEGACY_MESSAGE, self.path)
            c = self.consistency()
            if c.kind != "ok":
                raise IntegrityError(f"project file differs from its edit log: {c.message}",
                                     self.path)
        return self._state

    def migrate(self) -> Optional[dict]:
        """Give a format-1 log a replayable base: the whole current state, attributed."""
        entries = self.log.verify()
        if replay.has_base(entries):
            return None
        try:
            check_anchor(self.project, entries, self.path, self.log.path)
        except IntegrityError as e:
            raise IntegrityError(f"{e.message}; nothing migrated", e.path) from None
        self._state = projstate.state_of(self.project)
        self._hasher = projstate.Hasher()
        return self.log.append(self.user, "migrate_log", {
            "from_format": 1, "log_format": replay.LOG_FORMAT, "entries_before": len(entries),
            "state": self._state, "state_sha256": projstate.state_hash(self._state)})

    @property
    def state_sha256(self) -> str:
        return projstate.project_hash(self.project)

    @property
    def source_path(self) -> Path:
        return resolve_source(self.project, self.path)

    def check_source(self) -> str:
        """Re-hash the clip and compare with the project; returns the hash."""
        src = self.source_path
        if not src.exists():
            raise IntegrityError("source clip not found", src)
        actual = sha256_file(src)
        if actual != self.project.source.sha256:
            raise IntegrityError(f"source clip has changed: sha256 {actual[:12]}... does not match "
                                 f"the project's {self.project.source.sha256[:12]}...", src)
        return actual

    def use_clip_bounds(self) -> None:
        """Probe the clip so every edit is validated against its frames and picture."""
        from .media import probe
        info = probe(self.source_path, with_hash=False)
        self.bounds = (info.frames, info.width, info.height, info.duration_s)

    # -- editing ----------------------------------------------------------------
    def source_changed(self, actual_sha256: str) -> None:
        """The clip on disk hashed to ``actual_sha256``, not the project's: from now on every
        edit, undo and redo is refused (a decision taken on other pictures than the
        project's clip must not reach an export once the original is put back)."""
        self.edits_refused = (f"the source clip has changed since the project was made (sha256 "
                              f"{actual_sha256[:12]}..., the project's "
                              f"{self.project.source.sha256[:12]}...): no edits until the "
                              "original clip is back and the project reopened")

    def _editable(self) -> None:
        if self.edits_refused:
            raise IntegrityError(self.edits_refused, self.source_path)

    def do(self, cmd: Command) -> None:
        self._editable()
        self._base_state()
        if self.bounds is not None:
            from .edit_checks import check_command
            from .errors import InvalidEdit
            try:
                check_command(cmd, self.project, *self.bounds)
            except InvalidEdit as e:
                raise InvalidEdit(e.message, self.path) from None
        redo = list(self.redo_stack)
        self.redo_stack.clear()
        self._step("apply", cmd, cmd.apply, cmd.revert, self.undo_stack, redo_before=redo)

    def undo(self) -> Optional[Command]:
        if not self.undo_stack:
            return None
        self._editable()
        self._base_state()
        cmd = self.undo_stack.pop()
        return self._step("undo", cmd, cmd.revert, cmd.apply, self.redo_stack,
                          taken_from=self.undo_stack)

    def redo(self) -> Optional[Command]:
        if not self.redo_stack:
            return None
        self._editable()
        self._base_state()
        cmd = self.redo_stack.pop()
        return self._step("redo", cmd, cmd.apply, cmd.revert, self.undo_stack,
                          taken_from=self.redo_stack)

    def _step(self, action, cmd, forward, back, onto: list, *,
              redo_before: Optional[list] = None, taken_from: Optional[list] = None) -> Command:
        """Change the model (``forward``), push ``cmd`` on ``onto`` and log it. If the log
        refuses the entry (a full disk), everything is put back as it was (``back``; the
        redo stack restored, ``cmd`` returned to ``taken_from``) and the log's error raised:
        an edit never stays applied without its entry."""
        forward(self.project)
        onto.append(cmd)
        try:
            self._changed(action, cmd)
        except _NotLogged as e:
            onto.pop()
            back(self.project)
            if taken_from is not None:
                taken_from.append(cmd)
            if redo_before is not None:
                self.redo_stack[:] = redo_before
            raise e.error from None
        return cmd

    def _changed(self, action: str, cmd: Optional[Command], details: Optional[dict] = None) -> None:
        before = self._base_state()
        touched = cmd.touched_tracks() if cmd is not None else None
        after = projstate.state_of(self.project, before, touched)
        d = {"command": cmd.to_log()} if cmd is not None else {}
        d.update(details or {})
        d["change"] = projstate.diff(before, after, touched)
        # one step under the lock: an export recording from its worker thread meanwhile
        # must log either the state before this edit (before its entry) or after it
        with self._lock:
            d["state"] = self._hasher(after, touched)
            try:
                self.log.append(self.user, action, d)
            except Exception as e:
                self._hasher = projstate.Hasher()     # its cache may hold the unlogged state
                raise _NotLogged(e) from e
            self._state = after
        self.dirty = True
        self.unsaved.append(cmd)
        for fn in self.listeners:
            fn(action, cmd)

    def replace(self, project: Project, action: str, details: dict) -> None:
        """Replace the whole model (an autosave recovery, a rebuild): logged as one change."""
        self._base_state()
        old = (self.project, list(self.undo_stack), list(self.redo_stack))
        self.project = project
        self.undo_stack.clear()
        self.redo_stack.clear()
        try:
            self._changed(action, None, details)
        except _NotLogged as e:
            self.project, self.undo_stack[:], self.redo_stack[:] = old
            raise e.error from None

    def record(self, action: str, details: dict) -> dict:
        """Log a non-edit event (export, verify, detection run...). When this session holds
        the logged state, the entry carries its hash too (the replay checks it)."""
        with self._lock:
            if self._state is not None and "state" not in details:
                details = {**details, "state": self._hasher(self._state, set())}
            return self.log.append(self.user, action, details)

    # -- one command, one unit ---------------------------------------------------------------
    @contextmanager
    def command(self):
        """One command (``bwv project add-track``: an edit, a decision and the save) as one
        unit: if anything in it fails (a full disk on the second entry or on saving, an
        unwritable folder), the edit-log entries it appended are withdrawn and the session is
        put back as it was, so nothing is restored on the next open and a retry does not
        duplicate it. Where the entries cannot be withdrawn the error says they were logged
        and will be restored on the next open."""
        unit = [self.log.mark(), self._snapshot()]
        self._units.append(unit)
        try:
            yield self
        except BaseException as e:
            mark, snap = unit      # moved by a successful save: only what came after it goes
            if self.log.mark() == mark:
                raise
            try:
                n = self.log.rollback(mark)
            except ProjectError as r:
                note = (f"; its edit-log entries could not be withdrawn ({r.message}): they "
                        "are logged and will be restored when the project is next opened")
            else:
                (self.project, self.undo_stack[:], self.redo_stack[:], self._state,
                 self.dirty, self.unsaved[:]) = snap
                self._hasher = projstate.Hasher()
                note = (f"; nothing was changed (its {n} edit-log entr{'y' if n == 1 else 'ies'}"
                        " withdrawn)") if n else ""
            if isinstance(e, BwvError) and note:
                e.message += note
                e.args = (str(e),)
            raise
        finally:
            self._units = [u for u in self._units if u is not unit]

    def _snapshot(self) -> tuple:
        return (copy.deepcopy(self.project), list(self.undo_stack), list(self.redo_stack),
                self._state, self.dirty, list(self.unsaved))

    # -- saving -----------------------------------------------------------------
    def save(self, path: Optional[str | os.PathLike] = None) -> None:
        # the log must still end where this session last read or wrote it: a project saved
        # with another program's entries as its anchor would not match them
        head = self.log.check_unchanged()
        self.project.extra["log_head"] = {"seq": head.seq, "hash": head.hash}
        save_project(self.project, path or self.path)
        if path is None or Path(path) == self.path:
            self.dirty = False
            self.unsaved.clear()
            if self._units:
                # the project file now anchors every entry so far: a failure later in the
                # command (printing its result to a closed pipe, Ctrl-C) must not withdraw
                # them, nor remove a project it created (the saved file needs its log)
                snap = self._snapshot()
                for u in self._units:
                    u[:] = [self.log.mark(), snap]
                self.created = False


def project_path_for(clip: str | os.PathLike, folder: str | os.PathLike) -> Path:
    return Path(folder) / f"{Path(clip).stem}{PROJECT_SUFFIX}"
