"""Rebuild a PlateNet checkpoint from an exported ONNX file (for fine-tuning with --init).

    python training/plates/onnx_to_checkpoint.py resources/models/plate_detector.onnx \
        artifacts/plates_shipped/plate_detector.pt

The export folds every BatchNorm into the convolution before it, so the checkpoint gets
the folded convolution weights and an identity BatchNorm (weight 1, running mean 0,
running var 1 - eps) carrying the folded bias. The network computes exactly the same
function in eval mode; fine-tune it with ``train.py --freeze-bn`` (BatchNorm kept in eval
mode, its affine bias still trained), because batch statistics would no longer match.
Convolutions are matched in execution order (ONNX graph order = traced forward order) and
checked by shape; the result is compared with onnxruntime on random input.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import PlateNet  # noqa: E402


def convert(onnx_path: str) -> dict:
    m = onnx.load(onnx_path)
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    model = PlateNet().eval()
    order = []                                          # conv modules in forward order
    hooks = [mod.register_forward_hook(lambda mod, i, o: order.append(mod))
             for mod in model.modules() if isinstance(mod, torch.nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 3, 64, 64))
    for h in hooks:
        h.remove()
    assert len(order) == len(convs), (len(order), len(convs))
    bn_after = {}                                       # conv -> the BatchNorm that follows it
    for mod in model.modules():
        if isinstance(mod, torch.nn.Sequential):
            ch = list(mod)
            for a, b in zip(ch, ch[1:]):
                if isinstance(a, torch.nn.Conv2d) and isinstance(b, torch.nn.BatchNorm2d):
                    bn_after[a] = b
    with torch.no_grad():
        for conv, node in zip(order, convs):
            w = init[node.input[1]]
            b = init[node.input[2]] if len(node.input) > 2 else np.zeros(w.shape[0], np.float32)
            assert tuple(conv.weight.shape) == w.shape, (conv, w.shape)
            conv.weight.copy_(torch.from_numpy(w))
            bn = bn_after.get(conv)
            if bn is not None:
                bn.weight.fill_(1.0)
                bn.bias.copy_(torch.from_numpy(b))
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
            else:
                assert conv.bias is not None, conv
                conv.bias.copy_(torch.from_numpy(b))
        for k in ("mean", "inv_std"):
            getattr(model, k).copy_(torch.from_numpy(init[k]))
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("onnx")
    ap.add_argument("checkpoint")
    a = ap.parse_args()
    model = convert(a.onnx)
    import onnxruntime as ort
    sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    x = torch.rand(1, 3, 384, 640) * 255
    with torch.no_grad():
        ref = [t.numpy() for t in model(x)]
    got = sess.run(None, {"image": x.numpy()})
    err = max(float(np.abs(r - g).max()) for r, g in zip(ref, got))
    print(f"max |torch - onnxruntime| = {err:.2e}")
    assert err < 1e-3, err
    Path(a.checkpoint).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": {"from_onnx": str(a.onnx)}, "init": None, "iters": 0,
                "state_dict": {k: v.cpu() for k, v in model.state_dict().items()}}, a.checkpoint)
    print("wrote", a.checkpoint)


if __name__ == "__main__":
    main()
