"""The ``bwv`` command line: one subcommand per use case.

Subcommands live in ``redaction/cli/cmd_*.py``; each module defines
``register(subparsers)`` which adds its parser and sets ``func``. ``bwv gui`` is not
here: the ``bwv`` console script is :mod:`app.launcher`, which passes its own ``gui``
command in ``extra_commands`` (the engine never imports the app, not even by name). Errors of type
:class:`~redaction.errors.BwvError` become one line on stderr and a non-zero exit.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .. import __version__
from ..errors import BwvError

# Explicit list (not filesystem discovery) so frozen builds find every command.
COMMAND_MODULES = [
    "probe", "project", "export", "verify", "detect", "batch",
    "case", "request", "retention", "audit", "user", "selftest", "store", "report",
    "transcribe",
]

log = logging.getLogger("bwv")


def build_parser(extra_commands=()) -> argparse.ArgumentParser:
    """The parser; ``extra_commands``: more ``register(subparsers)`` callables (the
    launcher's ``gui``)."""
    parser = argparse.ArgumentParser(
        prog="bwv", description="BWV Workstation: review and redact body-worn video, offline.")
    parser.add_argument("--version", action="version", version=f"bwv {__version__}")
    parser.add_argument("--user", default=None,
                        help="who is acting (default: $BWV_USER or the login name)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.cmd_{name}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.cmd_{name}":
                continue  # command not built in this version
            raise
        mod.register(sub)
    for register in extra_commands:
        register(sub)
    return parser


def current_user(args) -> str:
    """``--user``, else $BWV_USER, else the ``bwv login`` session, else the OS login name."""
    if getattr(args, "user", None):
        return args.user
    from ..access import default_user
    return default_user()


def main(argv: list[str] | None = None, extra_commands=()) -> int:
    import multiprocessing
    multiprocessing.freeze_support()  # a frozen build's worker processes start here
    from ..logsetup import install_excepthook, setup_logging
    setup_logging()
    install_excepthook()  # `bwv gui` replaces it with one that also shows a dialog
    parser = build_parser(extra_commands)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        rc = args.func(args)
        return int(rc or 0)
    except BwvError as e:
        print(f"bwv {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:   # `bwv ... | head`: the reader has what it wanted; say nothing
        _quiet_stdout()
        return 0
    except OSError as e:
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        from ..fsutil import describe_os_error
        print(f"bwv {args.command}: error: {where}{describe_os_error(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"bwv {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: full details to the log file, one line to the user
        from ..logsetup import log_file
        log.exception("unexpected error in bwv %s", args.command)
        print(f"bwv {args.command}: internal error: {type(e).__name__}: {e} "
              f"(details in {log_file()})", file=sys.stderr)
        return 70


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the interpreter's final flush of the closed pipe
    does not print a second error."""
    import os
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
