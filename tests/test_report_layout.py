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
