#!/usr/bin/env bash
# Set up BWV Workstation on Debian/Ubuntu: system packages, a virtualenv, Python packages.
#   bash scripts/setup.sh [--test]     (--test adds the test tools and test-only packages)
# As root (or with sudo) it installs the apt packages; otherwise it prints the exact command.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1

# libvlc for real-time playback with sound; Qt's xcb platform for a real window;
# libGL/glib for OpenCV; fonts so the UI has text.
APT_RUNTIME="python3 python3-venv libvlc5 vlc-plugin-base vlc-plugin-video-output
  libgl1 libglib2.0-0 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
  libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core"
# tests: a real X server for the window test, PostgreSQL for the store suite, setpriv,
# espeak-ng for the speech tests' synthesised British-English clips (docs/adr/0012-speech.md)
APT_TEST="xvfb imagemagick postgresql util-linux strace espeak-ng"

pkgs="$APT_RUNTIME"
[ "$WITH_TEST" = 1 ] && pkgs="$pkgs $APT_TEST"
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done | tr '\n' ' ')
if [ -n "${missing// /}" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
    if [ "$SUDO" = none ]; then
        echo "setup: please install the system packages first, then re-run:" >&2
        echo "  sudo apt-get install -y $missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# Python packages: installed once per pyproject.toml (and set of extras). A start after that
# (scripts/run.sh every day, on a PC without internet) asks no package index anything.
want=runtime
[ "$WITH_TEST" = 1 ] && want=test
stamp=.venv/.bwv-setup
pyhash=$(sha256sum pyproject.toml | cut -c1-64)
if [ -f "$stamp" ] && { grep -qx "test $pyhash" "$stamp" || grep -qx "$want $pyhash" "$stamp"; } \
        && [ -x .venv/bin/bwv ] \
        && .venv/bin/python -c "import importlib.metadata as m; m.distribution('bwv-workstation')" \
            2>/dev/null; then
    echo "setup: ready (.venv, already set up for this pyproject.toml)"
    exit 0
fi
rm -f "$stamp"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$WITH_TEST" = 1 ]; then
    .venv/bin/python -m pip install -q -e ".[test,package,cluster]"
else
    .venv/bin/python -m pip install -q -e .
fi
echo "$want $pyhash" > "$stamp"
echo "setup: ready (.venv)"
