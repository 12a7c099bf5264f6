"""Bundled data: models (see models/MODELS.md), sample clip, icons and themes.

A package so that ``importlib.resources.files("resources")`` finds it both from a
checkout and inside a frozen (PyInstaller) build.
"""
