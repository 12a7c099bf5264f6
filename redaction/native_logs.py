"""Native libraries' log lines (MediaPipe, LiteRT/TFLite, absl) kept off the terminal.

MediaPipe's LiteRT runtime writes about 50 INFO/WARNING lines to the process's stderr
(file descriptor 2) when a face detector is created and on its first inference ("Sparsity
tensors may not yet be fully supported", "Created TensorFlow Lite XNNPACK delegate", absl's
"Logging before InitGoogle()"); none of them can be turned off through the wheel (no
environment variable or exported call reaches LiteRT's logger or absl's stderr threshold).
:func:`quiet_native_stderr` wraps those native calls: fd 2 points at a private temporary
file for their duration, and what they wrote goes to the log file (repeats folded), so
nothing is lost. Python's own stderr writes happen outside these short windows (the
progress display writes between frames). ``BWV_NATIVE_LOGS=1`` leaves fd 2 alone.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

log = logging.getLogger("bwv.native")

_lock = threading.Lock()
_depth = 0
_saved: Optional[int] = None
_sink = None        # one private temporary file per process, truncated after each window


def _enabled() -> bool:
    return os.environ.get("BWV_NATIVE_LOGS", "") in ("", "0")


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send what native code writes to fd 2 meanwhile to the log file (re-entrant,
    thread-safe: the first entry redirects, the last exit restores)."""
    global _depth, _saved, _sink
    if not _enabled():
        yield
        return
    with _lock:
        if _depth == 0:
            try:
                sys.stderr.flush()
            except (OSError, ValueError, AttributeError):
                pass
            try:
                if _sink is None:
                    _sink = tempfile.TemporaryFile()
                _saved = os.dup(2)
                os.dup2(_sink.fileno(), 2)
            except OSError:         # no fd 2 (a windowed build): nothing to silence
                _saved = None
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                os.dup2(_saved, 2)
                os.close(_saved)
                _saved = None
                _drain()


def _drain() -> None:
    try:
        _sink.seek(0)
        data = _sink.read()
        _sink.seek(0)
        _sink.truncate()
    except OSError:
        return
    counts: dict[str, int] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            counts[line] = counts.get(line, 0) + 1
    for line, n in counts.items():      # the log file (INFO), repeats folded
        log.info("%s%s", line, f" (x{n})" if n > 1 else "")
