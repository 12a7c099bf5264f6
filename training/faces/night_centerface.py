"""CenterFace for the dark: self-distillation from daylight to night, on 2 CPU cores.

At night a body-worn camera's faces are dark, tinted by street lamps and noisy, and the
shipped CenterFace misses most of them (ADR 0008, "Light": the leak check's night scenes
leak 17.5 % of face frames against about 3 % by day; lifting the picture's brightness
before detection does not help). No labelled night faces may be used, so the fp32 network
teaches itself: the teacher sees a daylight crop of a ../shared/train photo, the student
sees the same crop rendered at night by :func:`night` (linear light, a smooth random
illumination field with an ambient floor, a lamp tint, sensor shot and read noise, an
auto-exposure gain, the camera's noise reduction), and learns to give the teacher's
outputs (heatmap, box size, offset, landmarks; the loss of qat_centerface.py). A share of
the crops reaches the student unchanged, so daylight behaviour is held. BatchNorm stays
frozen; convolutions (weights and biases) are trained. The result is an fp32 ONNX file of
the same graph, measured with ``bench/eval_detect.py --face-model``,
``bench/light_recall.py --face-model`` and ``bench/leak_check.py --face-model``.

The night renderer here is not the leak benchmark's (bench/scene_light.py): random fields
instead of lamp pools, wider tint, noise and gain ranges, no flashes; the benchmark's
``night_blue`` (LED lamps, blue flashes) is the closer held-out condition. No label, no
eval image and no network access is used.

    python training/faces/night_centerface.py prepare --out .train/night
    python training/faces/night_centerface.py train --out .train/night --steps 600 --lr 2e-5
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qat_centerface import (ROOT, _iou, apply_op, batch, distil_args, distil_step, fp32_graph,  # noqa: E402
                            graph_nodes, heads, letterbox, load_rgb, log, photos, set_cosine_lr,
                            split_params, teacher_faces)

TINTS = {"sodium": (1.0, 0.72, 0.38), "led": (0.92, 0.96, 1.0), "neutral": (1.0, 1.0, 1.0),
         "blue": (0.35, 0.55, 1.0)}


def night(img: np.ndarray, rng) -> np.ndarray:
    """An RGB uint8-range float picture (H, W, 3) rendered at night (same range, rounded)."""
    h, w = img.shape[:2]
    lin = (np.clip(img, 0, 255) / 255.0) ** 2.2
    k = int(rng.integers(2, 6))
    field = cv2.resize(rng.uniform(0, 1, (k, k)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    amb = rng.uniform(0.05, 0.35)
    illum = np.clip(amb + (1 - amb) * np.clip(field, 0, 1) ** rng.uniform(1, 3), 0.02, 1)
    name = rng.choice(list(TINTS), p=[0.35, 0.3, 0.25, 0.1])
    tint = np.float32(TINTS[name]) * np.float32(rng.uniform(0.9, 1.1, 3))
    sig = lin * illum[..., None] * tint * rng.uniform(0.15, 0.5)
    sig = sig + rng.normal(0, 1, sig.shape) * np.sqrt(rng.uniform(5e-4, 3e-3) * np.maximum(sig, 0)
                                                      + rng.uniform(1e-3, 4e-3) ** 2)
    gain = float(np.clip(rng.uniform(0.02, 0.08) / max(1e-4, float(sig.mean())), 1.0, 5.0))
    out = (np.clip(sig * gain, 0, 1) ** (1 / 2.2) * 255.0).astype(np.float32)
    s = rng.uniform(0.0, 1.0)
    if s > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), s)
    return np.round(out)


class FloatNet:
    """CenterFace's fp32 graph in torch: convolutions trainable, BatchNorm frozen; the
    teacher is the same graph with the weights as loaded."""

    def __init__(self, fp32_path: Path):
        import onnx
        import torch
        self.torch = torch
        self.model = onnx.load(str(fp32_path))
        self.params, self.fixed = split_params(torch, self.model.graph)
        self.frozen = {k: v.detach().clone() for k, v in self.params.items()}
        self.nodes = graph_nodes(self.model.graph)

    def run(self, x, teacher: bool = False):
        g = self.model.graph
        env = {g.input[0].name: x}
        for n, a in self.nodes:
            ins = [env[i] if i in env else
                   (self.frozen[i] if teacher else self.params[i]) if i in self.params else self.fixed[i]
                   for i in n.input]
            env[n.output[0]] = apply_op(self.torch, n.op_type, a, ins)
        return heads(g, env)

    def export(self, path: Path) -> None:
        """The trained weights written into a copy of the fp32 graph."""
        import onnx
        from onnx import numpy_helper
        m = onnx.ModelProto()
        m.CopyFrom(self.model)
        for i in m.graph.initializer:
            if i.name in self.params:
                i.CopyFrom(numpy_helper.from_array(self.params[i.name].detach().numpy().astype(np.float32), i.name))
        onnx.save(m, str(path))


def prepare(out: Path) -> None:
    """The shipped model at opset 13 with named nodes (what the interpreter reads)."""
    fp32_graph(out)
    log(out, f"prepare: {out / 'fp32.onnx'}")


def agreement(net: FloatNet, imgs, dark: bool, thr: float = 0.3) -> tuple[float, float, int]:
    """Teacher boxes (daylight photo, >= thr) the student finds at IoU 0.5 on the photo
    (``dark``: rendered at night, a fixed draw per photo), and student boxes per photo
    that the teacher does not have."""
    torch = net.torch
    sys.path.insert(0, str(ROOT))
    from redaction.detect.faces import CenterFace, nms
    found = total = extra = 0
    with torch.no_grad():
        for k, p in enumerate(imgs):
            day = letterbox(load_rgb(p))
            x = day.copy()
            if dark:
                x[0] = night(day[0].transpose(1, 2, 0), np.random.default_rng(1000 + k)).transpose(2, 0, 1)
            res = []
            for b, teacher in ((day, True), (x, False)):
                lg, sc, off, _ = net.run(torch.tensor(b), teacher=teacher)
                heat = torch.sigmoid(lg)[0, 0].numpy()
                res.append(nms(CenterFace._decode(heat, sc[0].numpy(), off[0].numpy(), 640, 480, 1, 1, thr), 0.3))
            t, s = res
            total += len(t)
            found += sum(1 for bt in t if len(s) and _iou(bt, s).max() >= 0.5)
            extra += sum(1 for bs in s if not len(t) or _iou(bs, t).max() < 0.5)
    return found / max(1, total), extra / max(1, len(imgs)), total


def train(out: Path, steps: int, lr: float, size: int, bs: int, seed: int, val_n: int, tag: str,
          night_share: float, face_share: float) -> None:
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    net = FloatNet(out / "fp32.onnx")
    train_imgs, val_imgs = photos(False), photos(True)[:val_n]
    rng = np.random.default_rng(seed)
    log(out, f"before: held-out agreement day {agreement(net, val_imgs, False)} "
             f"night {agreement(net, val_imgs, True)} (teacher boxes found, extra boxes/img, teacher boxes)")
    opt = torch.optim.Adam(list(net.params.values()), lr=lr)
    cache: dict = {}
    faces = teacher_faces(train_imgs, cache, out) if face_share > 0 else None
    t0 = time.time()
    for it in range(1, steps + 1):
        set_cosine_lr(opt, lr, it, steps)
        day = batch(rng, train_imgs, cache, size, bs, faces, face_share)
        dark = day.copy()
        for k in range(bs):
            if rng.random() < night_share:
                dark[k] = night(day[k].transpose(1, 2, 0), rng).transpose(2, 0, 1)
        with torch.no_grad():
            t = net.run(torch.tensor(day), teacher=True)
        distil_step(torch, opt, net.run(torch.tensor(dark)), t, it, steps, out, t0)
    net.export(out / f"{tag}.onnx")
    log(out, f"after {steps} steps (lr {lr}, {bs}x{size}px, seed {seed}, night share {night_share}, "
             f"face share {face_share}): held-out agreement day {agreement(net, val_imgs, False)} "
             f"night {agreement(net, val_imgs, True)} -> {out / (tag + '.onnx')}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["prepare", "train"])
    ap.add_argument("--out", type=Path, default=ROOT / ".train" / "night")
    distil_args(ap, tag="night", face_share=0.6, val=100)
    ap.add_argument("--night-share", type=float, default=0.75, help="share of crops the student sees at night")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    if a.cmd == "prepare":
        prepare(a.out)
    else:
        train(a.out, a.steps, a.lr, a.size, a.bs, a.seed, a.val, a.tag, a.night_share, a.face_share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
