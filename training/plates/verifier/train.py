"""Train the plate verifier (training/plates/verifier/README.md).

    python training/plates/verifier/train.py --data artifacts/plates_verifier

Reads mine.py's ``train.npz`` / ``val.npz``; trains :class:`VerifierNet` (a 5-conv
classifier on the 48x96 context crop plus two box features) on the training crops; fits
the fusion ``sigmoid(a * verifier logit + b * logit(detector score) + c)`` by logistic
regression on the *validation proposals* the product can keep (detector score >= 0.3);
picks the fused threshold that keeps the validation recall of the detector alone at its
own threshold (0.4); exports
``plate_verifier.onnx`` (inputs ``crop`` N x 3 x 48 x 96 float RGB 0..255 and ``feat``
N x 2, output ``logit`` N x 1) and ``plate_verifier.json`` (fusion weights, threshold and
the figures), and appends to ``train_log.txt``. CPU only; about 20 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from redaction.detect.plate_verify import CROP_H, CROP_W  # noqa: E402

DETECTOR_THRESHOLD = 0.4        # the plate detector's own threshold (plates.PLATE_PRESETS)
PROPOSAL_THRESHOLD = 0.3        # the score it proposes from when verified (plates.PLATE_PRESETS)


class VerifierNet(nn.Module):
    def __init__(self):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
        self.features = nn.Sequential(block(3, 16), nn.MaxPool2d(2), block(16, 32), nn.MaxPool2d(2),
                                      block(32, 48), block(48, 48), nn.MaxPool2d(2), block(48, 64))
        self.head = nn.Sequential(nn.Linear(64 * 2 + 2, 64), nn.ReLU(inplace=True), nn.Dropout(0.2), nn.Linear(64, 1))

    def forward(self, crop, feat):
        x = (crop - 127.5) / 64.0
        x = self.features(x)
        x = torch.cat([x.mean((2, 3)), x.amax((2, 3)), feat], 1)
        return self.head(x)


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    n = x.shape[0]
    flip = torch.rand(n, generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    gain = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.4, generator=g)
    bias = torch.empty(n, 1, 1, 1).uniform_(-30, 30, generator=g)
    x = (x - 127.5) * gain + 127.5 + bias
    noise = torch.randn(x.shape, generator=g) * torch.empty(n, 1, 1, 1).uniform_(0, 8, generator=g)
    dx, dy = (int(v) for v in torch.randint(-3, 4, (2,), generator=g))
    x = torch.roll(x + noise, (dy, dx), (2, 3))
    return x.clamp(0, 255)


def load(path: Path):
    d = np.load(path)
    return (torch.from_numpy(d["crops"]).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(d["feats"]),
            d["score"], d["label"].astype(np.float32), d["kind"])


def predict(net, crops, feats, bs=1024) -> np.ndarray:
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(crops), bs):
            out.append(net(crops[i:i + bs].float(), feats[i:i + bs]).reshape(-1))
    return torch.cat(out).numpy()


def auc(y, s) -> float:
    o = np.argsort(s)
    r = np.empty(len(s))
    r[o] = np.arange(1, len(s) + 1)
    npos = y.sum()
    return float((r[y == 1].sum() - npos * (npos + 1) / 2) / (npos * (len(y) - npos)))


def fit_fusion(lg, score, y, iters=3000):
    """Logistic regression of y on [verifier logit, logit(detector score)] (plain gradient)."""
    ls = np.log(np.clip(score, 1e-4, 1 - 1e-4) / (1 - np.clip(score, 1e-4, 1 - 1e-4)))
    X = np.stack([lg, ls, np.ones_like(lg)], 1).astype(np.float64)
    w = np.array([1.0, 1.0, 0.0])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-X @ w))
        grad = X.T @ (p - y) / len(y) + 1e-4 * np.r_[w[:2], 0]
        w -= 0.5 * grad
    return w, 1 / (1 + np.exp(-X @ w))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "artifacts" / "plates_verifier"))
    ap.add_argument("--out", default=None, help="default: --data")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    out = Path(a.out or a.data)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    log_f = open(out / "train_log.txt", "a")

    def log(msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        log_f.write(line + "\n")
        log_f.flush()

    Xc, Xf, _, Y, _ = load(Path(a.data) / "train.npz")
    Vc, Vf, Vs, VY, Vk = load(Path(a.data) / "val.npz")
    log(f"config {json.dumps(vars(a))}; train {len(Y)} crops ({int(Y.sum())} plate), val {len(VY)}")
    net = VerifierNet()
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    steps = a.epochs * math.ceil(len(Y) / a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=steps, pct_start=0.1)
    pos_w = torch.tensor((len(Y) - Y.sum()) / max(Y.sum(), 1), dtype=torch.float32)
    Yt = torch.from_numpy(Y)
    g = torch.Generator().manual_seed(a.seed)
    t0 = time.time()
    for ep in range(a.epochs):
        net.train()
        perm = torch.randperm(len(Y), generator=g)
        tot = 0.0
        for i in range(0, len(Y), a.batch):
            idx = perm[i:i + a.batch]
            x = augment(Xc[idx].float(), g)
            loss = F.binary_cross_entropy_with_logits(net(x, Xf[idx]).reshape(-1), Yt[idx], pos_weight=pos_w)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
        vl = predict(net, Vc, Vf)
        prop = Vk == 0
        log(f"epoch {ep + 1}/{a.epochs} loss {tot / len(Y):.4f} val AUC all {auc(VY, vl):.4f} "
            f"proposals {auc(VY[prop], vl[prop]):.4f} (detector score alone {auc(VY[prop], Vs[prop]):.4f}) "
            f"{time.time() - t0:.0f} s")
    torch.save(net.state_dict(), out / "plate_verifier.pt")
    fit_and_export(net, Vc, Vf, Vs, VY, Vk, out, a, log)


def fit_and_export(net, Vc, Vf, Vs, VY, Vk, out: Path, a, log) -> None:
    net.eval()
    vl = predict(net, Vc, Vf)
    allpos = int((VY[Vk == 0] == 1).sum())
    # only what the product can keep: proposals from the threshold it proposes from
    prop = (Vk == 0) & (Vs >= PROPOSAL_THRESHOLD)
    w, fused = fit_fusion(vl[prop], Vs[prop], VY[prop])
    y, s = VY[prop], Vs[prop]
    # the threshold on the fused score that keeps the detector's own recall at its threshold
    # (recall over every plate proposal mined, so the two are comparable)
    n_base = int(((s >= DETECTOR_THRESHOLD) & (y == 1)).sum())
    base_recall = n_base / max(allpos, 1)
    base_fp = int(((s >= DETECTOR_THRESHOLD) & (y == 0)).sum())
    cand = np.sort(fused[y == 1])[::-1]
    thr = float(cand[min(n_base, len(cand)) - 1])
    fp = int(((fused >= thr) & (y == 0)).sum())
    log(f"fusion a={w[0]:.3f} b={w[1]:.3f} c={w[2]:.3f} (fitted on {int(prop.sum())} val proposals >= "
        f"{PROPOSAL_THRESHOLD}); detector >= {DETECTOR_THRESHOLD}: recall {base_recall:.3f}, {base_fp} FP; "
        f"fused >= {thr:.3f}: recall {((fused >= thr) & (y == 1)).sum() / max(allpos, 1):.3f}, {fp} FP")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        log(f"  fused >= {t}: recall {((fused >= t) & (y == 1)).sum() / max(allpos, 1):.3f}, "
            f"FP {int(((fused >= t) & (y == 0)).sum())}")
    onnx_path = out / "plate_verifier.onnx"
    torch.onnx.export(net, (torch.zeros(1, 3, CROP_H, CROP_W), torch.zeros(1, 2)), str(onnx_path),
                      input_names=["crop", "feat"], output_names=["logit"], opset_version=17,
                      dynamic_axes={"crop": {0: "n"}, "feat": {0: "n"}, "logit": {0: "n"}}, dynamo=False)
    import onnxruntime as ort
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    ref = vl[:64]
    got = sess.run(None, {"crop": Vc[:64].float().numpy(), "feat": Vf[:64].numpy()})[0].reshape(-1)
    diff = float(np.abs(ref - got).max())
    log(f"exported {onnx_path} (max |onnx - torch| {diff:.2e})")
    assert diff < 1e-3
    (out / "plate_verifier.json").write_text(json.dumps({
        "fuse": [round(float(v), 6) for v in w], "threshold": round(thr, 4),
        "detector_threshold": DETECTOR_THRESHOLD, "proposal_threshold": PROPOSAL_THRESHOLD,
        "val": {"recall": round(base_recall, 4), "fp_detector": base_fp, "fp_fused": fp},
        "config": vars(a)}, indent=1) + "\n")


if __name__ == "__main__":
    main()
