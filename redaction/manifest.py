"""The export's records: ``OUT.manifest.json`` and ``OUT.redactions.csv`` (the PDF report,
``OUT.report.pdf``, is built in :mod:`redaction.report`)."""
from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

from .model import Project
from .timebase import timecode

CSV_COLUMNS = ["id", "kind", "origin", "first_frame", "last_frame", "start_timecode",
               "end_timecode", "mode", "reason", "status", "decided_by", "decided_at"]


def sidecar_paths(out: str | Path) -> tuple[Path, Path]:
    """``d/x.mp4`` -> (``d/x.manifest.json``, ``d/x.redactions.csv``)."""
    out = Path(out)
    stem = out.name[:-4] if out.name.lower().endswith(".mp4") else out.name
    return out.with_name(stem + ".manifest.json"), out.with_name(stem + ".redactions.csv")


def report_path(out: str | Path) -> Path:
    """``d/x.mp4`` -> ``d/x.report.pdf`` (the disclosure report, redaction/report/)."""
    out = Path(out)
    stem = out.name[:-4] if out.name.lower().endswith(".mp4") else out.name
    return out.with_name(stem + ".report.pdf")


def redactions_csv(project: Project, tracks, fps: Fraction, time_to_frame, *,
                   override_user: str = "", audio=None) -> str:
    """``audio``: the audio ranges redacted (default: every range of the project)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for t in tracks:
        decided = t.decided_by
        if t.status == "pending":
            decided = f"{override_user} (--accept-pending)"
        w.writerow([t.id, t.kind, t.origin, t.first_frame, t.last_frame,
                    timecode(t.first_frame, fps), timecode(t.last_frame, fps), "",
                    t.reason, "accepted" if t.status == "pending" else t.status,
                    decided, t.decided_at])
    for a in project.audio if audio is None else audio:
        f0, f1 = time_to_frame(a.start), time_to_frame(a.end)
        decided = f"{override_user} (--accept-pending)" if a.status == "pending" else a.decided_by
        w.writerow([a.id, "audio", a.origin, f0, f1, timecode(f0, fps), timecode(f1, fps),
                    a.mode, a.reason, "accepted", decided, a.decided_at])
    return buf.getvalue()


def manifest_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
