"""User preferences: a JSON file under the user's config dir, never beside the code."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar, Optional

from redaction.fsutil import atomic_write_text
from redaction.paths import config_dir

from .themes import THEMES

log = logging.getLogger("bwv.gui.prefs")

DEFAULT_REASONS = [
    "Third party face (not relevant)",
    "Member of the public",
    "Child or young person",
    "Victim or witness",
    "Vehicle registration of a third party",
    "Personal data on screen or document",
    "Requester (subject access): keep clear",
    "Officer: not to be redacted",
    "False detection",
]
BASES = [
    "Data Protection Act 2018, s.45 (subject access, law enforcement)",
    "UK GDPR Art.15 (subject access)",
    "Criminal Procedure and Investigations Act 1996 (disclosure)",
    "Data Protection Act 2018, Sch.2 para.2 (crime and taxation)",
    "Court order",
]
ANNOTATION_CATEGORIES = ["incident", "use of force", "arrest", "evidence", "note"]
# what the window can use of a value found in the file (the Preferences dialog's own ranges)
RANGES = {"autosave_seconds": (1, 600), "short_track_frames": (1, 100000)}
CHOICES = {"theme": THEMES, "playback": ("decoded", "vlc")}


def _usable(key: str, value, default) -> bool:
    if type(value) is not type(default):
        return False
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    if key in RANGES:
        return RANGES[key][0] <= value <= RANGES[key][1]
    return key not in CHOICES or value in CHOICES[key]


@dataclass
class Preferences:
    reasons: list[str] = field(default_factory=lambda: list(DEFAULT_REASONS))
    bases: list[str] = field(default_factory=lambda: list(BASES))
    annotation_categories: list[str] = field(default_factory=lambda: list(ANNOTATION_CATEGORIES))
    theme: str = "dark"              # dark | high-contrast | system
    autosave_seconds: int = 5
    short_track_frames: int = 5
    organisation: str = ""
    playback: str = "decoded"        # decoded | vlc (when libvlc is available)
    notice: ClassVar[str] = ""       # what load() could not use (an instance sets its own)

    @staticmethod
    def path() -> Path:
        return config_dir() / "gui-preferences.json"

    @classmethod
    def load(cls, path: Optional[Path] = None) -> "Preferences":
        """The file's usable values over the defaults; what could not be used is named in
        ``notice`` (one line, for the window's status bar), never an exception."""
        path = path or cls.path()
        p = cls()
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return p
        except (OSError, ValueError) as e:
            p.notice = f"Preferences unreadable, the defaults are used: {path} ({e})"
            log.warning("%s", p.notice)
            return p
        if not isinstance(doc, dict):
            p.notice = f"Preferences unreadable, the defaults are used: {path} (not a JSON object)"
            log.warning("%s", p.notice)
            return p
        bad = []
        for k, v in doc.items():
            if not hasattr(p, k):
                continue
            if _usable(k, v, getattr(p, k)):
                setattr(p, k, v)
            else:
                bad.append(k)
        if bad:
            p.notice = f"Preferences: the defaults are used for {', '.join(bad)} (wrong type or " \
                       f"out of range in {path})"
            log.warning("%s", p.notice)
        return p

    def save(self, path: Optional[Path] = None) -> None:
        atomic_write_text(path or self.path(), json.dumps(asdict(self), indent=1) + "\n")
