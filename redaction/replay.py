"""Rebuilding a project from its edit log, and comparing it with the project file.

The log is the source of truth (docs/adr/0007): ``create_project`` carries the initial
state, every edit (``apply``, ``undo``, ``redo``, ``recover_autosave``)
carries its change with the values before and after, and the hash of the state after it.
A log written by an earlier version (format 1) has no replayable start: editing and export
are refused until ``bwv project migrate`` (or the migration the window offers on opening) appends a
``migrate_log`` entry holding the whole state as the base, attributed; the replay starts
there (``bwv verify`` says so).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from . import projstate
from .errors import BwvError, IntegrityError

LOG_FORMAT = 2
EDIT_ACTIONS = ("apply", "undo", "redo", "recover_autosave")
BASE_ACTIONS = ("create_project", "migrate_log")


class LegacyLog(IntegrityError):
    """The edit log has no replayable start (written by an earlier version)."""


@dataclass
class Replay:
    state: dict
    base_seq: int                 # the entry the replay starts from
    base_action: str              # create_project | migrate_log
    base_user: str
    base_time: str
    edits: int                    # edit entries replayed
    seq: int                      # the last entry replayed

    @property
    def migrated(self) -> bool:
        return self.base_action == "migrate_log"


def has_base(entries: Iterable[dict]) -> bool:
    return any(e.get("action") in BASE_ACTIONS and "state" in e.get("details", {})
               for e in entries)


# the details an export's entries must hold with these types, where present (verify reads them)
_SHAPES = {
    "export": {"output": str, "export_sha256": str, "manifest": str, "state_sha256": str},
    "export_publishing": {"export_entry": int, "files": dict},
    "export_published": {"export_entry": int, "files": dict, "manifest_sha256": str},
    "export_aborted": {"export_entry": int},
    "export_partial_removed": {"export_entry": int, "files": dict},
}


def _malformed(where: str, what: str, path) -> IntegrityError:
    return IntegrityError(f"{where}: malformed entry ({what}): not as this tool writes it "
                          "(edited and re-hashed, or written by another program)", path)


def _check_shape(e: dict, where: str, path) -> None:
    if not isinstance(e.get("action"), str) or not isinstance(e.get("details", {}), dict):
        raise _malformed(where, "its action or details", path)
    d = e.get("details") or {}
    for key, kind in _SHAPES.get(e["action"], {}).items():
        v = d.get(key)
        if v is not None and (not isinstance(v, kind) or isinstance(v, bool)
                              or kind is dict and not all(isinstance(x, str) and
                                                          isinstance(y, str)
                                                          for x, y in v.items())):
            raise _malformed(where, f"its {key}", path)


def replay(entries: list[dict], path: Optional[Path] = None, upto: Optional[int] = None) -> Replay:
    """Replay ``entries`` (already chain-verified) up to entry ``upto`` (all by default).
    An entry of the wrong shape is named (IntegrityError), never an internal error."""
    rep: Optional[Replay] = None
    hasher = projstate.Hasher()
    for e in entries:
        seq, action = e["seq"], e.get("action")
        if upto is not None and seq > upto:
            break
        where = f"edit log entry {seq} ({action})"
        _check_shape(e, where, path)
        try:
            rep = _step(rep, hasher, e, where, path)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as err:
            raise _malformed(where, f"{type(err).__name__}: {err}", path) from None
    if rep is None:
        raise LegacyLog("edit log was written by an earlier version and has no replayable "
                        "start; `bwv project migrate` records one (attributed and logged)", path)
    try:     # the state the edits rebuild must be a project (a base or a change may not be)
        rebuild(rep.state, "", str(path or "edit log"))
    except (KeyError, TypeError, AttributeError, ValueError, IndexError, BwvError) as err:
        what = err.message if isinstance(err, BwvError) else f"{type(err).__name__}: {err}"
        raise _malformed(f"edit log entry {rep.base_seq} ({rep.base_action}) and the edits "
                         "after it", f"they rebuild no valid project: {what}", path) from None
    return rep


def _step(rep: Optional[Replay], hasher, e: dict, where: str, path) -> Optional[Replay]:
    """Replay one entry onto ``rep`` (None before the base); returns the replay."""
    seq, action, d = e["seq"], e.get("action"), e.get("details") or {}
    if action in BASE_ACTIONS and "state" in d:
        if rep is None:
            rep = Replay(projstate.copy.deepcopy(d["state"]), seq, action, e.get("user", ""),
                         e.get("time", ""), 0, seq)
            projstate.state_hash(rep.state)      # a base without a state's parts: named
        elif projstate.state_hash(rep.state) != projstate.state_hash(d["state"]):
            diff = projstate.first_difference(rep.state, d["state"])
            raise IntegrityError(f"{where}: restates the project differently from the "
                                 f"edits before it ({diff})", path)
        return rep
    if rep is None:
        return rep      # before the base of a migrated log: not replayable
    rep.seq = seq
    if action not in EDIT_ACTIONS:
        # an export records the state it exported: the edits before it must rebuild it
        want = d.get("state_sha256") or d.get("state")
        if want and hasher(rep.state, set()) != want:
            raise IntegrityError(f"{where}: the edits before it do not rebuild the project "
                                 "state it records (earlier entries rewritten)", path)
        return rep
    if "change" not in d:
        raise IntegrityError(f"{where}: an edit without its recorded change", path)
    try:
        projstate.apply(rep.state, d["change"])
    except projstate.Drift as err:
        raise IntegrityError(f"{where}: does not fit the edits before it: {err.message}",
                             path) from None
    want = d.get("state")
    touched = set(d["change"].get("tracks", {}))
    if hasher(rep.state, touched) != want and want:
        raise IntegrityError(f"{where}: replayed state does not match the state hash it "
                             "records", path)
    rep.edits += 1
    return rep


def project_doc(state: dict, source_path: str) -> dict:
    """A ``bwv-project`` document holding ``state`` (the inverse of projstate.state_of)."""
    from .project_io import FORMAT, VERSION

    def track(tid: str, t: dict) -> dict:
        d = {"id": tid, "kind": t["kind"], "origin": t["origin"], "status": t["status"],
             "reason": t["reason"],
             "keyframes": [{"frame": int(f), "box": b}
                           for f, b in sorted(t["keyframes"].items(), key=lambda kv: int(kv[0]))]}
        if t["end_frame"] is not None:
            d["end_frame"] = t["end_frame"]
        if t["scores"]:
            d["scores"] = [[int(f), s] for f, s in sorted(t["scores"].items(),
                                                          key=lambda kv: int(kv[0]))]
        for k in ("decided_by", "decided_at", "label", "flags"):
            if t[k]:
                d[k] = t[k]
        return d

    doc = {"format": FORMAT, "version": VERSION,
           "source": {"path": source_path, "sha256": state["source_sha256"]},
           "tracks": [track(i, state["tracks"][i]) for i in state["track_order"]],
           "audio": [state["audio"][i] for i in state["audio_order"]],
           "style": state["style"],
           "annotations": [state["annotations"][i] for i in state["annotation_order"]]}
    doc.update(projstate.copy.deepcopy(state["extra"]))
    return doc


def rebuild(state: dict, source_path: str, where: str = "edit log"):
    from .project_io import project_from_dict
    return project_from_dict(project_doc(state, source_path), where)
