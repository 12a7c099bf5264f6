"""The offline guarantee: the self-test and a real export make no network attempt.

Each command runs in a subprocess with tests/offline_guard/sitecustomize.py on PYTHONPATH:
every Python-level socket connect/sendto/DNS lookup is recorded and made to fail. Where
strace is available, native code (FFmpeg, libvlc, MediaPipe) is checked too: no connect()
or sendto() to an AF_INET/AF_INET6 address in any thread or child process. Where the
built bundle exists (``make package``), it runs its self-test inside an empty network
namespace under the same strace check.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

GUARD = REPO / "tests" / "offline_guard"
BUNDLE = REPO / "dist" / "bwv" / "bwv"
INET = re.compile(r"^\S*\s*\d*\s*(connect|sendto|sendmsg)\(.*(AF_INET6?|sin6?_)", re.M)


def _strace_ok() -> bool:
    if not shutil.which("strace"):
        return False
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"],
                       capture_output=True)
    return r.returncode == 0


STRACE = _strace_ok()


def run_guarded(args: list[str], tmp_path: Path, tag: str, *, python: bool = True,
                netns: bool = False) -> tuple[subprocess.CompletedProcess, str, str]:
    netlog = tmp_path / f"{tag}.net.log"
    trace = tmp_path / f"{tag}.strace"
    env = {**os.environ, "BWV_NET_LOG": str(netlog), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(GUARD), str(REPO)])}
    cmd = ([sys.executable, "-m", "redaction"] if python else [str(BUNDLE)]) + args
    if STRACE:
        cmd = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)] + cmd
    if netns:
        cmd = ["unshare", "-n"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    net = netlog.read_text() if netlog.exists() else ""
    native = "\n".join(m.group(0) for m in INET.finditer(trace.read_text())) if STRACE else ""
    return r, net, native


def test_guard_catches_a_network_attempt(tmp_path):
    """The guard itself works: a deliberate connection is recorded and fails."""
    netlog = tmp_path / "probe.log"
    env = {**os.environ, "BWV_NET_LOG": str(netlog), "PYTHONPATH": str(GUARD)}
    code = ("import socket\n"
            "try:\n socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
            "except OSError as e: print('refused', e)\n"
            "s = socket.socket()\n"
            "try: s.connect(('192.0.2.1', 80))\n"
            "except OSError: print('refused2')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "refused" in r.stdout and "refused2" in r.stdout
    assert "create_connection" in netlog.read_text() and "socket.connect" in netlog.read_text()


@pytest.mark.slow
def test_selftest_makes_no_network_attempt(tmp_path):
    r, net, native = run_guarded(["selftest"], tmp_path, "selftest")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "self-test passed" in r.stdout
    assert net == "", f"network attempts:\n{net}"
    assert native == "", f"native network attempts:\n{native}"


@pytest.mark.slow
def test_export_makes_no_network_attempt(clip_copy, tmp_path):
    clip = clip_copy("basic")
    proj = tmp_path / "p.bwvproj.json"
    for args in (["project", "new", str(clip), "--out", str(proj)],
                 ["project", "add-track", str(proj), "--frame", "0", "--box", "10,10,60,60",
                  "--end-frame", "49", "--reason", "third party"],
                 ["project", "decide", str(proj), "all-pending", "--status", "accepted",
                  "--reason", "third party"]):
        r = subprocess.run([sys.executable, "-m", "redaction", *args], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
    out = tmp_path / "out.mp4"
    r, net, native = run_guarded(["export", str(proj), "--out", str(out), "--operator", "PC 1",
                                  "--recipient", "R", "--organisation", "CPS",
                                  "--basis", "offline test", "--quiet"], tmp_path, "export")
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.stat().st_size > 0 and out.with_suffix(".manifest.json").exists()
    assert net == "", f"network attempts:\n{net}"
    assert native == "", f"native network attempts:\n{native}"


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLE.exists(), reason="bundle not built (make package)")
@pytest.mark.skipif(subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0
                    if shutil.which("unshare") else True, reason="cannot create a network namespace")
def test_built_bundle_selftest_offline(tmp_path):
    r, _, native = run_guarded(["selftest"], tmp_path, "bundle", python=False, netns=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert native == "", f"native network attempts:\n{native}"


def test_onnxruntime_telemetry_is_off_whatever_the_environment_says(tmp_path):
    """onnxruntime 1.29+ uploads telemetry from Linux (1DS: a DNS query for
    mobile.events.data.microsoft.com, a device id under ~/.cache/Microsoft). The engine turns
    it off on import, even when the environment asks for it: the detectors run and nothing
    is written under the user's home."""
    code = ("import redaction, os, numpy as np\n"
            "from redaction.detect.factory import build_detector\n"
            "d = build_detector(('face', 'plate'), 'accurate', candidates=True)\n"
            "d.at_frame(0, 30.0); d(np.zeros((360, 640, 3), np.uint8))\n"
            "print(os.environ['ORT_DISABLE_TELEMETRY'])\n")
    env = {**os.environ, "HOME": str(tmp_path), "ORT_DISABLE_TELEMETRY": "0",
           "XDG_CACHE_HOME": str(tmp_path / ".cache"), "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"
    assert not (tmp_path / ".cache" / "Microsoft").exists(), list(tmp_path.rglob("*"))
