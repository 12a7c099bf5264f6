"""The PyInstaller spec, the installer script and the bundled resources, checked without building.

The spec is executed with PyInstaller's build steps (Analysis, PYZ, EXE, COLLECT) replaced
by recorders, so every path it computes is checked to exist and every hidden import to be
importable, in seconds. The real build is ``make package`` (on demand).
"""
from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import tomllib
import types

import pytest

from helpers import REPO

SPEC = REPO / "packaging" / "bwv.spec"
ISS = REPO / "packaging" / "bwv.iss"
APP_ID = "D10BB78A-F81F-42C4-8E5F-1436C16CDE43"


def _stub_hooks() -> types.ModuleType:
    """Minimal stand-ins for PyInstaller.utils.hooks when PyInstaller is not installed."""
    import pkgutil
    mod = types.ModuleType("PyInstaller.utils.hooks")

    def collect_submodules(name, filter=None, **_):
        spec = importlib.util.find_spec(name)
        out = [name]
        if spec and spec.submodule_search_locations:
            out += [m.name for m in pkgutil.walk_packages(spec.submodule_search_locations,
                                                           name + ".", onerror=lambda n: None)]
        return [m for m in out if filter is None or filter(m)]

    def collect_dynamic_libs(name):
        spec = importlib.util.find_spec(name)
        root = __import__("pathlib").Path(spec.origin).parent
        return [(str(p), str(p.parent.relative_to(root.parent)))
                for p in root.rglob("*") if p.suffix in (".so", ".dll", ".dylib")]
    mod.collect_submodules, mod.collect_dynamic_libs = collect_submodules, collect_dynamic_libs
    return mod


class _Rec:
    calls: list = []

    def __init__(self, *args, **kw):
        self.args, self.kw = args, kw
        _Rec.calls.append(self)
        self.scripts = [("pyiboot01_bootstrap", "x", "PYSOURCE"),
                        ("entry_cli", str(args[0][0]) if args and isinstance(args[0], list) and args[0]
                         else "", "PYSOURCE")]
        self.pure, self.binaries, self.datas = [], [], []


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    try:
        from PyInstaller.utils import hooks  # noqa: F401
    except ImportError:
        pkg = types.ModuleType("PyInstaller")
        utils = types.ModuleType("PyInstaller.utils")
        hooks = _stub_hooks()
        sys.modules.update({"PyInstaller": pkg, "PyInstaller.utils": utils,
                            "PyInstaller.utils.hooks": hooks})
    recs = {}

    def maker(kind):
        class R(_Rec):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                recs.setdefault(kind, []).append(self)
        return R
    ns = {"SPECPATH": str(SPEC.parent), "__file__": str(SPEC), "__name__": "__spec__",
          "Analysis": maker("Analysis"), "PYZ": maker("PYZ"), "EXE": maker("EXE"),
          "COLLECT": maker("COLLECT")}
    path_before = list(sys.path)
    try:
        exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), ns)
    finally:
        sys.path[:] = path_before
    return ns, recs


def test_spec_builds_two_executables_into_one_folder(spec):
    _, recs = spec
    assert len(recs["Analysis"]) == 1 and len(recs["COLLECT"]) == 1
    exes = recs["EXE"]
    assert [e.kw["console"] for e in exes] == [True, False]  # bwv (console) + windowed GUI
    assert recs["COLLECT"][0].kw["name"] == "bwv"
    gui_scripts = exes[1].args[1]
    assert gui_scripts[-1][0] == "entry_gui" and gui_scripts[-1][1].endswith("entry_gui.py")


def test_every_path_the_spec_references_exists(spec):
    ns, recs = spec
    a = recs["Analysis"][0]
    files = list(a.args[0]) + list(a.kw["runtime_hooks"])
    files += [src for src, _ in a.kw["datas"]] + [src for src, _ in a.kw["binaries"]]
    missing = [f for f in files if not __import__("os").path.exists(f)]
    assert not missing, missing
    for src, dest in a.kw["datas"] + a.kw["binaries"]:
        assert not __import__("os").path.isabs(dest) and ".." not in dest, dest


def test_spec_paths_are_relative_to_the_spec():
    text = SPEC.read_text(encoding="utf-8")
    assert "SPECPATH" in text
    # no absolute path to this checkout or to the machine it was written on
    assert str(REPO) not in text and "/work/" not in text


def test_bundle_contents_are_complete_and_clean(spec):
    _, recs = spec
    a = recs["Analysis"][0]
    dests = {(__import__("pathlib").Path(src).name, dest) for src, dest in a.kw["datas"]}
    models = REPO / "resources" / "models"
    for f in (list(models.glob("*.onnx")) + list(models.glob("*.tflite")) + list(models.glob("*.json"))
              + [models / "MODELS.md"]):
        assert (f.name, "resources/models") in dests, f
    assert ("sample_bwv.mp4", "resources/sample") in dests
    assert ("LICENSE", ".") in dests
    assert ("env.py", "redaction/store/migrations") in dests      # alembic reads files
    for src, _ in a.kw["datas"] + a.kw["binaries"]:
        parts = set(__import__("pathlib").Path(src).parts)
        assert not parts & {"tests", "shared", "training", "bench", ".venv"} or "site-packages" in parts, src
        assert not src.endswith(("fetch_models.py", "make_sample.py")), src
    bins = [dest for _, dest in a.kw["binaries"]]
    if sys.platform.startswith("linux"):
        assert any(d.startswith("vlc/plugins") for d in bins), "libvlc plugins not bundled"
        assert any(d == "mediapipe/tasks/c" for d in bins), "libmediapipe not bundled"
    for ex in ("pytest", "PyInstaller", "torch", "tests", "training"):
        assert ex in a.kw["excludes"]


def test_hidden_imports_are_importable(spec):
    _, recs = spec
    hidden = recs["Analysis"][0].kw["hiddenimports"]
    assert "redaction.cli.cmd_selftest" in hidden and "app.main" in hidden
    from redaction.cli import COMMAND_MODULES
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(f"redaction.cli.cmd_{name}"):
            assert f"redaction.cli.cmd_{name}" in hidden
    missing = [m for m in hidden if importlib.util.find_spec(m) is None]
    assert not missing, missing
    tests = [m for m in hidden if ".test" in m or m.startswith("tests")]
    assert not tests, f"test modules would be bundled: {tests[:5]}"


def test_installer_script_version_appid_and_paths():
    text = ISS.read_text(encoding="utf-8")
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    m = re.search(r'#define AppVersion "([^"]+)"', text)
    assert m and m.group(1) == version, "packaging/bwv.iss default AppVersion != pyproject"
    assert f"AppId={{{{{APP_ID}}}" in text            # fixed forever: upgrades depend on it
    assert "PrivilegesRequired=admin" in text          # per-machine
    assert "{autopf}" in text
    for rel in re.findall(r'(?:LicenseFile=|Source: ")(\.\.[^"\s]+)', text):
        target = (ISS.parent / rel.replace("\\", "/").split("*")[0])
        if "dist" not in rel:
            assert target.exists(), rel


def test_builds_put_the_licences_and_credits_beside_the_program():
    """CREDITS.md (the CC BY credits of the plate detector's training data) was only deep in
    _internal/; the Start-menu "Licences" opened a file with no extension."""
    linux = (REPO / "packaging" / "build_linux.sh").read_text(encoding="utf-8")
    windows = (REPO / "packaging" / "build_windows.ps1").read_text(encoding="utf-8")
    for name, src in (("LICENSE", "LICENSE"), ("MODELS.md", "resources/models/MODELS.md"),
                      ("CREDITS.md", "resources/CREDITS.md")):
        assert (REPO / src).is_file(), src
        assert f'cp {src} "$DIST/{name}"' in linux, name
        assert f"Copy-Item {src.replace('/', chr(92))} dist\\bwv\\{name}" in windows, name
    icons = ISS.read_text(encoding="utf-8").split("[Icons]")[1].split("[Run]")[0]
    for name in ("THIRD_PARTY_LICENSES", "CREDITS.md"):
        line = next(ln for ln in icons.splitlines() if name in ln)
        assert 'Filename: "{win}\\notepad.exe"' in line, line


def test_installer_upgrade_and_uninstall_touch_only_the_program_folder():
    """An upgrade removes the older build's _internal (stale plugins and libraries were left
    beside the new ones); nothing deletes users' data, evidence or the machine policy."""
    text = ISS.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^\[(\w+)\]\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S))
    deletes = [ln for ln in sections.get("InstallDelete", "").splitlines()
               if ln.strip() and not ln.startswith(";")]
    assert deletes == ['Type: filesandordirs; Name: "{app}\\_internal"']
    assert "UninstallDelete" not in sections
    policy = next(ln for ln in sections["Files"].splitlines() if ln.startswith('Source: "policy.json"'))
    assert "onlyifdoesntexist" in policy and "uninsneveruninstall" in policy


def test_models_md_lists_every_model_with_its_sha256():
    from redaction.detect.models import MODELS
    md = (REPO / "resources" / "models" / "MODELS.md").read_text(encoding="utf-8")
    files = sorted(p for p in (REPO / "resources" / "models").iterdir()
                   if p.suffix in (".onnx", ".tflite", ".json"))
    assert files
    registered = {m.file: m for m in MODELS}
    for f in files:
        assert f.name in md, f"{f.name} not described in MODELS.md"
        assert f.name in registered, f"{f.name} not in the model registry"
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        assert digest == registered[f.name].sha256, f.name
        assert digest in md, f"sha256 of {f.name} not in MODELS.md"


def test_licence_files():
    lic = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in lic and "Version 3, 29 June 2007" in lic
    assert "GPL-3.0-or-later" in (REPO / "pyproject.toml").read_text()


def test_third_party_licence_list_covers_the_runtime_dependencies():
    sys.path.insert(0, str(REPO / "packaging"))
    try:
        import third_party_licenses as tpl
    finally:
        sys.path.pop(0)
    names = {tpl.norm(d.metadata["Name"]) for d in tpl.shipped_distributions()}
    for must in ("pyside6-essentials", "av", "numpy", "mediapipe", "opencv-contrib-python",
                 "python-vlc", "sqlalchemy", "alembic", "platformdirs", "psycopg"):
        assert must in names, must
    assert not names & {"pytest", "pyinstaller", "cyclonedx-bom", "import-linter"}


@pytest.mark.slow
def test_sbom_lists_what_ships(tmp_path):
    pytest.importorskip("cyclonedx_py", reason="cyclonedx-bom (package extra) not installed")
    import json
    sys.path.insert(0, str(REPO / "packaging"))
    try:
        import sbom
    finally:
        sys.path.pop(0)
    out = tmp_path / "bom.json"
    sbom.build(out)
    bom = json.loads(out.read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["metadata"]["component"]["name"] == "bwv-workstation"
    names = {c["name"].lower() for c in bom["components"]}
    assert {"av", "numpy", "mediapipe", "python-vlc"} <= names
    assert not names & {"pytest", "pyinstaller", "cyclonedx-bom"}
    from redaction.detect.models import MODELS
    models = {c["name"]: c for c in bom["components"] if c["type"] == "machine-learning-model"}
    assert set(models) == {m.name for m in MODELS}
    for m in MODELS:
        assert models[m.name]["hashes"][0]["content"] == m.sha256


def test_installer_takes_the_policy_folder_out_of_programdata_inheritance():
    """ProgramData lets every user create files in its subfolders, and Inno's [Dirs]
    Permissions only add rules: without breaking inheritance, a user could put a
    policy.toml (or an audit.key before the program made one) beside the administrator's
    policy. The installer runs icacls on the folder: inheritance removed, Administrators and
    SYSTEM full control, Users read only, then the files in it reset to inherit that."""
    text = ISS.read_text()
    run = text[text.index("[Run]"):text.index("[Code]")]
    lines = [l for l in run.splitlines() if "icacls" in l or "/inheritance" in l or "/reset" in l]
    joined = " ".join(lines)
    assert "/inheritance:r" in joined and "/grant:r" in joined
    assert "*S-1-5-32-544:(OI)(CI)F" in joined and "*S-1-5-18:(OI)(CI)F" in joined
    assert "*S-1-5-32-545:(OI)(CI)RX" in joined and "S-1-5-32-545:(OI)(CI)F" not in joined
    assert "/reset /T" in joined
    # before the self-test, which reads the policy
    assert run.index("icacls") < run.index("selftest")
