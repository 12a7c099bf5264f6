"""Int8 CenterFace by quantisation-aware self-distillation, on 2 CPU cores (ADR 0005).

Static int8 quantisation of CenterFace (onnxruntime's QDQ tools) runs the network 2-2.6x
faster but loses 1.2-2.5 points of face coverage (ADR 0005, "int8 CenterFace"). This script
recovers the loss without labels: the fp32 model is the teacher, the QDQ model the student.

1. ``calib``: the shipped model is converted to opset 13 and quantised by onnxruntime
   (QDQ, weights int8 per channel, activations uint8, percentile 99.99 calibration on
   letterboxed photos from ../shared/train; the first convolution and the four heads fp32).
2. ``train``: the QDQ graph is run in PyTorch (a small interpreter over its nodes: Conv,
   ConvTranspose, BatchNormalization, Add, Relu, Sigmoid and the Q/DQ pairs as fake
   quantisation with a straight-through gradient, the activation scales fixed from
   calibration, weight scales recomputed from the weights on every step); the float weights
   are trained so that the student's outputs match the fp32 teacher's on random crops of
   ../shared/train photos (heatmap: binary cross-entropy against the teacher's probability,
   weighted towards the teacher's faces; box size, offset and landmarks: L1 where the teacher
   sees a face).
3. The trained weights are quantised the way onnxruntime does (symmetric per channel,
   absmax / 127; biases int32 at input scale x weight scale) and written back into the QDQ
   model, so what was trained is exactly what ships.

No label, no eval image and no network access is used. ``--val`` reports how well the
student agrees with the teacher on held-out training photos (boxes at the product's 0.3
threshold, matched at IoU 0.5), measured on the torch student (fake quantisation, float
biases), not on the exported file. Figures on ../shared/eval come from
bench/eval_detect.py --face-model. Memory: the training photos are cached at 1024 px
(about 3.5 GB for the ~1,500 photos).

    python training/faces/qat_centerface.py calib --out .train/cf
    python training/faces/qat_centerface.py train --out .train/cf --steps 600
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT.parent / "shared" / "train" / "plates_openimages" / "images"


def log(out: Path, msg: str) -> None:
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    with open(out / "qat_log.txt", "a") as f:
        f.write(line + "\n")


def photos(held_out: bool) -> list[str]:
    imgs = sorted(glob.glob(str(TRAIN / "*.jpg")))
    return [p for p in imgs if (int(hashlib.sha1(Path(p).name.encode()).hexdigest(), 16) % 6 == 0) == held_out]


def load_rgb(p: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2RGB)


def letterbox(im: np.ndarray, W: int = 640, H: int = 480) -> np.ndarray:
    h, w = im.shape[:2]
    s = min(W / w, H / h)
    im = cv2.resize(im, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
    b = np.zeros((1, 3, H, W), np.float32)
    b[0, :, :im.shape[0], :im.shape[1]] = im.transpose(2, 0, 1)
    return b


# ----------------------------------------------------------------------------- calib
def fp32_graph(out: Path):
    """The shipped model at opset 13 with named nodes, saved as ``out/fp32.onnx`` (what the
    interpreters read and the quantiser starts from)."""
    import onnx
    from onnx import version_converter
    sys.path.insert(0, str(ROOT))
    from redaction.detect.onnx_shapes import make_dims_symbolic
    data = (ROOT / "resources" / "models" / "centerface.onnx").read_bytes()
    m = version_converter.convert_version(onnx.load_from_string(make_dims_symbolic(data)), 13)
    for i, node in enumerate(m.graph.node):
        node.name = f"n{i}_{node.op_type}"
    onnx.save(m, out / "fp32.onnx")
    return m


def calib(out: Path, n: int, fp32_first: int = 1) -> None:
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    m = fp32_graph(out)
    rng = np.random.default_rng(0)
    train = photos(False)
    cal = [train[i] for i in rng.choice(len(train), n, replace=False)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(cal)

        def get_next(self):
            p = next(self.it, None)
            return None if p is None else {"input.1": letterbox(load_rgb(p))}

    exclude = [x.name for x in m.graph.node[:fp32_first]] + [x.name for x in m.graph.node[-5:]]
    quantize_static(str(out / "fp32.onnx"), str(out / "qdq.onnx"), Reader(),
                    quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.Percentile, nodes_to_exclude=exclude,
                    extra_options={"CalibPercentile": 99.99})
    log(out, f"calib: {n} photos, excluded {exclude} -> {out / 'qdq.onnx'}")


def apply_op(torch, op: str, a: dict, ins: list):
    """One float node of CenterFace's graph in torch (the ops its ONNX file uses)."""
    F = torch.nn.functional
    if op == "Conv":
        p = a.get("pads", [0, 0, 0, 0])
        assert p[0] == p[2] and p[1] == p[3]
        return F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("strides", [1, 1]),
                        (p[0], p[1]), a.get("dilations", [1, 1]), a.get("group", 1))
    if op == "ConvTranspose":
        return F.conv_transpose2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("strides", [1, 1]),
                                  0, a.get("output_padding", [0, 0]), a.get("group", 1), a.get("dilations", [1, 1]))
    if op == "BatchNormalization":
        return F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], False, 0.0, a.get("epsilon", 1e-5))
    if op == "Relu":
        return F.relu(ins[0])
    if op == "Add":
        return ins[0] + ins[1]
    if op == "Sigmoid":
        return torch.sigmoid(ins[0])
    raise ValueError(f"op {op} not handled")


def split_params(torch, graph) -> tuple[dict, dict]:
    """The fp32 graph's initialisers as torch tensors: the convolutions' weights and biases
    (trainable) and the rest (BatchNorm statistics and the like, fixed)."""
    from onnx import numpy_helper
    conv_inputs = {x for n in graph.node if n.op_type in ("Conv", "ConvTranspose") for x in n.input[1:]}
    params, fixed = {}, {}
    for i in graph.initializer:
        v = numpy_helper.to_array(i)
        t = torch.tensor(np.array(v, dtype=np.float32) if v.dtype != np.int64 else v)
        if i.name in conv_inputs:
            params[i.name] = t.clone().requires_grad_(True)
        else:
            fixed[i.name] = t
    return params, fixed


def graph_nodes(graph) -> list:
    import onnx
    return [(n, {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}) for n in graph.node]


def heads(graph, env) -> tuple:
    """The heat logits (input of the Sigmoid), box size, offset and landmarks of a run."""
    sig = next(n for n in graph.node if n.op_type == "Sigmoid")
    outs = [o.name for o in graph.output]
    return env[sig.input[0]], env[outs[1]], env[outs[2]], env[outs[3]]


# ----------------------------------------------------------------------------- interpreter
class Net:
    """The QDQ graph (``quant=True``) or the fp32 graph run in torch, weights shared."""

    def __init__(self, qdq_path: Path, fp32_path: Path, wmax: int = 127):
        import onnx
        import torch
        from onnx import numpy_helper
        self.torch = torch
        self.wmax = int(wmax)      # 127: int8 weights; 63: 7-bit (no u8s8 saturation on any x86 CPU)
        self.qm = onnx.load(str(qdq_path))
        self.fm = onnx.load(str(fp32_path))
        self.qinit = {i.name: numpy_helper.to_array(i) for i in self.qm.graph.initializer}
        self.params, self.fixed = split_params(torch, self.fm.graph)
        self.frozen = {k: v.detach().clone() for k, v in self.params.items()}  # the teacher
        self.nodes = {True: graph_nodes(self.qm.graph), False: graph_nodes(self.fm.graph)}
        # weight DQ nodes: quantised name -> (float name, axis)
        self.wdq = {}
        for n, a in self.nodes[True]:
            if n.op_type == "DequantizeLinear" and n.input[0].endswith("_quantized"):
                base = n.input[0][: -len("_quantized")]
                self.wdq[n.output[0]] = (base, a.get("axis", 1),
                                         self.qinit[n.input[0]].dtype == np.int32)

    def _w(self, name, teacher: bool = False):
        if name in self.params:
            return self.frozen[name] if teacher else self.params[name]
        return self.fixed[name]

    def fq_weight(self, w, axis):
        torch = self.torch
        dims = [d for d in range(w.dim()) if d != axis]
        absmax = w.detach().abs().amax(dim=dims).clamp_min(1e-8)
        scale = (absmax / self.wmax).float()
        zp = torch.zeros_like(scale, dtype=torch.int32)
        return torch.fake_quantize_per_channel_affine(w, scale, zp, axis, -self.wmax, self.wmax)

    def run(self, x, quant: bool = True):
        torch = self.torch
        graph = self.qm.graph if quant else self.fm.graph
        env = {graph.input[0].name: x}
        for n, a in self.nodes[quant]:
            op = n.op_type
            if op == "DequantizeLinear":
                if n.output[0] in self.wdq:
                    base, axis, is_bias = self.wdq[n.output[0]]
                    if base not in self.params:       # BatchNorm parameters: fixed, as quantised
                        q = self.qinit[n.input[0]].astype(np.float32)
                        sc = self.qinit[n.input[1]].astype(np.float32)
                        zp = self.qinit[n.input[2]].astype(np.float32)
                        env[n.output[0]] = torch.tensor((q - zp) * sc)
                        continue
                    w = self._w(base)
                    env[n.output[0]] = w if is_bias else self.fq_weight(w, axis)
                else:
                    x_, s, z = env[n.input[0]]
                    env[n.output[0]] = x_
                continue
            if op == "QuantizeLinear":
                s = float(self.qinit[n.input[1]])
                z = int(self.qinit[n.input[2]])
                env[n.output[0]] = (torch.fake_quantize_per_tensor_affine(env[n.input[0]], s, z, 0, 255), s, z)
                continue
            ins = [env[i] if i in env else self._w(i, teacher=not quant) for i in n.input]
            y = apply_op(torch, n.op_type, a, ins)
            env[n.output[0]] = y
        return heads(graph, env)

    def export(self, path: Path) -> None:
        """The trained weights, quantised as onnxruntime does, written into the QDQ model."""
        import onnx
        from onnx import numpy_helper
        m = onnx.ModelProto()
        m.CopyFrom(self.qm)
        inits = {i.name: i for i in m.graph.initializer}

        def put(name, arr):
            inits[name].CopyFrom(numpy_helper.from_array(arr, name))

        new_wscale = {}
        for out, (base, axis, is_bias) in self.wdq.items():
            if is_bias or base not in self.params:
                continue
            w = self.params[base].detach().numpy()
            dims = tuple(d for d in range(w.ndim) if d != axis)
            scale = np.maximum(np.abs(w).max(axis=dims), 1e-8).astype(np.float32) / self.wmax
            shape = [1] * w.ndim
            shape[axis] = -1
            q = np.clip(np.round(w / scale.reshape(shape)), -self.wmax, self.wmax).astype(np.int8)
            old = self.qinit[base + "_scale"]
            new_wscale[base] = (old, scale)
            put(base + "_quantized", q)
            put(base + "_scale", scale)
        # biases: int32 at (input scale x weight scale); find each bias's weight via the Conv
        for n in m.graph.node:
            if n.op_type not in ("Conv", "ConvTranspose") or len(n.input) < 3:
                continue
            wname = next((v[0] for k, v in self.wdq.items() if k == n.input[1]), None)
            bname = n.input[2]
            if bname in self.wdq and wname in new_wscale:
                base = self.wdq[bname][0]
                old_w, new_w = new_wscale[wname]
                old_b = self.qinit[base + "_quantized_scale"]
                s_in = old_b / old_w
                bscale = (s_in * new_w).astype(np.float32)
                b = self.params[base].detach().numpy()
                put(base + "_quantized", np.round(b / bscale).astype(np.int32))
                put(base + "_quantized_scale", bscale)
            elif bname in inits:                    # fp32 node (first conv, heads)
                put(bname, self.params[bname].detach().numpy())
            if n.input[1] in inits and n.input[1] in self.params:
                put(n.input[1], self.params[n.input[1]].detach().numpy())
        onnx.save(m, str(path))


# ----------------------------------------------------------------------------- training
def teacher_faces(imgs, cache, out: Path) -> dict:
    """Where the fp32 teacher sees faces (score >= 0.3) on each training photo (at 1024 px):
    most random crops hold no face, so ``face_share`` of the crops are centred near one."""
    import json
    path = out / "teacher_faces.json"
    if path.is_file():
        return json.loads(path.read_text())
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(out / "fp32.onnx"), so, providers=["CPUExecutionProvider"])
    sys.path.insert(0, str(ROOT))
    from redaction.detect.faces import CenterFace, nms
    res = {}
    for p in imgs:
        im = _photo(p, cache)
        h, w = im.shape[:2]
        ph, pw = -(-h // 32) * 32, -(-w // 32) * 32
        b = np.zeros((1, 3, ph, pw), np.float32)
        b[0, :, :h, :w] = im.transpose(2, 0, 1)
        heat, sc, off, _ = sess.run(None, {"input.1": b})
        boxes = nms(CenterFace._decode(heat[0, 0], sc[0], off[0], w, h, 1, 1, 0.3), 0.3)
        if len(boxes):
            res[p] = boxes[:, :4].round(1).tolist()
    path.write_text(json.dumps(res))
    return res


def _photo(p, cache):
    if p not in cache:
        im = load_rgb(p)
        s = 1024 / max(im.shape[:2])
        cache[p] = cv2.resize(im, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return cache[p]


def batch(rng, imgs, cache, size: int, n: int, faces: dict | None = None,
          face_share: float = 0.0) -> np.ndarray:
    out = np.zeros((n, 3, size, size), np.float32)
    with_faces = sorted(faces) if faces else []
    for k in range(n):
        near = with_faces and rng.random() < face_share
        p = with_faces[rng.integers(len(with_faces))] if near else imgs[rng.integers(len(imgs))]
        im = _photo(p, cache)
        f = float(np.exp(rng.uniform(np.log(0.35), np.log(1.6))))
        im = cv2.resize(im, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
        flip = rng.random() < 0.5
        if flip:
            im = im[:, ::-1]
        h, w = im.shape[:2]
        y0 = rng.integers(0, max(1, h - size + 1))
        x0 = rng.integers(0, max(1, w - size + 1))
        if near:
            bx = faces[p][rng.integers(len(faces[p]))]
            cx, cy = (bx[0] + bx[2]) / 2 * f, (bx[1] + bx[3]) / 2 * f
            if flip:
                cx = w - cx
            x0 = int(np.clip(cx - rng.uniform(0.2, 0.8) * size, 0, max(0, w - size)))
            y0 = int(np.clip(cy - rng.uniform(0.2, 0.8) * size, 0, max(0, h - size)))
        c = im[y0:y0 + size, x0:x0 + size]
        out[k, :, :c.shape[0], :c.shape[1]] = c.transpose(2, 0, 1)
    return out


def loss_fn(torch, s, t):
    F = torch.nn.functional
    s_logit, s_sc, s_off, s_lm = s
    t_logit, t_sc, t_off, t_lm = t
    tp = torch.sigmoid(t_logit)
    # weighted towards the teacher's faces and the student's own peaks (its false positives)
    w = 1.0 + 50.0 * torch.maximum(tp, torch.sigmoid(s_logit).detach())
    heat = (F.binary_cross_entropy_with_logits(s_logit, tp, reduction="none") -
            F.binary_cross_entropy_with_logits(t_logit, tp, reduction="none")) * w
    heat = heat.mean()
    m = (tp > 0.05).float()
    den = m.sum().clamp_min(1.0)
    reg = ((s_sc - t_sc).abs() * m).sum() / den + ((s_off - t_off).abs() * m).sum() / den + \
        0.2 * ((s_lm - t_lm).abs() * m).sum() / den
    return heat, reg


def set_cosine_lr(opt, lr: float, it: int, steps: int) -> None:
    for g in opt.param_groups:
        g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * (it - 1) / steps))


def distil_step(torch, opt, s, t, it: int, steps: int, out: Path, t0: float) -> None:
    """One step of matching the student's outputs ``s`` to the teacher's ``t``, logged
    every 25 steps."""
    heat, reg = loss_fn(torch, s, t)
    loss = heat + 0.1 * reg
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 25 == 0 or it == 1:
        log(out, f"it {it}/{steps} heat {heat.item():.5f} reg {reg.item():.4f} "
                 f"lr {opt.param_groups[0]['lr']:.2e} elapsed {time.time() - t0:.0f}s")


def agreement(net, imgs, thr: float = 0.3) -> tuple[float, float]:
    """Teacher boxes (>= thr) the student finds at IoU 0.5, and student boxes over teacher's."""
    torch = net.torch
    sys.path.insert(0, str(ROOT))
    from redaction.detect.faces import CenterFace, nms
    found = total = extra = 0
    with torch.no_grad():
        for p in imgs:
            b = torch.tensor(letterbox(load_rgb(p)))
            res = []
            for q in (False, True):
                lg, sc, off, lm = net.run(b, quant=q)
                heat = torch.sigmoid(lg)[0, 0].numpy()
                boxes = CenterFace._decode(heat, sc[0].numpy(), off[0].numpy(), 640, 480, 1, 1, thr)
                res.append(nms(boxes, 0.3))
            t, s = res
            total += len(t)
            for bt in t:
                if len(s) and _iou(bt, s).max() >= 0.5:
                    found += 1
            for bs in s:
                if not len(t) or _iou(bs, t).max() < 0.5:
                    extra += 1
    return found / max(1, total), extra / max(1, len(imgs)), total


def _iou(a, b):
    x1 = np.maximum(a[0], b[:, 0]); y1 = np.maximum(a[1], b[:, 1])
    x2 = np.minimum(a[2], b[:, 2]); y2 = np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda z: (z[..., 2] - z[..., 0]) * (z[..., 3] - z[..., 1])
    return inter / (area(a) + area(b) - inter + 1e-9)


def train(out: Path, steps: int, lr: float, size: int, bs: int, seed: int, val_n: int,
          tag: str = "qat", wbits: int = 8, face_share: float = 0.0) -> None:
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    net = Net(out / "qdq.onnx", out / "fp32.onnx", wmax=127 if wbits == 8 else 63)
    train_imgs, val_imgs = photos(False), photos(True)[:val_n]
    rng = np.random.default_rng(seed)
    ag = agreement(net, val_imgs)
    log(out, f"before: held-out agreement (teacher boxes found, extra boxes/img, teacher boxes) {ag}")
    opt = torch.optim.Adam(list(net.params.values()), lr=lr)
    cache: dict = {}
    faces = teacher_faces(train_imgs, cache, out) if face_share > 0 else None
    if faces:
        log(out, f"teacher faces on {len(faces)} of {len(train_imgs)} training photos; "
                 f"{face_share:.0%} of crops centred near one")
    t0 = time.time()
    for it in range(1, steps + 1):
        set_cosine_lr(opt, lr, it, steps)
        x = torch.tensor(batch(rng, train_imgs, cache, size, bs, faces, face_share))
        with torch.no_grad():
            t = net.run(x, quant=False)
        distil_step(torch, opt, net.run(x, quant=True), t, it, steps, out, t0)
    net.export(out / f"{tag}.onnx")
    ag = agreement(net, val_imgs)
    log(out, f"after {steps} steps (lr {lr}, {bs}x{size}px, seed {seed}, {wbits}-bit weights, face share {face_share}): held-out agreement {ag} "
             f"-> {out / (tag + '.onnx')}")


def distil_args(ap, *, tag: str, face_share: float, val: int) -> None:
    """The training options the distillation scripts share (qat_centerface, night_centerface)."""
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--bs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tag", default=tag, help="output model name (<tag>.onnx)")
    ap.add_argument("--face-share", type=float, default=face_share,
                    help="share of crops centred near a face the teacher finds")
    ap.add_argument("--val", type=int, default=val, help="held-out photos for the agreement figures")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["calib", "train"])
    ap.add_argument("--out", type=Path, default=ROOT / ".train" / "cf")
    ap.add_argument("--calib-n", type=int, default=60)
    ap.add_argument("--fp32-first", type=int, default=1,
                    help="calib: how many of the first graph nodes stay fp32 (the heads always do)")
    distil_args(ap, tag="qat", face_share=0.0, val=150)
    ap.add_argument("--wbits", type=int, choices=[7, 8], default=8,
                    help="7: weights in [-63, 63], so u8 x s8 pairs never saturate (CPUs without VNNI)")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    if a.cmd == "calib":
        calib(a.out, a.calib_n, a.fp32_first)
    else:
        train(a.out, a.steps, a.lr, a.size, a.bs, a.seed, a.val, a.tag, a.wbits, a.face_share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
