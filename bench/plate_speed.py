"""Speed of the plate detector on a 1080p frame: onnxruntime vs cv2.dnn, presets, cascade.

    python bench/plate_speed.py [--repeat 30]

Reports the median milliseconds per 1920x1080 RGB frame for: the network alone through
onnxruntime (1 and 2 threads) and cv2.dnn at 640x384; the ``fast`` and ``accurate``
presets end to end (resize, network, decoding); and OpenCV's Russian-plate Haar cascade on
the same frame, as the reference (ratios are to it, measured in the same run).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from redaction.detect.models import model_path  # noqa: E402
from redaction.detect.plates import build_plates  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    for _ in range(3):
        fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return 1000 * float(np.median(ts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=30)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    frame = cv2.GaussianBlur(rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8), (0, 0), 3)
    x = (rng.random((1, 3, 384, 640)) * 255).astype(np.float32)
    cc = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_russian_plate_number.xml")
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    ref = median_ms(lambda: cc.detectMultiScale(gray, 1.1, 3, minSize=(24, 8)), a.repeat)
    rows = [("cascade (reference), 1080p", ref)]
    import onnxruntime as ort
    path = str(model_path("plate_detector"))
    for th in (1, 2):
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = th, 1
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        rows.append((f"network only, onnxruntime {th} thread(s), 640x384",
                     median_ms(lambda: s.run(None, {"image": x}), a.repeat)))
    net = cv2.dnn.readNetFromONNX(path)
    names = net.getUnconnectedOutLayersNames()

    def dnn():
        net.setInput(x)
        net.forward(names)
    rows.append(("network only, cv2.dnn, 640x384", median_ms(dnn, a.repeat)))
    for preset in ("fast", "accurate"):
        d = build_plates(preset)
        rows.append((f"preset {preset}, 1080p frame end to end", median_ms(lambda: d(frame), a.repeat)))
    for name, ms in rows:
        print(f"{name:<50} {ms:7.1f} ms  x{ms / ref:.2f} of cascade")


if __name__ == "__main__":
    main()
