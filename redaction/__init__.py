"""BWV Workstation engine: media, projects, detection, rendering, export, logs.

This package never imports Qt; the desktop UI in ``app/`` is a thin layer over it.
"""
import os as _os
from importlib.metadata import PackageNotFoundError, version as _version

# onnxruntime 1.29+ carries Microsoft's 1DS telemetry on Linux and macOS: an uploader to
# mobile.events.data.microsoft.com and a persistent device id and event database under
# ~/.cache/Microsoft. A police workstation makes no network calls, so it is switched off
# before onnxruntime can initialise, in every process that imports the engine (detection
# children, batch and Ray workers too), whatever the environment said (ADR 0002).
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

try:
    __version__ = _version("bwv-workstation")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.1.0"
