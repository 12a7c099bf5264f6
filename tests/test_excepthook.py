"""Uncaught errors are logged to the rotating log file and reported in one line (or a dialog)."""
from __future__ import annotations

import os
import subprocess
import sys

from helpers import REPO

CODE = r"""
import sys, threading
from redaction.logsetup import install_excepthook
seen = []
install_excepthook({dialog})
t = threading.Thread(target=lambda: 1 / 0)
t.start(); t.join()
if seen: print("dialog:", seen[-1])
raise RuntimeError("boom in main")
"""


def _run(tmp_path, dialog: str):
    env = {**os.environ, "BWV_LOG_DIR": str(tmp_path / "logs"), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", CODE.format(dialog=dialog)], capture_output=True,
                          text=True, env=env, timeout=120)


def test_uncaught_errors_go_to_the_log_with_one_line_for_the_user(tmp_path):
    r = _run(tmp_path, "None")
    assert r.returncode == 1
    log = (tmp_path / "logs" / "bwv.log").read_text()
    assert "ZeroDivisionError" in log and "RuntimeError: boom in main" in log
    assert "Traceback" in log and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("Unexpected error: RuntimeError: boom in main. Details are in ")
    assert str(tmp_path / "logs" / "bwv.log") in lines[-1]


def test_dialog_callback_is_used_when_given(tmp_path):
    r = _run(tmp_path, "seen.append")
    assert "dialog: Unexpected error: ZeroDivisionError" in r.stdout
    assert "Unexpected error" not in r.stderr


def test_reinstall_replaces_our_hook_but_not_a_foreign_one():
    import sys
    import threading

    from redaction.logsetup import install_excepthook
    saved = sys.excepthook, threading.excepthook
    try:
        sys.excepthook, threading.excepthook = sys.__excepthook__, threading.__excepthook__
        install_excepthook()
        first = sys.excepthook
        install_excepthook(show_dialog=print)   # the GUI's call, with a dialog
        assert sys.excepthook is not first and getattr(sys.excepthook, "_bwv", False)
        foreign = lambda *a: None  # noqa: E731
        sys.excepthook = foreign
        install_excepthook()
        assert sys.excepthook is foreign
    finally:
        sys.excepthook, threading.excepthook = saved
