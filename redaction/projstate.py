"""A project's content as plain data: its state hash, the change between two states,
and applying a change, so that the edit log alone rebuilds the project.

The *state* is what decides the export: tracks (every field, keyframe and score), audio
ranges, annotations, style, the source's sha256 and the extension fields. It is derived
from exactly what the project file holds (boxes rounded as saved), so the state of a
project in memory and of the same project loaded from its file hash the same. Not part
of it: the source *path* (moving a case folder is not an edit), the format/version
header and ``log_head`` (written on save).

A *change* names only what differs, with the value before and after::

    {"tracks": {"a3": {"status": ["pending", "accepted"],
                       "keyframes": {"120": [[1, 2, 3, 4], [5, 6, 7, 8]]}},
                "m1": {"$new": {...}}, "a9": {"$del": {...}}},
     "track_order": [...],                          # only when the order of ids changed
     "audio": {"a1": [before | null, after | null]}, "audio_order": [...],
     "annotations": {...}, "annotation_order": [...],
     "style": {"mode": ["solid", "blur"]},
     "extra": {"detection": [before, after]}}       # ABSENT marks a missing key

Applying a change checks every "before" against the current state first, so a replay
that has drifted stops at the first entry that does not fit (see :mod:`redaction.replay`).
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
from typing import Any, Optional

from .editlog import canonical
from .errors import IntegrityError
from .model import Project

ABSENT = {"$absent": True}
NOT_CONTENT = ("format", "version", "log_head", "source", "tracks", "audio", "style",
               "annotations")
TRACK_FIELDS = {"kind": "face", "origin": "manual", "status": "pending", "reason": "",
                "end_frame": None, "decided_by": "", "decided_at": "", "label": "", "flags": []}
MAPS = ("keyframes", "scores")   # per-frame fields of a track, diffed frame by frame


def _track(d: dict) -> dict:
    out = {k: copy.deepcopy(d.get(k, v)) for k, v in TRACK_FIELDS.items()}
    out["keyframes"] = {str(k["frame"]): [float(c) for c in k["box"]]
                        for k in d.get("keyframes", [])}
    out["scores"] = {str(f): float(s) for f, s in d.get("scores", [])}
    return out


def _floats(d: dict, keys) -> dict:
    """Numbers that may be ints in memory and floats once loaded hash the same."""
    return {k: (float(v) if k in keys and isinstance(v, (int, float)) else v)
            for k, v in d.items()}


def track_state(t) -> dict:
    from .project_io import track_to_dict
    return _track(track_to_dict(t))


def state_of(project: Project, prev: Optional[dict] = None,
             touched: Optional[set[str]] = None) -> dict:
    """The project's content (see the module docstring) as JSON-ready data.

    With ``prev`` (the state before an edit) and ``touched`` (the ids of the tracks the
    edit may have changed), only those tracks are serialised again."""
    from .project_io import project_to_dict
    doc = project_to_dict(dataclasses.replace(project, tracks=[]))
    by_id = {t.id: t for t in project.tracks}
    if prev is not None and touched is not None:
        tracks = dict(prev["tracks"])
        for tid in touched:
            if tid in by_id:
                tracks[tid] = track_state(by_id[tid])
            else:
                tracks.pop(tid, None)
        if tracks.keys() != by_id.keys():     # an edit that did not say what it touched
            tracks = {tid: track_state(t) for tid, t in by_id.items()}
    else:
        tracks = {tid: track_state(t) for tid, t in by_id.items()}
    audio = {a["id"]: _floats(a, ("start", "end")) for a in doc["audio"]}
    notes = {n["id"]: n for n in doc["annotations"]}
    return {"source_sha256": doc["source"]["sha256"],
            "tracks": tracks, "track_order": [t.id for t in project.tracks],
            "audio": audio, "audio_order": [a["id"] for a in doc["audio"]],
            "annotations": notes, "annotation_order": [n["id"] for n in doc["annotations"]],
            "style": _floats(doc["style"], ("margin", "margin_px")),
            "extra": {k: v for k, v in doc.items() if k not in NOT_CONTENT}}


def _sha(obj) -> str:
    return hashlib.sha256(canonical(obj)).hexdigest()


class Hasher:
    """The state hash: SHA-256 over the state with each track replaced by its own hash,
    so that an edit of one track re-hashes that track only."""

    def __init__(self) -> None:
        self._tracks: dict[str, str] = {}

    def __call__(self, state: dict, touched: Optional[set[str]] = None) -> str:
        if touched is None:
            self._tracks = {}
        else:
            for tid in touched:
                self._tracks.pop(tid, None)
        hashes = {}
        for tid, t in state["tracks"].items():
            h = self._tracks.get(tid)
            if h is None:
                h = self._tracks[tid] = _sha(t)
            hashes[tid] = h
        if len(self._tracks) > len(hashes):
            self._tracks = {k: self._tracks[k] for k in hashes}
        top = {k: v for k, v in state.items() if k != "tracks"}
        top["tracks"] = hashes
        return _sha(top)


def state_hash(state: dict) -> str:
    return Hasher()(state)


def project_hash(project: Project) -> str:
    return state_hash(state_of(project))


# -- differences -------------------------------------------------------------------------
def _map_diff(a: dict, b: dict) -> dict:
    out = {}
    for k in a.keys() | b.keys():
        va, vb = a.get(k, ABSENT), b.get(k, ABSENT)
        if va != vb:
            out[k] = [va, vb]
    return out


def _track_diff(a: dict, b: dict) -> dict:
    out = {}
    for k in TRACK_FIELDS:
        if a[k] != b[k]:
            out[k] = [a[k], b[k]]
    for k in MAPS:
        d = _map_diff(a[k], b[k])
        if d:
            out[k] = d
    return out


def diff(before: dict, after: dict, touched: Optional[set[str]] = None) -> dict:
    """The change from state ``before`` to state ``after`` (empty dict: no change);
    ``touched``: the only tracks that may differ (None: compare all)."""
    ch: dict[str, Any] = {}
    tracks = {}
    ids = (before["tracks"].keys() | after["tracks"].keys()) if touched is None else touched
    for tid in ids:
        a, b = before["tracks"].get(tid), after["tracks"].get(tid)
        if a is None and b is None:
            continue
        if a is None:
            tracks[tid] = {"$new": b}
        elif b is None:
            tracks[tid] = {"$del": a}
        else:
            d = _track_diff(a, b)
            if d:
                tracks[tid] = d
    if tracks:
        ch["tracks"] = tracks
    for key in ("audio", "annotations"):
        d = _map_diff(before[key], after[key])
        if d:
            ch[key] = {k: [None if a == ABSENT else a, None if b == ABSENT else b]
                       for k, (a, b) in d.items()}
    for key in ("track_order", "audio_order", "annotation_order"):
        if before[key] != after[key]:
            ch[key] = after[key]
    d = _map_diff(before["style"], after["style"])
    if d:
        ch["style"] = d
    d = _map_diff(before["extra"], after["extra"])
    if d:
        ch["extra"] = d
    if before["source_sha256"] != after["source_sha256"]:
        ch["source_sha256"] = [before["source_sha256"], after["source_sha256"]]
    return ch


# -- applying a change (replay) ------------------------------------------------------------
class Drift(IntegrityError):
    """A logged change does not fit the replayed state."""


def _put(m: dict, k: str, v: Any) -> None:
    if v == ABSENT:
        m.pop(k, None)
    else:
        m[k] = copy.deepcopy(v)


def _check(where: str, have: Any, want: Any) -> None:
    if have != want:
        raise Drift(f"{where}: the log says it was {_short(want)}, the replay has {_short(have)}")


def apply(state: dict, ch: dict) -> None:
    """Apply change ``ch`` to ``state`` in place, checking each "before" value."""
    for tid, d in ch.get("tracks", {}).items():
        cur = state["tracks"].get(tid)
        if "$new" in d:
            _check(f"track {tid}", "present" if cur is not None else "absent", "absent")
            state["tracks"][tid] = copy.deepcopy(d["$new"])
            continue
        if "$del" in d:
            _check(f"track {tid}", cur, d["$del"])
            del state["tracks"][tid]
            continue
        if cur is None:
            raise Drift(f"track {tid}: changed by the log but absent from the replay")
        for k, v in d.items():
            if k in MAPS:
                for f, (was, now) in v.items():
                    _check(f"track {tid} {k[:-1]} at frame {f}", cur[k].get(f, ABSENT), was)
                    _put(cur[k], f, now)
            else:
                _check(f"track {tid} {k}", cur.get(k), v[0])
                cur[k] = copy.deepcopy(v[1])
    for key, label in (("audio", "audio range"), ("annotations", "annotation")):
        for i, (was, now) in ch.get(key, {}).items():
            _check(f"{label} {i}", state[key].get(i), was)
            if now is None:
                state[key].pop(i, None)
            else:
                state[key][i] = copy.deepcopy(now)
    for key in ("track_order", "audio_order", "annotation_order"):
        if key in ch:
            state[key] = list(ch[key])
    for k, (was, now) in ch.get("style", {}).items():
        _check(f"style {k}", state["style"].get(k, ABSENT), was)
        _put(state["style"], k, now)
    for k, (was, now) in ch.get("extra", {}).items():
        _check(f"project field {k!r}", state["extra"].get(k, ABSENT), was)
        _put(state["extra"], k, now)
    if "source_sha256" in ch:
        _check("source sha256", state["source_sha256"], ch["source_sha256"][0])
        state["source_sha256"] = ch["source_sha256"][1]
    _fix_orders(state)


def _fix_orders(state: dict) -> None:
    """Orders follow membership when a change did not restate them (added at the end)."""
    for key, order in (("tracks", "track_order"), ("audio", "audio_order"),
                       ("annotations", "annotation_order")):
        ids = state[key]
        kept = [i for i in state[order] if i in ids]
        seen = set(kept)
        state[order] = kept + [i for i in ids if i not in seen]


# -- naming the first difference --------------------------------------------------------------
def _short(v: Any, n: int = 60) -> str:
    if v == ABSENT:
        return "nothing"
    s = canonical(v).decode("utf-8")
    return s if len(s) <= n else s[: n - 3] + "..."


def _defaults(cls) -> dict:
    import dataclasses
    return {f.name: f.default for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING}


def _model_defaults() -> dict:
    from .model import Annotation, AudioRange
    return {"audio": _defaults(AudioRange), "annotations": _defaults(Annotation)}


class _Lazy(dict):
    def __missing__(self, key):
        self.update(_model_defaults())
        return self[key]


_DEFAULTS = _Lazy()


def differences(logged: dict, file: dict, limit: int = 20) -> list[str]:
    """Where the project file differs from the state its edit log rebuilds, first first."""
    out: list[str] = []
    if logged["source_sha256"] != file["source_sha256"]:
        out.append("source sha256 differs")
    for tid in logged["track_order"] + [t for t in file["track_order"]
                                        if t not in logged["tracks"]]:
        a, b = logged["tracks"].get(tid), file["tracks"].get(tid)
        if a is None:
            out.append(f"track {tid}: in the project file but not in the edit log (added by hand)")
        elif b is None:
            out.append(f"track {tid}: in the edit log but missing from the project file "
                       f"(status {a['status']}; removed by hand)")
        else:
            for k, v in _track_diff(a, b).items():
                if k in MAPS:
                    f = min(v, key=int)
                    out.append(f"track {tid} {k[:-1]} at frame {f}: edit log {_short(v[f][0])}, "
                               f"project file {_short(v[f][1])}"
                               + (f" (and {len(v) - 1} more frame(s))" if len(v) > 1 else ""))
                else:
                    out.append(f"track {tid} {k}: edit log {_short(v[0])}, project file "
                               f"{_short(v[1])}")
        if len(out) >= limit:
            return out
    for key, label in (("audio", "audio range"), ("annotations", "annotation")):
        for i, (a, b) in sorted(_map_diff(logged[key], file[key]).items()):
            if a is ABSENT:
                out.append(f"{label} {i}: in the project file but not in the edit log (added by hand)")
            elif b is ABSENT:
                out.append(f"{label} {i}: in the edit log but missing from the project file "
                           "(removed by hand)")
            elif isinstance(a, dict) and isinstance(b, dict):    # name the fields that differ
                a, b = {**_DEFAULTS[key], **a}, {**_DEFAULTS[key], **b}   # an omitted default
                for k in sorted(set(a) | set(b), key=str):
                    if a.get(k) != b.get(k):
                        out.append(f"{label} {i} {k}: edit log {_short(a.get(k))}, "
                                   f"project file {_short(b.get(k))}")
            else:
                out.append(f"{label} {i}: edit log {_short(a)}, project file {_short(b)}")
    for k, (a, b) in sorted(_map_diff(logged["style"], file["style"]).items()):
        out.append(f"style {k}: edit log {_short(a)}, project file {_short(b)}")
    for k, (a, b) in sorted(_map_diff(logged["extra"], file["extra"]).items()):
        out.append(f"project field {k!r}: edit log {_short(a)}, project file {_short(b)}")
    if not out:
        for key in ("track_order", "audio_order", "annotation_order"):
            if logged[key] != file[key]:
                out.append(f"{key.replace('_', ' ')} differs")
    return out[:limit]


def first_difference(logged: dict, file: dict) -> Optional[str]:
    d = differences(logged, file, limit=1)
    return d[0] if d else None
