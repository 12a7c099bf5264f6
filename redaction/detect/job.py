"""The detection job: decode -> camera motion -> detect every k frames -> track.

A generator yielding :class:`~redaction.jobs.Progress` (frames done, tracks found, ETA),
checking a cancel token, returning a :class:`DetectResult`. Per-frame results are cached
on disk by source sha256 + settings, appended as they are made, so an interrupted run
resumes where it stopped and a repeated run costs nothing.
"""
from __future__ import annotations

import hashlib
import json
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
from ..track import FrameRecord, Tracker, TrackerSettings, camera_shift, is_cut
from .base import Detection

MOTION_WIDTH = 160
CACHE_VERSION = 4                  # 2: candidates (Detection.sure); 3: plates inside faces dropped;
                                   # 4: plate candidates from the verifier
DETECT_RATE = 5.0                  # default detector runs per second of video (ADR 0008)


def default_every(fps: float) -> int:
    """The default cadence: about :data:`DETECT_RATE` detector runs per second of video
    (every 6th frame at 30 fps, every 5th at 25 fps), tracking in between."""
    return max(1, round(float(fps) / DETECT_RATE)) if fps and fps > 0 else 1


@dataclass
class DetectSettings:
    kinds: tuple[str, ...] = ("face", "plate")
    preset: str = "accurate"
    every: Optional[int] = None    # detector on every k-th frame (and on cuts); None: default_every(fps)
    hold_s: float = 1.0            # fail-secure hold after the last detection and before the first
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


def _encode_dets(dets: list[Detection]) -> list:
    return [[d.kind, *(round(v, 2) for v in d.box), round(d.score, 4), *(() if d.sure else (0,))]
            for d in dets]


def _decode_dets(rows) -> list[Detection]:
    return [Detection(r[0], (r[1], r[2], r[3], r[4]), r[5], len(r) < 7 or bool(r[6])) for r in rows]


class _Cache:
    def __init__(self, path: Path, header: dict):
        self.path = path
        self.header = header
        self.records: list[FrameRecord] = []
        self._fh = None

    def load(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, "r", encoding="utf-8") as f:
            lines = f.read().split("\n")
        try:
            if json.loads(lines[0]) != self.header:
                return
        except (json.JSONDecodeError, IndexError):
            return
        good = [lines[0]]
        for line in lines[1:]:
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                break  # a torn last line from an interrupted run
            self.records.append(FrameRecord(r["f"], tuple(r["s"]), r["c"],
                                            None if r["d"] is None else _decode_dets(r["d"])))
            good.append(line)
        # rewrite without the torn tail so appends continue a clean file
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("\n".join(good) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def open(self) -> None:
        new = not self.path.exists() or not self.records
        self._fh = open(self.path, "w" if new else "a", encoding="utf-8")
        if new:
            self._fh.write(json.dumps(self.header) + "\n")

    def add(self, rec: FrameRecord) -> None:
        d = None if rec.detections is None else _encode_dets(rec.detections)
        self._fh.write(json.dumps({"f": rec.frame, "s": [round(v, 3) for v in rec.shift],
                                   "c": rec.cut, "d": d}, separators=(",", ":")) + "\n")

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None


def small_grey(yuv: np.ndarray) -> tuple[np.ndarray, float]:
    y = split_yuv420p(yuv)[0]
    scale = y.shape[1] / MOTION_WIDTH
    h = max(8, int(round(y.shape[0] / scale)))
    return cv2.resize(y, (MOTION_WIDTH, h), interpolation=cv2.INTER_AREA), scale


_END = object()


class _Prefetch:
    """Decoding, camera motion, the cut test and the RGB conversion of detection frames,
    run ahead of the detector on a background thread (PyAV and OpenCV release the GIL,
    so this overlaps with inference; measured in docs/adr/0008-tracking-and-detection-job.md).

    Iterating yields ``(index, shift, cut, rgb or None)`` in frame order; an error on the
    thread is raised in the caller. :meth:`close` stops the thread and waits for it; the
    :class:`MediaSource` must not be used by anyone else until then.
    """

    def __init__(self, src: MediaSource, start: int, last: int, first: int, every: int,
                 prev: Optional[np.ndarray], depth: int = 4):
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, args=(src, start, last, first, every, prev),
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

    def _run(self, src, start, last, first, every, prev) -> None:
        try:
            for i, yuv in src.iter_frames(start, last, "yuv420p"):
                if self._stop.is_set():
                    return
                grey, scale = small_grey(yuv)
                shift = camera_shift(prev, grey, scale)
                cut = is_cut(prev, grey, (shift[0] / scale, shift[1] / scale))
                if cut:
                    shift = (0.0, 0.0)
                rgb = None
                # a fixed cadence (not "k frames since the last run") so a resumed run
                # detects on exactly the same frames as an uninterrupted one
                if (i - first) % every == 0 or cut or i == last:
                    rgb = cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)
                prev = grey
                if not self._put((i, shift, cut, rgb)):
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
            raise MediaError(f"empty frame range {settings.first}-{settings.last} "
                             f"(clip has {n} frames)", clip)
        total = last - first + 1
        models = detector.models() if hasattr(detector, "models") else []
        header = {"version": CACHE_VERSION, "source_sha256": src.sha256, "settings": asdict(settings),
                  "models": [m.get("sha256") for m in models]}
        header["settings"]["kinds"] = list(settings.kinds)
        cache = _Cache(clip_cache_dir(src.sha256) / f"detect-{settings.key(src.sha256)}.jsonl", header)
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        if use_cache:
            cache.load()
        tracker = Tracker(float(src.fps), TrackerSettings(hold_s=settings.hold_s,
                                                          confirm_hits=settings.confirm_hits))
        for rec in cache.records:
            tracker.update(rec)
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
            frames = _Prefetch(src, start, last, first, settings.every, prev)
            try:
                for i, shift, cut, rgb in frames:
                    dets = None
                    if rgb is not None:
                        dets = detector(rgb)
                        n_dets += len(dets)
                    rec = FrameRecord(i, shift, cut, dets)
                    tracker.update(rec)
                    cache.add(rec)
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
        return DetectResult(tracks, total, n_dets, models, settings, resumed)
    finally:
        src.close()
