"""Start the workstation: QApplication, logging to the log dir, excepthook, theme, login
(when the case store has user accounts), window.

:func:`run` is what ``bwv gui`` calls. With ``screenshot`` it opens the window at the
given frame and mode, renders it (offscreen is fine), saves the PNG and returns.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from pathlib import Path
from typing import Optional

log = logging.getLogger("bwv.gui")


def _setup_logging() -> None:
    """One rotating log file for the CLI and the GUI (redaction.logsetup: <log_dir>/bwv.log)."""
    from redaction.logsetup import setup_logging
    setup_logging()


def _error_dialog(message: str) -> None:
    """The excepthook's dialog (redaction.logsetup logs the traceback first)."""
    from PySide6.QtWidgets import QApplication, QMessageBox
    app = QApplication.instance()
    if app is None or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        raise RuntimeError("no screen")  # logsetup then prints the line to stderr
    QMessageBox.critical(None, "BWV Workstation", message)


def install_excepthook() -> None:
    from redaction.logsetup import install_excepthook as install, setup_logging
    setup_logging()
    install(show_dialog=_error_dialog)


def authenticate(user: str, interactive: bool):
    """Who acts and the role gate: standalone (no accounts), the login dialog, or (screenshots,
    no dialog) a `bwv login` session / BWV_PASSWORD. None if nobody logged in."""
    from redaction import access

    from redaction.errors import PermissionDenied

    from .access_ui import Gate, store_enforced
    m = access.mode()
    if m.kind == "locked":     # the machine policy requires a store that is not usable
        raise PermissionDenied(m.reason)
    if not store_enforced():
        return user, Gate(user, enforced=False)
    if not interactive:
        who = access.authenticate(user)
        return who, Gate(who, enforced=True)
    from .dialogs.login import LoginDialog
    d = LoginDialog(None, user)
    if not d.exec() or d.user is None:
        return None, None
    return d.user, Gate(d.user, enforced=True)


def make_app(argv: Optional[list[str]] = None):
    # Background jobs (detection, export) run Python in a worker thread; a short GIL switch
    # interval lets the GUI thread get the GIL back quickly, so frame stepping stays
    # responsive while they run (see bench/ui_latency.py and docs/adr/0003-playback.md).
    sys.setswitchinterval(float(os.environ.get("BWV_GIL_SWITCH_S", "0.001")))
    # Qt Multimedia reports missing PipeWire/PulseAudio on every start; the window's status bar
    # already says plainly when there is no sound device.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or [sys.argv[0]])
        app.setApplicationName("BWV Workstation")
        app.setOrganizationName("BWV")
        app.setApplicationDisplayName("BWV Workstation")
    return app


def run(path: Optional[str], user: str, frame: Optional[int] = None, mode: Optional[str] = None,
        screenshot: Optional[str] = None, size: Optional[tuple[int, int]] = None) -> int:
    multiprocessing.freeze_support()
    _setup_logging()
    app = make_app()
    from .main_window import MainWindow
    from .prefs import Preferences
    from .themes import apply_theme
    prefs = Preferences.load()
    apply_theme(app, prefs.theme)
    install_excepthook()
    from redaction.errors import BwvError
    from redaction.policy import load_policy
    try:
        load_policy()   # an unreadable machine policy stops the program (fail secure)
        user, gate = authenticate(user, interactive=screenshot is None)
    except BwvError as e:
        print(f"bwv gui: error: {e}", file=sys.stderr)
        if screenshot is None:
            from PySide6.QtWidgets import QMessageBox
            QMessageBox.critical(None, "BWV Workstation", str(e))
        return getattr(e, "exit_code", 2) or 2
    if gate is None:
        return 1   # login cancelled
    win = MainWindow(user, prefs, interactive=screenshot is None, gate=gate)
    if size:
        win.resize(*size)
    if path and not win.open_path(path):
        if screenshot:
            print(f"bwv gui: error: {win.statusBar().currentMessage()}", file=sys.stderr)
            win.interactive = False
            win.close()
            return 2
    if win.doc is not None:
        if mode:
            win.doc.set_mode(mode)
        if frame is not None:
            win.doc.seek(frame)
        win.player.render()
    win.show()
    if screenshot:
        return _screenshot(app, win, Path(screenshot))
    return app.exec()


def _screenshot(app, win, out: Path) -> int:
    from PySide6.QtCore import QElapsedTimer
    app.processEvents()
    win.wait_idle(60000)
    t = QElapsedTimer()
    t.start()
    while t.elapsed() < 300:
        app.processEvents()
    img = win.grab()
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = img.save(str(out))
    win.close()
    if not ok:
        print(f"bwv gui: error: cannot write screenshot: {out}", file=sys.stderr)
        return 1
    print(f"screenshot: {out} ({img.width()}x{img.height()})")
    return 0
