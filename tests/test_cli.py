"""The ``bwv`` CLI: version, help for every command, one-line errors for bad input."""
import json
import os
import shutil
import subprocess
import sys

from pathlib import Path

import pytest

from redaction import __version__
from redaction.cli import build_parser

from helpers import REPO, run_bwv
from helpers import make_project, moving_track


def test_version():
    r = run_bwv("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"bwv {__version__}"


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("cmd", subcommands())
def test_every_subcommand_has_help(cmd):
    r = run_bwv(cmd, "--help")
    assert r.returncode == 0 and "usage: bwv " + cmd in r.stdout


def test_no_command_prints_help():
    r = run_bwv()
    assert r.returncode == 2 and "COMMAND" in r.stdout


def _export(project, out, *extra):
    return run_bwv("export", str(project), "--out", str(out), "--operator", "alice",
                   "--recipient", "Bob", "--organisation", "CPS", "--basis", "court", "--quiet",
                   *extra)


def _assert_one_line(r, *needles):
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    for n in needles:
        assert str(n) in r.stderr, (n, r.stderr)


@pytest.mark.parametrize("kind", ["zero", "text", "truncated", "corrupt"])
def test_export_refuses_bad_source(clips, tmp_path, kind):
    clip = tmp_path / "clip.mp4"
    data = clips["basic"].read_bytes()
    clip.write_bytes(data)
    s = make_project(clip, tmp_path)
    if kind == "zero":
        clip.write_bytes(b"")
    elif kind == "text":
        clip.write_text("hello\n" * 100)
    elif kind == "truncated":
        clip.write_bytes(data[: len(data) // 3])
    else:  # same length, garbage in the middle of the media data
        mid = len(data) // 2
        clip.write_bytes(data[:mid] + bytes(4096) + data[mid + 4096:])
    # the source hash check catches every altered clip first: nothing is decoded or written
    r = _export(s.path, tmp_path / "o.mp4")
    _assert_one_line(r, clip, "sha256")
    assert not (tmp_path / "o.mp4").exists()


def test_bad_media_is_refused_at_project_creation(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n")
    r = run_bwv("project", "new", str(bad), "--out", str(tmp_path / "p.bwvproj.json"))
    _assert_one_line(r, bad, "not a readable video")
    assert not (tmp_path / "p.bwvproj.json").exists()


def test_corrupt_media_decoding_is_refused(clips, tmp_path):
    """A clip damaged before the project was made: decoding fails cleanly mid-export."""
    data = bytearray(clips["basic"].read_bytes())
    mdat = data.find(b"mdat")
    for off in range(mdat + 4000, len(data) - 2000, 997):
        data[off:off + 200] = b"\xff" * 200
    clip = tmp_path / "damaged.mp4"
    clip.write_bytes(bytes(data))
    r = run_bwv("project", "new", str(clip), "--out", str(tmp_path / "d.bwvproj.json"))
    if r.returncode != 0:
        _assert_one_line(r, clip)
        return
    r = _export(tmp_path / "d.bwvproj.json", tmp_path / "o.mp4")
    if r.returncode != 0:
        _assert_one_line(r)
        assert not (tmp_path / "o.mp4").exists()
    assert "Traceback" not in r.stderr


def test_missing_source(clip_copy, tmp_path):
    clip = clip_copy()
    s = make_project(clip, tmp_path)
    clip.unlink()
    r = _export(s.path, tmp_path / "o.mp4")
    _assert_one_line(r, clip, "not found")


def test_malformed_project(tmp_path):
    p = tmp_path / "p.bwvproj.json"
    p.write_text(json.dumps({"format": "bwv-project", "version": 1, "source": {"path": "x"}}))
    r = _export(p, tmp_path / "o.mp4")
    _assert_one_line(r, p, "source.sha256")
    p.write_text("{")
    _assert_one_line(_export(p, tmp_path / "o.mp4"), p, "not valid JSON")
    _assert_one_line(_export(tmp_path / "nope.json", tmp_path / "o.mp4"), "nope.json", "not found")


def test_unwritable_output_folder(clips, tmp_path):
    import tempfile
    base = Path(tempfile.mkdtemp(prefix="bwv-perm-"))  # reachable by an unprivileged user
    try:
        os.chmod(base, 0o777)
        clip = base / "clip.mp4"
        clip.write_bytes(clips["basic"].read_bytes())
        s = make_project(clip, base)
        for p in base.iterdir():
            os.chmod(p, 0o666)
        locked = base / "locked"
        locked.mkdir()
        os.chmod(locked, 0o555)
        env = {f"BWV_{n}_DIR": str(base / n.lower()) for n in ("DATA", "CONFIG", "LOG", "CACHE")}
        env["BWV_POLICY_FILE"] = str(base / "no-policy.json")
        r = run_bwv("export", str(s.path), "--out", str(locked / "o.mp4"), "--operator", "a",
                    "--recipient", "b", "--organisation", "c", "--basis", "d", "--quiet",
                    user="nobody", env={**env, "HOME": str(base)})
        _assert_one_line(r, locked, "not writable")
        assert list(locked.iterdir()) == []
        _assert_one_line(_export(s.path, base / "nodir" / "o.mp4"), "nodir", "does not exist")
        (base / "afile").write_text("x")
        _assert_one_line(_export(s.path, base / "afile" / "o.mp4"), "afile", "is a file, not a folder")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_project_cli_round_trip(clip_copy, tmp_path):
    clip = clip_copy()
    p = tmp_path / "c.bwvproj.json"
    assert run_bwv("project", "new", str(clip), "--out", str(p)).returncode == 0
    r = run_bwv("project", "add-track", str(p), "--frame", "0", "--box", "10,10,50,50",
                "--end-frame", "30", "--reason", "bystander")
    assert r.returncode == 0 and r.stdout.strip() == "t1"
    assert run_bwv("project", "keyframe", str(p), "t1", "--frame", "20",
                   "--box", "100,100,50,50").returncode == 0
    assert run_bwv("project", "add-audio", str(p), "--start", "0.2", "--end", "0.5",
                   "--reason", "phone number").returncode == 0
    r = run_bwv("project", "show", str(p), "--json")
    d = json.loads(r.stdout)
    assert d["tracks"][0]["status"] == "accepted" and len(d["tracks"][0]["keyframes"]) == 2
    assert d["audio"][0]["reason"] == "phone number"
    assert d["audio"][0]["decided_by"] == d["tracks"][0]["decided_by"] == "test.officer"  # who drew it
    r = run_bwv("project", "keyframe", str(p), "t9", "--frame", "1", "--box", "1,1,1,1")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert run_bwv("verify", str(p)).returncode == 0


def test_engine_never_imports_qt():
    code = ("import sys, importlib, pkgutil, redaction\n"
            "for m in pkgutil.walk_packages(redaction.__path__, 'redaction.'):\n"
            "    if not m.name.endswith('__main__') and '.migrations' not in m.name: importlib.import_module(m.name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'app')]\n"
            "assert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr


def test_import_linter_contract():
    lint = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    if not os.path.exists(lint):
        pytest.skip("import-linter not installed")
    r = subprocess.run([lint], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_read_only_file_system_is_named_as_such(clip_copy, tmp_path, monkeypatch):
    """A write-protected drive or share: said as such, not as "permission denied"."""
    from types import SimpleNamespace

    from redaction.errors import ExportError
    from redaction.export import ExportRequest, export_job
    from redaction.jobs import run_job
    s = make_project(clip_copy(), tmp_path)
    real = os.statvfs
    monkeypatch.setattr(os, "statvfs", lambda p: SimpleNamespace(f_flag=os.ST_RDONLY)
                        if Path(p) == tmp_path / "ro" else real(p))
    (tmp_path / "ro").mkdir()
    with pytest.raises(ExportError, match="read-only file system") as e:
        run_job(export_job(ExportRequest(s.path, tmp_path / "ro" / "o.mp4", "a", "b", "c", "d")))
    assert str(tmp_path / "ro") in str(e.value)
