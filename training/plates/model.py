"""PlateNet: a small anchor-free (TTFNet / CenterNet-style) single-class detector.

Plain torch, no pretrained weights. Backbone: MobileNetV2-style inverted residual blocks
down to stride 32; neck: a light FPN back up to stride 4; two heads at stride 4:

* ``hm``  (N,1,H/4,W/4): plate-centre logits (sigmoid -> score)
* ``reg`` (N,4,H/4,W/4): log of the distances (left, top, right, bottom) from the cell
  centre to the box sides, in units of ``STRIDE`` pixels: ``d = exp(clamp(reg)) * STRIDE``

Input: (N,3,H,W) float32 **RGB in 0..255**, H and W multiples of 32; the normalisation is
inside the network, so the ONNX file takes raw pixels.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

STRIDE = 4
REG_MIN, REG_MAX = -3.0, 5.0


def conv_bn(cin: int, cout: int, k: int = 3, s: int = 1, groups: int = 1, act: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, s: int = 1, e: int = 3):
        super().__init__()
        mid = cin * e
        self.use_res = s == 1 and cin == cout
        self.block = nn.Sequential(conv_bn(cin, mid, 1), conv_bn(mid, mid, 3, s, groups=mid),
                                   conv_bn(mid, cout, 1, act=False))

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_res else y


def _stage(cin: int, cout: int, n: int, e: int) -> nn.Sequential:
    return nn.Sequential(InvertedResidual(cin, cout, 2, e), *[InvertedResidual(cout, cout, 1, e) for _ in range(n - 1)])


class SepConv(nn.Sequential):
    def __init__(self, c: int, cout: int | None = None):
        super().__init__(conv_bn(c, c, 3, groups=c), conv_bn(c, cout or c, 1))


class PlateNet(nn.Module):
    def __init__(self, width: tuple[int, ...] = (16, 24, 40, 80, 128), neck: int = 64, head: int = 48):
        super().__init__()
        c1, c2, c3, c4, c5 = width
        self.stem = conv_bn(3, c1, 3, 2)                    # /2
        self.s4 = _stage(c1, c2, 2, 3)                      # /4
        self.s8 = _stage(c2, c3, 3, 3)                      # /8
        self.s16 = _stage(c3, c4, 4, 4)                     # /16
        self.s32 = _stage(c4, c5, 3, 4)                     # /32
        self.lat32, self.lat16, self.lat8 = conv_bn(c5, neck, 1), conv_bn(c4, neck, 1), conv_bn(c3, neck, 1)
        self.lat4 = conv_bn(c2, head, 1)
        self.smooth16, self.smooth8 = SepConv(neck), SepConv(neck, head)
        self.smooth4 = SepConv(head)
        self.hm = nn.Sequential(SepConv(head), nn.Conv2d(head, 1, 1))
        self.reg = nn.Sequential(SepConv(head), nn.Conv2d(head, 4, 1))
        nn.init.constant_(self.hm[-1].bias, -4.6)           # prior 0.01
        nn.init.constant_(self.reg[-1].bias, 1.0)
        self.register_buffer("mean", torch.tensor([123.7, 116.3, 103.5]).view(1, 3, 1, 1))
        self.register_buffer("inv_std", 1 / torch.tensor([58.4, 57.1, 57.4]).view(1, 3, 1, 1))

    def forward(self, x):
        x = (x - self.mean) * self.inv_std
        f4 = self.s4(self.stem(x))
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        f32 = self.s32(f16)
        p = self.lat32(f32)
        p = self.smooth16(self.lat16(f16) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        p = self.smooth8(self.lat8(f8) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        p = self.smooth4(self.lat4(f4) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        return self.hm(p), self.reg(p)


def decode_torch(hm_logits: torch.Tensor, reg: torch.Tensor, thresh: float = 0.3, topk: int = 100):
    """Per image: (K,5) tensor [x0, y0, x1, y1, score] in input pixels (before NMS)."""
    out = []
    score = torch.sigmoid(hm_logits)
    peak = (F.max_pool2d(score, 3, 1, 1) == score) & (score >= thresh)
    n, _, h, w = score.shape
    d = torch.exp(reg.clamp(REG_MIN, REG_MAX)) * STRIDE
    ys = (torch.arange(h, device=score.device, dtype=torch.float32) + 0.5) * STRIDE
    xs = (torch.arange(w, device=score.device, dtype=torch.float32) + 0.5) * STRIDE
    for i in range(n):
        idx = torch.nonzero(peak[i, 0])
        s = score[i, 0][idx[:, 0], idx[:, 1]]
        if len(s) > topk:
            s, o = s.topk(topk)
            idx = idx[o]
        cy, cx = ys[idx[:, 0]], xs[idx[:, 1]]
        dd = d[i][:, idx[:, 0], idx[:, 1]]
        out.append(torch.stack([cx - dd[0], cy - dd[1], cx + dd[2], cy + dd[3], s], 1))
    return out
