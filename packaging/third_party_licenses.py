"""Write THIRD_PARTY_LICENSES for the bundle from the installed packages (importlib.metadata).

The shipped Python distributions are the runtime dependency closure of ``bwv-workstation``
(pyproject ``dependencies``, no extras) plus the distributions of every top-level module
that ``redaction/``, ``app/`` and ``resources/`` import (e.g. onnxruntime). For each one
the name, version, licence (SPDX expression, classifier or ``License:`` field) and the full
text of every licence file in its ``.dist-info`` are written. Native components that are
not Python distributions (the Python runtime, PyInstaller's bootloader, libvlc and its
plugins, FFmpeg in PyAV) follow, with their licence texts where found on disk.

Usage: python packaging/third_party_licenses.py [--out FILE] [--list]
"""
from __future__ import annotations

import argparse
import ast
import importlib.metadata as md
import os
import re
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "bwv-workstation"
SOURCE_PACKAGES = ("redaction", "app", "resources")
# build/test tools that may be imported by dev-only modules; never shipped
NOT_SHIPPED = {"pytest", "pytest-qt", "pytest-timeout", "import-linter", "pyinstaller",
               "cyclonedx-bom", "setuptools", "pip", "wheel", "torch"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _marker_ok(req: str, extras: set[str]) -> tuple[str, set[str]] | None:
    from packaging.requirements import Requirement
    r = Requirement(req)
    if r.marker is not None:
        envs = [{"extra": e} for e in (extras or {""})]
        if not any(r.marker.evaluate(env) for env in envs):
            return None
    return norm(r.name), set(r.extras)


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for pkg in SOURCE_PACKAGES:
        for py in (ROOT / pkg).rglob("*.py"):
            try:
                tree = ast.parse(py.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


def shipped_distributions() -> list[md.Distribution]:
    """The installed distributions the bundle ships, sorted by name."""
    installed = {norm(d.metadata["Name"]): d for d in md.distributions() if d.metadata["Name"]}
    roots: dict[str, set[str]] = {}
    proj = installed.get(PROJECT)
    for req in (proj.requires or []) if proj else []:
        got = _marker_ok(req, set())
        if got:
            roots.setdefault(got[0], set()).update(got[1])
    top = md.packages_distributions()
    for mod in _imported_top_levels():
        for dist in top.get(mod, []):
            roots.setdefault(norm(dist), set())
    todo = list(roots.items())
    seen: dict[str, set[str]] = {}
    while todo:
        name, extras = todo.pop()
        if name in NOT_SHIPPED or name == PROJECT or name not in installed:
            continue
        if name in seen and extras <= seen[name]:
            continue
        seen.setdefault(name, set()).update(extras)
        for req in installed[name].requires or []:
            got = _marker_ok(req, seen[name])
            if got:
                todo.append(got)
    return [installed[n] for n in sorted(seen)]


def licence_of(d: md.Distribution) -> str:
    m = d.metadata
    expr = m.get("License-Expression")
    if expr:
        return expr.strip()
    classifiers = [c.split("::")[-1].strip() for c in m.get_all("Classifier") or []
                   if c.startswith("License ::")]
    lic = (m.get("License") or "").strip()
    if lic and len(lic) < 100 and "\n" not in lic:
        return lic
    return "; ".join(classifiers) or (lic.splitlines()[0][:80] if lic else "UNKNOWN")


def licence_texts(d: md.Distribution) -> list[tuple[str, str]]:
    out = []
    for f in d.files or []:
        name = f.name.lower()
        if (any(k in name for k in ("license", "licence", "copying", "notice", "authors"))
                and ".dist-info" in str(f) and not name.endswith((".py", ".pyc"))):
            try:
                out.append((str(f), Path(d.locate_file(f)).read_text(encoding="utf-8",
                                                                      errors="replace")))
            except OSError:
                pass
    if not out and d.metadata.get("License") and len(d.metadata["License"]) >= 100:
        out.append(("METADATA License field", d.metadata["License"]))
    return out


def native_components() -> list[tuple[str, str, str, list[Path]]]:
    """(name, version, licence, [licence files]) for bundled non-Python components."""
    import platform
    py_lic = [Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"]
    out = [("Python runtime", platform.python_version(), "PSF-2.0", py_lic)]
    try:
        pyi = md.version("pyinstaller")
        pyi_files = [Path(md.distribution("pyinstaller").locate_file(f)) for f in
                     md.distribution("pyinstaller").files or [] if "COPYING" in f.name.upper()]
        out.append(("PyInstaller bootloader", pyi,
                    "GPL-2.0-or-later WITH Bootloader-exception", pyi_files))
    except md.PackageNotFoundError:
        pass
    vlc_ver = ""
    try:
        import vlc
        vlc_ver = vlc.libvlc_get_version().decode(errors="replace").split()[0]
    except Exception:  # noqa: BLE001 - libvlc optional at build time
        pass
    vlc_docs = [p for p in (Path("/usr/share/doc/libvlc5/copyright"),
                            Path("/usr/share/doc/libvlccore9/copyright")) if p.is_file()]
    vlc_dir = os.environ.get("BWV_VLC_DIR", "")
    if vlc_dir and vlc_dir.lower() != "none":  # a VLC install folder (Windows builds)
        vlc_docs += [p for p in (Path(vlc_dir) / "COPYING.txt", Path(vlc_dir) / "COPYING")
                     if p.is_file()]
    out.append(("libvlc and VLC plugins (VideoLAN)", vlc_ver or "3.0.x",
                "LGPL-2.1-or-later (libvlc, libvlccore); plugins GPL-2.0-or-later or "
                "LGPL-2.1-or-later", vlc_docs))
    try:
        import av
        ff = ".".join(map(str, av.library_versions.get("libavcodec", ())))
    except Exception:  # noqa: BLE001
        ff = ""
    out.append(("FFmpeg with libx264 (inside the PyAV wheel, av.libs)", f"libavcodec {ff}",
                "GPL-2.0-or-later (built with libx264); see the PyAV entry above", []))
    return out


def render() -> str:
    dists = shipped_distributions()
    lines = ["THIRD-PARTY SOFTWARE IN BWV WORKSTATION", "=" * 40, "",
             "BWV Workstation is free software under GPL-3.0-or-later (see LICENSE).",
             "It bundles the components below; each remains under its own licence.",
             "Model files and their licences: MODELS.md; credits for the models, their",
             "training data (CC BY), the fonts and the sample clip: CREDITS.md.",
             f"Generated by packaging/third_party_licenses.py from the installed packages.", "",
             "Summary", "-------"]
    for d in dists:
        lines.append(f"{d.metadata['Name']} {d.version}: {licence_of(d)}")
    natives = native_components()
    for name, ver, lic, _ in natives:
        lines.append(f"{name} {ver}: {lic}")
    lines.append("")
    for d in dists:
        lines += ["", "#" * 78, f"{d.metadata['Name']} {d.version}", f"Licence: {licence_of(d)}",
                  f"Home: {d.metadata.get('Home-page') or d.metadata.get('Project-URL') or ''}",
                  "#" * 78]
        for where, text in licence_texts(d):
            lines += ["", f"--- {where} ---", text.rstrip()]
    for name, ver, lic, files in natives:
        lines += ["", "#" * 78, f"{name} {ver}", f"Licence: {lic}", "#" * 78]
        for f in files:
            if f.is_file():
                lines += ["", f"--- {f} ---", f.read_text(encoding="utf-8", errors="replace").rstrip()]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="output file (default: stdout)")
    ap.add_argument("--list", action="store_true", help="print NAME VERSION LICENCE lines only")
    args = ap.parse_args(argv)
    if args.list:
        for d in shipped_distributions():
            print(f"{d.metadata['Name']} {d.version} {licence_of(d)}")
        return 0
    text = render()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({len(shipped_distributions())} Python distributions)")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
