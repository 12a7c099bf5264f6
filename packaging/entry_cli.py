"""Frozen entry point of the ``bwv`` command line (console executable): the launcher
(:mod:`app.launcher`), so ``bwv gui`` works here too; the engine never imports the app."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from app.launcher import main
    sys.exit(main())
