"""Export: decode -> redact -> encode (H.264 yuv420p + AAC in MP4), with records.

The output is written in a private work folder on the same file system
(:mod:`redaction.exporttmp`) and published only when complete, without ever replacing
an existing file; the manifest, the redaction CSV and the PDF disclosure report
(:mod:`redaction.report`, built from the manifest and the redacted part, listed with its
sha256 in the manifest) are published beside it, the MP4 first and the manifest last (the
commit marker: redaction/export_publish.py); the edit log gets an
``export`` entry.
"""
from __future__ import annotations

import logging
import copy
import errno
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Optional, Sequence

import av
import numpy as np

from . import __version__, projstate
from .export_audio import AudioLane
from .determinism import fixed_heap_fill
from .editlog import utc_now
from .export_publish import PUBLISHING
from .exporttmp import ExportWork, fault
from .errors import BwvError, ExportError, IntegrityError, MediaError
from .fsutil import describe_os_error, file_identity, publish_no_overwrite, sha256_file
from .jobs import CancelToken, EtaClock, Job, Progress
from .manifest import manifest_json, redactions_csv, report_path, sidecar_paths
from .export_input import not_exported, source_packets
from .media import MediaSource, even_size, open_container, to_array
from .model import Style
from .policy import load_policy
from .render import frame_rects, render_yuv420p
from .session import ProjectSession

METADATA_WHITELIST = ("creation_time",)

log = logging.getLogger("bwv.export")


@dataclass
class EncoderSettings:
    codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 17
    audio_bitrate: int = 160_000
    threads: int = 0  # 0 = auto

    def options(self) -> dict:
        return {"preset": self.preset, "crf": str(self.crf), "profile": "high"}


@dataclass
class ExportRequest:
    project: Path
    out: Path
    operator: str
    recipient: str
    organisation: str
    basis: str
    style: Optional[str] = None
    accept_pending: bool = False
    ranges: Optional[list[tuple[int, int]]] = None  # inclusive source frame ranges
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    audit_head: Optional[dict] = None  # {"seq", "hash"} of the case store's audit trail
    request_id: Optional[str] = None
    purpose: str = "disclosure"  # or "internal_review" (no request; services.disclosure)
    # case and request details for the manifest and the report; None: read from the case
    # store when there is one (redaction.report.store_context)
    context: Optional[dict] = None
    # also write OUT.transcript.json: the clip's transcript with every redacted word replaced
    # by [REDACTED] (only on request; redaction/speech/export_part.py)
    transcript: bool = False


@dataclass
class ExportResult:
    out: Path
    manifest: Path
    csv: Path
    sha256: str
    frames: int
    manifest_data: dict
    report: Optional[Path] = None      # OUT.report.pdf
    note: str = ""                     # a warning for the user (the export itself is complete)


def _fail_io(e: Exception, path) -> ExportError:
    code = getattr(e, "errno", None)
    if code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return ExportError("disk full while writing the export; nothing was kept", path)
    if isinstance(e, OSError):
        return ExportError(f"cannot write the export: {describe_os_error(e)}", path)
    return ExportError(f"cannot write the export: {e}", path)


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):    # Windows: no statvfs; the write itself says so
        return False


def _check_target(req: ExportRequest) -> tuple[Path, Path, list[Path]]:
    out = req.out
    if out.suffix.lower() != ".mp4":
        raise ExportError("output must be an .mp4 file", out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError("output folder is a file, not a folder" if folder.exists()
                          else "output folder does not exist", folder)
    if _read_only_fs(folder):
        raise ExportError("output folder is on a read-only file system (a write-protected "
                          "drive or share)", folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError("output folder is not writable (permission denied)", folder)
    manifest, csv_path = sidecar_paths(out)
    from .speech.export_part import transcript_path
    existing = [p for p in (out, manifest, csv_path, report_path(out))
                + ((transcript_path(out),) if req.transcript else ()) if os.path.lexists(p)]
    return manifest, csv_path, existing


def _normalise_ranges(ranges, n: int) -> list[tuple[int, int]]:
    if not ranges:
        return [(0, n - 1)]
    out = []
    for a, b in sorted(ranges):
        if a < 0 or b >= n or b < a:
            raise ExportError(f"clip range {a}-{b} is outside the clip's frames 0-{n - 1}")
        if out and a <= out[-1][1]:
            raise ExportError(f"clip ranges overlap at {a}-{b}")
        out.append((a, b))
    return out


def export_job(req: ExportRequest, cancel: Optional[CancelToken] = None,
               session: Optional[ProjectSession] = None) -> Job:
    """A job that yields Progress and returns an :class:`ExportResult`.

    ``session``: the project as the caller holds it open (the window); its log gets the
    export's entries. Without it the project file is opened. Either way a project whose
    content differs from the state its edit log rebuilds is refused, naming the first
    difference, and the manifest records the state hash and the log head.

    Whatever fails, the export's work folder goes with it (a finished part stayed there when
    the project could not be saved), and an export entry already logged gets its
    ``export_aborted`` where the log still takes one."""
    left: dict = {}
    try:
        return (yield from _export_job(req, cancel, session, left))
    except BaseException as e:
        if "work" in left:
            left["work"].close()
        if "entry" in left and not left.get("aborted"):
            try:
                left["session"].record("export_aborted", {
                    "output": str(Path(req.out).resolve()), "error": str(e),
                    "export_entry": left["entry"]["seq"]})
            except Exception:  # noqa: BLE001 - the log may be on the full disk too: verify
                pass           # then reads the export as interrupted (nothing published)
            if isinstance(e, BwvError):
                e.message += "; nothing was published"
                e.args = (str(e),)
        raise


def _export_job(req: ExportRequest, cancel: Optional[CancelToken],
                session: Optional[ProjectSession], left: dict) -> Job:
    cancel = cancel or CancelToken()
    req.out = Path(req.out)
    for name, value in (("recipient", req.recipient), ("organisation", req.organisation),
                        ("basis", req.basis), ("operator", req.operator)):
        if not str(value or "").strip():   # the manifest and the report must say who and why
            raise ExportError(f"the export's {name} is empty: a disclosure names its operator, "
                              "recipient, organisation and lawful basis", req.project)
    manifest_path, csv_path, existing = _check_target(req)
    if session is None:
        session = ProjectSession.open(req.project, req.operator)
    consistency = session.consistency()
    if consistency.kind == "differs":
        raise IntegrityError(f"project differs from its edit log ({consistency.message}); "
                             "nothing exported: run `bwv verify`", session.path)
    if consistency.kind == "legacy":   # written by an earlier version: migrate explicitly
        from .session import LEGACY_MESSAGE
        raise IntegrityError(f"nothing exported: {LEGACY_MESSAGE}", session.path)
    if existing:   # only the provable partial files of this project's interrupted export go
        from .export_publish import clear_partial
        clear_partial(session, req.out, existing, session.log.verify())
    project = copy.deepcopy(session.project)   # the window may go on editing meanwhile
    state_sha = projstate.project_hash(project)
    pending = project.pending() + project.pending_audio()
    if pending and not req.accept_pending:
        ids = ", ".join(t.id for t in pending[:8]) + (" ..." if len(pending) > 8 else "")
        n_audio = len(project.pending_audio())
        what = f"{len(pending) - n_audio} track(s)" + (f" and {n_audio} audio range(s)"
                                                       if n_audio else "")
        raise ExportError(f"{what} still pending review ({ids}); decide them "
                          "or pass --accept-pending to redact them", req.project)
    yield Progress(0, 1, "checking source hash")
    # the clip decoded must be the clip hashed: checked again once it has been read
    source_id = file_identity(session.source_path)
    source_sha = session.check_source()
    if req.transcript:   # its recogniser is there, before minutes of encoding (not after)
        from .speech import engines
        from .speech.transcript import recorded_engine
        engines.build(recorded_engine(project))
    style = Style(**vars(project.style))
    # The machine policy's default_style is applied when a project is created (session.py);
    # here a present but unreadable policy file stops the export (fail secure).
    load_policy()
    if req.style:
        style.mode = req.style
    tracks = project.redacted_tracks(req.accept_pending)
    audio = project.redacted_audio(req.accept_pending)
    src = MediaSource(session.source_path, sha256=source_sha)
    info = src.info
    ranges = _normalise_ranges(req.ranges, src.frame_count)
    from .review_checks import open_checks, review_checks
    checks_open = [c.key for c in open_checks(review_checks(project, src.frame_count, info.width,
                                                            info.height, float(src.fps)))
                   if any(c.first_frame <= b and c.last_frame >= a for a, b in ranges)]
    total = sum(b - a + 1 for a, b in ranges)
    work = left["work"] = ExportWork.create(req.out)  # private; removes killed exports' parts
    tmp = work.part(req.out)
    state = {}
    try:
        with fixed_heap_fill():  # reproducible bytes: see redaction/determinism.py
            yield from _encode(src, tmp, req, style, tracks, audio, ranges, total,
                               cancel, state)
        cancel.check()
        yield Progress(total, total, "hashing export")
        export_sha = sha256_file(tmp)
        _source_unchanged(session.source_path, source_id)
    except BaseException as e:
        work.close()
        src.close()
        if isinstance(e, (BwvError, GeneratorExit, KeyboardInterrupt)):
            raise
        if isinstance(e, (OSError, av.error.FFmpegError)):
            raise _fail_io(e, req.out) from None
        raise
    src.close()

    fps = info.fps
    overrides = [t.id for t in tracks if t.status == "pending"] + \
        [a.id for a in audio if a.status == "pending"]
    if overrides:
        session.record("accept_pending_override", {"tracks": overrides, "output": str(req.out),
                                                   "confirmed_by": req.operator})
    details = {"output": str(req.out.resolve()), "export_sha256": export_sha,
               "source_sha256": source_sha, "state_sha256": state_sha,
               "frames": state["frames"], "ranges": ranges,
               "style": style.mode, "recipient": req.recipient,
               "organisation": req.organisation, "basis": req.basis, "operator": req.operator,
               "manifest": str(manifest_path.resolve()), "request": req.request_id,
               "report": str(report_path(req.out).resolve()),
               # where the project was: a copied or moved case folder finds its exports
               # relative to it (verify.relocated)
               "project": str(Path(req.project).resolve()),
               # an "export_published" entry follows once the files are published: without
               # it (the process killed meanwhile) verify knows nothing was published
               "completion": "export_published"}
    from .report import build_pdf, store_context, track_authors
    context = req.context if req.context is not None else store_context(req.request_id,
                                                                         source_sha)
    left["session"] = session
    entry = left["entry"] = session.record("export", details)
    session.save()
    manifest = {
        "format": "bwv-export-manifest", "version": 1,
        "tool": {"name": "bwv-workstation", "version": __version__,
                 "ffmpeg": av.library_versions.get("libavcodec") and
                 ".".join(map(str, av.library_versions["libavcodec"])),
                 "encoder": {"video": req.encoder.codec, **req.encoder.options(),
                             "audio": "aac", "audio_bitrate": req.encoder.audio_bitrate}},
        "created_utc": utc_now(),
        "source": {"path": str(session.source_path.resolve()), "sha256": source_sha,
                   "frames": src.frame_count, "fps": f"{fps.numerator}/{fps.denominator}",
                   "width": info.width, "height": info.height, "rotation": info.rotation,
                   "duration_s": round(info.duration_s, 6)},
        "output": {"path": str(req.out.resolve()), "sha256": export_sha,
                   "frames": state["frames"], **_output_size(info.width, info.height, state["sar"]),
                   "audio_streams": state["audio_streams"]},
        "ranges": [{"first_frame": a, "last_frame": b, "frames": b - a + 1} for a, b in ranges],
        "trimmed": ranges != [(0, src.frame_count - 1)],
        "style": {"mode": style.mode, "margin": style.margin, "margin_px": style.margin_px,
                  "color": list(style.color),
                  "strength": style.strength},
        "redactions": {"tracks": [t.id for t in tracks], "audio": [a.id for a in audio],
                       "accept_pending": req.accept_pending, "accepted_by_override": overrides},
        # checks before export (redaction/review_checks.py) nobody recorded as done
        "open_checks": checks_open,
        "models": project.extra.get("detection", {}).get("models", []),
        # streams left out and audio past the last frame (the export follows the picture)
        "not_exported": state.get("not_exported", []),
        "metadata": {"kept": state["metadata_kept"], "dropped_keys": state["metadata_dropped"],
                     "whitelist": list(METADATA_WHITELIST)},
        "operator": req.operator, "recipient": req.recipient,
        "organisation": req.organisation, "basis": req.basis, "request": req.request_id,
        "purpose": req.purpose,
        # case and request as the case store held them at export (the report shows them)
        "disclosure_context": context,
        "project": str(Path(req.project).resolve()),
        "edit_log": {"path": str(session.log.path.resolve()), "last_entry_seq": entry["seq"],
                     "last_entry_hash": entry["hash"]},
        "audit": req.audit_head,  # the store's audit head: `bwv audit verify --manifest`
        # the project content exported (redaction/projstate.py): `bwv verify --manifest`
        "project_state": {"sha256": state_sha, "tracks": len(project.tracks),
                          "edits_replayed": consistency.replay.edits if consistency.replay else 0},
        "export_sha256": export_sha, "output_path": str(req.out.resolve()),
    }
    csv_text = redactions_csv(project, tracks, fps, src.index_at_time, override_user=req.operator,
                              audio=audio)
    transcript_part = None
    if req.transcript:   # the redacted transcript, listed in the manifest (before the report)
        from .speech.export_part import write_transcript
        from .speech.transcript import recorded_engine
        transcript_part = yield from write_transcript(session.source_path, source_sha, audio,
                                                      state["seg_times"], work, req.out,
                                                      manifest, cancel, recorded_engine(project))
    pdf_path = report_path(req.out)
    published: list[Path] = []
    yield Progress(total, total, "writing the disclosure report")
    try:
        # the report: from this manifest, the exported state and the redacted part (never
        # the source's pixels); the manifest then lists it (redaction/report)
        pdf = build_pdf(manifest, project, tmp,
                        track_authors(session.log.entries(), entry["seq"]))
        pdf_part = work.part(pdf_path)
        pdf_part.write_bytes(pdf)
        manifest["report"] = {"path": str(pdf_path.resolve()), "sha256": sha256_file(pdf_part)}
        csv_part = work.write_text(csv_path, csv_text)
        manifest_part = work.write_text(manifest_path, manifest_json(manifest))
        # the video first, the manifest last: a manifest naming this export's entry beside
        # its video means every file is out (the commit marker; redaction/export_publish.py)
        plan = [(tmp, req.out), (csv_part, csv_path), (pdf_part, pdf_path)]
        if transcript_part is not None:
            from .speech.export_part import transcript_path
            plan.append((transcript_part, transcript_path(req.out)))
        plan.append((manifest_part, manifest_path))
        _source_unchanged(session.source_path, source_id)   # the transcript read it again
        # what is about to appear: files left by an export killed half-way through are
        # then provably its own (bwv verify names them; the same export again replaces them)
        session.record(PUBLISHING, {
            "export_entry": entry["seq"], "output": str(req.out.resolve()),
            "files": {str(final.resolve()): export_sha if final == req.out else sha256_file(part)
                      for part, final in plan}})
        for n, (part, final) in enumerate(plan, 1):
            publish_no_overwrite(part, final)
            published.append(final)
            fault(f"export:published:{n}")
        work.close()
    except BaseException as e:
        for p in published:
            _unlink(p)
        work.close()
        left["aborted"] = True
        session.record("export_aborted", {"output": str(req.out.resolve()), "error": str(e),
                                          "export_entry": entry["seq"]})
        session.save()
        if isinstance(e, BwvError):
            raise
        raise _fail_io(e, req.out) from None
    # the completion entry anchors the published sidecars: a manifest, list or report
    # edited afterwards no longer matches its hash (bwv verify, bwv verify --manifest)
    # The files are out: a failure from here on must not read as a failed export (the
    # disclosure exists and goes to the register); verify then treats the export as one
    # without a completion entry (its file must be there), and the note says so
    note = ""
    try:
        session.record("export_published", {
            "output": str(req.out.resolve()), "export_entry": entry["seq"],
            "manifest_sha256": sha256_file(manifest_path),
            "files": {str(p.resolve()): (export_sha if p == req.out else sha256_file(p))
                      for p in published}})
        session.save()
    except (BwvError, OSError) as e:
        log.warning("export %s published, but its completion was not logged: %s", req.out, e)
        note = (f"the export was written, but its completion could not be logged ({e}); "
                "`bwv verify` checks it as an export logged before completion entries")
    return ExportResult(req.out, manifest_path, csv_path, export_sha, state["frames"], manifest,
                        pdf_path, note)


def _source_unchanged(path: Path, before: tuple) -> None:
    """The source clip must still be the file that was hashed: one replaced (even put back
    afterwards) or written to while the export read it would be exported under the sha256
    of another clip's pixels."""
    if not before or file_identity(path) != before:
        raise IntegrityError("source clip changed while it was being exported (replaced or "
                             "written to): the export is not of the clip it hashed", path)


def _unlink(p) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass


def _encode(src: MediaSource, tmp: Path, req: ExportRequest, style: Style, tracks, audio_ranges,
            ranges: Sequence[tuple[int, int]], total: int, cancel: CancelToken, state: dict):
    info = src.info
    index = src.index
    tb = Fraction(info.time_base)
    first_pts = index.pts[0]
    # where each source frame lands on the output timeline (pts in the source time base)
    keep: dict[int, int] = {}
    out_offset = 0
    seg_times: list[tuple[float, float, float]] = []  # (src_start_s, src_end_s, out_start_s)
    for a, b in ranges:
        start = index.pts[a]
        nxt = index.pts[b + 1] if b + 1 < index.count else index.pts[b] + \
            (index.pts[b] - index.pts[b - 1] if b > 0 else round(1 / (info.fps * tb)))
        for i in range(a, b + 1):
            keep[index.pts[i]] = index.pts[i] - start + out_offset
        seg_times.append((float((start - first_pts) * tb), float((nxt - first_pts) * tb),
                          float(out_offset * tb)))
        out_offset += nxt - start
    state["seg_times"] = seg_times
    pts_to_index = {p: i for i, p in enumerate(index.pts)}

    inp = open_container(src.path)
    try:
        out = av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"})
    except (av.error.FFmpegError, OSError) as e:
        inp.close()
        raise _fail_io(e, req.out) from None
    audio_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bwv-export-audio")
    try:
        src_meta = dict(inp.metadata or {})
        kept = {k: v for k, v in src_meta.items() if k in METADATA_WHITELIST}
        state["metadata_kept"] = kept
        state["metadata_dropped"] = sorted(k for k in src_meta if k not in METADATA_WHITELIST)
        out.metadata.clear()
        out.metadata.update(kept)
        ivs = inp.streams.video[0]
        ivs.thread_type = "AUTO"
        ovs = out.add_stream(req.encoder.codec, rate=info.fps)
        # 4:2:0 needs even sizes: an odd-sized clip gets one black row/column at the bottom/right
        # (media.to_array; ADR 0002), named in the manifest's "output.padding"
        ovs.width, ovs.height = even_size(info.width, info.height)
        ovs.pix_fmt = "yuv420p"
        # anamorphic (1440x1080 shown as 16:9): exported without its pixel aspect ratio it
        # plays squeezed, everyone narrower than they are; players stretch it as the source
        state["sar"] = src.sample_aspect_ratio if src.sample_aspect_ratio != 1 else None
        if state["sar"] is not None:
            ovs.codec_context.sample_aspect_ratio = state["sar"]
        ovs.time_base = tb
        ovs.codec_context.time_base = tb
        ovs.options = req.encoder.options()
        if req.encoder.threads:
            ovs.codec_context.thread_count = req.encoder.threads
        audio_pairs = []
        for ias in inp.streams.audio:
            cc = ias.codec_context
            if not cc or not ias.rate:
                continue
            layout = _named_layout(cc)
            oas = out.add_stream("aac", rate=ias.rate, layout=layout)
            oas.bit_rate = req.encoder.audio_bitrate
            audio_pairs.append(AudioLane(ias, oas, layout, seg_times, audio_ranges, first_pts * tb
                                          if ivs.time_base else 0.0))
        state["audio_streams"] = [{"sample_rate": a.oas.rate, "layout": a.layout}
                                  for a in audio_pairs]
        state["not_exported"] = not_exported(inp, ivs, audio_pairs, seg_times, first_pts * tb,
                                              ranges[-1][1] == index.count - 1)
        lanes = {a.ias.index: a for a in audio_pairs}
        clock = EtaClock(total)
        done = 0
        streams = [ivs] + [a.ias for a in audio_pairs]
        for packet in source_packets(inp, streams, src.path, lambda: done):
            if packet.stream.type == "video":
                try:
                    frames = packet.decode()
                except av.error.FFmpegError as e:   # the source's fault, not the output's
                    raise MediaError(f"cannot decode the clip after frame {done}: "
                                     f"{getattr(e, 'strerror', None) or e} (corrupt data)",
                                     src.path) from None
                for frame in frames:
                    done += _video_frame(frame, pts_to_index, keep, src, tracks, style, ovs, out, tb)
                    if done and done % 10 == 0:
                        cancel.check()
                        yield Progress(done, total, "exporting", eta_s=clock.eta(done))
            else:
                lane = lanes.get(packet.stream.index)
                if lane is not None:
                    try:
                        pkts = audio_thread.submit(lane.packet, packet).result()
                    except av.error.FFmpegError as e:
                        if not isinstance(e, (av.error.InvalidDataError,)):
                            raise
                        raise MediaError(f"cannot decode the clip's audio near frame {done}: "
                                         f"{getattr(e, 'strerror', None) or e} (corrupt data)",
                                         src.path) from None
                    for pkt in pkts:
                        out.mux(pkt)
        for pkt in ovs.encode():
            out.mux(pkt)
        for lane in audio_pairs:
            for pkt in audio_thread.submit(lane.finish).result():
                out.mux(pkt)
        if done != total:
            raise MediaError(f"decoded {done} of {total} frames: the clip is corrupt or truncated",
                             src.path)
        state["frames"] = done
    finally:
        audio_thread.shutdown(wait=True)
        inp.close()
        out.close()


# a container that stores only a channel count (AVI, WAV, some MOV: "1 channels") gets
# FFmpeg's default layout for that count; the AAC encoder refuses an unnamed layout
DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1",
                   8: "7.1"}


def _named_layout(cc) -> str:
    """The source audio's channel layout as the AAC encoder takes it."""
    name = cc.layout.name if cc.layout else ""
    if name and not name.endswith("channels"):
        return name
    return DEFAULT_LAYOUTS.get(cc.channels, name or "mono")


def _output_size(width: int, height: int, sar: Optional[Fraction] = None) -> dict:
    """The manifest's output size, its pixel aspect ratio where the pixels are not square,
    and the black padding an odd-sized clip gets."""
    w, h = even_size(width, height)
    out = {"width": w, "height": h}
    if sar is not None:
        out["sample_aspect_ratio"] = f"{sar.numerator}:{sar.denominator}"
    if (w, h) != (width, height):
        out["padding"] = {"right_px": w - width, "bottom_px": h - height, "colour": "black",
                          "why": "H.264 4:2:0 needs an even width and height"}
    return out


def _video_frame(frame, pts_to_index, keep, src, tracks, style, ovs, out, tb: Fraction) -> int:
    """Redact and encode one source frame. Its pts is in the source's time base ``tb``, the
    encoder's; never the stream's, which the MP4 muxer may change when it writes the header
    (a 1/1000 or 1/600 time base becomes a finer timescale): frames stamped with that would
    play many times too fast."""
    p = frame.pts
    if p not in keep:
        return 0
    i = pts_to_index[p]
    arr = to_array(frame, "yuv420p", src.rotation)
    rects = frame_rects(None, i, src.info.width, src.info.height, tracks=tracks, style=style) \
        if tracks else []
    if rects:
        arr = render_yuv420p(np.ascontiguousarray(arr), rects, style)
    vf = av.VideoFrame.from_ndarray(arr, format="yuv420p")
    vf.pts = keep[p]
    vf.time_base = tb
    for pkt in ovs.encode(vf):
        out.mux(pkt)
    return 1
