"""``bwv batch detect``: detection for many clips, resumable, on this PC or a Ray cluster.

* What to do: the clips of a folder (:func:`folder_items`), of a watched folder, or of a
  case in the store (:func:`redaction.services.batch.case_items`).
* Skipping and resuming: a state file per detection settings (:class:`StateFile`, in the
  data folder) records each clip finished (absolute path, size, modification time, sha256,
  absolute project path); a clip recorded as done with the same settings, unchanged, whose
  project is still where this run would write it, is skipped. A clip whose project already
  holds review decisions (:func:`review_decisions`) is skipped unless forced: detection
  again would propose the objects a reviewer accepted or rejected once more. A clip a killed run had started resumes from the per-clip detection cache
  (:mod:`redaction.detect.job`), which its worker appended to frame by frame.
* Executors: :class:`~redaction.batch.local.LocalExecutor` (worker processes, every core by
  default) or :class:`~redaction.batch.ray_exec.RayExecutor`; both yield the same
  :class:`~redaction.batch.worker.Event` objects, and :class:`BatchRun` handles them the
  same way: the tracks go into the clip's project through the service layer
  (``services.apply_detections``: role-checked, one logged edit), the state file is
  appended to, and the store (when there is one) records each clip's job
  (:mod:`redaction.store.batchjobs`), which the library window shows.

The clips must be readable at the same path by every worker (a share; see
docs/adr/0013-batch.md); workers never write projects or the store.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from ..errors import BwvError
from .worker import BatchItem, Event, describe_error

log = logging.getLogger("bwv.batch")

VIDEO_EXT = {".mp4", ".mov", ".m4v", ".mkv", ".avi", ".mts", ".m2ts", ".ts", ".webm", ".3gp"}

__all__ = ["BatchItem", "Event", "BatchRun", "StateFile", "folder_items", "project_for",
           "settings_id", "ray_address", "review_decisions", "VIDEO_EXT"]


def absolute(path: str | os.PathLike) -> Path:
    """``path`` made absolute, its folder resolved (the file itself is not followed): what
    the state file records, so a run from another working folder finds the same project."""
    p = Path(path).expanduser()
    return p.parent.resolve() / p.name


def settings_id(settings) -> str:
    """The detection settings' identity, the same for every clip (the per-clip cache key
    adds the clip's sha256: ``settings.key(sha256)``), and the tracker's version: a clip done
    by an older tracker is done again (its detections come from the cache)."""
    from ..track_settings import TRACKER_VERSION
    return f"{settings.key('batch')}-t{TRACKER_VERSION}"


def ray_address(cli_value: Optional[str]) -> Optional[str]:
    """Where a batch runs: the machine policy's ``ray_address`` when it sets one (``--ray``
    and ``RAY_ADDRESS`` cannot change it), else ``--ray``, else None (this PC)."""
    from ..policy import load_policy
    pol = load_policy()
    if pol.is_set("ray_address"):
        addr = pol.get("ray_address")
        if cli_value and cli_value != addr:
            import sys
            print(f"bwv: warning: --ray {cli_value} ignored: the "
                  f"{'machine ' if pol.machine else ''}policy runs batches on {addr}",
                  file=sys.stderr)
        return addr
    return cli_value or None


def project_for(clip: str | os.PathLike, projects: Optional[str | os.PathLike] = None,
                beside: bool = False) -> Path:
    """Where the workstation finds a clip's project: the default project folder
    (``default_project_path``, what opening the clip in the window uses), ``projects``,
    or beside the clip."""
    from ..project_io import PROJECT_SUFFIX, default_project_path
    clip = Path(clip)
    if beside:
        return absolute(clip.with_name(clip.stem + PROJECT_SUFFIX))
    if projects:
        return absolute(Path(projects) / f"{clip.stem}{PROJECT_SUFFIX}")
    return absolute(default_project_path(clip))


class StateFile:
    """Append-only JSON lines, one per finished clip; the last line of a path wins. A torn
    last line (a killed run) is ignored."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    e = json.loads(line)
                    self.entries[e["path"]] = e
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue

    @classmethod
    def for_settings(cls, settings, folder: Optional[Path] = None) -> "StateFile":
        from ..paths import data_dir
        d = Path(folder) if folder else data_dir() / "batch"
        if d.exists() and not d.is_dir():
            raise BwvError("not a folder (the batch state folder, --state-dir)", d)
        try:
            from ..fsutil import private_dir
            private_dir(d)
        except OSError as e:
            raise BwvError(f"cannot create the batch state folder: {e.strerror or e}", d) from None
        return cls(d / f"detect-{settings_id(settings)}.jsonl")

    def same_file(self, item: BatchItem) -> bool:
        """The clip's entry was recorded for the file as it is now (same size and
        modification time; same sha256 when the item has one)."""
        e = self.entries.get(item.path)
        return bool(e and e.get("size") == item.size and e.get("mtime_ns") == item.mtime_ns
                    and (item.sha256 is None or e.get("sha256") in (None, item.sha256)))

    def is_done(self, item: BatchItem) -> bool:
        """Done with these settings, the file unchanged, and its project still where this
        run writes it (an entry recorded for another project folder is not this run's)."""
        e = self.entries.get(item.path)
        if not (e and e.get("status") == "done" and self.same_file(item)
                and (item.sha256 is None or e.get("sha256") == item.sha256)):
            return False
        rec, here = e.get("project"), item.project
        if not rec or not here or not Path(here).exists():
            return False
        if Path(rec).is_absolute():
            return absolute(rec) == absolute(here)
        # an entry of an older version, relative to a working folder it did not record
        return Path(rec).name == Path(here).name

    def add(self, item: BatchItem, status: str, **info) -> None:
        e = {"path": item.path, "size": item.size, "mtime_ns": item.mtime_ns, "status": status,
             "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **info}
        self.entries[item.path] = e
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(e, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())


def make_item(index: int, path: Path, *, project: Path, sha256: Optional[str] = None,
              clip_id: Optional[int] = None, name: Optional[str] = None) -> BatchItem:
    try:
        st = path.stat()
        size, mtime_ns = st.st_size, st.st_mtime_ns
    except OSError:              # gone or unreachable: that clip's worker fails, naming why
        size = mtime_ns = 0
    return BatchItem(index, str(path.resolve()), name or path.name, size, mtime_ns,
                     sha256, clip_id, str(absolute(project)))


def review_decisions(project: str | os.PathLike) -> int:
    """What a person did in a clip's project that detection cannot replace: tracks accepted,
    rejected or kept clear, tracks drawn by hand, audio ranges. Detection replaces only the
    pending proposals (:func:`redaction.detect.apply.add_to_project`), so on such a project
    it would propose every object a reviewer decided on again, as a new pending track (a
    rejected face back, an accepted one twice). 0 when there is no readable project."""
    from ..project_io import load_project
    try:
        p = load_project(project)
    except (BwvError, OSError):
        return 0
    return (sum(1 for t in p.tracks if t.status != "pending" or t.origin != "auto")
            + sum(1 for a in p.audio if a.status != "pending" or a.origin != "auto"))


def folder_items(folder: str | os.PathLike, *, projects=None, beside: bool = False,
                 recursive: bool = False) -> list[BatchItem]:
    """The clips of ``folder`` (video files by extension, sorted by path), each named by its
    path inside the folder (clips of the same name in two sub-folders are told apart)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BwvError("not a folder", folder)
    found = folder.rglob("*") if recursive else folder.iterdir()
    files = sorted(p for p in found if p.is_file() and p.suffix.lower() in VIDEO_EXT
                   and not p.name.startswith("."))
    items = [make_item(i, p, project=project_for(p, projects, beside),
                       name=p.relative_to(folder).as_posix()) for i, p in enumerate(files)]
    if not projects and not beside:      # the default folder: same-named clips keyed apart
        from dataclasses import replace
        from ..project_io import keyed_project_path
        seen: set[str] = set()
        for n, it in enumerate(items):
            if it.project in seen:
                items[n] = replace(it, project=str(absolute(keyed_project_path(it.path))))
            seen.add(items[n].project)
    return items


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0                               # already done, and reviewed
    reviewed: list = field(default_factory=list)   # names skipped: their project has decisions
    done: int = 0
    failed: int = 0
    errors: dict = field(default_factory=dict)     # clip name -> error
    done_names: list = field(default_factory=list)


class _StoreRecorder:
    """The store's ``batch_jobs`` rows of this run (nothing without a store)."""

    def __init__(self, batch: str, executor: str, settings, user: str):
        from ..store.db import existing_store
        self.st = existing_store()
        self.batch, self.executor, self.user = batch, executor, user
        self.key = settings_id(settings)
        self.ids: dict[int, int] = {}
        self.linked: set[int] = set()

    def _write(self, fn) -> None:
        if self.st is None:
            return
        try:
            with self.st.session() as s:
                fn(s)
        except Exception as e:  # noqa: BLE001 - the store's record must not stop the batch
            import logging
            logging.getLogger("bwv.batch").warning("batch job record not written: %s", e)

    def queued(self, items: list[BatchItem]) -> None:
        from ..store import batchjobs

        def go(s):
            ids = batchjobs.queue(s, self.batch, [{"path": it.path, "sha256": it.sha256,
                                                   "clip_id": it.clip_id} for it in items],
                                  settings_key=self.key, executor=self.executor, user=self.user)
            self.ids = {it.index: i for it, i in zip(items, ids)}
        self._write(go)

    def update(self, index: int, status=None, **kw) -> None:
        from ..store import batchjobs
        if index in self.ids:
            self._write(lambda s: batchjobs.update(s, self.ids[index], status, **kw))


class BatchRun:
    """One batch: skips what is done, runs the rest on ``executor``, and handles every
    result the same way whichever executor made it."""

    def __init__(self, items: list[BatchItem], settings, executor, user: str, *,
                 state: Optional[StateFile] = None, redo: bool = False, force: bool = False):
        self.items, self.settings, self.executor, self.user = items, settings, executor, user
        self.state = state or StateFile.for_settings(settings)
        self.batch = uuid.uuid4().hex[:16]
        self.force = force
        todo = list(items) if redo else [it for it in items if not self.state.is_done(it)]
        reviewed = [] if force else [it for it in todo
                                     if it.project and review_decisions(it.project)]
        held = {it.index for it in reviewed}
        self.todo = [it for it in todo if it.index not in held]
        self.summary = Summary(total=len(items), skipped=len(items) - len(self.todo),
                               reviewed=[it.name for it in reviewed])
        owner: dict[str, BatchItem] = {}         # two clips of one name, one project file
        self.clash = {it.index: owner[it.project].name for it in items if it.project
                      and owner.setdefault(it.project, it) is not it}
        self.by_index = {it.index: it for it in items}
        self.progress: dict[int, tuple[int, int]] = {}   # running clips: (frames done, total)
        self.attempts: dict[int, int] = {}

    def run(self) -> Iterator[Event]:
        """Yields each event after handling it (a done event carries ``extra['tracks']``
        and ``extra['project']``; a done clip whose project cannot be written becomes a
        failed event)."""
        rec = _StoreRecorder(self.batch, self.executor.name, self.settings, self.user)
        rec.queued(self.todo)
        finished: set[int] = set()
        clashes = [Event("failed", it.index, error=(
            f"not run: its project {it.project} would be that of {self.clash[it.index]} "
            f"(clips of the same name); --beside writes each project beside its clip"))
            for it in self.todo if it.index in self.clash]
        run = [it for it in self.todo if it.index not in self.clash]
        try:
            for ev in itertools.chain(clashes, self.executor.run(run, self.settings)):
                ev = self._handle(ev, rec, finished)
                if ev is not None:
                    yield ev
        finally:                 # Ctrl-C, a lost cluster: nothing left running in the store
            for it in self.todo:
                if it.index not in finished:
                    try:     # the store may be what failed: never hide the first error
                        rec.update(it.index, "failed", error=f"interrupted (batch {self.batch} "
                                   "stopped before this clip finished; the next run takes it)")
                    except BwvError as e:
                        log.warning("batch job of %s not closed in the store: %s", it.name, e)

    def _handle(self, ev: Event, rec: "_StoreRecorder", finished: set) -> Optional[Event]:
        """One event of the executor: the summary, the state file and the store's row."""
        if ev.index in finished:
            return None                    # a late progress report of a finished clip
        it = self.by_index[ev.index]
        if ev.kind == "start":
            self.attempts[ev.index] = self.attempts.get(ev.index, 0) + 1
            self.progress[ev.index] = (0, 0)
            rec.update(ev.index, worker=ev.worker, started=True)
        elif ev.kind == "progress":
            self.progress[ev.index] = (ev.done, ev.total)
            if ev.sha256 and ev.index not in rec.linked:
                rec.linked.add(ev.index)
                rec.update(ev.index, sha256=ev.sha256)
        elif ev.kind == "done":
            ev = self._finish(it, ev)
        if ev.kind == "failed":
            self.summary.failed += 1
            self.summary.errors[it.name] = ev.error
            self.state.add(it, "failed", sha256=ev.sha256, error=ev.error)
            rec.update(ev.index, "failed", sha256=ev.sha256, error=ev.error,
                       worker=ev.worker or None)
        elif ev.kind == "done":
            self.summary.done += 1
            self.summary.done_names.append(it.name)
            rec.update(ev.index, "done", sha256=ev.sha256, worker=ev.worker,
                       tracks=ev.extra["tracks"], project=ev.extra["project"])
        if ev.kind in ("done", "failed"):
            finished.add(ev.index)
            self.progress.pop(ev.index, None)
        return ev

    def _finish(self, it: BatchItem, ev: Event) -> Event:
        """The one path for every executor's result: the project, then the state file."""
        try:
            n = write_project(it, ev.result, ev.sha256, self.user, force=self.force)
        except Exception as e:  # noqa: BLE001 - recorded as this clip's failure
            return Event("failed", ev.index, ev.worker, sha256=ev.sha256,
                         error=f"project not written: {describe_error(e)}")
        res = ev.result
        ev.extra.update(tracks=n, project=it.project, resumed_from=res.resumed_from,
                        frames=res.frames)
        self.state.add(it, "done", sha256=ev.sha256, project=it.project, tracks=n,
                       frames=res.frames, worker=ev.worker, batch=self.batch)
        return ev


def write_project(item: BatchItem, result, sha256: str, user: str, force: bool = False) -> int:
    """Add a detection result to the clip's project (created if missing) through the
    service layer, and save it; returns the number of tracks. A project with review
    decisions is left alone unless ``force`` (it may have been reviewed during the batch)."""
    from ..projlock import hold
    pp = Path(item.project)
    if not pp.exists():
        from ..fsutil import private_dir
        private_dir(pp.parent)
    with hold(pp, "bwv batch detect", user):     # the project's one writer (ADR 0015)
        return _write_project(item, pp, result, sha256, user, force)


def _write_project(item: BatchItem, pp: Path, result, sha256: str, user: str, force: bool) -> int:
    from .. import services
    from ..errors import ProjectError
    from ..session import ProjectSession
    if pp.exists():
        s = ProjectSession.open(pp, user)
        old = s.project.source.sha256
        if old != sha256:
            if absolute(s.source_path) == absolute(item.path):
                raise ProjectError(
                    f"the clip's content changed since its project was made (sha256 now "
                    f"{sha256[:12]}..., the project's {old[:12]}...): the project belongs to "
                    f"the earlier file; move it away to detect on this one", pp)
            raise ProjectError(f"a project of this name exists for another clip "
                               f"({s.source_path}); use --projects or --beside", pp)
        n = 0 if force else review_decisions(pp)
        if n:
            raise ProjectError(f"the project has {n} review decision(s) now: not changed "
                               f"(detection again would propose decided objects again; "
                               f"--force runs it anyway)", pp)
    else:
        s = ProjectSession.create(item.path, pp, user, sha256=sha256)
    with s.command():
        tracks = services.apply_detections(s, result, user)
        services.save(s, user)
    return len(tracks)
