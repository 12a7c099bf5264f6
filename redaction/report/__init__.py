"""The PDF disclosure report written beside every export (``OUT.report.pdf``).

A document a disclosure officer can sign and send with the footage, built from the same
data as the manifest: case, request, recipient and basis; who exported and when; the
source and export sha256; every redaction with a thumbnail (taken from the *redacted*
export, never from the original's pixels), its reason, frames and timecodes; the audio
ranges; the reviewer's decisions with their reasons; the edit-log head, the project state
hash and the case store's audit head; a signature block.

Order (see docs/adr/0007, "The disclosure report"): the export encodes the redacted MP4 in
its work folder, builds the manifest, then builds the report from that manifest, the
project state it exported and the finished (redacted) part, and lists the report's path and
sha256 in the manifest (``"report"``). The report does not contain the manifest's hash, so
there is no cycle. Manifest, redaction list, report and MP4 are then published, each
without overwriting, the MP4 last. The report is reproducible (reportlab's invariant mode,
dates from the manifest): ``bwv report OUT.manifest.json`` rebuilds it from the manifest,
the edit log (replayed up to the export and checked against the manifest's state hash) and
the export (checked against its sha256), and says whether it matches the sha256 the
manifest lists.
"""
from __future__ import annotations

import io
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Optional

from ..errors import IntegrityError
from ..fsutil import publish_no_overwrite, sha256_file
from ..manifest import report_path

__all__ = ["build_pdf", "store_context", "regenerate", "report_path", "RegenResult",
           "track_authors"]


def track_authors(entries, upto: Optional[int] = None) -> dict[str, tuple[str, str]]:
    """Who drew each manual track and when: ``{track id: (user, UTC time)}`` from the edit
    log's entries (up to entry ``upto``) that added it. The last such entry wins (a drawing
    undone and redone is the redo's); tracks cut from another (split) have none."""
    out: dict[str, tuple[str, str]] = {}

    def walk(cmd, user: str, time: str) -> None:
        if not isinstance(cmd, dict):
            return
        if cmd.get("name") == "add_track" and isinstance(cmd.get("track"), str):
            out[cmd["track"]] = (user, time)
        for sub in cmd.get("commands") or []:
            walk(sub, user, time)

    for e in entries:
        if upto is not None and e.get("seq", 0) > upto:
            break
        if e.get("action") in ("apply", "redo"):
            walk((e.get("details") or {}).get("command"), str(e.get("user", "")),
                 str(e.get("time", "")))
    return out


def store_context(request_id, source_sha256: str) -> Optional[dict]:
    """Case and request details from the case store for the manifest and report (None
    without a store). Read only; an unreadable store gives ``{"unavailable": why}``."""
    from ..errors import BwvError
    try:
        from ..store.db import existing_store
        st = existing_store()
        if st is None:
            return None
        from ..store import clips, requests
        out: dict = {"case": None, "request": None}
        with st.session() as s:
            c = clips.find_live(s, source_sha256)
            if c is not None:
                out["case"] = {"incident": c.case.incident_ref, "title": c.case.title or "",
                               "clip": c.id, "exhibit": c.exhibit_ref or ""}
            if request_id is not None:
                r = requests.get_request(s, request_id)
                out["request"] = {
                    "id": r.id, "type": r.type, "requester": r.requester,
                    "received": r.received.isoformat() if r.received else None,
                    "due": r.due.isoformat() if r.due else None,
                    "approved_by": r.approved_by,
                    "approved_at": r.approved_at.isoformat() if r.approved_at else None}
        return out
    except BwvError as e:
        return {"unavailable": str(e)}
    except Exception as e:  # noqa: BLE001 - a report detail must not stop an export
        return {"unavailable": f"{type(e).__name__}: {e}"}


# --- building ------------------------------------------------------------------------

def _fps(manifest: dict) -> Fraction:
    try:
        return Fraction(str(manifest["source"]["fps"]))
    except (KeyError, ValueError, ZeroDivisionError, TypeError):
        return Fraction(25)


def _padded_sides(pad: dict) -> str:
    sides = [name for key, name in (("right_px", "column at the right"), ("bottom_px", "row at the bottom"))
             if pad.get(key)]
    return " and ".join(sides) or "border"


def _hms(seconds: float) -> str:
    ms = int(round(max(0.0, float(seconds)) * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _out_index(frame: int, ranges: list[tuple[int, int]]) -> Optional[int]:
    """Where source frame ``frame`` lands in the export (None: trimmed away)."""
    off = 0
    for a, b in ranges:
        if a <= frame <= b:
            return off + frame - a
        off += b - a + 1
    return None


def _thumb_frame(track, ranges) -> Optional[int]:
    """A frame of ``track`` inside the exported ranges: the keyframe nearest its middle."""
    frames = [f for f in range(track.first_frame, track.last_frame + 1)
              if _out_index(f, ranges) is not None and track.box_at(f) is not None]
    if not frames:
        return None
    mid = (track.first_frame + track.last_frame) / 2
    keys = [k.frame for k in track.keyframes if k.frame in set(frames)]
    pool = keys or frames
    return min(pool, key=lambda f: (abs(f - mid), f))


def _thumbnails(video: Path, tracks, ranges, style, width: int, height: int) -> dict:
    """``{track id: (PNG bytes, source frame)}`` cut from the redacted export."""
    from PIL import Image, ImageDraw

    from ..media import MediaSource
    from ..render import frame_rects
    want = []
    for t in tracks:
        f = _thumb_frame(t, ranges)
        if f is not None:
            want.append((_out_index(f, ranges), f, t))
    if not want:
        return {}
    out = {}
    with MediaSource(video) as src:
        for oi, f, t in sorted(want, key=lambda w: (w[0], w[2].id)):
            if oi >= src.frame_count:
                continue
            rects = frame_rects(None, f, width, height, tracks=[t], style=style)
            if not rects:
                continue
            x0, y0, x1, y1 = rects[0]
            arr = src.frame(oi, "rgb24")
            h, w = arr.shape[:2]
            bw, bh = x1 - x0, y1 - y0
            pad = max(bw, bh, 48)
            cx0, cy0 = max(0, x0 - pad), max(0, y0 - pad)
            cx1, cy1 = min(w, x1 + pad), min(h, y1 + pad)
            img = Image.fromarray(arr[cy0:cy1, cx0:cx1].copy())
            d = ImageDraw.Draw(img)
            d.rectangle([x0 - cx0 - 1, y0 - cy0 - 1, x1 - cx0, y1 - cy0],
                        outline=(230, 30, 30), width=2)
            if src.sample_aspect_ratio != 1:    # anamorphic: as the recipient's player shows it
                img = img.resize((max(1, round(img.width * src.sample_aspect_ratio)), img.height))
            img.thumbnail((220, 150))
            buf = io.BytesIO()
            img.save(buf, format="PNG", optimize=False)
            out[t.id] = (buf.getvalue(), f)
    return out


def _style(manifest: dict, project):
    from ..model import Style
    st = Style(**vars(project.style))
    m = manifest.get("style") or {}
    for k in ("mode", "margin", "margin_px", "strength"):
        if k in m:
            setattr(st, k, m[k])
    if "color" in m:
        st.color = tuple(m["color"])
    return st



def _fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped in resources/fonts, Bitstream Vera licence): names and places
    outside Latin-1 (Polish, Czech, Turkish, Greek...) render; the PDF built-in fonts
    cannot draw them."""
    from importlib.resources import files

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    names = ("BWV-DejaVuSans", "BWV-DejaVuSans-Bold")
    if names[0] not in pdfmetrics.getRegisteredFontNames():
        d = files("resources") / "fonts"
        pdfmetrics.registerFont(TTFont(names[0], str(d / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(names[1], str(d / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(names[0], normal=names[0], bold=names[1],
                                      italic=names[0], boldItalic=names[1])
    return names

def build_pdf(manifest: dict, project, video: str | os.PathLike,
              authors: Optional[dict[str, tuple[str, str]]] = None) -> bytes:
    """The report as PDF bytes (deterministic for the same inputs).

    ``manifest``: the export's manifest (its ``report`` entry is ignored); ``project``: the
    project state that was exported; ``video``: the redacted export (thumbnails);
    ``authors``: who drew each manual track (:func:`track_authors`)."""
    from reportlab import Version as rl_version  # noqa: F401 - fail early if missing
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer,
                                    Table, TableStyle)
    from xml.sax.saxutils import escape

    from ..timebase import timecode

    font, bold = _fonts()
    ss = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=ss["BodyText"], fontName=font, fontSize=8.5,
                          leading=10.5, alignment=TA_LEFT)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9)
    mono = ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=7, leading=8.5)
    h1 = ParagraphStyle("h1", parent=ss["Title"], fontName=bold, fontSize=16, leading=19,
                        spaceAfter=2 * mm)
    h2 = ParagraphStyle("h2", parent=ss["Heading2"], fontName=bold, fontSize=11, leading=13,
                        spaceBefore=3 * mm, spaceAfter=1.5 * mm, keepWithNext=1)

    def P(text, style=body) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"),
                         style)

    def M(text) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")), mono)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                       ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)])
    head = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
                       ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)])

    W = A4[0] - 30 * mm
    fps = _fps(manifest)
    src = manifest.get("source") or {}
    outp = manifest.get("output") or {}
    ctx = manifest.get("disclosure_context") or {}
    case = ctx.get("case") or {}
    rq = ctx.get("request") or {}
    ranges = [(int(r["first_frame"]), int(r["last_frame"])) for r in manifest.get("ranges") or []]
    if not ranges:
        ranges = [(0, int(src.get("frames", 1)) - 1)]
    redacted_ids = list((manifest.get("redactions") or {}).get("tracks") or [])
    overrides = set((manifest.get("redactions") or {}).get("accepted_by_override") or [])
    by_id = {t.id: t for t in project.tracks}
    redacted = [by_id[i] for i in redacted_ids if i in by_id]
    style = _style(manifest, project)
    authors = authors or {}

    def track_cell(t) -> str:
        """Track id, kind and origin; who drew it, for a track drawn by hand."""
        text = f"{t.id}\n{t.kind}, {t.origin}"
        if t.id in authors:
            user, at = authors[t.id]
            text += f"\ndrawn by {user or '-'} {at}"
        return text

    story = [Paragraph("Disclosure report", h1),
             P(f"Redacted copy of body-worn video: {Path(str(outp.get('path', ''))).name}"),
             Spacer(1, 2 * mm)]

    def kv(rows):
        t = Table([[P(k, small), v if not isinstance(v, str) else P(v)] for k, v in rows],
                  colWidths=[38 * mm, W - 38 * mm])
        t.setStyle(grid)
        return t

    # -- the disclosure
    if ctx.get("unavailable"):
        case_text = f"not recorded (case store unavailable: {ctx['unavailable']})"
    elif case:
        case_text = case.get("incident", "") + (f" - {case['title']}" if case.get("title") else "")
        if case.get("clip") is not None:
            case_text += f" (clip {case['clip']}" + (f", exhibit {case['exhibit']}"
                                                     if case.get("exhibit") else "") + ")"
    else:
        case_text = "not in a case store (standalone, not for evidence)" if not ctx else \
            "the source clip is not held in the case store"
    req_id = manifest.get("request")
    if rq:
        req_text = (f"{rq.get('id')} ({rq.get('type')}) from {rq.get('requester')}; received "
                    f"{rq.get('received')}, due {rq.get('due') or '-'}; approved by "
                    f"{rq.get('approved_by') or 'nobody'}"
                    + (f" at {rq['approved_at']}" if rq.get("approved_at") else ""))
    elif req_id:
        req_text = str(req_id)
    else:
        req_text = "none" + (" (internal review, not for disclosure)"
                             if manifest.get("purpose") == "internal_review" else "")
    story += [Paragraph("Disclosure", h2), kv([
        ("Case", case_text), ("Request", req_text),
        ("Purpose", manifest.get("purpose", "disclosure")),
        ("Recipient", manifest.get("recipient", "")),
        ("Organisation", manifest.get("organisation", "")),
        ("Basis", manifest.get("basis", "")),
        ("Exported by", manifest.get("operator", "")),
        ("Exported at (UTC)", manifest.get("created_utc", "")),
        ("Tool", f"bwv-workstation {(manifest.get('tool') or {}).get('version', '')}"),
    ])]

    # -- integrity
    el = manifest.get("edit_log") or {}
    ps = manifest.get("project_state") or {}
    au = manifest.get("audit")
    trimmed = ", ".join(f"{a}-{b}" for a, b in ranges)
    story += [Paragraph("Files and hashes", h2), kv([
        ("Source file", P(Path(str(src.get("path", ""))).name)),
        ("Source sha256", M(src.get("sha256", ""))),
        ("Source", P(f"{src.get('frames')} frames at {src.get('fps')} fps, "
                     f"{src.get('width')}x{src.get('height')}, {_hms(src.get('duration_s', 0))}")),
        ("Export file", P(Path(str(outp.get("path", ""))).name)),
        ("Export sha256", M(manifest.get("export_sha256") or outp.get("sha256", ""))),
        ("Exported frames", P(f"{outp.get('frames')} (source frames {trimmed})")),
        *([("Export size", P(f"{outp.get('width')}x{outp.get('height')}: one black "
                             f"{_padded_sides(outp['padding'])} added ({outp['padding'].get('why', '')})"))]
          if isinstance(outp.get("padding"), dict) else []),
        ("Style", P(f"{style.mode}, margin {style.margin:g} + {style.margin_px:g} px")),
        ("Edit log head", M(f"entry {el.get('last_entry_seq')} {el.get('last_entry_hash', '')}")),
        ("Project state", M(ps.get("sha256", ""))),
        ("Audit head", M(f"row {au.get('seq')} {au.get('hash')}") if isinstance(au, dict)
         else P("none (no case store: standalone, not for evidence)")),
    ])]

    # -- redactions
    story.append(Paragraph(f"Redactions ({len(redacted)} tracks)", h2))
    if redacted:
        thumbs = _thumbnails(Path(video), redacted, ranges, style, int(src.get("width") or 0),
                             int(src.get("height") or 0))
        rows = [[P("Thumbnail (from the export)", small), P("Track", small),
                 P("Frames / timecodes", small), P("Reason", small), P("Decision", small)]]
        for t in redacted:
            th = thumbs.get(t.id)
            if th is not None:
                from PIL import Image as PILImage
                iw, ih = PILImage.open(io.BytesIO(th[0])).size
                scale = min(42 * mm / iw, 28 * mm / ih)
                cell = [Image(io.BytesIO(th[0]), iw * scale, ih * scale),
                        P(f"frame {th[1]}", small)]
            else:
                cell = P("not in the exported frames", small)
            decided = ("accepted at export (--accept-pending) by " + manifest.get("operator", "")
                       if t.id in overrides else
                       f"{t.status} by {t.decided_by or '-'} {t.decided_at or ''}")
            rows.append([cell, P(track_cell(t), small),
                         P(f"{t.first_frame}-{t.last_frame}\n{timecode(t.first_frame, fps)} - "
                           f"{timecode(t.last_frame, fps)}", small),
                         P(t.reason or "-", small), P(decided, small)])
        tbl = Table(rows, colWidths=[46 * mm, 26 * mm, 34 * mm, W - 146 * mm, 40 * mm],
                    repeatRows=1)
        tbl.setStyle(head)
        story.append(tbl)
    else:
        story.append(P("No picture redactions."))

    # -- audio: the ranges the export muted or bleeped (the manifest's list); proposals
    # rejected or kept clear are listed with the decisions below
    audio_ids = set((manifest.get("redactions") or {}).get("audio") or [])
    audio = [a for a in project.audio if a.id in audio_ids]
    story.append(Paragraph(f"Audio redactions ({len(audio)})", h2))
    if audio:
        rows = [[P(h, small) for h in ("Range", "From", "To", "Mode", "Reason")]]
        rows += [[P(a.id, small), P(_hms(a.start), small), P(_hms(a.end), small),
                  P(a.mode, small), P(a.reason or "-", small)] for a in audio]
        tbl = Table(rows, colWidths=[20 * mm, 28 * mm, 28 * mm, 20 * mm, W - 96 * mm],
                    repeatRows=1)
        tbl.setStyle(head)
        story.append(tbl)
    else:
        story.append(P("No audio redactions."))

    # -- decisions not to redact, checks
    kept = [t for t in project.tracks if t.id not in set(redacted_ids)]
    story.append(Paragraph("Reviewer's decisions not to redact", h2))
    if kept:
        rows = [[P(h, small) for h in ("Track", "Frames", "Decision", "Reason", "By / at")]]
        rows += [[P(track_cell(t), small),
                  P(f"{t.first_frame}-{t.last_frame}", small),
                  P(t.status.replace("_", " "), small), P(t.reason or "-", small),
                  P(f"{t.decided_by or '-'} {t.decided_at or ''}", small)] for t in kept]
        tbl = Table(rows, colWidths=[34 * mm, 22 * mm, 22 * mm, W - 118 * mm, 40 * mm],
                    repeatRows=1)
        tbl.setStyle(head)
        story.append(tbl)
    kept_audio = [a for a in project.audio if a.id not in audio_ids]
    if not kept:
        story.append(P("Tracks: none, every track in the project is redacted." if project.tracks
                       else "Tracks: none in the project."))
    if not kept_audio:
        story.append(P("Audio: none, every audio range in the project is redacted."
                       if project.audio else "Audio: no audio ranges in the project."))
    if kept_audio:
        story.append(Spacer(1, 2 * mm))
        rows = [[P(h, small) for h in ("Audio range", "From", "To", "Decision", "Reason")]]
        rows += [[P(a.id, small), P(_hms(a.start), small), P(_hms(a.end), small),
                  P(getattr(a, "status", "accepted").replace("_", " "), small),
                  P(a.reason or "-", small)] for a in kept_audio]
        tbl = Table(rows, colWidths=[24 * mm, 28 * mm, 28 * mm, 24 * mm, W - 104 * mm],
                    repeatRows=1)
        tbl.setStyle(head)
        story.append(tbl)
    open_checks = manifest.get("open_checks") or []
    story.append(Spacer(1, 2 * mm))
    story.append(P("Checks before export not marked done: " +
                   (", ".join(map(str, open_checks)) if open_checks else "none")))

    # -- signatures
    # rows at least 14 mm high to sign in (the empty cell's spacer), taller for a long name
    sig = Table([[P("Exported by", small), P(manifest.get("operator", "")), P("Signature", small),
                  Spacer(1, 14 * mm - 6), P("Date", small), P("")],
                 [P("Reviewed / approved by", small),
                  P(rq.get("approved_by") or ""), P("Signature", small), Spacer(1, 14 * mm - 6),
                  P("Date", small), P("")]],
                colWidths=[32 * mm, 44 * mm, 18 * mm, W - 138 * mm, 12 * mm, 32 * mm])
    sig.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                             ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [KeepTogether([Paragraph("Signatures", h2),
                            P("I confirm that this copy has been reviewed and redacted as listed "
                              "above and that it may be disclosed to the recipient named."), 
                            Spacer(1, 2 * mm), sig])]

    export_sha = manifest.get("export_sha256") or ""

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(15 * mm, 8 * mm, f"Disclosure report - export sha256 {export_sha}")
        canvas.restoreState()

    from reportlab.pdfgen.canvas import Canvas

    class Numbered(Canvas):
        """Pages numbered "page N of M" (a missing page shows), drawn once M is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 7)
                self.drawRightString(A4[0] - 15 * mm, 8 * mm,
                                     f"page {self._pageNumber} of {len(self._pages)}")
                super().showPage()
            super().save()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, invariant=1,
                            title="Disclosure report", author=str(manifest.get("operator", "")),
                            subject=f"export sha256 {export_sha}", creator="bwv-workstation")
    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=Numbered)
    return buf.getvalue()


# --- regenerating -----------------------------------------------------------------------

class RegenResult:
    def __init__(self, path: Path, sha256: str, listed: Optional[str]):
        self.path, self.sha256, self.listed = path, sha256, listed

    @property
    def matches(self) -> Optional[bool]:
        return None if not self.listed else self.listed == self.sha256


def _project_at_export(manifest: dict, where: Path, raw: bytes = b""):
    """The project state the export recorded: the edit log replayed up to the manifest's
    entry, checked against the manifest's state hash."""
    from .. import projstate
    from ..replay import rebuild, replay
    from ..verify import manifest_and_log
    _, entries, entry = manifest_and_log(where, manifest, raw)
    seq = entry["seq"]
    log_path = Path(str(manifest["edit_log"]["path"]))
    rep = replay(entries, log_path, upto=seq)
    want = (manifest.get("project_state") or {}).get("sha256")
    if want and projstate.state_hash(rep.state) != want:
        raise IntegrityError("the edit log does not rebuild the project state the manifest "
                             "records", log_path)
    project = rebuild(rep.state, str((manifest.get("source") or {}).get("path", "")),
                      f"edit log {log_path}")
    return project, track_authors(entries, seq)


def regenerate(manifest_path: str | os.PathLike, out: Optional[str | os.PathLike] = None
               ) -> RegenResult:
    """``bwv report``: rebuild the report of an export (never overwrites)."""
    from ..errors import ExportError
    mp = Path(manifest_path)
    try:
        raw = mp.read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ExportError("export manifest not found", mp) from None
    except (OSError, ValueError):
        raise ExportError("not a readable export manifest", mp) from None
    if not isinstance(manifest, dict) or manifest.get("format") != "bwv-export-manifest":
        raise ExportError("not a bwv export manifest", mp)
    outp = manifest.get("output") or {}
    video = Path(str(outp.get("path") or manifest.get("output_path") or ""))
    if not video.is_file():
        guess = mp.with_name(mp.name[:-len(".manifest.json")] + ".mp4") \
            if mp.name.endswith(".manifest.json") else None
        if guess is None or not guess.is_file():
            raise ExportError(f"the export the manifest names is missing: {video}", mp)
        video = guess
    want = manifest.get("export_sha256") or outp.get("sha256")
    if sha256_file(video) != want:
        raise IntegrityError("the export's sha256 differs from the manifest's: not the file "
                             "this manifest describes", video)
    project, authors = _project_at_export(manifest, mp, raw)
    listed = (manifest.get("report") or {}).get("sha256")
    target = Path(out) if out else report_path(video)
    if target.suffix.lower() != ".pdf":
        raise ExportError("the report must be a .pdf file", target)
    if os.path.lexists(target):
        raise ExportError("already exists; refusing to overwrite ("
                          + ("choose another --out)" if out else "give --out)"), target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError("folder does not exist", folder)
    data = build_pdf(manifest, project, video, authors)
    part = folder / f".{target.name}.{os.getpid()}.part"
    part.write_bytes(data)
    publish_no_overwrite(part, target)
    import hashlib
    return RegenResult(target, hashlib.sha256(data).hexdigest(), listed)

