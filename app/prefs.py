"""User preferences: a JSON file under the user's config dir, never beside the code."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from redaction.fsutil import atomic_write_text
from redaction.paths import config_dir

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

    @staticmethod
    def path() -> Path:
        return config_dir() / "gui-preferences.json"

    @classmethod
    def load(cls, path: Optional[Path] = None) -> "Preferences":
        path = path or cls.path()
        p = cls()
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return p
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable preferences %s: %s", path, e)
            return p
        for k, v in doc.items() if isinstance(doc, dict) else ():
            if hasattr(p, k) and type(v) is type(getattr(p, k)):
                setattr(p, k, v)
        return p

    def save(self, path: Optional[Path] = None) -> None:
        atomic_write_text(path or self.path(), json.dumps(asdict(self), indent=1) + "\n")
