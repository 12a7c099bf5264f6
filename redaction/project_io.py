"""Load, validate and save redaction projects (``bwv-project`` JSON, version 1).

The format is a public contract documented in ``docs/project-format.md``.
Saving is atomic (temp file + fsync + rename). Loading validates every field
and names the first bad one in a :class:`ProjectError`.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from .errors import ProjectError
from .fsutil import atomic_write_text
from .model import (AUDIO_MODES, KINDS, ORIGINS, STATUSES, STYLE_MODES, TRACK_FLAGS, Annotation,
                    AudioRange, Keyframe, Project, Source, Style, Track)

FORMAT = "bwv-project"
VERSION = 1
PROJECT_SUFFIX = ".bwvproj.json"


def check_new_project_name(path) -> None:
    """Refuse a new project whose file name does not end in :data:`PROJECT_SUFFIX`: the
    window and ``bwv gui`` know a project by that ending, and would otherwise open the file
    as a clip and refuse it as "not a readable video file"."""
    name = Path(path).name
    if not name.endswith(PROJECT_SUFFIX):
        stem = name.removesuffix(".json").removesuffix(".bwvproj") or "project"
        raise ProjectError(f"a project file name must end in {PROJECT_SUFFIX} "
                           f"(for example {stem}{PROJECT_SUFFIX})", path)


class _V:
    """Validator that remembers the JSON path of the field being read."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, where: str, msg: str) -> None:
        raise ProjectError(f"invalid project: field '{where}': {msg}", self.file)

    def obj(self, d: Any, where: str) -> dict:
        if not isinstance(d, dict):
            self.fail(where, "expected an object")
        return d

    def req(self, d: dict, key: str, where: str) -> Any:
        if key not in d:
            self.fail(f"{where}.{key}" if where else key, "missing")
        return d[key]

    def string(self, v: Any, where: str) -> str:
        if not isinstance(v, str):
            self.fail(where, "expected a string")
        return v

    def num(self, v: Any, where: str) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
            self.fail(where, "expected a number")
        try:
            f = float(v)            # an integer of 400 digits does not fit
        except OverflowError:
            f = math.inf
        if not math.isfinite(f):    # Infinity, or 1e400 read as it: no state hash holds it
            self.fail(where, "expected a finite number")
        return f

    def integer(self, v: Any, where: str, minimum: int = 0) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(where, "expected an integer")
        if v < minimum:
            self.fail(where, f"must be >= {minimum}")
        return v

    def choice(self, v: Any, allowed, where: str) -> str:
        if v not in allowed:
            self.fail(where, f"expected one of {', '.join(allowed)}, got {v!r}")
        return v

    def lst(self, v: Any, where: str) -> list:
        if not isinstance(v, list):
            self.fail(where, "expected a list")
        return v


def project_from_dict(doc: Any, file: str = "<project>") -> Project:
    v = _V(file)
    doc = v.obj(doc, "<root>")
    if v.req(doc, "format", "") != FORMAT:
        v.fail("format", f"expected {FORMAT!r}")
    ver = v.integer(v.req(doc, "version", ""), "version", 1)
    if ver > VERSION:
        v.fail("version", f"version {ver} is newer than this program supports ({VERSION})")
    src = v.obj(v.req(doc, "source", ""), "source")
    sha = v.string(v.req(src, "sha256", "source"), "source.sha256")
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha.lower()):
        v.fail("source.sha256", "expected 64 hex digits")
    source = Source(v.string(v.req(src, "path", "source"), "source.path"), sha.lower())

    tracks: list[Track] = []
    seen: set[str] = set()
    for i, t in enumerate(v.lst(doc.get("tracks", []), "tracks")):
        w = f"tracks[{i}]"
        t = v.obj(t, w)
        tid = v.string(v.req(t, "id", w), f"{w}.id")
        if not tid:
            v.fail(f"{w}.id", "must not be empty")
        if tid in seen:
            v.fail(f"{w}.id", f"duplicate track id {tid!r}")
        seen.add(tid)
        kfs = []
        last = -1
        for j, k in enumerate(v.lst(v.req(t, "keyframes", w), f"{w}.keyframes")):
            kw = f"{w}.keyframes[{j}]"
            k = v.obj(k, kw)
            fr = v.integer(v.req(k, "frame", kw), f"{kw}.frame")
            if fr <= last:
                v.fail(f"{kw}.frame", "keyframes must be in increasing frame order")
            last = fr
            box = v.lst(v.req(k, "box", kw), f"{kw}.box")
            if len(box) != 4:
                v.fail(f"{kw}.box", "expected [x, y, w, h]")
            bx = tuple(v.num(b, f"{kw}.box[{n}]") for n, b in enumerate(box))
            if bx[2] <= 0 or bx[3] <= 0:
                v.fail(f"{kw}.box", "width and height must be positive")
            kfs.append(Keyframe(fr, bx))  # type: ignore[arg-type]
        if not kfs:
            v.fail(f"{w}.keyframes", "a track needs at least one keyframe")
        end = t.get("end_frame")
        if end is not None:
            end = v.integer(end, f"{w}.end_frame")
            if end < kfs[0].frame:
                v.fail(f"{w}.end_frame", "ends before the track's first keyframe")
        scores = {}
        for j, pair in enumerate(v.lst(t.get("scores", []), f"{w}.scores")):
            p = v.lst(pair, f"{w}.scores[{j}]")
            if len(p) != 2:
                v.fail(f"{w}.scores[{j}]", "expected [frame, score]")
            scores[v.integer(p[0], f"{w}.scores[{j}][0]")] = v.num(p[1], f"{w}.scores[{j}][1]")
        tracks.append(Track(
            id=tid,
            kind=v.choice(t.get("kind", "other"), KINDS, f"{w}.kind"),
            origin=v.choice(t.get("origin", "manual"), ORIGINS, f"{w}.origin"),
            status=v.choice(t.get("status", "pending"), STATUSES, f"{w}.status"),
            reason=v.string(t.get("reason", ""), f"{w}.reason"),
            keyframes=kfs, end_frame=end, scores=scores,
            decided_by=v.string(t.get("decided_by", ""), f"{w}.decided_by"),
            decided_at=v.string(t.get("decided_at", ""), f"{w}.decided_at"),
            label=v.string(t.get("label", ""), f"{w}.label"),
            flags=[v.choice(fl, TRACK_FLAGS, f"{w}.flags[{j}]")
                   for j, fl in enumerate(v.lst(t.get("flags", []), f"{w}.flags"))],
        ))

    audio = []
    for i, a in enumerate(v.lst(doc.get("audio", []), "audio")):
        w = f"audio[{i}]"
        a = v.obj(a, w)
        start = v.num(v.req(a, "start", w), f"{w}.start")
        end = v.num(v.req(a, "end", w), f"{w}.end")
        if start < 0:
            v.fail(f"{w}.start", "must be >= 0")
        if end <= start:
            v.fail(f"{w}.end", "must be after start")
        chans = a.get("channels")
        if chans is not None:
            chans = [v.integer(c, f"{w}.channels[{n}]") for n, c in enumerate(v.lst(chans, f"{w}.channels"))]
        words = a.get("words")
        if words is not None:
            words = [v.integer(x, f"{w}.words[{n}]") for n, x in enumerate(v.lst(words, f"{w}.words"))]
            if len(words) != 2 or words[1] < words[0]:
                v.fail(f"{w}.words", "expected [first, last] word index")
        audio.append(AudioRange(start, end, v.choice(a.get("mode", "mute"), AUDIO_MODES, f"{w}.mode"),
                                v.string(a.get("reason", ""), f"{w}.reason"), chans,
                                v.string(a.get("id", f"a{i + 1}"), f"{w}.id"),
                                status=v.choice(a.get("status", "accepted"), STATUSES, f"{w}.status"),
                                origin=v.choice(a.get("origin", "manual"), ORIGINS, f"{w}.origin"),
                                kind=v.string(a.get("kind", ""), f"{w}.kind"), words=words,
                                decided_by=v.string(a.get("decided_by", ""), f"{w}.decided_by"),
                                decided_at=v.string(a.get("decided_at", ""), f"{w}.decided_at")))

    st = v.obj(doc.get("style", {}), "style")
    style = Style(mode=v.choice(st.get("mode", "solid"), STYLE_MODES, "style.mode"))
    if "margin" in st:
        style.margin = v.num(st["margin"], "style.margin")
        if not 0 <= style.margin <= 2:
            v.fail("style.margin", "must be between 0 and 2")
    if "margin_px" in st:
        style.margin_px = v.num(st["margin_px"], "style.margin_px")
        if not 0 <= style.margin_px <= 64:
            v.fail("style.margin_px", "must be between 0 and 64")
    if "color" in st:
        col = v.lst(st["color"], "style.color")
        if len(col) != 3:
            v.fail("style.color", "expected [r, g, b]")
        style.color = tuple(v.integer(c, f"style.color[{n}]") for n, c in enumerate(col))  # type: ignore
    if "strength" in st:
        style.strength = v.integer(st["strength"], "style.strength", 2)

    notes = []
    for i, n in enumerate(v.lst(doc.get("annotations", []), "annotations")):
        w = f"annotations[{i}]"
        n = v.obj(n, w)
        end = n.get("end_frame")
        notes.append(Annotation(
            id=v.string(n.get("id", f"n{i + 1}"), f"{w}.id"),
            frame=v.integer(v.req(n, "frame", w), f"{w}.frame"),
            end_frame=None if end is None else v.integer(end, f"{w}.end_frame"),
            category=v.string(n.get("category", "note"), f"{w}.category"),
            note=v.string(n.get("note", ""), f"{w}.note"),
            user=v.string(n.get("user", ""), f"{w}.user")))

    known = {"format", "version", "source", "tracks", "audio", "style", "annotations"}
    extra = {k: val for k, val in doc.items() if k not in known}
    return Project(source, tracks, audio, style, notes, extra)


def track_to_dict(t: Track) -> dict:
    d: dict = {"id": t.id, "kind": t.kind, "origin": t.origin, "status": t.status,
               "reason": t.reason,
               "keyframes": [{"frame": k.frame, "box": [round(c, 2) for c in k.box]}
                             for k in t.keyframes]}
    if t.end_frame is not None:
        d["end_frame"] = t.end_frame
    if t.scores:
        d["scores"] = [[f, round(s, 4)] for f, s in sorted(t.scores.items())]
    for k in ("decided_by", "decided_at", "label"):
        if getattr(t, k):
            d[k] = getattr(t, k)
    if t.flags:
        d["flags"] = list(t.flags)
    return d


def project_to_dict(p: Project) -> dict:
    track = track_to_dict

    def audio(a: AudioRange) -> dict:
        d = {"id": a.id, "start": a.start, "end": a.end, "mode": a.mode, "reason": a.reason}
        if a.channels is not None:
            d["channels"] = list(a.channels)
        # written only when not the default, so projects without them hash as before
        for k, default in (("status", "accepted"), ("origin", "manual"), ("kind", ""),
                           ("decided_by", ""), ("decided_at", "")):
            if getattr(a, k) != default:
                d[k] = getattr(a, k)
        if a.words is not None:
            d["words"] = list(a.words)
        return d

    doc = {"format": FORMAT, "version": VERSION,
           "source": {"path": p.source.path, "sha256": p.source.sha256},
           "tracks": [track(t) for t in p.tracks],
           "audio": [audio(a) for a in p.audio],
           "style": {"mode": p.style.mode, "margin": p.style.margin, "margin_px": p.style.margin_px,
                     "color": list(p.style.color), "strength": p.style.strength},
           "annotations": [{k: v for k, v in vars(n).items() if v is not None}
                           for n in p.annotations]}
    doc.update(p.extra)
    return doc


def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError("project file not found", path) from None
    except IsADirectoryError:
        raise ProjectError("is a folder, not a project file", path) from None
    except PermissionError:
        raise ProjectError("permission denied", path) from None
    except UnicodeDecodeError:
        raise ProjectError("not a text (UTF-8 JSON) file", path) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProjectError(f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})", path) from None
    return project_from_dict(doc, str(path))


def save_project(p: Project, path: str | os.PathLike) -> None:
    text = json.dumps(project_to_dict(p), indent=1, ensure_ascii=False) + "\n"
    atomic_write_text(path, text, error=ProjectError)


def resolve_source(p: Project, project_path: str | os.PathLike) -> Path:
    """The clip path: relative paths are taken from the project file's folder."""
    src = Path(p.source.path)
    if not src.is_absolute():
        src = Path(project_path).resolve().parent / src
    return src


def relative_source_path(clip: str | os.PathLike, project_path: str | os.PathLike) -> str:
    clip = Path(clip).resolve()
    base = Path(project_path).resolve().parent
    try:
        return os.path.relpath(clip, base)
    except ValueError:  # different drive on Windows
        return str(clip)


def default_project_path(clip: str | os.PathLike) -> Path:
    """Where a clip's project goes by default: the user's data dir, never beside the clip,
    named after the clip. Cameras reuse file names (two officers' ``VID0001.mp4``): when
    that name is taken by the project of another clip that is still there, the clip's
    project is :func:`keyed_project_path`, and it is looked for there first, so each clip
    finds its own project again whichever was opened first."""
    from .paths import projects_dir
    clip = Path(clip)
    plain = projects_dir() / f"{clip.stem}{PROJECT_SUFFIX}"
    keyed = keyed_project_path(clip)
    if keyed.exists() or (plain.exists() and _another_clips(plain, clip)):
        return keyed
    return plain


def keyed_project_path(clip: str | os.PathLike) -> Path:
    """The default project of a clip whose name another clip's project has taken: the
    clip's name and a key of its full path."""
    import hashlib
    from .paths import projects_dir
    clip = Path(clip)
    key = hashlib.sha256(str(clip.resolve()).encode()).hexdigest()[:8]
    return projects_dir() / f"{clip.stem}-{key}{PROJECT_SUFFIX}"


def _another_clips(project: Path, clip: Path) -> bool:
    """Is ``project`` the project of another clip that still exists? An unreadable project,
    or one whose clip has gone (moved, renamed), is not judged here: opening it names the
    problem."""
    try:                 # its source path only: a batch asks this for every clip listed
        with open(project, encoding="utf-8") as f:
            path = json.load(f)["source"]["path"]
        src = Path(path) if Path(path).is_absolute() else project.resolve().parent / path
        return src.exists() and src.resolve() != clip.resolve()
    except (OSError, ValueError, KeyError, TypeError):
        return False
