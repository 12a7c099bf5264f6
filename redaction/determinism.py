"""Reproducible encoding: the same project and source must give the same export bytes.

libx264 (through FFmpeg) reads some memory it has allocated but not written, so its output
depended on whatever the heap held before (measured: exports of one project differed run to
run with identical input frames; zeroed, padded input frames did not help; filling fresh
allocations with a fixed byte did). On glibc, :func:`fixed_heap_fill` makes every allocation
made during the export start with the same bytes (``mallopt(M_PERTURB)``), which makes the
encoder's output a function of its input only. Elsewhere it does nothing (see ADR 0002).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from contextlib import contextmanager

M_PERTURB = -6
FILL = 0x5A
_lock = threading.Lock()
_depth = 0


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


_LIBC = _glibc()


@contextmanager
def fixed_heap_fill():
    """Within the block, fresh heap allocations are filled with a fixed byte (glibc only)."""
    global _depth
    if _LIBC is None:
        yield False
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            _LIBC.mallopt(M_PERTURB, FILL)
    try:
        yield True
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _LIBC.mallopt(M_PERTURB, 0)
