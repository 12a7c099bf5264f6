"""Detectors: callables from an RGB frame to a list of :class:`Detection`."""
from .base import Detection, Detector

__all__ = ["Detection", "Detector"]
