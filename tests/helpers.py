"""Helpers for tests: decoding outputs, PSNR, audio levels."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np

from redaction.model import Keyframe, Track
from redaction.session import ProjectSession

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def run_bwv(*args: str, cwd=None, env=None, user: str | None = None) -> subprocess.CompletedProcess:
    """Run the real ``bwv`` CLI in a subprocess (as a user would)."""
    cmd = [sys.executable, "-m", "redaction", *args]
    if user == "nobody" and os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=300)


def decode_all(path, fmt="yuv420p") -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format=fmt) if fmt != "yuv420p" else f.reformat(format="yuv420p").to_ndarray()
                for f in c.decode(video=0)]


def frame_times(path) -> list[float]:
    with av.open(str(path)) as c:
        return [float(f.time) for f in c.decode(video=0)]


def decode_audio(path) -> tuple[np.ndarray, int, float]:
    """All audio samples of the first stream as float (channels x n), rate, start time."""
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        rs = av.AudioResampler(format="fltp", layout=s.layout.name, rate=s.rate)
        chunks, start = [], None
        for f in c.decode(audio=0):
            for r in rs.resample(f):
                if start is None:
                    start = float(r.pts * r.time_base)
                chunks.append(r.to_ndarray())
        return np.concatenate(chunks, axis=1), s.rate, start or 0.0


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def make_project(clip: Path, folder: Path, user="alice", name="case") -> ProjectSession:
    return ProjectSession.create(clip, folder / f"{name}.bwvproj.json", user)


def moving_track(tid="t1", kind="face", status="accepted", start=0, end=40,
                 box0=(20, 30, 60, 60), box1=(200, 120, 80, 80)) -> Track:
    return Track(tid, kind, "manual", status, reason="third party",
                 keyframes=[Keyframe(start, box0), Keyframe(end, box1)])


def plate_synth():
    """The plate renderer of the training code (training/plates/synth.py), loaded as a
    module: tests draw synthetic plates and hard negatives with it."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("plates_synth", REPO / "training" / "plates" / "synth.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def faststart_clip(path: Path, frames: int = 120) -> Path:
    """A real MP4 with its header (moov) first, as cameras and our exports write it: cut
    short, its header still declares every frame."""
    rng = np.random.default_rng(5)
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        s.options = {"crf": "10", "preset": "ultrafast", "g": "10"}
        for _ in range(frames):
            img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def truncated_clip(folder: Path, frames: int = 120, keep: float = 0.25) -> Path:
    """``folder/cut.mp4``: a faststart clip cut to ``keep`` of its bytes (a truncated file)."""
    whole = faststart_clip(Path(folder) / "whole.mp4", frames)
    cut = Path(folder) / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[:int(len(data) * keep)])
    return cut


def export_for_request(w, request_id, out: Path, recipient="J. Smith",
                       organisation="Member of the public"):
    """Export the window's open clip from the export dialog, answering ``request_id``;
    returns the dialog once the export is done and entered in the register."""
    d = w.jobs.export()
    d.request_box.setCurrentIndex(d.request_box.findData(request_id))
    d.out.setText(str(out))
    d.recipient.setText(recipient)
    d.org.setText(organisation)
    d.basis.setCurrentText("Criminal Procedure and Investigations Act 1996 (disclosure)")
    d.start()
    assert w.runner.wait(120000)
    assert d.result is not None and d.disclosure_id is not None, d.error.text()
    return d


def make_format1(s: ProjectSession) -> None:
    """Rewrite a saved project's edit log as the previous version wrote it (no state, no
    change: a log that cannot be replayed), re-chained, with the project's anchor moved."""
    import json

    from redaction.editlog import GENESIS, entry_hash
    old, prev = [], GENESIS
    for e in s.log.entries():
        d = {k: v for k, v in e["details"].items() if k not in ("state", "change", "log_format")}
        e = {"seq": e["seq"], "time": e["time"], "user": e["user"], "action": e["action"],
             "details": d, "prev": prev}
        e["hash"] = entry_hash(e)
        prev = e["hash"]
        old.append(e)
    s.log.path.write_text("".join(json.dumps(e) + "\n" for e in old))
    doc = json.loads(s.path.read_text())
    doc["log_head"] = {"seq": len(old), "hash": prev}
    s.path.write_text(json.dumps(doc))


def drop_audit_guard(conn, is_sqlite: bool) -> None:
    """What someone with owner rights on the case store's database does before tampering
    with the audit table: drop its append-only triggers."""
    if is_sqlite:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_update")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_delete")
    else:
        conn.exec_driver_sql("DROP TRIGGER audit_append_only ON audit")


def restore_audit_guard(conn, is_sqlite: bool) -> None:
    """... and what a careful owner does after tampering: put the guard back (migration 0002)."""
    msg = "the audit trail is append-only"
    if is_sqlite:
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS audit_no_{verb.lower()} BEFORE "
                                 f"{verb} ON audit BEGIN SELECT RAISE(ABORT, '{msg}'); END")
    else:
        conn.exec_driver_sql("CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
                             "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")


PAGE = 4096


class TinyDisk:
    """A small tmpfs (root only) that can be filled to leave ``free`` pages."""

    def __init__(self, where: Path, size_kb: int = 256):
        self.path = where
        where.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0777", "tmpfs",
                            str(where)], capture_output=True, text=True)
        if r.returncode != 0:
            import pytest
            pytest.skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
        self.filler = where / ".filler"

    def fill(self, free_pages: int) -> None:
        self.filler.unlink(missing_ok=True)
        with open(self.filler, "wb", buffering=0) as f:
            try:
                while f.write(b"\0" * PAGE):
                    pass
            except OSError as e:
                assert e.errno == errno.ENOSPC
        size = self.filler.stat().st_size
        os.truncate(self.filler, max(0, size - free_pages * PAGE))

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def close(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


class LockHolder:
    """Another process holding a project's lock (ADR 0015), as ``program`` of ``user``,
    until the ``with`` block ends (or :meth:`close`)."""

    def __init__(self, project, program: str = "bwv export", user: str = "pc123"):
        code = ("import sys; from redaction.projlock import ProjectLock; "
                f"l = ProjectLock({str(project)!r}, {program!r}, {user!r}).acquire(); "
                "print('held', flush=True); sys.stdin.read()")
        self.p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline().strip() == "held"

    def close(self) -> None:
        self.p.stdin.close()
        self.p.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# the recipient and basis every `bwv export` in the tests gives
EXPORT_ARGS = ("--operator", "alice", "--recipient", "Bob", "--organisation", "CPS",
               "--basis", "test", "--quiet")


def tamper_and_expect_refusal(store, path, clip_id) -> None:
    """Someone edits a held clip's evidence copy behind the store's back: opening it is
    refused as changed, and the consultation and its refusal are audited."""
    import os
    import pytest
    from redaction.errors import IntegrityError
    from redaction.store import api, audit
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02")
    with pytest.raises(IntegrityError, match="changed since import"):
        api.open_clip(clip_id)
    with store.session() as s:
        assert [r.action for r in audit.entries(s, category="consultation")] == [
            "clip.open", "clip.open.refused"]


def round_disc_clip(path: Path, width: int = 240, height: int = 240, sar=None, rotation: int = 0,
                    frames: int = 10) -> Path:
    """A clip of a white disc on grey that is round *as shown*: stored ``sar`` (pixel width
    over height, e.g. Fraction(4, 3): anamorphic) squeezes it across, and players stretch it
    back. The disc's radius is a third of the stored height."""
    import cv2
    from fractions import Fraction
    sar = Fraction(sar or 1)
    r = height // 3
    with av.open(str(path), "w", format="mp4") as o:
        vs = o.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        if sar != 1:
            vs.codec_context.sample_aspect_ratio = sar
        if rotation:
            vs.set_display_rotation(-rotation)
        img = np.full((height, width, 3), 60, np.uint8)
        cv2.ellipse(img, (width // 2, height // 2), (round(r / sar), r), 0, 0, 360,
                    (240, 240, 240), -1)
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 25)
            for p in vs.encode(f):
                o.mux(p)
        for p in vs.encode():
            o.mux(p)
    return path
