#!/usr/bin/env bash
# Set up (if needed) and start the workstation on the bundled sample clip.
#   bash scripts/run.sh [CLIP_OR_PROJECT]
# Everything is local: a SQLite store in your data folder, no server to start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
target="${1:-resources/sample/sample_bwv.mp4}"
# no display (a server, an SSH session): one line instead of Qt's abort; `bwv gui` makes the
# same check (and also finds a DISPLAY with no X server behind it)
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "run.sh: no display (DISPLAY and WAYLAND_DISPLAY are not set); run it in a desktop session, or take a screenshot instead: .venv/bin/bwv gui $target --screenshot shot.png" >&2
    exit 2
fi
exec .venv/bin/bwv gui "$target"
