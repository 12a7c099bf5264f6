"""onnxruntime, imported once with its telemetry off.

onnxruntime 1.29+ carries Microsoft's 1DS telemetry client on Linux; its background thread
was seen resolving mobile.events.data.microsoft.com (a DNS query to port 53) during `bwv
selftest` (tests/test_offline.py, strace), and it wrote a device id under ~/.cache/Microsoft.
The engine sets ``ORT_DISABLE_TELEMETRY=1`` when it is imported (redaction/__init__.py: the
documented full opt-out, read when onnxruntime initialises); every session is also made
through :func:`onnxruntime`, which checks that and turns the telemetry events off too.
"""
from __future__ import annotations

import threading

_lock = threading.Lock()
_ready = False


def onnxruntime():
    """The ``onnxruntime`` module, its telemetry events disabled (once per process)."""
    global _ready
    import os
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"      # before the first session initialises it
    import onnxruntime as ort
    with _lock:
        if not _ready:
            off = getattr(ort, "disable_telemetry_events", None)
            if off is not None:
                off()
            _ready = True
    return ort
