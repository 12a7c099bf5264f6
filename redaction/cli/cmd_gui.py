"""``bwv gui``: open the review and redaction workstation (PySide6).

Qt is imported lazily inside the command (by name, through importlib), so the
engine and the rest of the CLI never load it; import-linter's "engine never imports
Qt or the app" contract holds.
"""
from __future__ import annotations

import argparse


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        return w, h
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the review and redaction workstation",
                       description="Open a clip (its project is created in your data folder) or "
                                   "a project in the workstation.")
    p.add_argument("path", nargs="?", metavar="CLIP_OR_PROJECT")
    p.add_argument("--frame", type=int, default=None, help="start at this frame index")
    p.add_argument("--mode", choices=("edit", "preview", "original"), default=None,
                   help="view mode (default edit)")
    p.add_argument("--screenshot", metavar="OUT.png", default=None,
                   help="render the window at --frame/--mode, save a PNG and exit")
    p.add_argument("--size", type=_size, default=None, metavar="WxH",
                   help="window size (for screenshots)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    import importlib

    from . import current_user
    # Imported by name at run time only: the engine (and every other command) never loads Qt.
    run = importlib.import_module("app.main").run
    return run(args.path, current_user(args), frame=args.frame, mode=args.mode,
               screenshot=args.screenshot, size=args.size)
