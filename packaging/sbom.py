"""Write the bundle's CycloneDX SBOM (JSON).

Runs ``cyclonedx-py environment`` (PyPI ``cyclonedx-bom``) on the build environment with
the project's pyproject.toml as the root component, then keeps only the distributions
the bundle ships (the same set as THIRD_PARTY_LICENSES, so build and test tools in the
environment are not listed) and adds the native components that are not Python
distributions (Python runtime, PyInstaller bootloader, libvlc, FFmpeg) and the model files
(resources/models, with their sha256).

Usage: python packaging/sbom.py --out dist/bwv/bwv-sbom.cdx.json
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from third_party_licenses import ROOT, native_components, norm, shipped_distributions  # noqa: E402


def build(out: Path, python: str = sys.executable) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "env.cdx.json"
        cmd = [python, "-m", "cyclonedx_py", "environment", "--pyproject",
               str(ROOT / "pyproject.toml"), "--of", "JSON", "--sv", "1.6",
               "--output-reproducible", "-o", str(raw), python]
        subprocess.run(cmd, check=True)
        bom = json.loads(raw.read_text(encoding="utf-8"))
    keep = {norm(d.metadata["Name"]) for d in shipped_distributions()}
    comps = [c for c in bom.get("components", []) if norm(c.get("name", "")) in keep]
    kept_refs = {c.get("bom-ref") for c in comps}
    root_ref = bom.get("metadata", {}).get("component", {}).get("bom-ref")
    for name, ver, lic, _ in native_components():
        ref = "native:" + norm(name.split(" (")[0]).replace(" ", "-")
        comps.append({"type": "library", "bom-ref": ref, "name": name, "version": ver,
                      "licenses": [{"license": {"name": lic}}]})
        kept_refs.add(ref)
    sys.path.insert(0, str(ROOT))
    from redaction.detect.models import MODELS
    for m in MODELS:  # the shipped model files, with the hashes the self-test checks
        ref = f"model:{m.name}"
        comps.append({"type": "machine-learning-model", "bom-ref": ref, "name": m.name,
                      "description": f"resources/models/{m.file}; source: {m.source}",
                      "hashes": [{"alg": "SHA-256", "content": m.sha256}],
                      "licenses": [{"expression": m.licence}]})
        kept_refs.add(ref)
    bom["components"] = comps
    deps = []
    for d in bom.get("dependencies", []):
        if d.get("ref") in kept_refs or d.get("ref") == root_ref:
            d = dict(d)
            d["dependsOn"] = [r for r in d.get("dependsOn", []) if r in kept_refs]
            if d.get("ref") == root_ref:
                d["dependsOn"] = sorted(kept_refs)
            deps.append(d)
    bom["dependencies"] = deps
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(bom, indent=2) + "\n", encoding="utf-8")
    return bom


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    bom = build(Path(args.out))
    print(f"wrote {args.out} ({len(bom['components'])} components, CycloneDX "
          f"{bom.get('specVersion')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
