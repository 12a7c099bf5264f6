"""``bwv project ...``: create and edit redaction projects headless (same commands as the GUI)."""
from __future__ import annotations

import functools
import json
import math
import sys
from contextlib import ExitStack
from pathlib import Path

from .. import services
from ..edits import AddAudioRange, AddTrack, SetKeyframe, SetSpan, SetStatus, SetStyle
from ..errors import ProjectError
from ..model import KINDS, STATUSES, STYLE_MODES, AudioRange, Keyframe, Track
from ..project_io import check_new_project_name, default_project_path
from ..projlock import hold
from ..session import ProjectSession
from ..speech.engines import ENGINES
from ..speech.transcript import DEFAULT_PAD_S, MAX_PAD_S
from . import current_user


def _box(text: str):
    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        vals = []
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals) or vals[2] <= 0 or vals[3] <= 0:
        raise ProjectError(f"bad --box {text!r}: expected X,Y,W,H with positive W and H")
    return tuple(vals)


def register(sub) -> None:
    p = sub.add_parser("project", help="create, inspect and edit redaction projects",
                       description="Create and edit redaction projects. Every change is a "
                                   "logged command, exactly as in the GUI.")
    ps = p.add_subparsers(dest="project_cmd", metavar="ACTION", required=True)

    n = ps.add_parser("new", help="create a project for a clip")
    n.add_argument("clip")
    n.add_argument("--out", help="project file (default: in the user's data folder)")
    n.set_defaults(func=cmd_new)

    s = ps.add_parser("show", help="summarise a project (or print it as JSON)")
    s.add_argument("project")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)

    a = ps.add_parser("add-track", help="add a manual track")
    a.add_argument("project")
    a.add_argument("--kind", choices=KINDS, default="face")
    a.add_argument("--frame", type=int, required=True, help="first frame")
    a.add_argument("--box", required=True, help="X,Y,W,H on that frame")
    a.add_argument("--end-frame", type=int, help="last frame (default: the first frame)")
    a.add_argument("--status", choices=STATUSES, default="accepted")
    a.add_argument("--reason", required=True, help="why this is redacted (logged)")
    a.set_defaults(func=cmd_add_track)

    k = ps.add_parser("keyframe", help="set a track's box on a frame")
    k.add_argument("project")
    k.add_argument("track", help="track id (bwv project show)")
    k.add_argument("--frame", type=int, required=True, help="frame index (0 = the first frame)")
    k.add_argument("--box", required=True, help="X,Y,W,H in pixels of the stored picture; the "
                                               "box is interpolated between keyframes")
    k.set_defaults(func=cmd_keyframe)

    sp = ps.add_parser("span", help="set a track's first and last frame")
    sp.add_argument("project")
    sp.add_argument("track", help="track id (bwv project show)")
    sp.add_argument("--start", type=int, required=True, help="first frame index (inclusive)")
    sp.add_argument("--end", type=int, required=True, help="last frame index (inclusive)")
    sp.set_defaults(func=cmd_span)

    d = ps.add_parser("decide", help="accept, reject or keep clear tracks and audio proposals, "
                                     "with a reason")
    d.add_argument("project")
    d.add_argument("tracks", nargs="+", help="track or audio range ids (track:ID or audio:ID "
                                             "where both have it), or 'all-pending'")
    d.add_argument("--status", choices=("accepted", "rejected", "keep_clear", "pending"),
                   required=True)
    d.add_argument("--reason", required=True)
    d.set_defaults(func=cmd_decide)

    au = ps.add_parser("add-audio", help="mute or bleep an audio range (seconds, or words of "
                                         "the clip's transcript)")
    au.add_argument("project")
    au.add_argument("--start", type=float, help="start in seconds from the clip's start")
    au.add_argument("--end", type=float, help="end in seconds (after --start)")
    au.add_argument("--words", help="FROM-TO: word indices of the transcript (bwv transcribe), "
                                    "instead of --start/--end")
    au.add_argument("--pad", type=float, default=None,
                    help=f"seconds added before and after the words, 0-{MAX_PAD_S:g} "
                         f"(default {DEFAULT_PAD_S:g})")
    au.add_argument("--engine", choices=list(ENGINES),
                    help="the speech engine whose transcript --words counts in (default: the "
                         "one the project records, from bwv transcribe --project)")
    au.add_argument("--mode", choices=("mute", "bleep"), default="mute",
                    help="silence the range, or replace it with a 1 kHz tone (default mute)")
    au.add_argument("--reason", required=True, help="why this is redacted (logged; not empty)")
    au.set_defaults(func=cmd_add_audio)

    ck = ps.add_parser("checks", help="list the checks before export (frames not detected, tracks "
                                      "lost in view, low-confidence proposals, dark footage), or "
                                      "record some as done",
                       description="List the places the officer should look at before export: "
                                   "frames no detection run covered, automatic tracks lost while "
                                   "in view, low-confidence proposals, and dark footage (where "
                                   "the detectors miss more). "
                                   "With --done, record that you looked (logged).")
    ck.add_argument("project")
    ck.add_argument("--json", action="store_true")
    ck.add_argument("--done", nargs="+", metavar="KEY", help="check keys (or 'all') to mark as done")
    ck.add_argument("--note", default="", help="what you checked (required with --done)")
    ck.set_defaults(func=cmd_checks)

    rb = ps.add_parser("rebuild", help="rewrite the project file from its edit log",
                       description="Rebuild the project from its edit log (the truth) and save "
                                   "it, discarding whatever was changed in the file outside the "
                                   "program. The discarded differences are logged.")
    rb.add_argument("project")
    rb.set_defaults(func=cmd_rebuild)

    mg = ps.add_parser("migrate", help="give a project from an earlier version a replayable "
                                       "edit log",
                       description="Projects written before edit-log format 2 cannot be rebuilt "
                                   "from their log. This records the current state as the base "
                                   "the replay starts from (attributed and logged), after "
                                   "checking the log's chain and anchor.")
    mg.add_argument("project")
    mg.set_defaults(func=cmd_migrate)

    st = ps.add_parser("style", help="set the redaction style")
    st.add_argument("project")
    st.add_argument("mode", choices=STYLE_MODES)
    st.add_argument("--margin", type=float, help="fraction of the box size added on every side")
    st.add_argument("--margin-px", type=float, help="pixels added on every side on top of --margin")
    st.set_defaults(func=cmd_style)


def _writing(fn=None, *, when=lambda args: True):
    """A command that changes the project holds the project's lock (ADR 0015) from opening
    it to saving it, and is one unit (:meth:`ProjectSession.command`): if it fails, its
    edit-log entries are withdrawn. ``when``: whether this call writes at all."""
    if fn is None:
        return lambda f: _writing(f, when=when)

    @functools.wraps(fn)
    def run(args):
        if not when(args):
            return fn(args)
        with ExitStack() as stack:
            stack.enter_context(hold(args.project, f"bwv project {args.project_cmd}",
                                     current_user(args)))
            args.command_units = stack
            return fn(args)
    return run


def _open(args, action="redact", check=True) -> ProjectSession:
    """Open the project. Viewing is checked here; every edit is checked by
    :func:`redaction.services.edit` for the right its command needs."""
    user = current_user(args)
    if action == "view":
        services.authorise("view", user, project=str(args.project))
    s = ProjectSession.open(args.project, user, check=check)
    units = getattr(args, "command_units", None)
    if units is not None:
        units.enter_context(s.command())    # from here to the save: one unit
    if s.recovered_edits:
        print(f"restored {s.recovered_edits} edit(s) logged after the last save", file=sys.stderr)
    if action != "view":
        s.use_clip_bounds()   # every edit is validated against the clip's frames and picture
    return s


def _track(s: ProjectSession, tid: str):
    try:
        return s.project.track(tid)
    except KeyError:
        raise ProjectError(f"no track {tid!r} in the project", s.path) from None


def _done(s: ProjectSession, msg: str) -> int:
    services.save(s)
    print(msg)
    return 0


def cmd_new(args) -> int:
    user = services.authorise("redact", current_user(args), clip=str(args.clip))
    out = Path(args.out) if args.out else default_project_path(args.clip)
    check_new_project_name(out)   # both before hashing the clip
    if not out.parent.is_dir():
        raise ProjectError("folder does not exist", out.parent)
    from ..media import probe
    info = probe(args.clip)  # proves it is a readable clip; hashes it
    with hold(out, "bwv project new", user):
        s = ProjectSession.create(args.clip, out, user, sha256=info.sha256)
        if info.truncated:   # not evidence-grade: say so, and keep it in the log
            print(f"warning: {args.clip}: truncated: {info.truncated}", file=sys.stderr)
            try:
                s.record("source_truncated", {"detail": info.truncated})
                s.save()
            except BaseException:
                s.remove_created()      # nothing of this attempt is left for a retry
                raise
    print(f"created {s.path} for {args.clip} ({info.frames} frames, sha256 {info.sha256[:12]}...)")
    return 0


def cmd_show(args) -> int:
    s = _open(args, "view")
    p = s.project
    if args.json:
        from ..project_io import project_to_dict
        print(json.dumps(project_to_dict(p), indent=1))
        return 0
    print(f"source: {p.source.path} (sha256 {p.source.sha256[:12]}...)  style: {p.style.mode}")
    for t in p.tracks:
        print(f"  {t.id:6} {t.kind:6} {t.origin:6} {t.status:10} frames {t.first_frame}-"
              f"{t.last_frame}  {t.reason}")
    for a in p.audio:
        print(f"  {a.id:6} audio  {a.mode:6} {a.origin:6} {a.status:10} {a.start:.3f}-"
              f"{a.end:.3f}s  {a.reason}")
    return 0


@_writing
def cmd_add_track(args) -> int:
    s = _open(args)
    tid = s.project.new_track_id()
    t = Track(tid, args.kind, "manual", "pending", reason=args.reason,
              keyframes=[Keyframe(args.frame, _box(args.box))], end_frame=args.end_frame)
    services.edit(s, AddTrack(t))
    if args.status != "pending":
        services.edit(s, SetStatus([tid], args.status, args.reason, s.user))
    return _done(s, tid)


@_writing
def cmd_keyframe(args) -> int:
    s = _open(args)
    _track(s, args.track)
    services.edit(s, SetKeyframe(args.track, args.frame, _box(args.box)))
    return _done(s, f"{args.track}: keyframe at {args.frame}")


@_writing
def cmd_span(args) -> int:
    s = _open(args)
    _track(s, args.track)
    services.edit(s, SetSpan(args.track, args.start, args.end))
    return _done(s, f"{args.track}: frames {args.start}-{args.end}")


@_writing
def cmd_decide(args) -> int:
    s = _open(args)
    if args.tracks == ["all-pending"]:
        ids = [t.id for t in s.project.pending()]
        aids = [a.id for a in s.project.pending_audio()]
    else:
        ids, aids = _split_ids(s, args.tracks)
    for tid in ids:
        _track(s, tid)
    if ids:
        services.edit(s, SetStatus(ids, args.status, args.reason, s.user))
    if aids:
        _decide_audio(s, aids, args)
    return _done(s, f"{len(ids)} track(s), {len(aids)} audio range(s) {args.status}")


def _split_ids(s: ProjectSession, given: list[str]) -> tuple[list[str], list[str]]:
    """Track ids and audio-range ids. ``track:ID`` / ``audio:ID`` say which is meant where a
    project from an earlier version gave both the same id; a bare id that names both is
    refused rather than guessed."""
    track_ids = {t.id for t in s.project.tracks}
    audio_ids = {a.id for a in s.project.audio}
    ids, aids = [], []
    for i in given:
        what, _, rest = i.partition(":")
        if rest and what in ("track", "audio"):
            (ids if what == "track" else aids).append(rest)
        elif i in track_ids and i in audio_ids:
            raise ProjectError(f"{i} names both a track and an audio range: write track:{i} or "
                               f"audio:{i}", s.path)
        else:
            (aids if i in audio_ids else ids).append(i)
    return ids, aids


def _decide_audio(s, ids, args) -> None:
    from ..services.editing import decide_audio
    decide_audio(s, ids, args.status, args.reason)


@_writing
def cmd_add_audio(args) -> int:
    if args.pad is not None:
        from ..speech.transcript import check_pad
        try:
            check_pad(args.pad)
        except ValueError as e:
            raise ProjectError(f"bad --pad: {e}", args.project) from None
    s = _open(args)
    if args.words:
        return _add_audio_words(s, args)
    if args.start is None or args.end is None:
        raise ProjectError("give --start and --end (seconds), or --words FROM-TO", args.project)
    if args.end <= args.start or args.start < 0:
        raise ProjectError("audio range must have 0 <= start < end", args.project)
    rid = s.project.new_audio_id()
    services.edit(s, AddAudioRange(AudioRange(args.start, args.end, args.mode, args.reason, id=rid,
                                              decided_by=s.user)))
    return _done(s, rid)


def _add_audio_words(s: ProjectSession, args) -> int:
    """A range over words FROM-TO of the clip's cached transcript (bwv transcribe): the
    transcript the project records (engine and sha256), refused if missing or different."""
    from ..edits import Batch, SetExtra
    from ..speech.job import cached
    from ..speech.transcript import EXTRA_KEY, AfterPicture, check_pad, word_range
    a, _, b = args.words.partition("-")
    try:
        first, last = int(a), int(b if b else a)
    except ValueError:
        raise ProjectError(f"bad --words {args.words!r}: expected FROM-TO word indices",
                           args.project) from None
    pad = check_pad(DEFAULT_PAD_S if args.pad is None else args.pad)   # checked above
    rec = s.project.extra.get(EXTRA_KEY)
    rec = rec if isinstance(rec, dict) else None
    engine = args.engine or (rec or {}).get("engine")
    if rec and args.engine and args.engine != rec.get("engine"):
        raise ProjectError(f"the project's word numbers refer to the {rec.get('engine')} "
                           f"transcript, not {args.engine}", args.project)
    t = cached(s.project.source.sha256, engine)
    if t is None:
        raise ProjectError(f"no {engine or 'default engine'} transcript of this clip here: "
                           f"bwv transcribe {s.source_path} --project {s.path}"
                           + (f" --engine {engine}" if engine else ""), args.project)
    if rec and rec.get("sha256") != t.digest():
        raise ProjectError(f"the cached {t.engine} transcript differs from the one the "
                           "project's word numbers refer to (transcribed again?): run bwv "
                           f"transcribe {s.source_path} --project {s.path} and check the "
                           "word numbers", args.project)
    if t.clip_s is None and s.bounds is not None:
        t.clip_s = s.bounds[3]
    try:
        r = word_range(t, s.project, first, last, mode=args.mode, reason=args.reason, pad=pad)
    except (IndexError, AfterPicture) as e:
        raise ProjectError(str(e), args.project) from None
    r.decided_by = s.user       # drawn by hand: redacted, decided by who drew it
    cmd = AddAudioRange(r)
    if rec is None:       # from now on the word numbers are read against this transcript
        cmd = Batch([cmd, SetExtra(EXTRA_KEY, t.record())], f"words {first}-{last}")
    services.edit(s, cmd)
    return _done(s, f"{r.id} {r.start:.2f}-{r.end:.2f}s: " + " ".join(
        w.word for w in t.words[first:last + 1]))


@_writing
def cmd_style(args) -> int:
    for name, val, hi in (("--margin", args.margin, 2), ("--margin-px", args.margin_px, 64)):
        if val is not None and not 0 <= val <= hi:
            raise ProjectError(f"{name} must be between 0 and {hi}", args.project)
    s = _open(args)
    services.edit(s, SetStyle(args.mode, args.margin, args.margin_px))
    return _done(s, f"style {args.mode}")


@_writing(when=lambda args: bool(args.done))
def cmd_checks(args) -> int:
    from ..review_checks import clip_checks, mark_done, open_checks
    if args.note and not args.done:
        raise ProjectError("--note goes with --done KEY (or --done all)", args.project)
    s = _open(args, "redact" if args.done else "view")
    checks = clip_checks(s.project, s.source_path)
    if args.done:
        keys = [c.key for c in open_checks(checks)] if args.done == ["all"] else args.done
        unknown = sorted(set(keys) - {c.key for c in checks})
        if unknown:
            raise ProjectError(f"no check {unknown[0]!r} in the project (see `bwv project checks`)",
                               s.path)
        if not keys:
            print("no open checks")
            return 0
        try:
            cmd = mark_done(keys, s.user, args.note, s.project)
        except ValueError as e:
            raise ProjectError(str(e), s.path) from None
        services.edit(s, cmd)
        return _done(s, f"{len(keys)} check(s) marked done by {s.user}")
    if args.json:
        print(json.dumps([c.to_json() for c in checks], indent=1))
        return 0
    left = open_checks(checks)
    print(f"{len(checks)} check(s), {len(left)} open")
    for c in checks:
        state = f"done by {c.done_by}: {c.note}" if c.done else "OPEN"
        print(f"  [{state}] {c.key}\n      {c.message}")
    return 0


@_writing
def cmd_rebuild(args) -> int:
    from ..replay import rebuild
    user = services.authorise("redact", current_user(args), project=str(args.project))
    s = ProjectSession.open(args.project, user, check=False)
    args.command_units.enter_context(s.command())
    c = s.consistency()
    if c.kind == "legacy":
        raise ProjectError("edit log has no replayable start (earlier version): nothing to "
                           "rebuild from; see `bwv project migrate`", args.project)
    if c.kind == "ok":
        print("project file already matches its edit log")
        return 0
    head = s.project.extra.get("log_head")
    s.project = rebuild(c.replay.state, s.project.source.path, str(s.log.path))
    s.project.extra["log_head"] = head      # checked above; save() moves it on
    s.record("rebuild_from_log", {"was": c.kind, "discarded": list(c.differences)[:50]
                                  or [c.message]})
    s.save()
    print(f"rebuilt {s.path} from {c.replay.edits} logged edit(s)"
          + (f"; discarded: {c.message}" if c.kind == "differs" else ""))
    return 0


@_writing
def cmd_migrate(args) -> int:
    user = services.authorise("redact", current_user(args), project=str(args.project))
    s = ProjectSession.open(args.project, user)
    args.command_units.enter_context(s.command())
    entry = s.migrate()
    if entry is None:
        print("edit log already replayable (format 2)")
        return 0
    s.save()
    print(f"migrated {s.path}: edits are replayed from log entry {entry['seq']} on")
    return 0
