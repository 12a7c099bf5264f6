"""BWV Workstation engine: media, projects, detection, rendering, export, logs.

This package never imports Qt; the desktop UI in ``app/`` is a thin layer over it.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("bwv-workstation")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.1.0"
