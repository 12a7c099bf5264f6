"""Frozen entry point of the windowed workstation (``BWV Workstation.exe`` / ``bwv-gui``).

``bwv-gui [CLIP_OR_PROJECT] [--frame N ...]`` is ``bwv gui ...``. In a windowed build on
Windows there is no console: stdout/stderr are None, so they go to the null device and
errors go to the log file (and a dialog, installed by the GUI).
"""
import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    from app.launcher import main
    from redaction.logsetup import install_excepthook
    install_excepthook()
    sys.exit(main(["gui", *sys.argv[1:]]))
