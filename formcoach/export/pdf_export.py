"""PDF: the same content as the HTML report, A4 or Letter, fonts embedded."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from ..outputs import write_bytes_atomic
from ..slow_imports import import_fresh
from .common import angle_plot_png, summary_lines, table, table_heading, title


def _font_paths() -> tuple[Path, Path]:
    """DejaVu Sans from matplotlib's own data (always installed with it)."""
    matplotlib = import_fresh("matplotlib")
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"


def render_pdf(report: dict[str, Any], paper: str = "A4") -> bytes:
    """The report as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(format=paper.upper() if paper.upper() == "A4" else "letter")
    regular, bold = _font_paths()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 9, title(report), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for label, value in summary_lines(report):
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(45, 6, label)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width - 45, 6, value, new_x="LMARGIN", new_y="NEXT")
    for w in report.get("warnings", []):
        pdf.set_text_color(170, 60, 0)
        pdf.multi_cell(width, 5.5, "! " + w["message"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    cues = report.get("summary", {}).get("top_cues") or []
    if cues:
        _heading(pdf, "What to work on")
        for c in cues:
            pdf.set_font("DejaVu", "B", 10)
            pdf.multi_cell(
                width,
                6,
                f"{c['message']} ({c.get('count', 1)}×)",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(
                width, 5, c.get("explanation", ""), new_x="LMARGIN", new_y="NEXT"
            )
            if c.get("source"):
                pdf.set_text_color(90, 90, 90)
                pdf.multi_cell(
                    width, 5, f"Source: {c['source']}", new_x="LMARGIN", new_y="NEXT"
                )
                pdf.set_text_color(0, 0, 0)
    header, rows = table(report, wide=False)
    if rows:
        _heading(pdf, table_heading(report))
        pdf.set_font("DejaVu", "", 7)
        with pdf.table(col_widths=None, text_align="RIGHT", line_height=4.5) as t:
            t.row(header)
            for row in rows:
                t.row(row)
    png = angle_plot_png(report)
    if png:
        # Keep the heading with its plot (about 0.6 of the width high).
        if pdf.get_y() + 12 + 0.6 * width > pdf.h - pdf.b_margin:
            pdf.add_page()
        _heading(pdf, "Angles over time")
        pdf.image(io.BytesIO(png), w=width)
    thumbs = report.get("key_frames") or []
    if thumbs:
        if pdf.get_y() + 20 + 0.4 * width > pdf.h - pdf.b_margin:
            pdf.add_page()
        _heading(pdf, "Key frames")
        size = (width - 5) / 2
        y = pdf.get_y()
        for i, k in enumerate(thumbs[:2]):
            x = pdf.l_margin + i * (size + 5)
            info = pdf.image(
                io.BytesIO(base64.b64decode(k["jpeg_base64"])), x=x, y=y, w=size
            )
            pdf.set_xy(x, y + info.rendered_height + 1)
            pdf.set_font("DejaVu", "", 8)
            pdf.cell(size, 4, f"{k['label']}, {k['t_s']} s")
        pdf.ln(8)
    pdf.set_font("DejaVu", "", 7)
    pdf.set_text_color(120, 120, 120)
    pdf.multi_cell(
        width,
        4,
        f"FormCoach {report.get('formcoach_version', '')}, made "
        "offline from report.json.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _heading(pdf: Any, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)


def write_pdf(
    report: dict[str, Any], target: Path, *, overwrite: bool = False, paper: str = "A4"
) -> Path:
    """Write the PDF report atomically."""
    write_bytes_atomic(target, render_pdf(report, paper), overwrite=overwrite)
    return target
