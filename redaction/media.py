"""Media access: probe, exact random access by frame index, sequential iteration.

Sources are opened read-only (PyAV opens files for reading only) and nothing here
writes beside them. Frame index ``i`` is the ``i``-th frame in presentation order;
the mapping to presentation timestamps comes from demuxing every video packet once
(:class:`FrameIndex`), so variable-frame-rate clips map exactly.

Frames are returned upright (the stream's display rotation applied) as numpy arrays:
``rgb24`` -> HxWx3 uint8, ``yuv420p`` -> (H*3/2)xW uint8 planar (the export's
native layout; see :mod:`redaction.render`).
"""
from __future__ import annotations

import bisect
from array import array
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Optional

import av
import numpy as np

from .errors import MediaError
from .fsutil import sha256_file

CACHE_FRAMES = 24
REWIND_S = 10    # a seek this far before the first frame starts at the stream's beginning


@dataclass(frozen=True)
class AudioInfo:
    index: int
    codec: str
    sample_rate: int
    channels: int
    layout: str

    def to_json(self) -> dict:
        return {"index": self.index, "codec": self.codec, "sample_rate": self.sample_rate,
                "channels": self.channels, "layout": self.layout}


@dataclass
class ClipInfo:
    path: str
    sha256: Optional[str]
    frames: int
    fps: Fraction            # average rate, exact rational
    time_base: Fraction
    width: int               # display width (after rotation)
    height: int
    rotation: int            # degrees clockwise the stored picture is turned for display
    duration_s: float
    codec: str
    pix_fmt: str
    vfr: bool
    audio: list[AudioInfo] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    captured: Optional[str] = None
    # what the container's header declares (None where it does not say), and whether far
    # fewer frames can be read than it declares (a clip cut short: see _truncation)
    declared_frames: Optional[int] = None
    declared_duration_s: Optional[float] = None
    truncated: Optional[str] = None
    # the shape of one pixel of the upright picture, width over height (1: square). An
    # anamorphic clip (1440x1080 shown as 16:9) has 4/3; boxes are in stored pixels, the
    # picture is shown and searched stretched by this (see :func:`display_size`)
    sample_aspect_ratio: Fraction = Fraction(1)

    @property
    def display_width(self) -> int:
        """The width the picture is shown at (its height unchanged)."""
        return display_size(self.width, self.height, self.sample_aspect_ratio)[0]

    def to_json(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "frames": self.frames,
                "fps": f"{self.fps.numerator}/{self.fps.denominator}",
                "fps_float": float(self.fps),
                "time_base": f"{self.time_base.numerator}/{self.time_base.denominator}",
                "width": self.width, "height": self.height, "rotation": self.rotation,
                "sample_aspect_ratio": (f"{self.sample_aspect_ratio.numerator}:"
                                        f"{self.sample_aspect_ratio.denominator}"),
                "display_width": self.display_width,
                "duration_s": round(self.duration_s, 6), "codec": self.codec,
                "pix_fmt": self.pix_fmt, "vfr": self.vfr,
                "audio": [a.to_json() for a in self.audio],
                "captured": self.captured,
                "declared_frames": self.declared_frames,
                "declared_duration_s": (None if self.declared_duration_s is None
                                        else round(self.declared_duration_s, 6)),
                "truncated": self.truncated}


def display_size(width: int, height: int, sar: Fraction) -> tuple[int, int]:
    """The size a picture of ``width`` x ``height`` pixels of aspect ``sar`` is shown at:
    stretched across (like players do), the height unchanged."""
    return (max(1, round(width * sar)) if sar != 1 else width), height


def stream_sar(vs, rotation: int = 0) -> Fraction:
    """A video stream's pixel (sample) aspect ratio for its upright picture; 1 for square
    pixels or where it says nothing usable. The container's value first, then the
    bitstream's (FFmpeg's own choice); a picture turned a quarter for display turns its
    pixels too."""
    sar = vs.sample_aspect_ratio or vs.codec_context.sample_aspect_ratio
    if not sar or sar <= 0:
        return Fraction(1)
    sar = Fraction(sar)
    return 1 / sar if rotation in (90, 270) else sar


# FFmpeg's readers of text and text art (.txt, .nfo, .ans, .bin, .xbin...): they render the
# text as frames, so a note or a licence would open as a 'clip' and be imported as one
TEXT_ART_FORMATS = {"tty", "bintext", "xbin", "adf", "idf"}


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MediaError("no such file", path)
    if path.is_dir():
        raise MediaError("is a folder, not a video file", path)
    if not os.access(path, os.R_OK):
        raise MediaError("permission denied", path)
    if path.stat().st_size == 0:
        raise MediaError("empty file (0 bytes)", path)


def open_container(path: str | os.PathLike):
    path = Path(path)
    _check_file(path)
    try:
        c = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as e:
        raise MediaError(f"not a readable video file ({_ff_reason(e)})", path) from None
    if (c.format.name or "") in TEXT_ART_FORMATS:
        c.close()
        raise MediaError("not a video file (a text file: FFmpeg would show its text as a "
                         "picture)", path)
    if not c.streams.video:
        c.close()
        raise MediaError("no video stream", path)
    return c


def _ff_reason(e: Exception) -> str:
    msg = getattr(e, "strerror", None) or str(e)
    return msg.split(":")[-1].strip() if msg else type(e).__name__


@dataclass
class FrameIndex:
    """Presentation timestamps of every video frame, in presentation order (ascending),
    held as a compact int64 array: 8 bytes a frame, 1.7 MB for a 2-hour clip at 30 fps."""
    pts: "array[int]"
    keyframes: list[int]      # frame indices that start a GOP (decodable from a seek)
    time_base: Fraction
    leading: int = 0          # frames before the first keyframe, never shown (not counted)

    def __post_init__(self):
        if not isinstance(self.pts, array):
            self.pts = array("q", self.pts)

    def index_of_pts(self, p: int) -> Optional[int]:
        """The frame index whose timestamp is ``p``, or None."""
        j = bisect.bisect_left(self.pts, p)
        return j if j < len(self.pts) and self.pts[j] == p else None

    @property
    def count(self) -> int:
        return len(self.pts)

    def time(self, i: int) -> float:
        return float((self.pts[i] - self.pts[0]) * self.time_base) if self.pts else 0.0

    def index_at_time(self, seconds: float) -> int:
        """The frame shown at ``seconds`` (relative to the first frame)."""
        if not self.pts:
            return 0
        target = self.pts[0] + seconds / float(self.time_base)
        i = bisect.bisect_right(self.pts, target + 1e-9) - 1
        return max(0, min(len(self.pts) - 1, i))

    def keyframe_before(self, i: int) -> int:
        j = bisect.bisect_right(self.keyframes, i) - 1
        return self.keyframes[j] if j >= 0 else 0


def build_index(container, path) -> FrameIndex:
    vs = container.streams.video[0]
    pts: list[int] = []
    keys: set[int] = set()
    first_key: Optional[int] = None
    try:
        for pkt in container.demux(vs):
            # an edit list's pre-roll (a stream-copy cut: packets before the clip's start)
            # is flagged discard: the decoder shows none of it, so it is no frame of the clip
            if pkt.size == 0 or pkt.is_discard:
                continue
            p = pkt.pts if pkt.pts is not None else pkt.dts
            if p is None:
                raise MediaError("video packets carry no timestamps (unsupported container)", path)
            pts.append(p)
            if pkt.is_keyframe:
                keys.add(p)
                first_key = p if first_key is None else first_key
    except av.error.FFmpegError as e:
        if not pts:
            raise MediaError(f"corrupt video data ({_ff_reason(e)})", path) from None
        # truncated tail: keep what was readable, the decoder check below decides
    # a clip cut from a stream mid-GOP starts with frames that need a keyframe it does not
    # hold (and, in an open GOP, frames shown before the first keyframe that refer back):
    # the decoder shows nothing before the first keyframe, so they are no frames of the clip
    order = sorted(p for p in set(pts) if first_key is None or p >= first_key)
    if not order:
        raise MediaError("video stream has no frames", path)
    key_idx = sorted(bisect.bisect_left(order, k) for k in keys)
    if not key_idx or key_idx[0] != 0:
        key_idx = [0] + key_idx
    return FrameIndex(order, key_idx, Fraction(vs.time_base), len(set(pts)) - len(order))


# -- the frame index, built once per clip -------------------------------------------------
# Opening a clip in the window used to demux it 4-6 times (the window, the picture strip,
# the track crops, the checks, detection, export each built the index again). The index is
# kept per file (path, size, modification time) in this process, and on disk per source
# sha256 (with the size and modification time it was built from) for the other processes:
# detection runs in a child, the CLI in another program. Timestamps only, nothing personal.
INDEX_MEMORY = 8
INDEX_VERSION = 3            # 2: an edit list's discarded pre-roll packets are not frames
#                              3: nor are frames shown before the first keyframe
_index_lock = threading.Lock()
_index_memory: "OrderedDict[tuple, FrameIndex]" = OrderedDict()
index_builds = 0             # demux passes made to build an index (tests, bench)


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _index_file(sha256: str) -> Path:
    from .paths import cache_dir
    return cache_dir() / "frameindex" / f"{sha256}.json"


def _load_index(sha256: str, key: tuple) -> Optional[FrameIndex]:
    try:
        d = json.loads(_index_file(sha256).read_text())
        if [d["size"], d["mtime_ns"], d.get("v")] != [key[1], key[2], INDEX_VERSION]:
            return None
        return FrameIndex(list(d["pts"]), list(d["keyframes"]), Fraction(d["time_base"]),
                          int(d.get("leading", 0)))
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
        return None


def _save_index(sha256: str, key: tuple, idx: FrameIndex) -> None:
    from .fsutil import atomic_write_text
    try:
        f = _index_file(sha256)
        from .fsutil import private_dir
        private_dir(f.parent)
        atomic_write_text(f, json.dumps({"v": INDEX_VERSION, "size": key[1], "mtime_ns": key[2],
                                         "pts": idx.pts.tolist(),
                                         "keyframes": idx.keyframes,
                                         "time_base": str(idx.time_base),
                                         "leading": idx.leading}))
    except Exception:  # noqa: BLE001 - a cache: never fail an open on it
        pass


def cached_index(container, path: Path, sha256: Optional[str] = None) -> FrameIndex:
    """The clip's frame index: from this process's memory, else from the disk cache of
    ``sha256`` (when the caller knows it and the file's size and time still match), else
    built by one demux pass (and kept in both)."""
    global index_builds
    key = _file_key(path)
    with _index_lock:
        hit = _index_memory.get(key)
        if hit is not None:
            _index_memory.move_to_end(key)
    if hit is not None:
        if sha256 and not _index_file(sha256).exists():
            _save_index(sha256, key, hit)      # for the other processes (detection, CLI)
        return hit
    idx = _load_index(sha256, key) if sha256 else None
    if idx is None:
        idx = build_index(container, path)
        with _index_lock:
            index_builds += 1
        if sha256:
            _save_index(sha256, key, idx)
    with _index_lock:
        _index_memory[key] = idx
        while len(_index_memory) > INDEX_MEMORY:
            _index_memory.popitem(last=False)
    return idx


def timeline_origin(path: str | os.PathLike) -> float:
    """Where frame 0 lies on the container's clock, in seconds: the origin of the project's
    timeline, for sound too (the export places audio by it). Not the video stream's start
    time, which counts frames a clip cut mid-GOP holds but never shows."""
    c = open_container(path)
    try:
        idx = cached_index(c, Path(path))
    finally:
        c.close()
    return float(idx.pts[0] * idx.time_base)


def forget_indexes() -> None:
    """Drop the in-memory indexes (tests)."""
    with _index_lock:
        _index_memory.clear()


TRUNCATION_FRAMES = 2      # frames the header may declare beyond what can be read
TRUNCATION_SLACK_S = 0.05  # rounding of durations (plus 2.5 frame periods)
CONTAINER_SLACK_S = 0.5    # a container's duration also covers audio that outlasts the video


def _truncation(frames: int, duration_s: float, fps: Fraction, declared_frames: Optional[int],
                declared_s: Optional[float], from_container: bool) -> Optional[str]:
    """Why the clip looks cut short, or None: far fewer frames are readable than the header
    declares (frame count), and the readable video is far shorter than its declared
    duration. Where the header gives both, both must disagree (an edit list may hide a few
    frames that are still demuxed); a frame or two and the rounding of durations are allowed."""
    period = float(1 / fps) if fps else 0.04
    slack = 2.5 * period + (CONTAINER_SLACK_S if from_container else TRUNCATION_SLACK_S)
    short_frames = declared_frames is not None and frames < declared_frames - TRUNCATION_FRAMES
    short_time = declared_s is not None and duration_s < declared_s - slack
    if declared_frames is not None and declared_s is not None:
        cut = short_frames and short_time
    else:
        cut = short_frames or short_time
    if not cut:
        return None
    if declared_frames is not None and declared_s is not None:
        said = f"{declared_frames} frames ({declared_s:.2f} s)"
    else:
        said = f"{declared_frames} frames" if declared_frames is not None else f"{declared_s:.2f} s"
    return f"the header declares {said}, only {frames} frames ({duration_s:.2f} s) can be read"


class MediaSource:
    """A clip opened read-only with exact random access by frame index."""

    def __init__(self, path: str | os.PathLike, *, sha256: Optional[str] = None):
        self.path = Path(path)
        self._container = open_container(self.path)
        self._vs = self._container.streams.video[0]
        self._vs.thread_type = "AUTO"
        self.index = cached_index(self._container, self.path, sha256)
        self._cache: "OrderedDict[tuple[int, str], np.ndarray]" = OrderedDict()
        self._decoder: Optional[Iterator] = None
        self._next_index: Optional[int] = None
        self._sha256 = sha256
        first = self._decode_at(0)  # proves the stream decodes; gives rotation and size
        # PyAV reports the display matrix angle counter-clockwise (FFmpeg's convention);
        # we keep the clockwise turn needed for display, like ffmpeg's autorotate.
        self.rotation = int(round(-(getattr(first, "rotation", 0) or 0))) % 360
        self.coded_width, self.coded_height = first.width, first.height
        self.pix_fmt = first.format.name
        self.sample_aspect_ratio = stream_sar(self._vs, self.rotation)   # of the upright picture
        self.info = self._probe()

    # -- probe ---------------------------------------------------------------
    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            self._sha256 = sha256_file(self.path)
        return self._sha256

    def _probe(self) -> ClipInfo:
        vs = self._vs
        n = self.index.count
        tb = Fraction(vs.time_base)
        if n > 1:
            deltas = np.diff(np.asarray(self.index.pts, dtype=np.int64))
            span = self.index.pts[-1] - self.index.pts[0]
            mean = span / (n - 1)
            vfr = bool(deltas.size and (deltas.max() - deltas.min()) > max(1, 0.02 * mean))
            last = int(np.median(deltas))
        else:
            vfr, last, span = False, 0, 0
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate
        fps = Fraction(rate) if rate else Fraction(25)
        if vfr and n > 1:
            fps = Fraction(n - 1) / (span * tb)
            fps = fps.limit_denominator(1001)
        duration = float((span + (last or 0)) * tb) if n > 1 else (float(1 / fps) if fps else 0)
        w, h = self.coded_width, self.coded_height
        if self.rotation in (90, 270):
            w, h = h, w
        audio = []
        for a in self._container.streams.audio:
            cc = a.codec_context
            audio.append(AudioInfo(a.index, cc.name if cc else "unknown", int(a.rate or 0),
                                   int(cc.channels if cc else 0),
                                   cc.layout.name if cc and cc.layout else ""))
        meta = dict(self._container.metadata or {})
        declared_frames = int(vs.frames) if vs.frames and vs.frames > 0 else None
        declared_s, from_container = None, False
        if vs.duration and vs.duration > 0:
            declared_s = float(vs.duration * tb)
        elif self._container.duration and self._container.duration > 0:
            declared_s, from_container = self._container.duration / av.time_base, True
            # FFmpeg's Matroska writer stores the last timestamp, not the length: a clip
            # whose timestamps start far from zero (time since boot, a remuxed transport
            # stream) would read as hours or days long and be called truncated
            start = (self._container.start_time or 0) / av.time_base
            matroska = "matroska" in (self._container.format.name or "")
            if matroska and 0 < start < declared_s:    # elsewhere it is a length already
                declared_s -= start
        return ClipInfo(path=str(self.path), sha256=self._sha256, frames=n, fps=fps,
                        time_base=tb, width=w, height=h, rotation=self.rotation,
                        duration_s=duration, codec=vs.codec_context.name, pix_fmt=self.pix_fmt,
                        vfr=vfr, audio=audio, metadata=meta,
                        captured=meta.get("creation_time"), declared_frames=declared_frames,
                        declared_duration_s=declared_s,
                        sample_aspect_ratio=self.sample_aspect_ratio,
                        # the header also counts the frames before the first keyframe
                        truncated=_truncation(n + self.index.leading,
                                              duration + self.index.leading / float(fps),
                                              fps, declared_frames, declared_s, from_container))

    # -- frames ----------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return self.index.count

    @property
    def fps(self) -> Fraction:
        return self.info.fps

    def time_of(self, i: int) -> float:
        return self.index.time(i)

    def index_at_time(self, seconds: float) -> int:
        return self.index.index_at_time(seconds)

    def frame(self, i: int, fmt: str = "rgb24") -> np.ndarray:
        """The exact decoded frame ``i`` (upright) as a numpy array."""
        if not 0 <= i < self.index.count:
            raise IndexError(f"frame {i} out of range 0..{self.index.count - 1}")
        key = (i, fmt)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        arr = to_array(self._decode_at(i), fmt, self.rotation)
        self._cache[key] = arr
        while len(self._cache) > CACHE_FRAMES:
            self._cache.popitem(last=False)
        return arr

    def _decode_at(self, i: int) -> av.VideoFrame:
        near = self._next_index is not None and self._next_index <= i < self._next_index + 48
        if not near:  # else keep decoding forward: cheaper than a seek
            self._seek(self.index.keyframe_before(i))
        target = self.index.pts[i]
        assert self._decoder is not None
        try:
            for frame in self._decoder:
                p = frame.pts
                j = self.index.index_of_pts(p)
                if j is None:
                    continue
                self._next_index = j + 1
                if j == i:
                    return frame
                if p > target:
                    break
        except av.error.FFmpegError as e:
            self._next_index = None
            raise MediaError(f"cannot decode frame {i} ({_ff_reason(e)}): corrupt or truncated",
                             self.path) from None
        # The decoder did not produce the frame from the nearest keyframe: fall back to
        # an earlier keyframe once (open-GOP streams; a transport stream, which FFmpeg
        # seeks by decoding time, lands on the keyframe after the one asked for), before
        # the stream's start for the first one, then give up clearly.
        k = self.index.keyframe_before(i)
        if k > 0:
            self._seek(self.index.keyframe_before(k - 1))
        else:
            self._seek(0, margin=round(REWIND_S / self.index.time_base))
        for frame in self._decoder:
            if frame.pts == target:
                self._next_index = i + 1
                return frame
        self._next_index = None
        raise MediaError(f"cannot decode frame {i}: corrupt or truncated", self.path)

    def _seek(self, key_index: int, margin: int = 0) -> None:
        pts = self.index.pts[key_index] - margin
        try:
            self._container.seek(pts, stream=self._vs, backward=True, any_frame=False)
        except av.error.FFmpegError as e:
            raise MediaError(f"cannot seek ({_ff_reason(e)})", self.path) from None
        self._decoder = self._container.decode(self._vs)
        self._next_index = None

    def iter_frames(self, start: int = 0, end: Optional[int] = None, fmt: str = "rgb24"
                    ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(index, array)`` for frames ``start..end`` inclusive, sequentially."""
        end = self.index.count - 1 if end is None else min(end, self.index.count - 1)
        for i in range(max(0, start), end + 1):
            hit = self._cache.get((i, fmt))  # sequential reads bypass the cache otherwise
            yield i, hit if hit is not None else to_array(self._decode_at(i), fmt, self.rotation)

    def close(self) -> None:
        self._cache.clear()
        self._decoder = None
        try:
            self._container.close()
        except Exception:
            pass

    def __enter__(self) -> "MediaSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def to_array(frame: av.VideoFrame, fmt: str, rotation: int = 0) -> np.ndarray:
    """Convert a decoded frame to ``rgb24`` (HxWx3) or ``yuv420p`` (planar) upright."""
    if fmt == "rgb24":
        arr = frame.to_ndarray(format="rgb24")
        return rotate(arr, rotation)
    if fmt == "yuv420p":
        # full-range sources (yuvj420p, or colour range "pc") are converted to the limited
        # range the export declares: passed through unchanged, players would read 0-255 as
        # 16-235 and the picture would lose its blacks and whites (swscale keeps the values
        # from yuvj420p to yuv420p unless told both ranges)
        full = frame.format.name.startswith("yuvj") or getattr(frame, "color_range", 0) == 2
        if frame.width % 2 or frame.height % 2:
            return _padded_yuv420p(frame, rotation, full)
        if full:
            frame = frame.reformat(format="yuv420p", src_color_range=2, dst_color_range=1)
        elif frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        arr = frame.to_ndarray()
        if rotation:
            arr = rotate_yuv420p(arr, rotation)
        return arr
    raise ValueError(f"unsupported frame format {fmt}")


def even_size(width: int, height: int) -> tuple[int, int]:
    """The picture size of a yuv420p array :func:`to_array` makes: each side rounded up to
    even (4:2:0 needs it; ADR 0002, "odd frame sizes")."""
    return width + width % 2, height + height % 2


def _padded_yuv420p(frame: av.VideoFrame, rotation: int, full: bool) -> np.ndarray:
    """An odd-sized frame, upright, as a planar yuv420p array one black row and/or column
    larger at the bottom and/or right edge of the upright picture, so display coordinates
    are unchanged. Rotated and padded at full chroma resolution (4:4:4), then subsampled 2x2,
    so every chroma sample lies over the luma pixels it belongs to whatever the rotation."""
    f = frame.reformat(format="yuv444p", **({"src_color_range": 2, "dst_color_range": 1}
                                            if full else {}))
    w, h = f.width, f.height

    def plane(k: int) -> np.ndarray:
        p = f.planes[k]
        return rotate(np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:h, :w], rotation)
    y, u, v = plane(0), plane(1), plane(2)
    H, W = y.shape[0] + y.shape[0] % 2, y.shape[1] + y.shape[1] % 2

    def padded(a: np.ndarray, fill: int) -> np.ndarray:
        out = np.full((H, W), fill, np.uint8)          # limited-range black: Y 16, U/V 128
        out[: a.shape[0], : a.shape[1]] = a
        return out

    def half(a: np.ndarray) -> np.ndarray:
        q = a.astype(np.uint16).reshape(H // 2, 2, W // 2, 2)
        return ((q.sum(axis=(1, 3)) + 2) // 4).astype(np.uint8)
    return join_yuv420p(padded(y, 16), half(padded(u, 128)), half(padded(v, 128)))


def rotate(arr: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a stored picture clockwise by ``rotation`` degrees for display."""
    k = {0: 0, 90: -1, 180: 2, 270: 1}.get(rotation % 360, 0)
    return np.ascontiguousarray(np.rot90(arr, k)) if k else arr


def split_yuv420p(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of a planar yuv420p array (H*3/2 x W)."""
    h = arr.shape[0] * 2 // 3
    w = arr.shape[1]
    y = arr[:h]
    chroma = arr[h:].reshape(-1)
    n = (h // 2) * (w // 2)
    u = chroma[:n].reshape(h // 2, w // 2)
    v = chroma[n:2 * n].reshape(h // 2, w // 2)
    return y, u, v


def join_yuv420p(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    h, w = y.shape
    out = np.empty((h * 3 // 2, w), dtype=np.uint8)
    out[:h] = y
    chroma = out[h:].reshape(-1)
    n = u.size
    chroma[:n] = u.reshape(-1)
    chroma[n:2 * n] = v.reshape(-1)
    return out


def rotate_yuv420p(arr: np.ndarray, rotation: int) -> np.ndarray:
    y, u, v = split_yuv420p(arr)
    return join_yuv420p(rotate(y, rotation), rotate(u, rotation), rotate(v, rotation))


def yuv420p_to_rgb(arr: np.ndarray) -> np.ndarray:
    """BT.601 limited-range conversion, matching FFmpeg's default swscale for SD/HD here."""
    import cv2
    return cv2.cvtColor(arr, cv2.COLOR_YUV2RGB_I420)


def probe(path: str | os.PathLike, *, with_hash: bool = True) -> ClipInfo:
    with MediaSource(path) as src:
        info = src.info
        if with_hash:
            info.sha256 = src.sha256
        return info
