"""Logging: a rotating log file in the user's log folder; tracebacks go there, not to users."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_configured = False


def log_file() -> Path:
    from .paths import log_dir
    return log_dir() / "bwv.log"


def setup_logging(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger()
    root.setLevel(level)
    try:
        h = logging.handlers.RotatingFileHandler(log_file(), maxBytes=2_000_000, backupCount=5,
                                                 encoding="utf-8", delay=True)
    except OSError:
        return  # an unwritable log folder must not stop the program; the self-test reports it
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(h)
