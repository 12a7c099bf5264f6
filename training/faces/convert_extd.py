#!/usr/bin/env python3
"""Convert EXTD-64 (clovaai/EXTD_Pytorch, MIT) to ONNX for redaction/detect/extd.py.

A developer tool, run once; needs torch (CPU), numpy, onnx and onnxruntime in a SEPARATE
virtualenv (the application never imports torch)::

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 numpy onnx onnxruntime opencv-python-headless
    git -C EXTD_Pytorch checkout e99af10f282d07054c1cf7c4b8c035084daaff78
    /tmp/torchenv/bin/python training/faces/convert_extd.py --src EXTD_Pytorch \\
        --out resources/models/extd_64.onnx --check-images EXTD_Pytorch/img/blackpink.jpg

``--src`` is a checkout of https://github.com/clovaai/EXTD_Pytorch at commit e99af10f282d;
the script uses its ``mobileFacenet_64_PReLU.py`` (the backbone, plain torch) and
``weights/EXTD_64.pth`` (sha256 checked below), and rebuilds the detector head of its
``EXTD_64.py`` here without the prior-box / detection layers (they move to numpy in
extd.py). The state dict is loaded with ``strict=True``, so every upstream weight is used
and nothing is invented.

The exported graph takes ``input`` (1x3xHxW float32, RGB minus the upstream means
123/117/104, no scaling; H and W dynamic) and gives, for each of the six levels (strides
4..128, anchors 16..512 px), ``conf{k}`` (1x1xHkxWk face probability: the upstream 2-class
softmax, with level 0's max-out background) and ``loc{k}`` (1x4xHkxWk S3FD box offsets).

After export it compares onnxruntime's outputs with PyTorch's on the given images (and
random-noise inputs of odd sizes) and prints the max abs difference per output.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

WEIGHTS_SHA256 = "34f9b1eea0b9d477c8409ea236562662c29062553d6fd84a594530b087baefe2"
MEAN_RGB = np.array([123.0, 117.0, 104.0], np.float32)


def upsample(c: int) -> nn.Sequential:          # EXTD_64.upsample(64, 64)
    return nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False),
                         nn.Conv2d(c, c, 1, 1, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU())


class EXTDExport(nn.Module):
    """EXTD_64.EXTD.forward up to the heads (same module names as the upstream state dict)."""

    def __init__(self, mfn):
        super().__init__()
        feats = mfn.Net().features
        self.base = nn.ModuleList(feats[:6])
        self.upfeat = nn.ModuleList([upsample(64) for _ in range(5)])
        self.loc = nn.ModuleList([nn.Conv2d(64, 4, 3, padding=1) for _ in range(6)])
        self.conf = nn.ModuleList([nn.Conv2d(64, 4, 3, padding=1)] +
                                  [nn.Conv2d(64, 2, 3, padding=1) for _ in range(5)])

    def forward(self, x):
        for k in range(6):
            x = self.base[k](x)
        s = [x]
        for _ in range(5):                      # iterative filter reuse: base[2:6] again
            for k in range(2, 6):
                x = self.base[k](x)
            s.append(x)
        u = s[5]
        sources = [u]
        for i, lvl in enumerate((4, 3, 2, 1, 0)):
            u = self.upfeat[i](F.interpolate(u, size=(s[lvl].shape[2], s[lvl].shape[3]),
                                             mode="bilinear")) + s[lvl]
            sources.append(u)
        sources = sources[::-1]                 # stride 4 first
        outs = []
        for i, src in enumerate(sources):
            c = self.conf[i](src)
            if i == 0:
                bg = torch.max(c[:, 0:3], dim=1, keepdim=True)[0]
                fg = c[:, 3:4]
            else:
                bg, fg = c[:, 0:1], c[:, 1:2]
            outs += [torch.sigmoid(fg - bg), self.loc[i](src)]   # = softmax(...)[face]
        return tuple(outs)


def preprocess(rgb: np.ndarray) -> np.ndarray:
    return (rgb.astype(np.float32) - MEAN_RGB).transpose(2, 0, 1)[None].copy()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, required=True, help="EXTD_Pytorch checkout @ e99af10f282d")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check-images", nargs="*", default=[], type=Path)
    a = ap.parse_args(argv)
    wpath = a.src / "weights" / "EXTD_64.pth"
    got = hashlib.sha256(wpath.read_bytes()).hexdigest()
    if got != WEIGHTS_SHA256:
        print(f"{wpath}: sha256 {got} != expected {WEIGHTS_SHA256}", file=sys.stderr)
        return 1
    sys.path.insert(0, str(a.src))
    import mobileFacenet_64_PReLU as mfn       # noqa: E402  (upstream backbone, plain torch)
    torch.manual_seed(0)
    net = EXTDExport(mfn)
    state = torch.load(wpath, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()

    names = [n for k in range(6) for n in (f"conf{k}", f"loc{k}")]
    dyn = {"input": {2: "height", 3: "width"}}
    dyn.update({n: {2: f"h{n[-1]}", 3: f"w{n[-1]}"} for n in names})
    dummy = torch.from_numpy(preprocess(np.full((416, 416, 3), 128, np.uint8)))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(net, (dummy,), str(a.out), input_names=["input"], output_names=names,
                      dynamic_axes=dyn, opset_version=13, do_constant_folding=True, dynamo=False)

    import onnx
    import onnxruntime as ort
    onnx.checker.check_model(onnx.load(str(a.out)))
    sess = ort.InferenceSession(str(a.out), providers=["CPUExecutionProvider"])
    inputs = []
    for p in a.check_images:
        import cv2
        bgr = cv2.imread(str(p))
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        f = 640 / max(rgb.shape[:2])
        inputs.append((p.name, cv2.resize(rgb, None, fx=f, fy=f)))
    rng = np.random.default_rng(0)
    for h, w in ((416, 416), (333, 517), (1080 // 2, 1920 // 2)):
        inputs.append((f"noise {w}x{h}", rng.integers(0, 256, (h, w, 3), dtype=np.uint8)))
    worst = 0.0
    for label, rgb in inputs:
        x = preprocess(rgb)
        with torch.no_grad():
            ref = [t.numpy() for t in net(torch.from_numpy(x))]
        out = sess.run(names, {"input": x})
        diffs = [float(np.abs(r - o).max()) for r, o in zip(ref, out)]
        worst = max(worst, *diffs)
        conf_max = max(float(r.max()) for r in ref[0::2])
        print(f"{label} {rgb.shape[1]}x{rgb.shape[0]}: max |torch - onnxruntime| = {max(diffs):.2e} "
              f"(conf {max(diffs[0::2]):.2e}, loc {max(diffs[1::2]):.2e}); best face prob {conf_max:.3f}")
    data = a.out.read_bytes()
    print(f"wrote {a.out} ({len(data):,} B) sha256 {hashlib.sha256(data).hexdigest()}; "
          f"worst difference {worst:.2e}")
    return 0 if worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
