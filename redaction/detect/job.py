"""The detection job: decode -> camera motion -> detect every k frames -> track.

A generator yielding :class:`~redaction.jobs.Progress` (frames done, tracks found, ETA),
checking a cancel token, returning a :class:`DetectResult`. Per-frame results are cached
on disk by source sha256 + settings, appended as they are made, so an interrupted run
resumes where it stopped and a repeated run costs nothing.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import threading
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

from ..errors import MediaError
from ..jobs import CancelToken, EtaClock, Job, Progress
from ..media import MediaSource, split_yuv420p
from ..model import Track
from ..paths import clip_cache_dir
from ..camera import IDENTITY, estimate_motion, is_cut, small_motion, speed_px
from ..track import FrameRecord, Tracker, TrackerSettings
from ..track_settings import DEFAULT_HOLD_S
from .base import Detection, forget_hints, tell_frame
from .light import DARK_BELOW, picture_brightness
from .looks import Looker, look

log = logging.getLogger(__name__)

MOTION_WIDTH = 256
CACHE_VERSION = 11                 # 2: candidates (Detection.sure); 3: plates inside faces dropped;
                                   # 4: plate candidates from the verifier; 5: similarity camera
                                   # motion, adaptive cadence; 6: every unconfirmed plate proposal
                                   # a candidate, one 1280-px plate pass on wide frames; 7: `bwv
                                   # detect` on a clip had cached results without candidates;
                                   # 8: plates proposed from 0.15 on video where the verifier backs them;
                                   # 9: looks round lost tracks between full runs (looks.py)
                                   # 10: CenterFace's full plan once a second, lite between
                                   # 11: the picture's brightness on detection frames (dark check)
DETECT_RATE = 5.0                  # default detector runs per second of video (ADR 0008)
# Adaptive cadence (ADR 0008): while the camera moves fast the picture changes faster than
# the tracker can follow it safely, and new objects come in at the edges, so the detector
# runs more often: the picture's fastest point moving this many frame widths per second.
FAST_PAN = 0.25                    # ... from here every k/2 frames (about 480 px/s at 1080p)
VERY_FAST_PAN = 0.6                # ... from here every k/3 frames (about 1,150 px/s at 1080p)
EXTRA_RUNS = 0.15                  # ... within a budget of 15 % more runs than the fixed cadence
EXTRA_CREDIT = 2                   # ... plus 2 runs to start with


def default_every(fps: float) -> int:
    """The default cadence: about :data:`DETECT_RATE` detector runs per second of video
    (every 6th frame at 30 fps, every 5th at 25 fps), tracking in between."""
    return max(1, round(float(fps) / DETECT_RATE)) if fps and fps > 0 else 1


@dataclass
class DetectSettings:
    kinds: tuple[str, ...] = ("face", "plate")
    preset: str = "accurate"
    every: Optional[int] = None    # detector on every k-th frame at rest (and on cuts); None: default_every(fps)
    adaptive: bool = True          # more often while the camera moves fast or a track is lost
    looks: bool = False            # search round lost tracks between full runs (looks.py):
                                   # measured, not adopted (ADR 0008, "Looks"); opt-in
    hold_s: float = DEFAULT_HOLD_S  # fail-secure hold after the last detection and before the first
    confirm_hits: int = 3          # a track of candidates only is kept from this many hits
    first: int = 0                 # frame range (inclusive)
    last: Optional[int] = None

    def key(self, sha256: str) -> str:
        d = json.dumps({"v": CACHE_VERSION, "sha": sha256, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(d.encode()).hexdigest()[:20]


@dataclass
class DetectResult:
    tracks: list[Track]
    frames: int
    detections: int
    models: list[dict] = field(default_factory=list)
    settings: Optional[DetectSettings] = None
    resumed_from: int = 0
    dark: list = field(default_factory=list)    # [first, last] frame ranges of dark footage
    source_sha256: str = ""                      # the clip searched
    cache_problem: str = ""                      # why the run could not keep its cache


class DarkRanges:
    """The dark parts of a clip, from the brightness of its detection frames: a run of dark
    detection frames (under :data:`DARK_BELOW`) reaches back to the frame after the last
    bright one and on to the frame before the next bright stretch (recall first: between two
    detection frames the picture is not known to be bright). A bright stretch shorter than
    ``bright_for_s`` (an emergency light's flash, headlights sweeping past) does not end a
    dark run, so a night under blue lights is one check, not dozens. Memory: one pair per
    dark run."""

    def __init__(self, first: int, fps: float = 30.0, bright_for_s: float = 1.0):
        self.after_bright = first       # first frame not known to be bright
        self.bright_for = max(1, int(round(bright_for_s * fps)))
        self.start: Optional[int] = None
        self.bright_from: Optional[int] = None   # a bright stretch inside an open run
        self.ranges: list[list[int]] = []

    def seen(self, rec: FrameRecord) -> None:
        if rec.light is None:
            return
        if rec.light < DARK_BELOW:
            if self.start is None:
                self.start = self.after_bright
            self.bright_from = None
            return
        self.after_bright = rec.frame + 1
        if self.start is None:
            return
        if self.bright_from is None:
            self.bright_from = rec.frame
        if rec.frame - self.bright_from >= self.bright_for:
            self.ranges.append([self.start, self.bright_from - 1])
            self.start = self.bright_from = None

    def finish(self, last: int) -> list[list[int]]:
        if self.start is not None:          # a short bright stretch at the end stays in
            self.ranges.append([self.start, last])
            self.start = self.bright_from = None
        return self.ranges


def _encode_dets(dets: list[Detection]) -> list:
    return [[d.kind, *(round(v, 2) for v in d.box), round(d.score, 4), *(() if d.sure else (0,))]
            for d in dets]


def _decode_dets(rows) -> list[Detection]:
    return [Detection(r[0], (r[1], r[2], r[3], r[4]), r[5], len(r) < 7 or bool(r[6])) for r in rows]


class _Cache:
    """The detection run's records, appended as they are made, so a stopped run resumes.
    Only an optimisation: a cache that cannot be written (a full or read-only disk) is given
    up with :attr:`problem` said, and detection goes on without it (recall first: the result
    must still reach the project)."""

    def __init__(self, path: Path, header: dict, first: int = 0, last: Optional[int] = None):
        self.path = path
        self.header = header
        self.first, self.last = first, last      # the range the records must follow
        self.records: list[FrameRecord] = []
        self._fh = None
        self.problem = ""                 # why the cache was given up ("" while it works)

    def give_up(self, e: OSError) -> None:
        from ..fsutil import describe_os_error
        self.problem = f"{e.filename or self.path.parent}: cannot write the detection cache " \
                       f"({describe_os_error(e)}): detection went on without it, so a stopped " \
                       "run cannot resume"
        log.warning("%s", self.problem)
        fh, self._fh = self._fh, None
        if fh:
            try:
                fh.close()
            except OSError:
                pass

    def _record(self, line: bytes) -> Optional[FrameRecord]:
        """The record ``line`` holds if it is one as :meth:`add` writes it and the next frame
        of the range, else None."""
        try:
            row = json.loads(line)
            rec = _decode_record(row)
            if _encode_record(rec) != row:        # a field of the wrong shape or type
                return None
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        want = self.first + len(self.records)
        if rec.frame != want or (self.last is not None and rec.frame > self.last):
            return None
        return rec

    def load(self) -> None:
        """The records of an earlier run with the same header, up to the first line that is
        not the next frame's record as :meth:`add` writes it (a torn last line from an
        interrupted run, a damaged file, two runs appending at once): only that clean start is
        used and the file is rewritten to it, so nothing after a damaged line is half-used."""
        if not self.path.exists():
            return
        lines = self.path.read_bytes().split(b"\n")
        try:
            if json.loads(lines[0]) != self.header:
                return
        except ValueError:                # not JSON, or not UTF-8
            return
        good = [lines[0]]
        for line in lines[1:]:
            rec = self._record(line)
            if rec is None:
                break
            self.records.append(rec)
            good.append(line)
        # rewrite without the torn tail so appends continue a clean file
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_bytes(b"\n".join(good) + b"\n")
            os.replace(tmp, self.path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            self.give_up(e)               # the records read are used; nothing is appended

    def open(self) -> None:
        if self.problem:
            return
        new = not self.path.exists() or not self.records
        try:
            self._fh = open(self.path, "w" if new else "a", encoding="utf-8")
            if new:
                self._fh.write(json.dumps(self.header) + "\n")
        except OSError as e:
            self.give_up(e)

    def add(self, rec: FrameRecord) -> None:
        """Append ``rec`` (already :func:`rounded`: what the tracker saw is what a resumed
        run reads back)."""
        if self._fh is None:
            return
        try:
            self._fh.write(json.dumps(_encode_record(rec), separators=(",", ":")) + "\n")
        except OSError as e:
            self.give_up(e)

    def close(self) -> None:
        if self._fh:
            try:
                self._fh.close()
            except OSError as e:          # the buffered tail could not be written
                self._fh = None
                self.give_up(e)
            self._fh = None


def rounded(rec: FrameRecord) -> FrameRecord:
    """``rec`` as the cache will hold it (rounded): what the tracker must see so that a
    resumed run, which replays the cache, gives the same tracks."""
    return _decode_record(json.loads(json.dumps(_encode_record(rec))))


def _encode_record(rec: FrameRecord) -> dict:
    row = {"f": rec.frame, "m": [round(v, 6) for v in rec.motion], "c": rec.cut,
           "d": None if rec.detections is None else _encode_dets(rec.detections)}
    if rec.light is not None:
        row["b"] = round(rec.light, 1)
    if rec.unknown:
        row["u"] = 1
    if rec.looks:
        row["l"] = rec.looks
        row["ld"] = _encode_dets(rec.look_detections or [])
    return row


def _decode_record(r: dict) -> FrameRecord:
    return FrameRecord(r["f"], tuple(r["m"]), r["c"],
                       None if r["d"] is None else _decode_dets(r["d"]), bool(r.get("u", 0)),
                       r.get("l"), _decode_dets(r["ld"]) if "ld" in r else None, r.get("b"))


def small_grey(yuv: np.ndarray) -> tuple[np.ndarray, float]:
    y = split_yuv420p(yuv)[0]
    scale = y.shape[1] / MOTION_WIDTH
    h = max(8, int(round(y.shape[0] / scale)))
    return cv2.resize(y, (MOTION_WIDTH, h), interpolation=cv2.INTER_AREA), scale


_END = object()


class _Prefetch:
    """Decoding, camera motion and the cut test, run ahead of the detector on a background
    thread (PyAV and OpenCV release the GIL, so this overlaps with inference; measured in
    docs/adr/0008-tracking-and-detection-job.md).

    Iterating yields ``(index, motion, unknown, cut, yuv420p)`` in frame order (``unknown``:
    the camera's motion could not be measured, ``motion`` is then none); an error on the
    thread is raised in the caller. :meth:`close` stops the thread and waits for it; the
    :class:`MediaSource` must not be used by anyone else until then.
    """

    def __init__(self, src: MediaSource, start: int, last: int,
                 prev: Optional[np.ndarray], depth: int = 4):
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, args=(src, start, last, prev),
                                   name="bwv-detect-decode", daemon=True)
        self._t.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, src, start, last, prev) -> None:
        try:
            for i, yuv in src.iter_frames(start, last, "yuv420p"):
                if self._stop.is_set():
                    return
                grey, scale = small_grey(yuv)
                motion = estimate_motion(prev, grey, scale)
                unknown = motion is None
                motion = IDENTITY if unknown else motion
                cut = is_cut(prev, grey, small_motion(motion, scale))
                if cut:
                    motion, unknown = IDENTITY, False
                prev = grey
                if not self._put((i, motion, unknown, cut, yuv)):
                    return
            self._put(_END)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
            self._put(e)

    def __iter__(self):
        while True:
            item = self._q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._t.join()


class Cadence:
    """Which frames the detector runs on: every ``every`` frames at rest, and on cuts and the
    range's first and last frames; with ``adaptive``, every k/2 or k/3 frames while the camera
    moves fast (:data:`FAST_PAN`, :data:`VERY_FAST_PAN`), and every k/2 while a track the
    tracker holds is lost inside the picture.

    Those extra runs are budgeted: over the range so far they may add at most
    :data:`EXTRA_RUNS` (15 %) of the fixed cadence's runs, plus :data:`EXTRA_CREDIT` runs to
    start with, so a clip costs at most that much more than at the fixed cadence, and the
    runs go where the risk is (a wearer's turn after a quiet stretch gets every 2nd frame). Decided
    from what has been seen up to the frame only, so a resumed run (which replays the cached
    records through :meth:`seen`) detects on the same frames as an uninterrupted one."""

    def __init__(self, every: int, fps: float, width: int, height: int, adaptive: bool = True,
                 first: int = 0):
        self.every, self.fps, self.w, self.h, self.adaptive = every, fps, width, height, adaptive
        self.first = first
        self.last_det: Optional[int] = None
        self.extra = 0                 # runs made before ``every`` frames had passed
        self._speed = 0.0

    def seen(self, rec: FrameRecord) -> None:
        """Feed every frame record (also those replayed from the cache)."""
        v = speed_px(rec.motion, self.w, self.h) * self.fps / max(1, self.w)
        if rec.unknown:
            v = max(v, FAST_PAN)       # motion not measured: look more often, as in a pan
        self._speed = max(v, 0.5 * self._speed + 0.5 * v)      # rises at once, halves a frame
        if rec.detections is not None:
            if self.last_det is not None and not rec.cut and rec.frame - self.last_det < self.every:
                self.extra += 1
            self.last_det = rec.frame

    def step(self, lost_in_view: Callable[[], bool] = lambda: False) -> int:
        """Frames between runs now; ``lost_in_view`` is asked only when it could matter."""
        k = self.every
        if not self.adaptive:
            return k
        if self._speed >= VERY_FAST_PAN:
            k = min(k, max(1, round(self.every / 3)))
        elif self._speed >= FAST_PAN:
            k = min(k, max(1, round(self.every / 2)))
        half = max(1, round(self.every / 2))
        if k > half and lost_in_view():
            k = half
        return k

    def _budget_left(self, i: int) -> bool:
        return self.extra < EXTRA_RUNS * (i - self.first + 1) / self.every + EXTRA_CREDIT

    def due(self, i: int, cut: bool, last: int,
            lost_in_view: Callable[[], bool] = lambda: False) -> bool:
        if self.last_det is None or cut or i == last:
            return True
        since = i - self.last_det
        if since >= self.every:
            return True
        if self.adaptive and since < max(1, round(self.every / 3)) or not self._budget_left(i):
            return False           # too soon for any extra run, or none left: skip the tracker's look
        return since >= self.step(lost_in_view)


def detect_job(clip: str | os.PathLike, settings: DetectSettings = DetectSettings(),
               cancel: Optional[CancelToken] = None, *,
               detector: Optional[Callable] = None, sha256: Optional[str] = None,
               use_cache: bool = True) -> Job:
    cancel = cancel or CancelToken()
    src = MediaSource(clip, sha256=sha256)
    try:
        if detector is None:
            from .factory import build_detector
            detector = build_detector(settings.kinds, settings.preset, candidates=True)
        if settings.every is None:
            settings = replace(settings, every=default_every(float(src.fps)))
        elif settings.every < 1:
            raise ValueError(f"every must be at least 1, got {settings.every}")
        n = src.frame_count
        first = max(0, settings.first)
        last = n - 1 if settings.last is None else min(n - 1, settings.last)
        if last < first:
            end = "the end" if settings.last is None else settings.last
            raise MediaError(f"empty frame range {settings.first} to {end} "
                             f"(clip has {n} frames)", clip)
        total = last - first + 1
        models = detector.models() if hasattr(detector, "models") else []
        header = {"version": CACHE_VERSION, "source_sha256": src.sha256, "settings": asdict(settings),
                  "models": [m.get("sha256") for m in models]}
        header["settings"]["kinds"] = list(settings.kinds)
        cache = _Cache(clip_cache_dir(src.sha256) / f"detect-{settings.key(src.sha256)}.jsonl", header,
                       first, last)
        from ..fsutil import private_dir
        try:
            private_dir(cache.path.parent)
        except OSError as e:
            cache.give_up(e)
        if use_cache and not cache.problem:
            cache.load()
        tracker = Tracker(float(src.fps), TrackerSettings(hold_s=settings.hold_s,
                                                          confirm_hits=settings.confirm_hits),
                          frame_size=(src.info.width, src.info.height))
        cadence = Cadence(settings.every, float(src.fps), src.info.width, src.info.height,
                          settings.adaptive, first)
        looker = Looker(settings.looks)
        dark = DarkRanges(first, float(src.fps))
        W, H = src.info.width, src.info.height
        fps = float(src.fps)
        for rec in cache.records:
            if rec.detections is not None:       # periodic and lite members plan the same frames
                tell_frame(detector, rec.frame, fps, faces=tracker.following("face"), cut=rec.cut,
                           plates=tracker.following("plate"))
            tracker.update(rec)
            cadence.seen(rec)
            looker.seen(rec)
            dark.seen(rec)
        forget_hints(detector)                   # the last replayed frame's hint was never used
        start = first + len(cache.records)
        resumed = len(cache.records)
        n_dets = sum(len(r.detections or []) for r in cache.records)
        yield Progress(resumed, total, "resuming" if resumed else "detecting",
                       extra={"tracks": tracker.track_count})
        prev = None
        if start <= last:
            if start > first:
                prev, _ = small_grey(src.frame(start - 1, "yuv420p"))
            cache.open()
            clock = EtaClock(total - resumed)
            frames = _Prefetch(src, start, last, prev)
            try:
                for i, motion, unknown, cut, yuv in frames:
                    dets = None
                    if cadence.due(i, cut, last, lambda: tracker.lost_in_view(W, H)):
                        tell_frame(detector, i, fps, faces=tracker.following("face"), cut=cut,
                                   plates=tracker.following("plate"))
                        rgb = cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)
                        dets = detector(rgb)
                        n_dets += len(dets)
                        light = picture_brightness(rgb)
                    rec = rounded(FrameRecord(i, motion, cut, dets, unknown,
                                              light=None if dets is None else light))
                    tracker.update(rec)
                    if dets is None and not cut:
                        # between full runs: a look round tracks lost in view (looks.py); the
                        # tracker sees it after the frame, as a resumed run replays it
                        wants = looker.due(i, lambda: tracker.look_wants(W, H))
                        if wants:
                            wins, found = look(detector, cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420), wants)
                            n_dets += len(found)
                            rec = rounded(replace(rec, looks=wins, look_detections=found))
                            tracker.add_looks(i, rec.look_detections)
                    cache.add(rec)
                    cadence.seen(rec)
                    looker.seen(rec)
                    dark.seen(rec)
                    done = i - first + 1
                    if done % 15 == 0 or i == last:
                        cancel.check()
                        yield Progress(done, total, "detecting", eta_s=clock.eta(done - resumed),
                                       extra={"tracks": tracker.track_count,
                                              "detections": n_dets})
            finally:
                frames.close()
                cache.close()
        tracks = tracker.finish()
        if not use_cache:
            cache.path.unlink(missing_ok=True)
        return DetectResult(tracks, total, n_dets, models, settings, resumed, dark.finish(last),
                            src.sha256, cache.problem)
    finally:
        src.close()
