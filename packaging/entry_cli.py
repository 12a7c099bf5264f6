"""Frozen entry point of the ``bwv`` command line (console executable)."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from redaction.cli import main
    sys.exit(main())
