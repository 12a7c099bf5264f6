"""Start the workstation: QApplication, logging to the log dir, excepthook, theme, window.

:func:`run` is what ``bwv gui`` calls. With ``screenshot`` it opens the window at the
given frame and mode, renders it (offscreen is fine), saves the PNG and returns.
"""
from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import sys
import traceback
from pathlib import Path
from typing import Optional

from redaction.paths import log_dir

log = logging.getLogger("bwv.gui")


def _setup_logging() -> None:
    root = logging.getLogger("bwv")
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    try:
        h = logging.handlers.RotatingFileHandler(log_dir() / "gui.log", maxBytes=2_000_000,
                                                 backupCount=3, encoding="utf-8")
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(h)
        root.setLevel(logging.INFO)
    except OSError:
        pass


def _excepthook(kind, value, tb) -> None:
    log.error("unhandled exception:\n%s", "".join(traceback.format_exception(kind, value, tb)))
    from PySide6.QtWidgets import QApplication, QMessageBox
    app = QApplication.instance()
    if app is not None and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        QMessageBox.critical(None, "BWV Workstation",
                             f"An unexpected error occurred: {value}\nDetails are in {log_dir() / 'gui.log'}")


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
    sys.excepthook = _excepthook
    win = MainWindow(user, prefs, interactive=screenshot is None)
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
        win.render()
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
