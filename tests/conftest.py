"""Shared fixtures: isolated user folders and small clips generated with PyAV."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from redaction.synth import ClipSpec, pattern_frame, write_clip

from helpers import REPO, SHARED, plate_synth  # noqa: F401

# files the tests write as an administrator would (a machine policy, key files) get the
# usual modes whatever the caller's umask: a group-writable machine policy is refused
os.umask(0o022)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Every test gets its own config/data/cache/log folders (never the real ones)."""
    base = tmp_path_factory.mktemp("userdirs")
    for name in ("CONFIG", "DATA", "CACHE", "LOG"):
        monkeypatch.setenv(f"BWV_{name}_DIR", str(base / name.lower()))
    monkeypatch.setenv("BWV_USER", "test.officer")
    monkeypatch.delenv("BWV_DATABASE_URL", raising=False)
    # a machine's real policy file must not change test results
    monkeypatch.setenv("BWV_POLICY_FILE", str(base / "no-policy.json"))
    monkeypatch.setattr("redaction.policy.SYSTEM_POLICY_PATHS", [base / "no-machine-policy.json"])
    yield base


@pytest.fixture(scope="session")
def synth():
    """The training code's plate renderer (training/plates/synth.py)."""
    return plate_synth()


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """A set of small clips, made once per session. Tests must not modify them."""
    d = tmp_path_factory.mktemp("clips")
    out = {}
    out["basic"] = Path(write_clip(d / "basic.mp4", ClipSpec(frames=50, width=320, height=240)))
    out["ntsc"] = Path(write_clip(d / "ntsc.mp4", ClipSpec(
        frames=45, fps=Fraction(30000, 1001), time_base=Fraction(1, 30000))))
    out["vfr"] = Path(write_clip(d / "vfr.mp4", ClipSpec(
        frames=40, vfr_pattern=[3000, 3000, 6000, 1500, 4500], audio_rate=None)))
    out["rotated"] = Path(write_clip(d / "rotated.mp4", ClipSpec(frames=12, rotation=90),
                                     frame_fn=marker_frame))
    out["mono"] = Path(write_clip(d / "mono.mp4", ClipSpec(frames=25, audio_channels=1,
                                                           audio_rate=44100)))
    out["tagged"] = Path(write_clip(d / "tagged.mp4", ClipSpec(
        frames=10, metadata={"title": "PC 1234 Smith", "location": "+51.5074-000.1278/",
                             "comment": "device serial ABC123"})))
    return out


def marker_frame(i: int) -> np.ndarray:
    """Grey frame with a white block in the stored top-left corner (to check rotation)."""
    f = np.full((240, 320, 3), 90, np.uint8)
    f[0:40, 0:60] = 255
    return f


@pytest.fixture
def clip_copy(clips, tmp_path):
    """Copy a named clip into this test's folder (so tests can own the file)."""
    def make(name="basic") -> Path:
        dst = tmp_path / f"{name}.mp4"
        dst.write_bytes(clips[name].read_bytes())
        return dst
    return make




@pytest.fixture
def disk(request, tmp_path):
    """A small tmpfs (root only; skipped otherwise); its size in KiB is the test module's
    ``DISK_KB`` where it sets one."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    from helpers import TinyDisk
    kb = getattr(request.module, "DISK_KB", None)
    d = TinyDisk(tmp_path / "disk", **({"size_kb": kb} if kb else {}))
    yield d
    d.close()
