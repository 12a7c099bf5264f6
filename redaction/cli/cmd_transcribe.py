"""``bwv transcribe CLIP [--out F.json] [--project P]``: an offline word-level transcript of a
clip's audio and, with ``--project``, its personal details as pending audio proposals."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import services
from ..errors import BwvError
from ..jobs import run_job
from ..services.editing import add_speech_proposals
from ..session import ProjectSession
from ..speech import engines
from ..speech.job import transcribe_job
from . import current_user
from .progress import ProgressBar


def register(sub) -> None:
    p = sub.add_parser("transcribe", help="transcribe a clip's speech (offline, word times)",
                       description="Transcribe the clip's first audio stream offline. Writes "
                                   "JSON: a list of words, each with word, start, end (seconds "
                                   "from the first video frame) and confidence. With --project, "
                                   "UK phone numbers, postcodes, plates read aloud, dates of "
                                   "birth, e-mail addresses and digit sequences become pending "
                                   "audio ranges (status: pending) to review like tracks.")
    p.add_argument("clip")
    p.add_argument("--out", help="JSON file to write (default: standard output)")
    p.add_argument("--project", help="add the proposals to this project (created if missing)")
    p.add_argument("--engine", choices=list(engines.ENGINES),
                   help=f"speech engine (default: the best installed: {', '.join(engines.available()) or 'none'})")
    p.add_argument("--mode", choices=("mute", "bleep"), default="mute",
                   help="how proposed ranges are redacted once accepted (default mute)")
    p.add_argument("--no-cache", action="store_true", help="transcribe again, ignoring the cache")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    user = services.authorise("redact" if args.project else "view", current_user(args),
                              clip=str(args.clip))
    clip = Path(args.clip)
    if not clip.is_file():
        raise BwvError("clip not found", clip)
    session = None
    sha = None
    if args.project:
        pp = Path(args.project)
        session = ProjectSession.open(pp, user) if pp.exists() else \
            ProjectSession.create(clip, pp, user)      # refuses a name without .bwvproj.json
        sha = session.check_source() if pp.exists() else session.project.source.sha256
        if session.source_path.resolve() != clip.resolve():
            raise BwvError(f"the project is for {session.source_path}, not this clip", pp)
        session.use_clip_bounds()
    bar = ProgressBar("transcribe", enabled=None if not args.quiet else False)
    t = run_job(transcribe_job(clip, sha256=sha, engine=args.engine, use_cache=not args.no_cache),
                bar)
    bar.close()
    text = json.dumps([w.to_json() for w in t.words], indent=1, ensure_ascii=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    elif not args.project:
        sys.stdout.write(text)
    print(f"{len(t.words)} word(s), {t.duration_s:.1f} s of audio ({t.engine})", file=sys.stderr)
    if session is not None:
        session.record("transcribe", {"engine": t.engine, "models": t.models,
                                      "words": len(t.words)})
        added = add_speech_proposals(session, t, user, args.mode)
        services.save(session)
        for a in added:
            print(f"  {a.id:6} {a.kind:14} {a.start:8.2f}-{a.end:.2f}s  words {a.words[0]}-"
                  f"{a.words[1]}  pending", file=sys.stderr)
        print(f"{len(added)} audio proposal(s) added to {session.path} (pending review: "
              f"bwv project decide {session.path} IDS --status ... --reason ...)", file=sys.stderr)
    return 0
