"""``bwv detect INPUT``: propose face and plate redactions for a clip, an image or a folder."""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from .. import services
from ..errors import BwvError, IntegrityError, MediaError
from ..jobs import run_job
from ..model import Style
from ..projlock import hold
from ..track_settings import DEFAULT_HOLD_S
from ..detect.factory import DEFAULT_PRESET, PRESETS, STILLS_PRESET
from ..render import expand_box
from . import current_user
from .progress import ProgressBar

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def amount(text: str) -> float:
    """An option's finite number of 0 or more (``inf`` or ``nan`` reached the tracker as an
    internal error, or the output as boxes of no size)."""
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number of 0 or more")
    return v


def register(sub) -> None:
    p = sub.add_parser("detect", help="detect and track faces and number plates",
                       description="Detect faces and number plates. INPUT is a clip, an image or "
                                   "a folder of images. Writes JSONL (one detection per line, "
                                   "boxes with the redaction margin) and, for a clip, can add "
                                   "the tracks to a project as pending proposals.")
    p.add_argument("input", help="clip, image or folder of images")
    p.add_argument("--kinds", default="face,plate", help="comma list (default: face,plate)")
    p.add_argument("--out", help="JSONL output file (default: standard output)")
    p.add_argument("--project", help="add the tracks to this project (created if missing)")
    p.add_argument("--preset", choices=PRESETS, default=None,
                   help=f"detector preset (default: {DEFAULT_PRESET} for a clip, {STILLS_PRESET} "
                        "for images: slower, finds more small faces; docs/adr/0005)")
    p.add_argument("--every", type=int, default=None,
                   help="run the detector on every k-th frame at rest, tracking in between "
                        "(default: about 5 runs per second of video, every 6th frame at 30 fps; "
                        "more often while the camera pans fast or a track is lost in view)")
    p.add_argument("--fixed-cadence", action="store_true",
                   help="run the detector on every k-th frame only, not more often while the "
                        "camera pans fast or a track is lost in view (faster, fewer finds)")
    p.add_argument("--hold", type=amount, default=DEFAULT_HOLD_S,
                   help="seconds of steady picture a track is held after its last detection and "
                        f"before its first (fail-secure; min 0.5; default {DEFAULT_HOLD_S:g}; fast-pan "
                        "frames do not count, up to 4 s in all)")
    p.add_argument("--from", dest="start", help="first frame or time (N, #N, SS.s, HH:MM:SS:FF)")
    p.add_argument("--to", dest="end", help="last frame or time")
    p.add_argument("--margin", type=amount, default=Style().margin,
                   help="redaction margin in the JSONL boxes (fraction of box size; default %(default)s)")
    p.add_argument("--margin-px", type=amount, default=Style().margin_px,
                   help="pixels added on every side of the JSONL boxes on top of --margin "
                        "(default %(default)s)")
    p.add_argument("--no-cache", action="store_true", help="ignore and discard cached results")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def _kinds(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def _writer(out):
    if out is None:
        return sys.stdout, False
    path = Path(out)
    if path.exists():
        raise BwvError("already exists; refusing to overwrite", path)
    try:
        return open(path, "x", encoding="utf-8"), True
    except OSError as e:
        from ..fsutil import describe_os_error
        raise BwvError(f"cannot write: {describe_os_error(e)}", path) from None


def run(args) -> int:
    user = current_user(args)
    services.authorise("redact" if args.project else "view", user)
    inp = Path(args.input)
    if not inp.exists():
        raise MediaError("no such file or folder", inp)
    kinds = _kinds(args.kinds)
    if args.project and not Path(args.project).exists():   # before the detector and the hash
        from ..project_io import check_new_project_name
        check_new_project_name(args.project)
    if args.out and Path(args.out).exists():     # before a project is made for nothing
        raise BwvError("already exists; refusing to overwrite", args.out)
    stills = inp.is_dir() or inp.suffix.lower() in IMAGE_EXT
    if args.preset is None:
        args.preset = STILLS_PRESET if stills else DEFAULT_PRESET
    try:
        from ..detect.factory import build_detector
        # a clip's detector reports candidates for the tracker to confirm, as the job's own
        # does (ADR 0008); stills keep the detectors' thresholds
        detector = build_detector(kinds, args.preset, candidates=not stills)
    except ValueError as e:
        raise BwvError(str(e)) from None
    if stills:
        if args.project:
            raise BwvError("--project needs a clip, not images", inp)
        return _images(inp, detector, args)
    return _clip(inp, detector, kinds, args, user)


def _read_image(f: Path):
    """The image as RGB (EXIF orientation applied), or a MediaError naming it. A cut or
    damaged file is refused: libjpeg decodes a truncated JPEG with its missing part grey and
    OpenCV returns that, so the run would report no faces in a picture it never saw whole."""
    import warnings

    import cv2
    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(f) as im:
                im.load()
    except (UnidentifiedImageError, Image.DecompressionBombError):
        pass            # a format or a size Pillow refuses: OpenCV's decoder decides below
    except (OSError, SyntaxError, ValueError) as e:
        raise MediaError(f"truncated or corrupt image ({e})", f) from None
    img = cv2.imread(str(f), cv2.IMREAD_COLOR)
    if img is None:
        raise MediaError("not a readable image", f)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _images(inp: Path, detector, args) -> int:
    files = sorted(p for p in inp.iterdir() if p.suffix.lower() in IMAGE_EXT and p.is_file()) \
        if inp.is_dir() else [inp]          # sub-folders are not searched
    if not files:
        raise MediaError("no images found", inp)
    out = Path(args.out) if args.out else None
    if out is not None:          # refused before any work, not after it
        if out.exists():
            raise BwvError("already exists; refusing to overwrite", out)
        if not out.parent.is_dir():
            raise BwvError("no such folder", out.parent)
    bar = ProgressBar("detect", enabled=False if args.quiet or out is None else None)
    rows: list[str] = []         # --out: written whole, only once every image was read
    try:
        for n, f in enumerate(files, 1):
            rgb = _read_image(f)
            for d in detector(rgb):
                row = json.dumps({"image": f.name, "kind": d.kind,
                                  "box": [round(v, 1) for v in expand_box(d.box, args.margin, args.margin_px)],
                                  "score": round(d.score, 4)}) + "\n"
                if out is None:
                    sys.stdout.write(row)
                else:
                    rows.append(row)
            from ..jobs import Progress
            bar(Progress(n, len(files), f.name))
    finally:
        bar.close()
    if out is not None:
        from ..fsutil import atomic_write_text
        atomic_write_text(out, "".join(rows), overwrite=False)
    return 0


def _clip(inp: Path, detector, kinds, args, user) -> int:
    from ..detect.apply import add_to_project, track_lines
    from ..detect.job import DetectSettings, detect_job
    from ..media import MediaSource
    from ..session import ProjectSession
    from ..timebase import parse_timecode

    with MediaSource(inp) as src:
        info, at_time = src.info, src.index.index_at_time
        info.sha256 = src.sha256
    if info.truncated:
        print(f"warning: {inp}: truncated: {info.truncated} (only the readable frames are "
              "searched)", file=sys.stderr)
    first = last = None
    try:
        if args.start:
            # a time is the frame shown then (the clip's own timestamps: a variable rate)
            first = parse_timecode(args.start, info.fps, at_time)
        if args.end:
            last = parse_timecode(args.end, info.fps, at_time)
    except ValueError as e:
        raise BwvError(f"bad --from/--to: {e}") from None
    for opt, v, text in (("--from", first, args.start), ("--to", last, args.end)):
        if v is not None and v < 0:     # frames from -v were searched, none written
            raise BwvError(f"bad {opt}: {text} is before the clip's start", inp)
    settings = DetectSettings(kinds=kinds, preset=args.preset, every=None if args.every is None else max(1, args.every),
                              hold_s=max(0.5, args.hold), first=first or 0, last=last,
                              adaptive=not args.fixed_cadence)
    session = None
    if args.project:
        pp = Path(args.project)
        # checked (and made) under the project's lock, which is not held while detecting:
        # the window may open the project meanwhile; the tracks go in under it (ADR 0015)
        with hold(pp, "bwv detect", user):
            session = ProjectSession.open(pp, user) if pp.exists() else \
                ProjectSession.create(inp, pp, user, sha256=info.sha256)
            if info.sha256 != session.project.source.sha256:   # before any work
                raise IntegrityError(f"{inp} is not this project's clip (sha256 "
                                     f"{info.sha256[:12]}... against the project's "
                                     f"{session.project.source.sha256[:12]}...); nothing "
                                     "changed", pp)
            session.check_source()
    fh, close = _writer(args.out) if (args.out or not args.project) else (None, False)
    bar = ProgressBar("detect", enabled=False if args.quiet else None)
    try:
        result = run_job(detect_job(inp, settings, detector=detector, sha256=info.sha256,
                                    use_cache=not args.no_cache), bar)
    except OSError as e:
        raise _cache_error(e, info.sha256) from None
    finally:
        bar.close()
    if result.cache_problem:
        print(f"warning: {result.cache_problem}", file=sys.stderr)
    try:
        if fh is not None:
            for row in track_lines(result.tracks, args.margin, settings.first,
                                   settings.first + result.frames - 1, args.margin_px):
                fh.write(json.dumps(row) + "\n")
    finally:
        if close:
            fh.close()
    if session is not None:
        with hold(pp, "bwv detect", user):
            session = ProjectSession.open(pp, user)     # as it is now
            with session.command():
                tracks = add_to_project(session, result)
                session.save()
        again = session.project.extra.get("detection", {}).get("already_decided", 0)
        print(f"{len(tracks)} track(s) added to {session.path} as pending proposals"
              + (f"; {again} not proposed again (already decided: accepted, rejected or kept "
                 "clear)" if again else ""), file=sys.stderr)
        from ..review_checks import clip_checks, open_checks
        left = open_checks(clip_checks(session.project, session.source_path))
        if left:
            print(f"{len(left)} check(s) before export (frames not detected, tracks lost in "
                  f"view, low-confidence proposals, dark footage): bwv project checks "
                  f"{session.path}", file=sys.stderr)
    return 0


def _cache_error(e: OSError, sha256: str) -> Exception:
    """An OS error while detecting comes from the detection cache (the clip is only read):
    one line naming the folder (a full disk said only "disk full"). Nothing was added to the
    project; what the cache holds is kept, and a run after freeing space resumes from it."""
    import errno
    from ..fsutil import describe_os_error
    from ..paths import clip_cache_dir
    where = e.filename or clip_cache_dir(sha256)
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return BwvError("disk full writing the detection cache; nothing was added to the "
                        "project: free space there, or set BWV_CACHE_DIR to a folder with room, "
                        "and run it again (it resumes from the cache)", where)
    return BwvError(f"cannot write the detection cache: {describe_os_error(e)} (nothing was "
                    "added to the project)", where)
