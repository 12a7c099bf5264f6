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


def no_display(environ=None) -> Optional[str]:
    """Why no window can open here (Linux without an X or Wayland display), else None.

    Qt would abort (exit 134, with a misleading hint about xcb libraries) instead."""
    import os
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None            # offscreen, vnc, eglfs ...: Qt needs no display server
    wayland, display = env.get("WAYLAND_DISPLAY"), env.get("DISPLAY")
    if wayland and not platform.startswith("xcb"):
        return None
    if not display:
        return "no display (DISPLAY and WAYLAND_DISPLAY are not set)"
    host, _, num = display.partition(":")
    num = num.split(".")[0]
    if host in ("", "unix") and num.isdigit() and \
            not os.path.exists(f"/tmp/.X11-unix/X{num}"):
        return f"no X server on display {display}"
    return None


def run_gui(args) -> int:
    import os
    import shlex

    from redaction.cli import current_user

    if args.screenshot:
        # a screenshot needs no screen: render offscreen unless told otherwise
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    else:
        why = no_display()
        if why:
            target = shlex.quote(args.path) if args.path else "CLIP_OR_PROJECT"
            print(f"bwv gui: error: {why}; run it in a desktop session, or take a screenshot "
                  f"instead: bwv gui {target} --screenshot shot.png", file=sys.stderr)
            return 2
    from .main import run   # Qt is loaded here, only for `bwv gui`
    return run(args.path, current_user(args), frame=args.frame, mode=args.mode,
               screenshot=args.screenshot, size=args.size)


def main(argv: Optional[list[str]] = None) -> int:
    from redaction.cli import main as cli_main
    return cli_main(argv, extra_commands=[register_gui])


if __name__ == "__main__":
    sys.exit(main())
