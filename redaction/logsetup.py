"""Logging: a rotating log file in the user's log folder; tracebacks go there, not to users."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_configured = False


def log_file() -> Path:
    from .paths import log_dir
    return log_dir() / "bwv.log"


def setup_logging(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    root = logging.getLogger()
    root.setLevel(level)
    try:
        h = _QuietFileHandler(log_file(), maxBytes=2_000_000, backupCount=5, encoding="utf-8",
                              delay=True)
    except OSError as e:
        # a log folder that cannot be made must not stop the program (the self-test reports
        # it), nor send every logged traceback to the console (logging's last resort)
        import sys
        root.addHandler(logging.NullHandler())
        if sys.stderr is not None:
            from .fsutil import describe_os_error
            print(f"warning: {e.filename or 'the log folder'}: cannot make the log folder "
                  f"({describe_os_error(e)}); logging is off for this run", file=sys.stderr)
        return
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(h)


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """The log file, or nothing: a log that cannot be written (a full disk, a folder made
    read-only) gets one warning line on stderr, once, and is not tried again; logging's
    default printed a page of "--- Logging error ---" and a traceback for every record."""

    failed = False
    dropped = False       # a record was dropped (warned once)

    def emit(self, record) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record) -> None:
        import sys
        if self.failed:
            return
        err = sys.exc_info()[1]
        if record is not None and not isinstance(err, OSError):
            # one bad record (a format string and its arguments that do not match): drop
            # it, say so once, and go on logging the others
            if not self.dropped:
                self.dropped = True
                try:
                    if sys.stderr is not None:
                        print(f"warning: {self.baseFilename}: a log record from "
                              f"{record.pathname}:{record.lineno} could not be written "
                              f"({type(err).__name__}: {err}); dropped", file=sys.stderr)
                except (OSError, ValueError):
                    pass
            return
        self.failed = True
        stream, self.stream = self.stream, None
        if stream is not None:
            try:
                stream.close()      # its unwritten buffer is dropped with it
            except (OSError, ValueError):
                pass
        if isinstance(err, OSError):
            from .fsutil import describe_os_error
            why = describe_os_error(err)
        else:
            why = f"{type(err).__name__}: {err}" if err else "unknown error"
        try:
            if sys.stderr is not None:
                print(f"warning: {self.baseFilename}: cannot write the log file ({why}); "
                      "logging to it is off for this run", file=sys.stderr)
        except (OSError, ValueError):
            pass

    def flush(self) -> None:
        if not self.failed:
            try:
                super().flush()
            except (OSError, ValueError):
                self.handleError(None)


def install_excepthook(show_dialog=None) -> None:
    """Log uncaught errors (main and worker threads) to the log file instead of vanishing.

    ``show_dialog(message: str)`` is called after logging (the GUI passes one that shows an
    error dialog); without it a one-line message goes to stderr, if there is one. Ctrl+C
    keeps its normal behaviour.
    """
    import sys
    import threading

    def _report(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        setup_logging()
        logging.getLogger("bwv").critical("uncaught exception", exc_info=(kind, value, tb))
        msg = f"Unexpected error: {kind.__name__}: {value}. Details are in {log_file()}"
        if show_dialog is not None:
            try:
                show_dialog(msg)
                return
            except Exception:  # noqa: BLE001 - never fail while reporting a failure
                logging.getLogger("bwv").exception("error dialog failed")
        if sys.stderr is not None:
            try:
                print(msg, file=sys.stderr)
            except (OSError, ValueError):
                pass

    def _thread_report(a) -> None:
        _report(a.exc_type, a.exc_value, a.exc_traceback)

    _report._bwv = _thread_report._bwv = True
    # replace only Python's defaults or our own earlier hooks (the GUI re-installs with a
    # dialog): a test runner's (pytest-qt's) hooks stay in force
    if sys.excepthook is sys.__excepthook__ or getattr(sys.excepthook, "_bwv", False):
        sys.excepthook = _report
    if (threading.excepthook is threading.__excepthook__
            or getattr(threading.excepthook, "_bwv", False)):
        threading.excepthook = _thread_report
