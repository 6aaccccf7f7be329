"""CSV: one row per rep or step with every metric, plus per-frame angles."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..outputs import write_bytes_atomic
from .common import REP_FIELDS, STEP_FIELDS


def csv_bytes(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    """CSV text: ``columns`` first, then every other key of the rows."""
    buf = io.StringIO()
    fields: list[str] = list(columns or [])
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


def items_csv_bytes(report: dict[str, Any]) -> bytes:
    """The reps (or steps) as CSV; just the header row when there are none."""
    items = report.get("reps") or report.get("steps") or []
    # No reps or steps (e.g. a front view): the columns of the report's
    # per-rep (or per-step) table.
    return csv_bytes(items, None if items else _table_columns(report))


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


def _table_columns(report: dict[str, Any]) -> list[str]:
    steps = "step_count" in (report.get("summary") or {})
    return [key for key, _, _ in (STEP_FIELDS if steps else REP_FIELDS)]
