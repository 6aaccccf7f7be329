"""CSV: one row per rep or step with every metric, plus per-frame angles."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..outputs import write_bytes_atomic
from .common import columns, table_rows


def csv_bytes(rows: list[dict[str, Any]], fields: list[str] | None = None) -> bytes:
    """CSV text of ``rows``: ``fields`` first, then any other key in the rows.

    With no rows the header alone is written.
    """
    buf = io.StringIO()
    fields = list(fields or [])
    for row in rows:
        fields += [k for k in row if k not in fields]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue().encode()


def _cell(value: Any) -> Any:
    if isinstance(value, list):  # the rep's cues
        return "; ".join(
            c.get("code", "") if isinstance(c, dict) else str(c) for c in value
        )
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return "" if value is None else value


def write_csv(
    report: dict[str, Any], target: Path, *, overwrite: bool = False
) -> list[Path]:
    """Write ``target`` (reps or steps) and ``<target stem>.frames.csv``."""
    series = report.get("series") or {}
    frames = [
        {key: values[i] for key, values in series.items()}
        for i in range(len(series.get("t_s", [])))
    ]
    frames_path = target.with_name(f"{target.stem}.frames.csv")
    write_bytes_atomic(target, items_csv_bytes(report), overwrite=overwrite)
    write_bytes_atomic(frames_path, csv_bytes(frames), overwrite=overwrite)
    return [target, frames_path]


def items_csv_bytes(report: dict[str, Any]) -> bytes:
    """The reps (or steps) as CSV: the declared columns first, then the rest.

    A report without reps or steps still gets its header row.
    """
    return csv_bytes(table_rows(report), [c.key for c in columns(report)])
