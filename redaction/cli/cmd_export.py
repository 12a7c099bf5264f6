"""``bwv export PROJECT --out OUT.mp4 ...``: the redacted disclosure copy and its records."""
from __future__ import annotations

import sys

from pathlib import Path

from .. import services
from ..errors import ExportError
from ..export import ExportRequest, export_job
from ..jobs import run_job
from ..projlock import hold
from . import current_user
from .progress import ProgressBar


def parse_ranges(text: str | None) -> list[tuple[int, int]] | None:
    """None (the whole clip) when --ranges is not given; an empty or malformed value, or a
    range that ends before it starts, is refused (never silently the whole clip)."""
    if text is None:
        return None
    if not text.strip():
        raise ExportError("--ranges is empty: give FIRST-LAST frame numbers, e.g. 0-99,250-400, "
                          "or leave it out to export the whole clip")
    out = []
    for part in text.split(","):
        a, dash, b = part.strip().partition("-")
        if dash and not b.strip():
            raise ExportError(f"bad --ranges value {part!r}: give the last frame too (FIRST-LAST)")
        try:
            r = (int(a), int(b if b else a))
        except ValueError:
            raise ExportError(f"bad --ranges value {part!r}: expected FIRST-LAST frame numbers") from None
        if r[1] < r[0]:
            raise ExportError(f"bad --ranges value {part!r}: it ends before it starts")
        out.append(r)
    return out


def register(sub) -> None:
    p = sub.add_parser("export", help="write a redacted MP4 with manifest and redaction list",
                       description="Render the project's accepted redactions into a new MP4 "
                                   "(H.264 + AAC). Never overwrites; writes OUT.manifest.json, "
                                   "OUT.redactions.csv and the PDF report OUT.report.pdf beside "
                                   "OUT.mp4 (none of them may exist) and logs the export.")
    p.add_argument("project", help="redaction project (.bwvproj.json)")
    p.add_argument("--out", required=True, help="output .mp4 (must not exist)")
    p.add_argument("--operator", default=None,
                   help="who performs the export (default: the logged-in user, else $BWV_USER "
                        "or the login name); with user accounts it must be the user acting")
    p.add_argument("--recipient", required=True, help="who receives the disclosure")
    p.add_argument("--organisation", required=True, help="the recipient's organisation")
    p.add_argument("--basis", required=True, help="reason or lawful basis for disclosure")
    p.add_argument("--style", choices=("solid", "pixelate", "blur"),
                   help="override the project's style (solid fill is the default for personal data)")
    p.add_argument("--accept-pending", action="store_true",
                   help="redact tracks still pending review (the override is logged)")
    p.add_argument("--ranges", help="export only these source frame ranges, e.g. 0-99,250-400")
    p.add_argument("--request", help="the disclosure request this export answers (case store); "
                                     "required for disclosure when four-eyes approval is on")
    p.add_argument("--internal-review", action="store_true",
                   help="an export for internal review, not for disclosure: possible without a "
                        "request only where the policy allows it; marked in the manifest and "
                        "logged")
    p.add_argument("--transcript", action="store_true",
                   help="also write OUT.transcript.json: the clip's transcript with the redacted "
                        "words replaced by [REDACTED] (listed in the manifest; never written "
                        "without this option)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    # refuse before any work: no right, unknown/closed request, no four-eyes approval, or no
    # request where four-eyes approval is required (services.disclosure)
    permit = services.authorise_export(
        args.operator or current_user(args), args.request,
        "internal_review" if args.internal_review else "disclosure",
        project=str(args.project), output=str(args.out))
    user = permit.user
    req = ExportRequest(project=Path(args.project), out=Path(args.out), operator=user,
                        recipient=args.recipient, organisation=args.organisation,
                        basis=args.basis, style=args.style, accept_pending=args.accept_pending,
                        ranges=parse_ranges(args.ranges), request_id=permit.request_id,
                        purpose=permit.purpose, transcript=args.transcript)
    req.audit_head = services.audit_anchor()
    bar = ProgressBar("export", enabled=None if not args.quiet else False)
    with hold(args.project, "bwv export", user):    # the project's one writer (ADR 0015)
        result = run_job(export_job(req), bar)
    bar.close()
    services.finish_export(permit, result.manifest, result.sha256)
    print(f"wrote {result.out} ({result.frames} frames)")
    print(f"sha256 {result.sha256}")
    print(f"manifest {result.manifest}")
    print(f"redactions {result.csv}")
    if "transcript" in result.manifest_data:
        print(f"transcript {result.manifest_data['transcript']['path']}")
    print(f"report {result.report}")
    if result.note:
        print(f"warning: {result.out}: {result.note}", file=sys.stderr)
    left = result.manifest_data.get("open_checks") or []
    if left:
        print(f"warning: {len(left)} check(s) before export were not marked done (listed in the "
              f"manifest): bwv project checks {args.project}", file=sys.stderr)
    return 0
