"""Verification of a project: edit-log chain, log anchor, the project rebuilt from its log
and compared with the file, source hash, export hashes and export manifests."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import export_publish as xp
from .errors import IntegrityError, ProjectError
from .fsutil import sha256_file
from .project_io import load_project, resolve_source
from .session import ProjectSession, check_anchor


@dataclass
class VerifyReport:
    entries: int = 0
    exports_checked: int = 0
    edits_replayed: int = 0
    state_sha256: str = ""
    warnings: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    clean: bool = False      # the project file is exactly the state its whole log rebuilds


def verify_project(project_path: str | os.PathLike, user: str, record: bool = True,
                   manifests=()) -> VerifyReport:
    """Raise IntegrityError at the first broken entry or file; else return a report."""
    project_path = Path(project_path)
    project = load_project(project_path)
    session = ProjectSession(project, project_path, user)
    entries = session.log.verify()
    try:
        rep = _check(session, project, project_path, entries)
        for m in manifests:
            check_manifest(Path(m), entries, project_path)
    except IntegrityError as e:
        # logged, never saved: saving moves the project's anchor (log_head) onto the log as
        # it is now, which would bless a cut log on the next run
        if record and entries:
            try:
                session.record("verify", {"result": "failed", "error": str(e)})
            except ProjectError:
                pass
        raise
    if record:
        try:
            session.record("verify", {"result": "ok", "entries": rep.entries,
                                      "exports_checked": rep.exports_checked})
            if rep.clean:   # the file is the logged state: the anchor may move over this entry
                session.save()
        except ProjectError as e:   # read-only media: the check passed, but is not on record
            raise ProjectError(f"{e.message}: the project verified, but the check could not be "
                               "recorded (on read-only media give --no-record)", e.path) from None
    return rep


def _check(session, project, project_path, entries) -> VerifyReport:
    rep = VerifyReport(entries=len(entries))
    if not entries:
        raise IntegrityError("edit log is missing or empty", session.log.path)
    check_anchor(project, entries, project_path, session.log.path)
    _check_state(session, rep)
    src = resolve_source(project, project_path)
    if not src.exists():
        raise IntegrityError("source clip not found", src)
    if sha256_file(src) != project.source.sha256:
        raise IntegrityError("source clip's sha256 does not match the project (changed)", src)
    unpublished = xp.unpublished_exports(entries)
    published = published_exports(entries)
    for e in entries:
        if e.get("action") != "export":
            continue
        d = e.get("details", {})
        out = relocated(d.get("output", ""), d, project_path)
        why = unpublished.get(e["seq"])
        where = lambda p, d=d: relocated(p, d, project_path)   # noqa: E731
        if why is not None and (why.startswith("was aborted") or not xp.committed(e, where)):
            _check_unpublished(entries, e, why, rep, where)
            continue
        if not out.exists():
            raise IntegrityError(f"export recorded in edit log entry {e['seq']} is missing", out)
        if sha256_file(out) != d.get("export_sha256"):
            raise IntegrityError(f"export's sha256 does not match edit log entry {e['seq']} "
                                 "(altered)", out)
        _check_manifest(e, d, published, project_path)
        for f, sha in ((published.get(e["seq"]) or {}).get("files") or {}).items():
            f = relocated(f, d, project_path)
            if not f.is_file():
                rep.warnings.append(f"{f}: published with the export of edit log entry "
                                    f"{e['seq']}, no longer there (moved or deleted)")
            elif sha256_file(f) != sha:
                raise IntegrityError(f"differs from the file published with the export of edit "
                                     f"log entry {e['seq']} (altered)", f)
        rep.exports_checked += 1
    return rep


def relocated(path, details: dict, project_path) -> Path:
    """Where a file an export recorded is now. A project moved or copied with its folder (a
    case folder archived, or handed to an expert witness) finds its exports at the same
    place relative to it, never the originals still at the recorded path; files outside
    the project's folder, and exports logged before they recorded their project, are
    looked for where they were recorded."""
    p = Path(str(path or ""))
    was = details.get("project") if isinstance(details, dict) else None
    if not isinstance(was, str) or not was:
        return p
    old, new = Path(was).parent, Path(project_path).resolve().parent
    if old == new:
        return p
    try:
        return new / p.relative_to(old)
    except ValueError:
        return p


def _check_unpublished(entries: list[dict], e: dict, why: str, rep: VerifyReport,
                       where) -> None:
    """An export that never completed: a warning when nothing of it is published (or a
    later export of the same name replaced it), an IntegrityError naming what is there and
    what is missing when it was cut off while publishing (ADR 0015)."""
    out = Path(str((e.get("details") or {}).get("output") or ""))
    head = f"export recorded in edit log entry {e['seq']} ({out.name}) {why}"
    later, gone = xp.later_export(entries, e), xp.removal(entries, e)
    removed = f" (its partial files were removed by entry {gone['seq']})" if gone else ""
    if later is not None:
        rep.warnings.append(f"{head}: nothing of it is published{removed}; {out.name} is the "
                            f"export of entry {later['seq']}")
        return
    there, missing = xp.left_behind(entries, e, where)
    if there:
        raise IntegrityError(xp.describe_partial(e, there, missing), there[0])
    rep.warnings.append(f"{head}: nothing was published{removed}")


def _check_state(session, rep: VerifyReport) -> None:
    """Rebuild the project from its log; any difference from the file is named."""
    c = session.consistency()
    rep.state_sha256 = session.state_sha256
    torn = session.log.torn_tail()
    if torn:
        rep.warnings.append(f"the edit log ends with {len(torn)} byte(s) of an append cut short "
                            "(a crash or a full disk; not an entry): the next edit replaces "
                            "them with a log_repair entry that keeps them")
    if c.kind == "legacy":
        rep.warnings.append("edit log written by an earlier version: its edits cannot be "
                            "replayed; editing and export are refused until `bwv project migrate` records a base")
        return
    rep.edits_replayed = c.replay.edits
    if c.replay.migrated:
        rep.warnings.append(f"edits replayed from entry {c.replay.base_seq} on (log migrated from "
                            f"an earlier version by {c.replay.base_user} at "
                            f"{c.replay.base_time}); earlier edits are chained but not replayed")
    if c.kind == "differs":
        rep.differences = list(c.differences)
        more = f" (and {len(c.differences) - 1} more)" if len(c.differences) > 1 else ""
        raise IntegrityError(f"project file differs from the state its edit log rebuilds: "
                             f"{c.message}{more}", session.path)
    if c.kind == "unsaved":
        rep.warnings.append(f"{c.message}; opening the project restores them")
    rep.clean = c.kind == "ok"


def published_exports(entries: list[dict]) -> dict[int, dict]:
    """The completion entry (``export_published``) of each export, by the export's seq."""
    return {e["details"]["export_entry"]: e["details"] for e in entries
            if e.get("action") == "export_published"
            and isinstance((e.get("details") or {}).get("export_entry"), int)}


# manifest field -> the export entry's detail it must equal (what the officer declared)
_DECLARED = (("recipient", "recipient"), ("organisation", "organisation"), ("basis", "basis"),
             ("request", "request"), ("export_sha256", "export_sha256"), ("operator", "operator"))


def manifest_agrees(man: dict, raw: bytes, entry: dict, published: dict[int, dict],
                    where) -> None:
    """A manifest must be the one published with the export ``entry`` names: byte for byte
    where the export logged its completion (the manifest's sha256), and in every case the
    declared fields (recipient, organisation, basis, request, operator, the export's sha256)
    and the project state must equal what the export entry logged."""
    import hashlib
    if entry.get("action") != "export":
        raise IntegrityError(f"manifest names edit log entry {entry['seq']}, which is not an "
                             f"export ({entry.get('action')})", where)
    d = entry.get("details") or {}
    done = published.get(entry["seq"]) or {}
    want = done.get("manifest_sha256")
    if want and hashlib.sha256(raw).hexdigest() != want:
        raise IntegrityError(f"export manifest is not the one published with edit log entry "
                             f"{entry['seq']} (its sha256 differs): it was edited", where)
    for key, logged in _DECLARED:
        if logged in d and key in man and man[key] != d[logged]:
            raise IntegrityError(f"export manifest's {key} differs from edit log entry "
                                 f"{entry['seq']}: it was edited", where)
    state = (man.get("project_state") or {}).get("sha256")
    if state and d.get("state_sha256") and state != d["state_sha256"]:
        raise IntegrityError(f"export manifest's project state differs from edit log entry "
                             f"{entry['seq']}: it was edited", where)


def _read_manifest(path: Path) -> tuple[dict, bytes, int, str]:
    import json
    try:
        raw = path.read_bytes()
        man = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise IntegrityError("export manifest not found", path) from None
    except (OSError, ValueError):
        raise IntegrityError("not a readable export manifest", path) from None
    if isinstance(man, dict) and "edit_log" not in man:
        raise IntegrityError("the manifest names no edit log: not an export manifest this tool "
                             "published", path)
    try:
        log = man["edit_log"]
        return man, raw, int(log["last_entry_seq"]), str(log["last_entry_hash"])
    except (KeyError, TypeError, ValueError):
        raise IntegrityError("not a readable export manifest", path) from None


def _named_entry(entries: list[dict], seq: int, h: str, where) -> dict:
    """The log entry a manifest names, still there with the hash it recorded."""
    if not 0 < seq <= len(entries):
        raise IntegrityError(f"manifest names edit log entry {seq}, but the log has "
                             f"{len(entries)} entries: the log was cut or replaced", where)
    e = entries[seq - 1]
    if e["hash"] != h:
        raise IntegrityError(f"manifest names edit log entry {seq} with another hash: the log "
                             "was rewritten after this export", where)
    return e


def manifest_and_log(path: Path, man: Optional[dict] = None, raw: bytes = b""
                     ) -> tuple[dict, list[dict], dict]:
    """A manifest (read from ``path``, or given with its bytes), the edit log it names
    (chain verified) and its export entry, checked to agree (:func:`manifest_agrees`)."""
    from .editlog import EditLog
    if man is None:
        man, raw, seq, h = _read_manifest(Path(path))
    else:
        el = man.get("edit_log") or {}
        seq, h = int(el.get("last_entry_seq", 0) or 0), str(el.get("last_entry_hash", ""))
    log_path = Path(str((man.get("edit_log") or {}).get("path") or ""))
    if not log_path.is_file():
        raise IntegrityError(f"the edit log the manifest names is missing: {log_path}", path)
    entries = EditLog(log_path).verify()
    e = _named_entry(entries, seq, h, path)
    manifest_agrees(man, raw, e, published_exports(entries), path)
    return man, entries, e


def _check_manifest(entry: dict, d: dict, published: dict[int, dict], project_path) -> None:
    """The export's manifest must still name this log entry (a rewritten log is caught) and
    agree with it (an edited manifest is caught)."""
    m = d.get("manifest")
    if not m:
        return
    m = relocated(m, d, project_path)
    if not m.exists():
        return
    man, raw, seq, h = _read_manifest(Path(m))
    if seq != entry["seq"] or h != entry["hash"]:
        raise IntegrityError(f"export manifest names edit log entry {seq} with another hash than "
                             f"the log's entry {entry['seq']}: the log was rewritten", m)
    manifest_agrees(man, raw, entry, published, m)


def check_manifest(path: Path, entries: list[dict], project_path=None) -> None:
    """A manifest given by hand: the log must still hold the entry it names, unchanged, the
    manifest must be the one published with that export, and the export's video must be
    there with its sha256 (a manifest left by an export cut off while publishing is not a
    disclosure)."""
    man, raw, seq, h = _read_manifest(path)
    e = _named_entry(entries, seq, h, path)
    manifest_agrees(man, raw, e, published_exports(entries), path)
    d = e.get("details") or {}
    out = (relocated(d.get("output"), d, project_path) if project_path is not None
           else Path(str(d.get("output") or "")))
    if not out.is_file():
        raise IntegrityError(f"the export this manifest names is missing: {out}", path)
    if sha256_file(out) != (e.get("details") or {}).get("export_sha256"):
        raise IntegrityError("the export's sha256 differs from its edit log entry (altered)", out)


def verify_export_manifest(path: Path, known_sha256: str = "") -> dict:
    """A manifest presented for the disclosure register must be one this tool published:
    its edit log (chain verified) still holds the export entry it names, it agrees with that
    entry (byte for byte where the export logged its completion), and the export file the
    entry logged is there with its sha256 (``known_sha256``: the caller has just hashed it).
    A hand-written or edited manifest is refused. Returns the manifest."""
    man, _entries, e = manifest_and_log(Path(path))
    d = e.get("details") or {}
    if known_sha256 and known_sha256 == d.get("export_sha256"):
        return man
    out = Path(str(d.get("output") or ""))
    if not out.is_file():
        raise IntegrityError(f"the export the manifest names is missing: {out}", path)
    if sha256_file(out) != d.get("export_sha256"):
        raise IntegrityError("the export's sha256 differs from its edit log entry (altered)", out)
    return man
