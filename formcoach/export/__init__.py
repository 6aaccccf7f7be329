"""Form reports made from ``report.json`` alone: PDF, HTML and CSV.

No video is re-analysed: everything comes from the report (its summary, reps,
steps, per-frame series, settings and key-frame thumbnails). Every output is
written atomically.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .common import load_report

FORMATS = ("pdf", "html", "csv")


def export(
    report_path: str | Path,
    fmt: str,
    out: str | Path | None = None,
    *,
    overwrite: bool = False,
    paper: str = "A4",
) -> list[Path]:
    """Write ``report_path`` as ``fmt``; returns the files written.

    Raises:
        InputError: Unknown format or unreadable report.
        OutputError: The output exists (without ``overwrite``) or cannot be written.
    """
    if fmt not in FORMATS:
        raise InputError(f"Unknown format '{fmt}'. Choose one of: {', '.join(FORMATS)}")
    report = load_report(report_path)
    target = Path(out) if out else Path(report_path).with_suffix(f".{fmt}")
    if fmt == "csv":
        from .csv_export import write_csv

        return write_csv(report, target, overwrite=overwrite)
    if fmt == "html":
        from .html_export import write_html

        return [write_html(report, target, overwrite=overwrite)]
    from .pdf_export import write_pdf

    return [write_pdf(report, target, overwrite=overwrite, paper=paper)]


__all__ = ["FORMATS", "export", "load_report"]
