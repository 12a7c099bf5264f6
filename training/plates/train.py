"""Train PlateNet on real photos + synthetic plates (CPU or CUDA, picked automatically).

    python training/plates/train.py --data artifacts/plates_data --out artifacts/plates_run
    python training/plates/train.py --init artifacts/run2/plate_detector.pt --out artifacts/plates_ft

Writes ``plate_detector.pt`` (EMA weights + config), ``train_log.txt`` and ``val.json``
into ``--out``. The defaults are THE config of the from-scratch run (run 2, ADR 0006).
With ``--init`` the weights start from that checkpoint and the ``FINETUNE`` overrides
apply (a short schedule with the OSD / badge hard negatives); any option given on the
command line wins over both. See README.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dataset import PlateDataset, decode, load_real  # noqa: E402
from model import REG_MAX, REG_MIN, STRIDE, PlateNet, decode_torch  # noqa: E402

CONFIG = dict(size=320, batch=32, iters=3000, lr=2e-3, weight_decay=5e-5, warmup=200,
              ema=0.998, p_synth=0.6, p_procedural=0.08, p_distract=0.4, reg_weight=5.0, seed=0, val_side=640,
              p_osd=0.0, p_badge=0.0, p_small=0.0, p_motion=0.0, p_dark=0.0, scale_min=0.5,
              scale_max=2.2, freeze_bn=0)
# fine-tune from --init: short, lower lr, short warm-up, faster EMA; burned-in OSD text
# (timestamps, device IDs) on half the samples, half the pasted negatives badges/emblems/signs
FINETUNE = dict(iters=400, batch=16, lr=4e-4, warmup=30, ema=0.99, p_osd=0.5, p_badge=0.5, seed=1)
# --recipe small (issue 12): fine-tune for plates 8-40 px wide in the network's input, as
# wide body-worn frames give: more small synthetic plates, photos scaled down further,
# linear motion blur and dark frames; BatchNorm frozen (an --init rebuilt from the ONNX
# file by onnx_to_checkpoint.py has it folded). 200 x 16 samples: ~17 CPU-min (2 cores).
FINETUNE_SMALL = dict(FINETUNE, iters=200, p_osd=0.3, p_small=0.6, p_motion=0.35, p_dark=0.3,
                      scale_min=0.3, freeze_bn=1, seed=2)
# --recipe smallmix (issue 12, session 8): the small recipe lost recall on ordinary photos
# (held-out 0.614 -> 0.560 at 0.4); half as many small plates, photos from 0.4x, motion blur
# (the largest gap) on 30 %, a lower rate for longer (600 x 16), so the old skill is kept.
FINETUNE_SMALLMIX = dict(FINETUNE_SMALL, iters=600, lr=2.5e-4, warmup=40, ema=0.995, p_small=0.35,
                         p_motion=0.3, p_dark=0.2, scale_min=0.4, seed=3)
RECIPES = {"osd": FINETUNE, "small": FINETUNE_SMALL, "smallmix": FINETUNE_SMALLMIX}


def focal_loss(logits, gt, mask):
    p = torch.sigmoid(logits.float()).clamp(1e-4, 1 - 1e-4)
    pos = (gt >= 1.0).float()
    neg_w = (1 - gt) ** 4
    loss = -(torch.log(p) * (1 - p) ** 2 * pos + torch.log(1 - p) * p ** 2 * neg_w * (1 - pos)) * mask
    return loss.sum() / pos.sum().clamp(min=1)


def giou_loss(reg_raw, reg_t, w, n_obj):
    sel = w[:, 0] > 0                                             # (N,h,w)
    if not sel.any():
        return reg_raw.sum() * 0
    d = torch.exp(reg_raw.float().clamp(REG_MIN, REG_MAX)) * STRIDE
    pd = d.permute(0, 2, 3, 1)[sel]                              # (K,4) l,t,r,b
    td = reg_t.permute(0, 2, 3, 1)[sel]
    ww = w[:, 0][sel]
    # boxes relative to the shared cell centre
    pa = (pd[:, 0] + pd[:, 2]) * (pd[:, 1] + pd[:, 3])
    ta = (td[:, 0] + td[:, 2]) * (td[:, 1] + td[:, 3])
    iw = torch.minimum(pd[:, 0], td[:, 0]) + torch.minimum(pd[:, 2], td[:, 2])
    ih = torch.minimum(pd[:, 1], td[:, 1]) + torch.minimum(pd[:, 3], td[:, 3])
    inter = iw.clamp(min=0) * ih.clamp(min=0)
    union = pa + ta - inter
    cw = torch.maximum(pd[:, 0], td[:, 0]) + torch.maximum(pd[:, 2], td[:, 2])
    ch = torch.maximum(pd[:, 1], td[:, 1]) + torch.maximum(pd[:, 3], td[:, 3])
    enc = cw * ch
    giou = inter / union.clamp(min=1e-6) - (enc - union) / enc.clamp(min=1e-6)
    return (ww * (1 - giou)).sum() / max(1.0, n_obj)


class Ema:
    def __init__(self, model, decay):
        self.decay, self.n = decay, 0
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model):
        self.n += 1
        d = min(self.decay, (1 + self.n) / (10 + self.n))
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.state[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                self.state[k].copy_(v)


def train_mode(model, freeze_bn: bool):
    """model.train(), with every BatchNorm kept in eval mode when ``freeze_bn``."""
    model.train()
    if freeze_bn:
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()


def letterbox(img: np.ndarray, side: int):
    """Scale so the longer side is ``side``, pad right/bottom to a multiple of 32."""
    import cv2
    h, w = img.shape[:2]
    s = side / max(h, w)
    nw, nh = round(w * s), round(h * s)
    im = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    H, W = -(-nh // 32) * 32, -(-nw // 32) * 32
    out = np.zeros((H, W, 3), np.uint8)
    out[:nh, :nw] = im
    return out, s


def coverage_eval(model, real, device, side, thresholds=(0.2, 0.3, 0.4, 0.5, 0.6)):
    """Coverage recall (>= 80 % of each GT box covered by the union of predictions, boxes
    grown 1.3x about their centre) and false positives per image, on held-out photos."""
    import cv2
    model.eval()
    preds = []
    with torch.no_grad():
        for buf, gt in real:
            img = decode(buf)
            lb, s = letterbox(img, side)
            x = torch.from_numpy(lb.transpose(2, 0, 1)).float()[None].to(device)
            hm, reg = model(x)
            b = decode_torch(hm.float(), reg.float(), thresh=min(thresholds))[0].cpu().numpy()
            b[:, :4] /= s
            if len(b):
                keep = cv2.dnn.NMSBoxes([[float(v[0]), float(v[1]), float(v[2] - v[0]), float(v[3] - v[1])] for v in b],
                                        [float(v) for v in b[:, 4]], min(thresholds), 0.5)
                b = b[np.array(keep, int).reshape(-1)]
            preds.append((img.shape[:2], gt, b))
    train_mode(model, getattr(model, "_freeze_bn", False))
    res = {}
    for t in thresholds:
        hit = n = fp = 0
        for (H, W), gt, b in preds:
            b = b[b[:, 4] >= t]
            m = np.zeros((H, W), bool)
            for x0, y0, x1, y1, _ in b:
                cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.65, (y1 - y0) * 0.65
                m[max(0, int(cy - hh)):max(0, int(math.ceil(cy + hh))), max(0, int(cx - hw)):max(0, int(math.ceil(cx + hw)))] = True
            for x, y, w, h in gt:
                n += 1
                r = m[int(y):int(math.ceil(y + h)), int(x):int(math.ceil(x + w))]
                hit += r.size > 0 and r.mean() >= 0.8
            for x0, y0, x1, y1, _ in b:
                a = max(1e-6, (x1 - x0) * (y1 - y0))
                ins = [max(0, min(x1, x + w) - max(x0, x)) * max(0, min(y1, y + h) - max(y0, y)) / a for x, y, w, h in gt]
                fp += not ins or max(ins) < 0.1
        res[f"{t:.1f}"] = {"coverage_recall": round(hit / max(1, n), 4), "fp_per_image": round(fp / max(1, len(preds)), 3)}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="artifacts/plates_data")
    ap.add_argument("--out", default="artifacts/plates_run")
    ap.add_argument("--workers", type=int, default=None, help="data workers (default: CPUs - 1)")
    ap.add_argument("--device", default=None, help="cuda / cpu (default: cuda if available)")
    ap.add_argument("--max-iters", type=int, default=None,
                    help="stop after this many iterations (timing runs); the schedule keeps the full length")
    ap.add_argument("--init", default=None,
                    help="start from this checkpoint's weights (fine-tune; the FINETUNE overrides apply)")
    ap.add_argument("--recipe", choices=sorted(RECIPES), default="osd",
                    help="the overrides applied with --init (default osd: the FINETUNE set)")
    for k, v in CONFIG.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=None,
                        help=f"default {v}" + (f", {FINETUNE[k]} with --init" if k in FINETUNE else ""))
    a = ap.parse_args()
    cfg = {**CONFIG, **(RECIPES[a.recipe] if a.init else {})}
    cfg.update({k: getattr(a, k) for k in CONFIG if getattr(a, k) is not None})
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    log_f = open(out / "train_log.txt", "a")

    def log(msg: str) -> None:
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        log_f.write(line + "\n")
        log_f.flush()

    device = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    workers = a.workers if a.workers is not None else max(1, (os.cpu_count() or 2) - 1)
    if device.type == "cpu":
        torch.set_num_threads(max(1, (os.cpu_count() or 2)))
    torch.manual_seed(cfg["seed"])
    np.random.seed(cfg["seed"])
    train_real, val_real = load_real(a.data, "train"), load_real(a.data, "val")
    log(f"config {json.dumps(cfg)}" + (f" init {a.init}" if a.init else ""))
    log(f"device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else os.cpu_count()} "
        f"cpus), torch {torch.__version__}, workers {workers}, train photos {len(train_real)}, val photos {len(val_real)}")
    ds = PlateDataset(train_real, size=cfg["size"], length=cfg["iters"] * cfg["batch"],
                      p_synth=cfg["p_synth"], p_procedural=cfg["p_procedural"],
                      p_distract=cfg["p_distract"], seed=cfg["seed"], p_osd=cfg["p_osd"],
                      p_badge=cfg["p_badge"], p_small=cfg["p_small"], p_motion=cfg["p_motion"],
                      p_dark=cfg["p_dark"], scale_min=cfg["scale_min"], scale_max=cfg["scale_max"])
    dl = torch.utils.data.DataLoader(ds, batch_size=cfg["batch"], num_workers=workers, shuffle=False,
                                     pin_memory=device.type == "cuda", drop_last=True,
                                     persistent_workers=False, prefetch_factor=4 if workers else None)
    model = PlateNet()
    if a.init:
        ck = torch.load(a.init, map_location="cpu", weights_only=True)
        model.load_state_dict(ck["state_dict"])
        log(f"init from {a.init} (sha256 {hashlib.sha256(Path(a.init).read_bytes()).hexdigest()[:16]}..., "
            f"{ck.get('iters')} iterations)")
    model = model.to(device)
    model._freeze_bn = bool(cfg["freeze_bn"])
    train_mode(model, model._freeze_bn)
    init_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()} if a.init else None
    log(f"PlateNet {sum(p.numel() for p in model.parameters()) / 1e6:.3f} M parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    total = cfg["iters"]

    def lr_at(it):
        if it < cfg["warmup"]:
            return cfg["lr"] * (it + 1) / cfg["warmup"]
        return cfg["lr"] * 0.5 * (1 + math.cos(math.pi * (it - cfg["warmup"]) / max(1, total - cfg["warmup"])))

    ema = Ema(model, cfg["ema"])
    amp = device.type == "cuda"
    t0 = t_last = time.time()
    it = 0
    acc = np.zeros(2)
    for img, hm, reg_t, rw, mask in dl:
        if a.max_iters is not None and it >= a.max_iters:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        img, hm, reg_t, rw, mask = (t.to(device, non_blocking=True) for t in (img, hm, reg_t, rw, mask))
        n_obj = float((hm >= 1).sum())
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            p_hm, p_reg = model(img.float())
        l_hm = focal_loss(p_hm, hm, mask)
        l_reg = giou_loss(p_reg, reg_t, rw, n_obj)
        loss = l_hm + cfg["reg_weight"] * l_reg
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        ema.update(model)
        acc += [l_hm.item(), l_reg.item()]
        it += 1
        if it % 50 == 0 or it == 1:
            k = 1 if it == 1 else 50
            now = time.time()
            log(f"it {it}/{total} hm {acc[0] / k:.4f} giou {acc[1] / k:.4f} lr {lr_at(it - 1):.2e} "
                f"{k * cfg['batch'] / (now - t_last):.0f} img/s elapsed {now - t0:.0f}s")
            acc[:] = 0
            t_last = now
        if it % 1000 == 0 or it == total:
            torch.save({"config": cfg, "init": a.init, "state_dict": {k: v.cpu() for k, v in ema.state.items()},
                        "iters": it}, out / "plate_detector.pt")
    elapsed = time.time() - t0
    log(f"trained {it} iterations ({it * cfg['batch']} samples) in {elapsed:.0f}s "
        f"({elapsed / max(1, it * cfg['batch']) * 1000:.1f} ms/sample)")
    torch.save({"config": cfg, "init": a.init, "state_dict": {k: v.cpu() for k, v in ema.state.items()},
                "iters": it}, out / "plate_detector.pt")
    # the starting point, measured the same way; after training because measuring it before
    # the data workers started left them hung on the GPU machine (OpenCV/CUDA state forked)
    if init_state is not None:
        model.load_state_dict(init_state)
        res0 = coverage_eval(model, val_real, device, cfg["val_side"])
        log(f"val of --init ({len(val_real)} held-out photos, long side {cfg['val_side']}): {json.dumps(res0)}")
    model.load_state_dict(ema.state)
    res = coverage_eval(model, val_real, device, cfg["val_side"])
    log(f"val ({len(val_real)} held-out photos, long side {cfg['val_side']}): {json.dumps(res)}")
    (out / "val.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
