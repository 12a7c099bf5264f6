"""PyInstaller runtime hook: point python-vlc at the bundled libvlc and its plugins.

Runs before the entry script in the frozen app. The bundle keeps libvlc under
``<bundle>/_internal/vlc/`` (Windows: ``libvlc.dll``, ``libvlccore.dll``, ``plugins/``;
Linux: ``plugins/`` beside ``libvlc.so.5`` and ``libvlccore.so.9`` in ``_internal``).
An administrator can still point at another VLC with ``PYTHON_VLC_LIB_PATH``.
"""
import os
import sys

_base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
_vlc = os.path.join(_base, "vlc")
if sys.platform == "win32":
    _lib = os.path.join(_vlc, "libvlc.dll")
    _core = os.path.join(_vlc, "libvlccore.dll")
else:
    _lib = os.path.join(_base, "libvlc.so.5")
    _core = os.path.join(_base, "libvlccore.so.9")
_plugins = os.path.join(_vlc, "plugins")
if os.path.isfile(_lib) and os.path.isdir(_plugins) and "PYTHON_VLC_LIB_PATH" not in os.environ:
    try:
        import ctypes
        if sys.platform == "win32":
            os.add_dll_directory(_vlc)
        ctypes.CDLL(_core, mode=getattr(ctypes, "RTLD_GLOBAL", 0))  # libvlc's dependency first
        os.environ["PYTHON_VLC_LIB_PATH"] = _lib
        os.environ["PYTHON_VLC_MODULE_PATH"] = _plugins
        os.environ["VLC_PLUGIN_PATH"] = _plugins
    except OSError:
        pass  # the self-test and the player report that libvlc cannot be used
# MediaPipe/LiteRT log through glog to stderr
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
