"""Per-user directories (platformdirs) and bundled resources (works frozen too)."""
from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import platformdirs

APP = "bwv-workstation"
ORG = "BWV"


def _env_dir(var: str, default: str) -> Path:
    from .fsutil import private_dir
    return private_dir(Path(os.environ.get(var) or default))  # created 0700


def config_dir() -> Path:
    return _env_dir("BWV_CONFIG_DIR", platformdirs.user_config_dir(APP, ORG))


def default_data_dir() -> str:
    """The platform's per-user data folder (what ``BWV_DATA_DIR`` replaces)."""
    return platformdirs.user_data_dir(APP, ORG)


def data_dir() -> Path:
    """Per-user working files (projects, exports, recovery). The case store's folder is
    :func:`redaction.store.db.store_dir`, which a machine policy fixes."""
    return _env_dir("BWV_DATA_DIR", default_data_dir())


def cache_dir() -> Path:
    return _env_dir("BWV_CACHE_DIR", platformdirs.user_cache_dir(APP, ORG))


def log_dir() -> Path:
    return _env_dir("BWV_LOG_DIR", platformdirs.user_log_dir(APP, ORG))


def clip_cache_dir(sha256: str) -> Path:
    """Per-clip cache folder (detections, thumbnails): retention purges it with the clip."""
    return cache_dir() / "clips" / sha256


def projects_dir() -> Path:
    from .fsutil import private_dir
    p = data_dir() / "projects"
    private_dir(p)
    return p


def resources_dir() -> Path:
    """The ``resources/`` package folder, found through importlib.resources (frozen or not)."""
    return Path(str(importlib.resources.files("resources")))


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
