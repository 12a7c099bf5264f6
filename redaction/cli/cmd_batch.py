"""``bwv batch detect FOLDER | --watch FOLDER | --case INCIDENT``: detection for many clips."""
from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from ..errors import BwvError
from ..detect.factory import DEFAULT_PRESET, PRESETS
from ..track_settings import DEFAULT_HOLD_S
from . import current_user
from .cmd_detect import amount


def register(sub) -> None:
    p = sub.add_parser("batch", help="run detection on many clips (this PC or a Ray cluster)",
                       description="Batch jobs over many clips, resumable: a clip already done "
                                   "with the same settings is skipped, and a killed run picks "
                                   "up where it stopped.")
    bs = p.add_subparsers(dest="batch_command", metavar="BATCH_COMMAND")
    d = bs.add_parser("detect", help="detect and track faces and plates in many clips",
                      description="Detect on every clip of a folder, of a watched folder or of a "
                                  "case in the store. Each clip's tracks go into its project "
                                  "(where the workstation opens it) as pending proposals, "
                                  "logged in its edit log; the store records each clip's job. "
                                  "Runs on every core of this PC, or on a Ray cluster "
                                  "(--ray or the machine policy's ray_address); every worker "
                                  "must read the clips at the same path (a share).")
    src = d.add_mutually_exclusive_group(required=True)
    src.add_argument("folder", nargs="?", help="folder of clips")
    src.add_argument("--watch", metavar="FOLDER",
                     help="keep watching FOLDER and detect on each clip that arrives (a clip "
                          "is taken once its size and modification time stay the same for "
                          "--settle seconds, and again whenever the file changes)")
    src.add_argument("--case", metavar="INCIDENT", help="the present clips of a case in the store")
    d.add_argument("--recursive", action="store_true", help="include sub-folders")
    d.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: every core of this PC; with --ray: one "
                        "per CPU of the cluster)")
    d.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="run on this Ray cluster (host:6379); a machine policy's ray_address "
                        "takes precedence")
    d.add_argument("--projects", metavar="DIR",
                   help="write the projects to DIR (default: where the window opens a clip's "
                        "project, the user's project folder)")
    d.add_argument("--beside", action="store_true",
                   help="write each project beside its clip (the clip's folder must be writable)")
    d.add_argument("--kinds", default="face,plate", help="comma list (default: face,plate)")
    d.add_argument("--preset", choices=PRESETS, default=DEFAULT_PRESET,
                   help="detector preset (default: %(default)s)")
    d.add_argument("--every", type=int, default=None,
                   help="detector on every k-th frame at rest (default: about 5 a second)")
    d.add_argument("--fixed-cadence", action="store_true")
    d.add_argument("--hold", type=amount, default=DEFAULT_HOLD_S,
                   help=f"fail-secure hold in seconds (min 0.5; default {DEFAULT_HOLD_S:g})")
    d.add_argument("--redo", action="store_true", help="run clips already done again")
    d.add_argument("--force", action="store_true",
                   help="also run clips whose project already has review decisions (tracks "
                        "accepted, rejected or drawn): detection proposes the decided objects "
                        "again as pending tracks. Default: such clips are skipped")
    d.add_argument("--state-dir", help="folder of the batch state files (default: the data "
                                       "folder's batch/)")
    d.add_argument("--interval", type=float, default=10.0,
                   help="--watch: seconds between looks at the folder (default %(default)s)")
    d.add_argument("--settle", type=float, default=5.0, metavar="SECONDS",
                   help="--watch: a clip is taken once its size and modification time have "
                        "not changed for SECONDS (a clip still being copied; default "
                        "%(default)s)")
    d.add_argument("--idle-exit", type=float, default=None, metavar="SECONDS",
                   help="--watch: stop after SECONDS without a new clip (default: never)")
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


class UsageError(BwvError):
    exit_code = 2


def _check_args(args) -> None:
    """Values a batch cannot use, refused up front in one line (never clamped silently)."""
    for name in ("workers", "every"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise UsageError(f"--{name} must be at least 1 (got {v})")
    if args.interval <= 0:
        raise UsageError(f"--interval must be more than 0 seconds (got {args.interval:g})")
    if args.settle < 0:
        raise UsageError(f"--settle must be 0 seconds or more (got {args.settle:g})")
    if args.projects and args.beside:
        raise UsageError("--projects and --beside exclude each other")
    if args.projects:
        _folder_for_writing(Path(args.projects), "--projects")
    if args.state_dir:
        _folder_for_writing(Path(args.state_dir), "--state-dir")


def _folder_for_writing(folder: Path, option: str) -> None:
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"not a folder ({option})", folder)
    try:
        from ..fsutil import private_dir
        private_dir(folder)      # projects and state name footage: owner only when made here
    except OSError as e:
        raise UsageError(f"cannot create this folder ({option}): {e.strerror or e}",
                         folder) from None
    import os
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"folder not writable ({option})", folder)


def _settings(args):
    from ..detect.job import DetectSettings
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    from ..detect.factory import available_kinds
    unknown = [k for k in kinds if k not in available_kinds()]
    if not kinds or unknown:
        raise BwvError(f"--kinds: choose from {', '.join(available_kinds())}")
    return DetectSettings(kinds=kinds, preset=args.preset,
                          every=args.every,
                          hold_s=max(0.5, args.hold), adaptive=not args.fixed_cadence)


def _executor(args):
    from ..batch import ray_address
    addr = ray_address(args.ray)
    if addr:
        from ..batch.ray_exec import RayExecutor
        return RayExecutor(addr, args.workers)
    from ..batch.local import LocalExecutor
    return LocalExecutor(args.workers)


def run(args) -> int:
    from .. import batch
    from ..services.batch import authorise_batch, case_items
    user = current_user(args)
    _check_args(args)
    settings = _settings(args)
    state = batch.StateFile.for_settings(settings, Path(args.state_dir) if args.state_dir else None)
    executor = _executor(args)
    show = Display(quiet=args.quiet)
    if args.watch:
        authorise_batch(user, folder=args.watch)
        return _watch(args, settings, executor, user, state, show)
    if args.case:
        items = case_items(args.case, user, projects=args.projects, beside=args.beside)
    else:
        authorise_batch(user, folder=args.folder)
        items = batch.folder_items(args.folder, projects=args.projects, beside=args.beside,
                                   recursive=args.recursive)
    if not items:
        raise BwvError("no clips found", args.folder or args.case)
    summary = _run_once(items, settings, executor, user, state, show, args.redo, args.force)
    return 0 if summary.failed == 0 else 1


def _run_once(items, settings, executor, user, state, show, redo=False, force=False,
              runs=None):
    from ..batch import BatchRun
    br = BatchRun(items, settings, executor, user, state=state, redo=redo, force=force)
    if runs is not None:
        runs.append(br)
    show.begin(br)
    try:
        for ev in br.run():
            show.event(br, ev)
    finally:
        show.end(br)
    return br.summary


def _watch(args, settings, executor, user, state, show) -> int:
    """Look at the folder every ``--interval`` seconds and run the clips that are ready
    (:class:`redaction.batch.watch.FolderWatch`: unchanged for ``--settle`` seconds, not yet
    run as the file is now); at the end, say what was done, what failed and what a Ctrl-C
    interrupted."""
    from ..batch import absolute
    from ..batch.watch import FolderWatch, describe_target
    fw = FolderWatch(args.watch, state, settle_s=args.settle, projects=args.projects,
                     beside=args.beside, recursive=args.recursive)
    if not args.quiet:
        print(f"watching {absolute(args.watch)}{' and its sub-folders' if args.recursive else ''}"
              f" every {args.interval:g}s (a clip is taken once unchanged for {args.settle:g}s); "
              f"projects {describe_target(args.projects, args.beside)}; state {state.path}",
              flush=True)
    idle_since = time.monotonic()
    done: list[str] = []
    failed: dict[str, str] = {}
    runs: list = []
    try:
        while True:
            ready = fw.look()
            if ready:
                ready = [replace(it, index=i) for i, it in enumerate(ready)]
                fw.took(ready)
                _run_once(ready, settings, executor, user, state, show, force=args.force,
                          runs=runs)
                _tally(runs.pop(), done, failed)
                idle_since = time.monotonic()
            elif fw.waiting:
                idle_since = time.monotonic()      # a clip is still being copied
            elif args.idle_exit is not None and time.monotonic() - idle_since >= args.idle_exit:
                _watch_summary(done, failed, [], "idle")
                return 0 if not failed else 1
            time.sleep(max(0.1, args.interval))
    except KeyboardInterrupt:
        interrupted = []
        if runs:                                   # a run was under way
            br = runs.pop()
            _tally(br, done, failed)
            finished = set(br.summary.done_names) | set(br.summary.errors)
            interrupted = [it.name for it in br.todo if it.name not in finished]
        _watch_summary(done, failed, interrupted, "Ctrl-C")
        return 130


def _tally(br, done: list, failed: dict) -> None:
    """A run's outcome into the watcher's totals (a clip that failed and later ran is done)."""
    for name in br.summary.done_names:
        failed.pop(name, None)
        done.append(name)
    for name, err in br.summary.errors.items():
        failed[name] = err


def _watch_summary(done: list, failed: dict, interrupted: list, why: str) -> None:
    print(f"watch stopped ({why}): {len(done)} clip(s) done, {len(failed)} failed, "
          f"{len(interrupted)} interrupted", flush=True)
    for name, err in failed.items():
        print(f"  failed       {name}: {err}", flush=True)
    for name in interrupted:
        print(f"  interrupted  {name} (the next run resumes it)", flush=True)


class Display:
    """The whole batch and each running clip: one status line redrawn on a terminal, and a
    line per clip started, finished or failed (always, so a log shows what happened; with
    ``quiet``, only the clips that failed and the summary when one did)."""

    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty() and not quiet
        self._last = 0.0
        self.t0 = time.monotonic()

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
        print(text, file=sys.stdout, flush=True)

    def begin(self, br) -> None:
        self.t0 = time.monotonic()
        if not self.quiet:
            s = br.summary
            self._line(f"batch {br.batch}: {s.total} clip(s), {s.skipped - len(s.reviewed)} "
                       f"already done with these settings, {len(br.todo)} to run on "
                       f"{br.executor.name}")
        if br.summary.reviewed:
            self._line(f"skipped {len(br.summary.reviewed)} clip(s) whose project has review "
                       f"decisions (--force to run them): {', '.join(br.summary.reviewed)}")

    def event(self, br, ev) -> None:
        it = br.by_index[ev.index]
        if not self.quiet:
            if ev.kind == "start":
                n = br.attempts.get(ev.index, 1)
                again = f" (attempt {n}: the worker running it was lost)" if n > 1 else ""
                self._line(f"start   {it.name} on {ev.worker}{again}")
            elif ev.kind == "done":
                res = ev.extra
                resumed = (f", resumed at frame {res['resumed_from']}"
                           if res.get("resumed_from") else "")
                self._line(f"done    {it.name}: {res['tracks']} track(s), {res['frames']} "
                           f"frame(s){resumed} -> {res['project']}")
        if ev.kind == "failed":          # named even when quiet: which clip, and why
            self._line(f"failed  {it.name}: {ev.error}")
        self._status(br)

    def _status(self, br) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        s = br.summary
        finished = s.done + s.failed
        clips = " | ".join(f"{br.by_index[i].name} {100 * d // t if t else 0}%"
                           for i, (d, t) in sorted(br.progress.items()))
        self.stream.write(f"\r\x1b[Kbatch {finished}/{len(br.todo)} "
                          f"({s.failed} failed, {time.monotonic() - self.t0:.0f}s)  {clips}")
        self.stream.flush()

    def end(self, br) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        s = br.summary
        if not self.quiet or s.failed:
            self._line(f"batch {br.batch}: {s.done} done, {s.skipped} skipped, {s.failed} "
                       f"failed of {s.total} in {time.monotonic() - self.t0:.1f}s")
