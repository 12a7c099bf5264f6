"""What an export published, and what an interrupted one left (ADR 0015).

An export publishes its files in a fixed order, the video first and the manifest last: the
manifest is the commit marker (a manifest that names its ``export`` entry, beside a video
with the entry's sha256, means every file was published). Just before publishing, an
``export_publishing`` entry lists the sha256 of every file about to appear, so that files
left by an export killed in the middle can be proved to be its own: ``bwv verify`` names
them (published, missing) and fails, and the same export run again removes them (logged as
``export_partial_removed``) and publishes complete files. Nothing that is not provably such
a file is ever removed.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from .errors import ExportError
from .fsutil import sha256_file

PUBLISHING = "export_publishing"
REMOVED = "export_partial_removed"


def unpublished_exports(entries: list[dict]) -> dict[int, str]:
    """Export entries whose files were never published, by seq, with why: a later
    ``export_aborted`` entry names it (publishing failed and was undone), or it announced a
    completion entry (``"completion": "export_published"``) that never followed (the process
    was killed between logging the export and publishing it). An export entry without either
    must have its file: a missing one was deleted or moved, and verification fails."""
    out: dict[int, str] = {}
    published: set[int] = set()
    last_export = None
    for e in entries:
        a, d = e.get("action"), e.get("details") or {}
        if a == "export":
            last_export = e
        elif a == "export_published" and isinstance(d.get("export_entry"), int):
            published.add(d["export_entry"])
        elif a == "export_aborted":
            seq = d.get("export_entry")
            if not isinstance(seq, int) and last_export is not None and \
                    Path(str(d.get("output", ""))).name == Path(str(last_export["details"].get("output", ""))).name:
                seq = last_export["seq"]   # logs before export_entry: the export just before it
            if isinstance(seq, int):
                out[seq] = f"was aborted (entry {e['seq']}: {d.get('error', 'no reason given')})"
    for seq in published:          # published after all: its file must be there
        out.pop(seq, None)
    for e in entries:
        if (e.get("action") == "export" and e["seq"] not in out and e["seq"] not in published
                and (e.get("details") or {}).get("completion") == "export_published"):
            out[e["seq"]] = ("was interrupted while publishing (no completion entry)"
                             if _for(entries, PUBLISHING, e["seq"]) is not None else
                             "was interrupted before its files were published (no completion "
                             "entry)")
    return out


def _same(a, b) -> bool:
    try:
        return Path(str(a)).resolve() == Path(str(b)).resolve()
    except OSError:
        return str(a) == str(b)


def _for(entries: list[dict], action: str, seq: int) -> Optional[dict]:
    for e in entries:
        d = e.get("details") or {}
        if e.get("action") == action and d.get("export_entry") == seq:
            return e
    return None


def manifest_names(path: Path, entry: dict) -> bool:
    """Whether the manifest at ``path`` names ``entry`` (its seq and hash)."""
    try:
        man = json.loads(Path(path).read_text(encoding="utf-8"))
        log = man["edit_log"]
        return int(log["last_entry_seq"]) == entry["seq"] and log["last_entry_hash"] == entry["hash"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _same_place(p) -> Path:
    return Path(p)


def _video_ok(entry: dict, where=_same_place) -> bool:
    d = entry.get("details") or {}
    out = where(str(d.get("output") or ""))
    return out.is_file() and sha256_file(out) == d.get("export_sha256")


def committed(entry: dict, where=_same_place) -> bool:
    """The export's manifest names it and its video is there: every file was published
    (its completion entry may still be missing: killed, or a full disk, just after).
    ``where``: where a recorded path is now (a moved case folder: verify.relocated)."""
    d = entry.get("details") or {}
    m = d.get("manifest")
    return bool(m) and manifest_names(where(m), entry) and _video_ok(entry, where)


def planned(entries: list[dict], entry: dict, where=_same_place) -> dict[Path, Optional[str]]:
    """Every file the export meant to publish, with the sha256 it was to have (None: proved
    another way: the manifest names the entry). From its ``export_publishing`` entry; for an
    export logged before those entries, the video and the manifest."""
    d = entry.get("details") or {}
    pub = _for(entries, PUBLISHING, entry["seq"])
    if pub is not None:
        return {where(p): sha for p, sha in ((pub.get("details") or {}).get("files") or {}).items()}
    out = where(str(d.get("output") or ""))
    files: dict[Path, Optional[str]] = {out: d.get("export_sha256")}
    if d.get("manifest"):
        files[where(d["manifest"])] = None
    return files


def is_its_file(path: Path, sha: Optional[str], entry: dict) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    if sha is None:
        return manifest_names(path, entry)
    return sha256_file(path) == sha


def left_behind(entries: list[dict], entry: dict,
                where=_same_place) -> tuple[list[Path], list[Path]]:
    """(the export's files that are there, provably its own; those that are not)."""
    there, missing = [], []
    for p, sha in planned(entries, entry, where).items():
        (there if is_its_file(p, sha, entry) else missing).append(p)
    return there, missing


def later_export(entries: list[dict], entry: dict) -> Optional[dict]:
    """A later export entry to the same output name (a rerun)."""
    out = (entry.get("details") or {}).get("output")
    for e in entries:
        if e.get("action") == "export" and e["seq"] > entry["seq"] and \
                _same((e.get("details") or {}).get("output"), out):
            return e
    return None


def removal(entries: list[dict], entry: dict) -> Optional[dict]:
    return _for(entries, REMOVED, entry["seq"])


def describe_partial(entry: dict, there: list[Path], missing: list[Path]) -> str:
    names = lambda ps: ", ".join(p.name for p in ps) or "none"   # noqa: E731
    return (f"export recorded in edit log entry {entry['seq']} was interrupted while "
            f"publishing: {names(there)} published, {names(missing)} missing (not a complete "
            "disclosure); run the same export again to replace them")


def clear_partial(session, out: Path, existing: list[Path], entries: list[dict]) -> list[Path]:
    """Before an export to ``out``: ``existing`` (files at its names) may be removed only if
    every one is provably the partial output of an earlier export of this project to the
    same name that never completed (logged first, as ``export_partial_removed``). Else the
    first file that is not is refused ("already exists"), as before."""
    unpublished = unpublished_exports(entries)
    for e in reversed(entries):
        if e.get("action") != "export" or e["seq"] not in unpublished or committed(e) or \
                not _same((e.get("details") or {}).get("output"), out):
            continue
        plan = {p.resolve(): (p, sha) for p, sha in planned(entries, e).items()}
        strangers = [q for q in existing if q.resolve() not in plan
                     or not is_its_file(q, plan[q.resolve()][1], e)]
        if strangers:
            existing = strangers + [q for q in existing if q not in strangers]
            break
        # and its other files still there (a transcript this run does not write)
        ours = {q.resolve() for q in existing}
        existing = existing + [p for p, sha in plan.values()
                               if p.resolve() not in ours and is_its_file(p, sha, e)]
        session.record(REMOVED, {"export_entry": e["seq"], "output": str(out.resolve()),
                                 "files": {str(q.resolve()): sha256_file(q) for q in existing},
                                 "why": "the partial files of an interrupted export, replaced "
                                        "by this export"})
        for q in existing:
            try:
                q.unlink()
            except FileNotFoundError:
                pass
            except OSError as err:
                from .fsutil import describe_os_error
                raise ExportError(f"cannot remove the partial file of the interrupted export "
                                  f"of entry {e['seq']}: {describe_os_error(err)}", q) from None
        return existing
    raise ExportError("already exists; refusing to overwrite", existing[0])
