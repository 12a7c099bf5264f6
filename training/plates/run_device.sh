#!/usr/bin/env bash
# The GPU training run as it was done (the `run` tool of the build workplace; $OUT is
# the folder whose files come back). Needs artifacts/plates_data from prepare_data.py.
set -o pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-artifacts/plates_gpu}
mkdir -p "$OUT/run"
nvidia-smi -L || true
python3 -c "import torch, cv2; print('torch', torch.__version__, 'cv2', cv2.__version__)"
python3 training/plates/train.py --data artifacts/plates_data --out "$OUT/run" "$@" 2>&1 | grep -v UserWarning
python3 training/plates/export_onnx.py "$OUT/run/plate_detector.pt" "$OUT/run/plate_detector.onnx" || true
ls -la "$OUT/run"
