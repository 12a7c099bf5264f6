"""python-vlc embedded in a Qt widget, for real-time playback with sound.

libvlc is optional: :func:`probe_vlc` says plainly why it cannot be used (library
missing, no plugins, no window system) and the player falls back to decoded playback.
libvlc 3 is not frame-accurate, so VLC is only ever used while playing; on pause the
view snaps back to the exact decoded frame (the frame index stays the one time base).
"""
from __future__ import annotations

import logging
import sys
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

log = logging.getLogger("bwv.gui.vlc")


def probe_vlc() -> tuple[Optional[object], str]:
    """(vlc.Instance or None, a one-line status for the user; its text before ':' is a short form)."""
    platform = QGuiApplication.platformName()
    try:
        import vlc  # noqa: WPS433 (optional dependency)
    except (ImportError, OSError) as e:
        return None, f"No sound: libvlc not found ({type(e).__name__}); playing decoded frames"
    try:
        inst = vlc.Instance(["--quiet", "--no-video-title-show", "--no-xlib"])
    except Exception as e:  # libvlc present but broken
        return None, f"No sound: libvlc failed to start ({e}); playing decoded frames"
    if inst is None:
        return None, "No sound: libvlc has no plugins (install vlc-plugin-base); playing decoded frames"
    if platform not in ("xcb", "windows", "cocoa"):
        return None, f"No sound: libvlc cannot embed video on the '{platform}' platform; playing decoded frames"
    return inst, f"Sound: Shift+Space (libvlc {vlc.libvlc_get_version().decode(errors='replace').split()[0]})"


class VlcSurface(QWidget):
    """A native child window libvlc draws into."""

    def __init__(self, instance, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Video playback with sound")
        self.setAttribute(Qt.WA_NativeWindow, True)
        self.setAttribute(Qt.WA_DontCreateNativeAncestors, True)
        self.setStyleSheet("background: black")
        self.instance = instance
        self.player = instance.media_player_new()
        self._path: Optional[str] = None

    def open(self, path: str) -> None:
        if path != self._path:
            self.player.set_media(self.instance.media_new(path))
            self._path = path
        wid = int(self.winId())
        if sys.platform.startswith("linux"):
            self.player.set_xwindow(wid)
        elif sys.platform == "win32":
            self.player.set_hwnd(wid)
        elif sys.platform == "darwin":
            self.player.set_nsobject(wid)

    def play_from(self, seconds: float, rate: float) -> None:
        self.player.play()
        self.player.set_rate(rate)
        self.player.set_time(int(seconds * 1000))

    def set_rate(self, rate: float) -> None:
        self.player.set_rate(rate)

    def position_s(self) -> float:
        return max(0, self.player.get_time()) / 1000.0

    def stop(self) -> float:
        t = self.position_s()
        self.player.pause()
        return t

    def release(self) -> None:
        try:
            self.player.stop()
            self.player.release()
        except Exception:
            pass
