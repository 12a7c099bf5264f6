"""A project opened for editing: the model, its file, its edit log, undo/redo.

Every change goes through :meth:`ProjectSession.do` with a command object; every
apply, undo and redo is appended to the edit log with the user. Saving is atomic
and records the log head (``log_head``) so a deleted log tail is detected.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from .editlog import EditLog, log_path_for
from .edits import Command
from .errors import IntegrityError, ProjectError
from .fsutil import sha256_file
from .model import Project, Source
from .project_io import (PROJECT_SUFFIX, load_project, relative_source_path, resolve_source,
                         save_project)


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

    # -- opening ----------------------------------------------------------------
    @classmethod
    def create(cls, clip: str | os.PathLike, path: str | os.PathLike, user: str,
               sha256: Optional[str] = None) -> "ProjectSession":
        path = Path(path)
        if path.exists():
            raise ProjectError("project already exists", path)
        clip = Path(clip)
        sha = sha256 or sha256_file(clip)
        project = Project(Source(relative_source_path(clip, path), sha))
        from .policy import effective
        project.style.mode = effective("default_style", project.style.mode)  # IT's default
        s = cls(project, path, user)
        if s.log.path.exists():
            raise ProjectError("an edit log already exists for this project name", s.log.path)
        s.log.append(user, "create_project", {"source": str(clip), "source_sha256": sha})
        s.save()
        return s

    @classmethod
    def open(cls, path: str | os.PathLike, user: str) -> "ProjectSession":
        return cls(load_project(path), path, user)

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

    # -- editing ----------------------------------------------------------------
    def do(self, cmd: Command) -> None:
        cmd.apply(self.project)
        self.undo_stack.append(cmd)
        self.redo_stack.clear()
        self._changed("apply", cmd)

    def undo(self) -> Optional[Command]:
        if not self.undo_stack:
            return None
        cmd = self.undo_stack.pop()
        cmd.revert(self.project)
        self.redo_stack.append(cmd)
        self._changed("undo", cmd)
        return cmd

    def redo(self) -> Optional[Command]:
        if not self.redo_stack:
            return None
        cmd = self.redo_stack.pop()
        cmd.apply(self.project)
        self.undo_stack.append(cmd)
        self._changed("redo", cmd)
        return cmd

    def _changed(self, action: str, cmd: Command) -> None:
        self.log.append(self.user, action, {"command": cmd.to_log()})
        self.dirty = True
        for fn in self.listeners:
            fn(action, cmd)

    def record(self, action: str, details: dict) -> dict:
        """Log a non-edit event (export, verify, detection run...)."""
        return self.log.append(self.user, action, details)

    # -- saving -----------------------------------------------------------------
    def save(self, path: Optional[str | os.PathLike] = None) -> None:
        head = self.log.head()
        self.project.extra["log_head"] = {"seq": head.seq, "hash": head.hash}
        save_project(self.project, path or self.path)
        if path is None:
            self.dirty = False


def project_path_for(clip: str | os.PathLike, folder: str | os.PathLike) -> Path:
    return Path(folder) / f"{Path(clip).stem}{PROJECT_SUFFIX}"
