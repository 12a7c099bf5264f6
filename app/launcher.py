"""The ``bwv`` console script: ``bwv gui ...`` opens the workstation (this package), every
other command is the engine's command line (:func:`redaction.cli.main`).

The launcher lives outside the engine so that ``redaction`` never imports ``app``, not
even by name through importlib (ADR 0001): it hands the engine's parser one extra
command, ``gui``, whose handler imports :mod:`app.main` (and so Qt) only when it runs.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        return w, h
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None


def register_gui(sub) -> None:
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
    p.set_defaults(func=run_gui)


def run_gui(args) -> int:
    from redaction.cli import current_user

    from .main import run   # Qt is loaded here, only for `bwv gui`
    return run(args.path, current_user(args), frame=args.frame, mode=args.mode,
               screenshot=args.screenshot, size=args.size)


def main(argv: Optional[list[str]] = None) -> int:
    from redaction.cli import main as cli_main
    return cli_main(argv, extra_commands=[register_gui])


if __name__ == "__main__":
    sys.exit(main())
