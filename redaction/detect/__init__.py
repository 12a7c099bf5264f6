"""Detectors: callables from an RGB frame to a list of :class:`Detection`.

Build them with :func:`build_detector` (redaction/detect/factory.py); the shipped models and
their hashes are in :mod:`redaction.detect.models`.
"""
from .base import Detection, Detector
from .factory import BUILDERS, DEFAULT_PRESET, PRESETS, available_kinds, build_detector

__all__ = ["Detection", "Detector", "build_detector", "available_kinds", "BUILDERS",
           "PRESETS", "DEFAULT_PRESET"]
