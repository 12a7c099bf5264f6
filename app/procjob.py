"""Run an engine job in a child process, as a job the JobRunner can drive.

A CPU-heavy job (detection) in a worker *thread* competes with the GUI thread for the
GIL, which made frame stepping miss its 50 ms target while detection ran. In a child
process the GUI keeps the GIL; the JobRunner's thread just waits on a pipe.
``process_job(fn, *args)`` returns a factory ``(cancel) -> job``: the child calls
``fn(*args, cancel=token)`` (a top-level, importable function, as ``spawn`` needs), sends
Progress back, and the result (pickled) becomes the job's return value. Cancelling sets an
event the child turns into its own CancelToken. Works frozen (``freeze_support`` in main).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
from typing import Callable

from redaction.errors import BwvError, Cancelled
from redaction.jobs import CancelToken


def _watch(cancel_conn, token: CancelToken) -> None:
    """Cancel when the parent says so or goes away (its end of the pipe closes)."""
    try:
        cancel_conn.recv()
    except (EOFError, OSError):
        pass
    token.cancel()


def _child(fn: Callable, args: tuple, kwargs: dict, conn, cancel_conn) -> None:
    try:
        os.nice(10)  # the GUI process keeps the CPU first; the job uses what is left
    except (AttributeError, OSError):
        pass
    token = CancelToken()
    threading.Thread(target=_watch, args=(cancel_conn, token), daemon=True).start()
    try:
        job = fn(*args, cancel=token, **kwargs)
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                conn.send(("done", stop.value))
                return
            conn.send(("progress", p))
    except Cancelled:
        conn.send(("cancelled", None))
    except BwvError as e:
        conn.send(("failed", str(e)))
    except Exception as e:  # noqa: BLE001 - reported as one line, like the thread runner
        conn.send(("failed", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def process_job(fn: Callable, *args, **kwargs):
    """A JobRunner factory running ``fn(*args, cancel=..., **kwargs)`` in a spawned child process.

    The process starts here, when the job is requested; the factory (run by the JobRunner's
    thread) only talks to it and joins it.
    """
    # Pipes only (no multiprocessing Event/Condition: notifying a waiter in a process that
    # has exited blocks forever).
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    cancel_r, cancel_w = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, args, kwargs, child, cancel_r), daemon=True,
                       name=f"bwv-job-{getattr(fn, '__name__', 'job')}")
    proc.start()
    child.close()
    cancel_r.close()
    sent = []

    def cancel_child() -> None:
        if not sent:
            sent.append(1)
            try:
                cancel_w.send(1)
            except OSError:
                pass

    def factory(cancel: CancelToken):
        try:
            while True:
                if cancel.cancelled:
                    cancel_child()
                if parent.poll(0.1):
                    try:
                        kind, value = parent.recv()
                    except EOFError:
                        raise BwvError("the background process ended unexpectedly") from None
                    if kind == "progress":
                        yield value
                    elif kind == "done":
                        return value
                    elif kind == "cancelled":
                        raise Cancelled()
                    else:
                        raise BwvError(value)
                elif not proc.is_alive() and not parent.poll(0):
                    raise BwvError(f"the background process ended unexpectedly (exit code {proc.exitcode})")
        finally:
            cancel_child()
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            parent.close()
            cancel_w.close()
    return factory
