"""Blend two PlateNet checkpoints weight by weight (WiSE-FT: Wortsman et al., 2022).

    python training/plates/interpolate.py artifacts/plates_shipped/plate_detector.pt \
        artifacts/plates_ft/plate_detector.pt 0.5 artifacts/plates_mix50/plate_detector.pt

Writes ``(1 - alpha) * A + alpha * B`` for every floating-point tensor (integer buffers are
taken from B). A fine-tune and the weights it started from lie in one basin, so a blend
keeps much of what the fine-tune gained on its new data while losing less of the old skill
than the fine-tune itself; ``alpha`` is chosen by measurement (ADR 0006). Both checkpoints
must have the same layout (a fine-tune of A, BatchNorm folded or not in both).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch


def blend(a: dict, b: dict, alpha: float) -> dict:
    if a.keys() != b.keys():
        raise SystemExit("the two checkpoints have different layers; blend a fine-tune with its start")
    out = {}
    for k, vb in b.items():
        va = a[k]
        if va.shape != vb.shape:
            raise SystemExit(f"layer {k}: shapes {tuple(va.shape)} and {tuple(vb.shape)} differ")
        out[k] = (va * (1 - alpha) + vb * alpha).to(vb.dtype) if vb.dtype.is_floating_point else vb.clone()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("start", help="checkpoint A (the weights the fine-tune started from)")
    ap.add_argument("tuned", help="checkpoint B (the fine-tune)")
    ap.add_argument("alpha", type=float, help="0 gives A, 1 gives B")
    ap.add_argument("out")
    a = ap.parse_args()
    if not 0.0 <= a.alpha <= 1.0:
        raise SystemExit("alpha must lie in [0, 1]")
    ca = torch.load(a.start, map_location="cpu", weights_only=True)
    cb = torch.load(a.tuned, map_location="cpu", weights_only=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": cb.get("config"), "init": a.start, "blend": {"start": a.start, "tuned": a.tuned,
                "alpha": a.alpha}, "state_dict": blend(ca["state_dict"], cb["state_dict"], a.alpha),
                "iters": cb.get("iters")}, a.out)
    print(f"wrote {a.out}: {1 - a.alpha:g} x {a.start} + {a.alpha:g} x {a.tuned}")


if __name__ == "__main__":
    main()
