"""Pack the real training photos into a small, portable folder for training.

Reads ``/work/shared/train/plates_openimages`` (Open Images photos, "Google Licence
Plates" boxes), shrinks each photo so its longer side is at most 640 px, re-encodes it as
WebP (quality 45) and writes ``labels.json`` with the boxes scaled to match and a fixed
train/val split (every image whose SHA-256-of-name starts with a byte < 26 goes to val,
about 10 %).  The output (about 33 MB) is small enough to travel to a training machine.
Nothing here is ever committed: the output folder must be git-ignored (``artifacts/``).

    python training/plates/prepare_data.py --src /work/shared/train/plates_openimages \
        --dst artifacts/plates_data
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import cv2

MAX_SIDE = 640
WEBP_QUALITY = 45
VAL_BYTE = 26          # first byte of sha256(name) < 26 -> val (~10 %)


def is_val(name: str) -> bool:
    return hashlib.sha256(name.encode()).digest()[0] < VAL_BYTE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="/work/shared/train/plates_openimages")
    ap.add_argument("--dst", default="artifacts/plates_data")
    a = ap.parse_args()
    src, dst = Path(a.src), Path(a.dst)
    (dst / "images").mkdir(parents=True, exist_ok=True)
    labels = json.loads((src / "labels.json").read_text())
    out = {"source": labels.get("source"), "licence": labels.get("licence"),
           "max_side": MAX_SIDE, "images": {}}
    n_val = 0
    for rel, boxes in sorted(labels["images"].items()):
        im = cv2.imread(str(src / rel), cv2.IMREAD_COLOR)
        if im is None:
            raise SystemExit(f"cannot read {src / rel}")
        h, w = im.shape[:2]
        s = min(1.0, MAX_SIDE / max(h, w))
        if s < 1:
            im = cv2.resize(im, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        name = Path(rel).stem + ".webp"
        ok, buf = cv2.imencode(".webp", im, [cv2.IMWRITE_WEBP_QUALITY, WEBP_QUALITY])
        assert ok
        (dst / "images" / name).write_bytes(buf.tobytes())
        split = "val" if is_val(name) else "train"
        n_val += split == "val"
        out["images"][name] = {
            "split": split,
            "boxes": [[round(v * s, 2) for v in b["box"]] for b in boxes],
        }
    (dst / "labels.json").write_text(json.dumps(out))
    print(f"{len(out['images'])} images ({n_val} val) -> {dst}")


if __name__ == "__main__":
    main()
