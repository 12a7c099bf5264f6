"""``bwv probe CLIP [--json]``: what a clip holds, with its sha256.

A clip cut short (far fewer frames readable than its header declares) is described as
usual plus a ``truncated:`` line, a warning on stderr, and exit code 3 (MediaError's).
"""
from __future__ import annotations

import json
import sys

from ..errors import MediaError
from ..media import probe


def register(sub) -> None:
    p = sub.add_parser("probe", help="describe a clip (frames, exact rate, audio, sha256)",
                       description="Describe a clip: sha256, frame count, exact frame rate, "
                                   "time base, size, rotation, duration and audio streams.")
    p.add_argument("clip", help="video file (opened read-only)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-hash", action="store_true", help="skip the sha256 (faster on long clips)")
    p.epilog = ("Exit code 3 when the clip cannot be read (missing, empty, not a video, a "
                "folder: one line names the problem) and when it is truncated (its header "
                "declares more frames or a longer duration than can be read; the description "
                "is still printed).")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import access, services
    from . import current_user
    # describing footage is viewing it: the role is checked (a locked workstation refuses)
    # and, with a case store, the look is in the audit trail
    who = services.authorise("view", current_user(args), clip=str(args.clip))
    info = probe(args.clip, with_hash=not args.no_hash)
    access.record("consultation", "probe", who, {"clip": str(args.clip), "sha256": info.sha256})
    d = info.to_json()
    if args.json:
        print(json.dumps(d))
        return _truncated(info)
    print(f"path:       {d['path']}")
    print(f"sha256:     {d['sha256'] or '(not computed)'}")
    print(f"frames:     {d['frames']}")
    print(f"fps:        {d['fps']} ({d['fps_float']:.3f}){'  variable frame rate' if d['vfr'] else ''}")
    print(f"time base:  {d['time_base']}")
    print(f"size:       {d['width']}x{d['height']}  rotation {d['rotation']}°  {d['codec']} {d['pix_fmt']}")
    if d["sample_aspect_ratio"] != "1:1":     # anamorphic: shown wider than stored
        print(f"pixels:     {d['sample_aspect_ratio']} (not square): shown as "
              f"{d['display_width']}x{d['height']}")
    print(f"duration:   {d['duration_s']:.3f} s")
    if d["captured"]:
        print(f"captured:   {d['captured']}")
    if not d["audio"]:
        print("audio:      none")
    for a in d["audio"]:
        print(f"audio:      #{a['index']} {a['codec']} {a['sample_rate']} Hz, "
              f"{a['channels']} ch ({a['layout']})")
    if info.truncated:
        print(f"truncated:  {info.truncated}")
    return _truncated(info)


def _truncated(info) -> int:
    if not info.truncated:
        return 0
    print(f"warning: {info.path}: truncated: {info.truncated}", file=sys.stderr)
    return MediaError.exit_code
