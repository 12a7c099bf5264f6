"""``bwv selftest``: check that this installation is healthy (one line per check)."""
from __future__ import annotations

import sys


def register(sub) -> None:
    from ..selftest import CHECKS
    p = sub.add_parser("selftest", help="check this installation: writable folders, the "
                                        "machine policy, models, encoders, libvlc, a tiny "
                                        "detect-and-export, the speech recogniser",
                       description="Run the installation self-test. Prints one line per check "
                                   "and exits non-zero if any check fails. Makes no network "
                                   "calls; temporary files go to the cache folder and are removed.")
    p.add_argument("--only", action="append", choices=[n for n, _ in CHECKS], metavar="CHECK",
                   help=f"run only this check (repeatable): {', '.join(n for n, _ in CHECKS)}")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import __version__
    from ..selftest import iter_checks
    print(f"bwv {__version__} self-test ({'frozen' if getattr(sys, 'frozen', False) else 'source'})",
          flush=True)
    failed = 0
    for c in iter_checks(args.only):
        print(c.line(), flush=True)
        failed += not c.ok
    print("self-test passed" if not failed else f"self-test FAILED: {failed} check(s)", flush=True)
    return 1 if failed else 0
