"""Which clips of a watched folder (``bwv batch detect --watch``) are ready to take.

A clip is taken once its size and modification time have stayed the same for ``settle_s``
seconds, over at least two looks (a clip still being copied keeps changing). A clip is
taken again whenever its size or modification time changes: a file that failed (a
half-copied clip, or something that is not a video) and is then replaced or completed runs
again, and so does a clip whose content changed after it was done. An unchanged clip that
already failed, with these settings, is not taken again by a watcher (the next folder run
tries it again); hashing every file at every look would cost a full read of the folder, so
a change is noticed by size and modification time only.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

from . import StateFile, folder_items
from .worker import BatchItem


class FolderWatch:
    def __init__(self, folder, state: StateFile, *, settle_s: float = 5.0, projects=None,
                 beside: bool = False, recursive: bool = False,
                 clock: Callable[[], float] = time.monotonic):
        self.folder, self.state, self.settle_s = folder, state, max(0.0, settle_s)
        self.projects, self.beside, self.recursive = projects, beside, recursive
        self.clock = clock
        self.seen: dict[str, tuple[tuple[int, int], float]] = {}   # path -> (stamp, since)
        self.taken: dict[str, tuple[int, int]] = {}                 # path -> stamp handed out
        self.waiting = 0             # clips seen at the last look, not yet settled

    def eligible(self, it: BatchItem) -> bool:
        """Not yet run as the file is now (by this watcher or, per the state file, before)."""
        stamp = (it.size, it.mtime_ns)
        if self.taken.get(it.path) == stamp or self.state.is_done(it):
            return False
        e = self.state.entries.get(it.path)
        return not (e and e.get("status") == "failed" and self.state.same_file(it))

    def look(self) -> list[BatchItem]:
        """The clips ready now (to be handed to a run; :meth:`took` records them)."""
        now = self.clock()
        items = folder_items(self.folder, projects=self.projects, beside=self.beside,
                             recursive=self.recursive)
        present = {it.path for it in items}
        for gone in set(self.seen) - present:
            del self.seen[gone]
        ready, self.waiting = [], 0
        for it in items:
            stamp = (it.size, it.mtime_ns)
            prev = self.seen.get(it.path)
            since = prev[1] if prev and prev[0] == stamp else now
            self.seen[it.path] = (stamp, since)
            if not self.eligible(it):
                continue
            if since < now and now - since >= self.settle_s:
                ready.append(it)
            else:
                self.waiting += 1
        return ready

    def took(self, items: list[BatchItem]) -> None:
        for it in items:
            self.taken[it.path] = (it.size, it.mtime_ns)


def describe_target(projects: Optional[str], beside: bool) -> str:
    """Where a batch writes its projects, in words."""
    if beside:
        return "beside each clip"
    if projects:
        from . import absolute
        return f"in {absolute(projects)}"
    from ..paths import projects_dir
    return f"in the user's project folder {projects_dir()}"
