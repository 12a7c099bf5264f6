"""Detectors: callables from an RGB frame to a list of :class:`Detection`.

Build them with :func:`build_detector` (redaction/detect/factory.py); the shipped models and
their hashes are in :mod:`redaction.detect.models`.
"""
import os as _os

# MediaPipe/LiteRT log through glog/absl to stderr; keep the CLI's stderr for real errors.
_os.environ.setdefault("GLOG_minloglevel", "2")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .base import Detection, Detector  # noqa: E402
from .factory import BUILDERS, DEFAULT_PRESET, PRESETS, available_kinds, build_detector  # noqa: E402

__all__ = ["Detection", "Detector", "build_detector", "available_kinds", "BUILDERS",
           "PRESETS", "DEFAULT_PRESET"]
