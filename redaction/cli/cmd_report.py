"""``bwv report EXPORT.manifest.json [--out X.pdf]``: rebuild an export's PDF disclosure report."""
from __future__ import annotations

import sys
from pathlib import Path

from .. import services


def register(sub) -> None:
    p = sub.add_parser("report", help="rebuild the PDF disclosure report of an export",
                       description="Rebuild the PDF disclosure report of an export from its "
                                   "manifest, its edit log (replayed up to the export and "
                                   "checked against the manifest's project state) and the "
                                   "exported MP4 (checked against its sha256). Never "
                                   "overwrites: by default OUT.report.pdf beside the export, "
                                   "which must not exist; else give --out. Says whether the "
                                   "result is identical to the report the manifest lists; exit code 1 when "
                                   "it differs, 5 when the manifest, the edit log or the "
                                   "export does not verify.")
    p.add_argument("manifest", help="the export's OUT.manifest.json")
    p.add_argument("--out", default=None, help="where to write the PDF (must not exist)")
    p.set_defaults(func=run)


def run(args) -> int:
    from . import current_user
    from ..report import regenerate
    who = services.authorise("export", current_user(args), manifest=str(args.manifest))
    res = regenerate(Path(args.manifest), args.out)
    print(f"wrote {res.path}")
    print(f"sha256 {res.sha256}")
    if res.matches is True:
        print("identical to the report the manifest lists")
    elif res.matches is False:
        print(f"{res.path}: differs from the report the manifest lists (sha256 {res.listed})",
              file=sys.stderr)
    else:
        print("the manifest lists no report (exported before reports were written)")
    from .. import access
    access.record("consultation", "report.regenerate", who,
                  {"manifest": str(Path(args.manifest).resolve()), "report": str(res.path),
                   "sha256": res.sha256, "matches": res.matches})
    return 1 if res.matches is False else 0
