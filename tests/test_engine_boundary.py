"""The engine never imports the app or Qt, not even by name (issue 13, ADR 0001).

import-linter (tests/test_cli.py) sees ``import app...`` statements; this test also
catches the by-name tricks it cannot see: ``importlib.import_module("app.main")``,
``__import__("PySide6")``, ``import_module(f"app.{x}")`` - any string in ``redaction/``
that names a module of ``app``, PySide6 or shiboken6.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from helpers import REPO

FORBIDDEN = re.compile(r"^(app|PySide6|shiboken6)(\.[A-Za-z_][\w.]*)?\.?$")
DYNAMIC = {"import_module", "__import__", "find_spec", "import_string", "run_module"}


def _engine_files():
    return sorted(p for p in (REPO / "redaction").rglob("*.py") if "migrations" not in p.parts)


def _strings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node, node.value
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node, first.value


def test_no_module_name_of_the_app_or_qt_in_the_engine():
    bad = []
    for path in _engine_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, text in _strings(tree):
            if FORBIDDEN.match(text.strip()):
                bad.append(f"{path.relative_to(REPO)}:{node.lineno}: {text!r}")
    assert not bad, "the engine names app/Qt modules (import by name?):\n" + "\n".join(bad)


def test_no_dynamic_import_of_anything_outside_the_engine():
    """importlib/__import__ in the engine only with names it builds from its own package."""
    bad = []
    for path in _engine_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in DYNAMIC or not node.args:
                continue
            arg = node.args[0]
            text = ast.unparse(arg)
            ok = (isinstance(arg, ast.Constant) and str(arg.value).startswith("redaction")) or \
                 "__name__" in text or "redaction" in text or \
                 (isinstance(arg, ast.Constant) and not FORBIDDEN.match(str(arg.value)))
            if not ok:
                bad.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}({text})")
    assert not bad, "dynamic imports in the engine with names from elsewhere:\n" + "\n".join(bad)


def test_gui_command_is_the_launchers_not_the_engines():
    assert not (REPO / "redaction" / "cli" / "cmd_gui.py").exists()
    import tomllib
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["bwv"] == "app.launcher:main"
    for entry in ("entry_cli.py", "entry_gui.py"):
        assert "from app.launcher import main" in (REPO / "packaging" / entry).read_text()
    code = ("import sys\nfrom redaction.cli import build_parser\n"
            "p = build_parser()\n"
            "choices = next(a for a in p._actions if a.dest == 'command').choices\n"
            "assert 'gui' not in choices, sorted(choices)\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('app', 'PySide6')]\n"
            "from app.launcher import main, register_gui\n"
            "p = build_parser([register_gui])\n"
            "assert 'gui' in next(a for a in p._actions if a.dest == 'command').choices\n"
            "assert 'PySide6' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr


def test_launcher_help_lists_gui_and_engine_commands():
    r = subprocess.run([sys.executable, "-m", "app", "--help"], capture_output=True, text=True,
                       cwd=REPO, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "gui" in r.stdout and "export" in r.stdout
    r = subprocess.run([sys.executable, "-m", "redaction", "gui"], capture_output=True,
                       text=True, cwd=REPO, timeout=120)
    assert r.returncode == 2 and "invalid choice: 'gui'" in r.stderr


def test_the_shipped_machine_policy_fails_closed():
    from redaction import policy
    path = REPO / "packaging" / "policy.json"
    import json
    doc = policy.validate(json.loads(path.read_text()), path)
    pol = policy.Policy(path, doc, machine=True)
    assert pol.require_store and pol.get("four_eyes_approval") is True
    iss = (REPO / "packaging" / "bwv.iss").read_text()
    assert 'Source: "policy.json"; DestDir: "{commonappdata}' in iss
