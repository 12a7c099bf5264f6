"""The PDF disclosure report's layout with long values: nothing is drawn over a neighbouring
cell (text positions read back with pypdf)."""
from __future__ import annotations

import io

from pypdf import PdfReader

from redaction.report import build_pdf

from helpers import make_project


def _lines(pdf: bytes, page=-1) -> list[tuple[float, float, str]]:
    out = []

    def visit(text, cm, tm, fd, fs):
        if text.strip():
            out.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text.strip()))
    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def test_a_long_operator_name_stays_inside_its_signature_row(clip_copy, tmp_path):
    """The signature rows had a fixed height: a name over three lines ran over the grid line
    into the "Reviewed / approved by" row below."""
    s = make_project(clip_copy("ntsc"), tmp_path)
    operator = "PC 4455 Alexandra Konstantinopoulou-Worthington-Smythe (Disclosure Unit, Wessex)"
    manifest = {"operator": operator, "source": {"frames": 10, "fps": "25"}, "output": {},
                "redactions": {"tracks": [], "audio": []}}
    lines = _lines(build_pdf(manifest, s.project, tmp_path / "none.mp4"))
    sig = next(y for _, y, t in lines if t == "Signatures")
    name_x, name_top = [(x, y) for x, y, t in lines if t.startswith("PC 4455") and y < sig][0]
    reviewed = next(y for _, y, t in lines if t.startswith("Reviewed"))
    name_bottom = min(y for x, y, _ in lines if abs(x - name_x) < 1 and reviewed - 30 < y <= name_top)
    assert name_bottom - reviewed >= 12, (name_bottom, reviewed)


def test_every_page_says_which_of_how_many_it_is(clip_copy, tmp_path):
    """A court bundle must show a missing page: the footer said "page N", never of how many."""
    from redaction.model import Keyframe, Track
    s = make_project(clip_copy("ntsc"), tmp_path)
    for i in range(80):                          # enough tracks for several pages
        s.project.tracks.append(Track(f"a{i}", "face", "auto", "accepted", reason="third party",
                                      keyframes=[Keyframe(0, (10, 10, 20, 20))]))
    manifest = {"operator": "PC 1", "source": {"frames": 10, "fps": "25"}, "output": {},
                "redactions": {"tracks": [t.id for t in s.project.tracks], "audio": []}}
    pdf = build_pdf(manifest, s.project, s.source_path)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):
        assert f"page {n} of {len(pages)}" in page.extract_text()
    assert build_pdf(manifest, s.project, s.source_path) == pdf             # reproducible
