"""``bwv transcribe CLIP [--out F.json] [--project P]``: an offline word-level transcript of a
clip's audio and, with ``--project``, its personal details as pending audio proposals.

Nothing is half-written: the output file is refused if it exists and written atomically
(owner-only: an unredacted transcript is personal data); a new project is created only once
the transcript exists, and removed again if its proposals cannot be added; the
``transcribe`` entry is logged after the checked proposals, with the record of the
transcript (engine, models, word count, sha256) its word numbers refer to.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import services
from ..editlog import log_path_for
from ..errors import BwvError, ProjectError
from ..fsutil import atomic_write_text, unlink_quiet
from ..jobs import run_job
from ..project_io import check_new_project_name
from ..projlock import hold
from ..session import ProjectSession
from ..speech import engines
from ..speech.job import transcribe_job
from ..speech.transcript import EXTRA_KEY
from . import current_user
from .progress import ProgressBar


def register(sub) -> None:
    p = sub.add_parser("transcribe", help="transcribe a clip's speech (offline, word times)",
                       description="Transcribe the clip's first audio stream offline. Writes "
                                   "JSON: a list of words, each with word, start, end (seconds "
                                   "from the first video frame) and confidence. With --project, "
                                   "UK phone numbers, postcodes, plates read aloud, dates of "
                                   "birth, e-mail addresses and digit sequences become pending "
                                   "audio ranges (status: pending) to review like tracks; the "
                                   "project records which transcript its word numbers refer to.")
    p.add_argument("clip")
    p.add_argument("--out", help="JSON file to write, owner-only (must not exist; default: "
                                 "standard output)")
    p.add_argument("--project", help="add the proposals to this project (created if missing)")
    p.add_argument("--engine", choices=list(engines.ENGINES),
                   help="speech engine (default: the one the project's transcript came from, "
                        f"else the best installed: {', '.join(engines.available()) or 'none'})")
    p.add_argument("--mode", choices=("mute", "bleep"), default="mute",
                   help="how proposed ranges are redacted once accepted (default mute)")
    p.add_argument("--no-cache", action="store_true", help="transcribe again, ignoring the cache")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def _check_out(out: Path, project) -> None:
    """Refuse an output that exists (the clip, a project, anything) or that names the
    project or its edit log; before the long work."""
    if out.exists() or out.is_symlink():
        raise BwvError("already exists; refusing to overwrite", out)
    if project:
        pp = Path(project)
        for other in (pp, log_path_for(pp)):
            if out.resolve() == other.resolve():
                raise BwvError("is the project's own file; choose another --out", out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise BwvError("folder does not exist", folder)


def _check_new_project(pp: Path) -> None:
    """What ProjectSession.create would refuse, checked before transcribing."""
    check_new_project_name(pp)
    folder = pp.parent if str(pp.parent) else Path(".")
    if not folder.is_dir():
        raise ProjectError("folder does not exist", folder)
    if log_path_for(pp).exists():
        raise ProjectError("an edit log already exists for this project name", log_path_for(pp))


def _engine_for(session: ProjectSession, asked) -> str | None:
    """The project's transcript engine unless another is asked for; another engine is
    refused once ranges carry word numbers of the recorded one."""
    rec = session.project.extra.get(EXTRA_KEY)
    had = rec.get("engine") if isinstance(rec, dict) else None
    if asked is None:
        return had
    if had and asked != had and any(a.words is not None for a in session.project.audio):
        raise ProjectError(f"the project's word numbers refer to the {had} transcript; "
                           f"transcribe with --engine {had} (or use a new project)", session.path)
    return asked


def run(args) -> int:
    user = services.authorise("redact" if args.project else "view", current_user(args),
                              clip=str(args.clip))
    clip = Path(args.clip)
    if not clip.is_file():
        raise BwvError("clip not found", clip)
    out = Path(args.out) if args.out else None
    if out is not None:
        _check_out(out, args.project)
    session = None
    sha = None
    new_project = None
    engine = args.engine
    if args.project:
        pp = Path(args.project)
        if pp.exists():
            with hold(pp, "bwv transcribe", user):   # not held while transcribing (ADR 0015)
                session = ProjectSession.open(pp, user)
                sha = session.check_source()
                if session.source_path.resolve() != clip.resolve():
                    raise BwvError(f"the project is for {session.source_path}, not this clip",
                                   pp)
                engine = _engine_for(session, args.engine)
        else:
            _check_new_project(pp)          # created once the transcript exists
            new_project = pp
    from ..media import probe
    info = probe(clip, with_hash=False)    # a corrupt clip fails here, before anything is made
    if not info.audio:
        raise BwvError("no audio stream: nothing to transcribe", clip)
    bar = ProgressBar("transcribe", enabled=None if not args.quiet else False)
    t = run_job(transcribe_job(clip, sha256=sha, engine=engine, use_cache=not args.no_cache),
                bar)
    bar.close()
    text = json.dumps([w.to_json() for w in t.words], indent=1, ensure_ascii=False) + "\n"
    if out is not None:
        atomic_write_text(out, text, overwrite=False)     # mkstemp: 0600
    elif not args.project:
        sys.stdout.write(text)
    print(f"{len(t.words)} word(s), {t.duration_s:.1f} s of audio ({t.engine})", file=sys.stderr)
    if args.project:
        try:
            with hold(args.project, "bwv transcribe", user):
                if session is not None:
                    session = ProjectSession.open(session.path, user)    # as it is now
                _to_project(session, new_project, clip, t, user, args.mode)
        except BaseException:
            if out is not None:
                unlink_quiet(out)           # written by this command a moment ago
            raise
    return 0


def _to_project(session, new_project, clip: Path, t, user, mode: str) -> None:
    created = session is None
    if created:
        session = ProjectSession.create(clip, new_project, user, sha256=t.source_sha256)
    try:
        with session.command():        # one unit: a failure withdraws its log entries
            _add_transcript(session, t, user, mode)
    except BaseException:
        session.remove_created()       # a project this command made goes again
        raise


def _add_transcript(session, t, user, mode: str) -> None:
    session.use_clip_bounds()
    res = services.add_transcript(session, t, user, mode)     # as the window's Transcribe
    added, old = res.added, res.replaced
    if old is not None:
        print(f"warning: this transcript differs from the one the project's word numbers "
              f"were taken from ({old.get('engine')}, {old.get('words')} words); "
              "they now refer to this one", file=sys.stderr)
    services.save(session)
    for d in res.dropped:
        print(f"warning: {d}", file=sys.stderr)
    for a in added:
        print(f"  {a.id:6} {a.kind:14} {a.start:8.2f}-{a.end:.2f}s  words {a.words[0]}-"
              f"{a.words[1]}  pending", file=sys.stderr)
    print(f"{len(added)} audio proposal(s) added to {session.path} (pending review: "
          f"bwv project decide {session.path} IDS --status ... --reason ...)", file=sys.stderr)
