"""Export a trained PlateNet checkpoint to ONNX and check it against torch.

    python training/plates/export_onnx.py artifacts/plates_run/plate_detector.pt \
        resources/models/plate_detector.onnx

The ONNX graph takes ``image``: (1,3,H,W) float32 RGB 0..255 (H, W multiples of 32) and
returns ``hm`` (1,1,H/4,W/4) centre logits and ``reg`` (1,4,H/4,W/4) log box distances;
redaction/detect/plates.py decodes them. Prints the file's sha256.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import PlateNet  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("onnx")
    ap.add_argument("--opset", type=int, default=17)
    a = ap.parse_args()
    ck = torch.load(a.checkpoint, map_location="cpu", weights_only=True)
    model = PlateNet()
    model.load_state_dict(ck["state_dict"])
    model.eval()
    x = torch.rand(1, 3, 384, 640) * 255
    torch.onnx.export(model, (x,), a.onnx, input_names=["image"], output_names=["hm", "reg"],
                      dynamic_axes={"image": {2: "height", 3: "width"}, "hm": {2: "h4", 3: "w4"},
                                    "reg": {2: "h4", 3: "w4"}},
                      opset_version=a.opset, do_constant_folding=True, dynamo=False)
    import onnxruntime as ort
    sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    for shape in [(1, 3, 384, 640), (1, 3, 480, 352)]:
        x = torch.rand(*shape) * 255
        with torch.no_grad():
            ref = [t.numpy() for t in model(x)]
        got = sess.run(None, {"image": x.numpy()})
        err = max(float(np.abs(r - g).max()) for r, g in zip(ref, got))
        print(f"{shape}: max |torch - onnxruntime| = {err:.2e}")
        assert err < 1e-2, err
    print("sha256", hashlib.sha256(Path(a.onnx).read_bytes()).hexdigest(), Path(a.onnx).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
