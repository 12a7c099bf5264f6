#!/usr/bin/env bash
# Set up (if needed) and start the workstation on the bundled sample clip.
#   bash scripts/run.sh [CLIP_OR_PROJECT]
# Everything is local: a SQLite store in your data folder, no server to start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/bwv gui "${1:-resources/sample/sample_bwv.mp4}"
