"""What every report format shares: loading, tables, plots, wording."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from ..catalog import spec_for
from ..errors import InputError
from ..results import Column, PlotSpec
from ..slow_imports import import_fresh


def load_report(path: str | Path) -> dict[str, Any]:
    """Read and check a ``report.json``.

    Raises:
        InputError: Missing, not JSON, or not a FormCoach report of schema 1.
    """
    path = Path(path)
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise InputError(f"Report not found: {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not a readable report.json ({exc})") from exc
    if not isinstance(report, dict) or report.get("schema_version") not in (1, 2):
        raise InputError(f"{path} is not a FormCoach report (schema version 1 or 2)")
    return report


def title(report: dict[str, Any]) -> str:
    """E.g. "Reverse lunge: form report"."""
    spec = spec_for(str(report.get("exercise", "")))
    if report.get("segments") is not None:
        name = "Whole session"
    else:
        name = spec.title if spec else str(report.get("exercise", "Workout"))
    return f"{name}: form report"


def summary_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    """Headline figures as (label, value) pairs."""
    s = report.get("summary", {})
    v = report.get("video", {})
    lines = [
        ("Date", str(report.get("generated_at", ""))[:10]),
        ("Exercise", str(report.get("exercise", ""))),
        ("Preset", str(report.get("preset", ""))),
        ("Video", f"{Path(str(v.get('path', ''))).name}, {v.get('duration_s')} s"),
        ("Camera view", str(report.get("view", ""))),
        ("Pose found", f"{(report.get('pose_coverage') or 0):.0%} of frames"),
    ]
    if "segment_count" in s:
        titles = {
            seg["exercise"]: seg.get("title", seg["exercise"])
            for seg in report.get("segments") or []
            if "summary" in seg
        }
        lines += [
            ("Workouts found", ", ".join(titles.values()) or "none"),
            ("Time in them", f"{s.get('duration_s')} s"),
        ]
    if "rep_count" in s:
        lines += [
            ("Reps (complete)", str(s.get("rep_count"))),
            ("Partial reps", str(s.get("partial_reps"))),
            (
                "Per leg",
                f"left {s.get('reps_left')}, right {s.get('reps_right')}, "
                f"unknown {s.get('reps_unknown_leg')}",
            ),
            ("Score", "-" if s.get("score") is None else str(s.get("score"))),
            ("Movement", str(s.get("movement"))),
        ]
    if "step_count" in s:
        share = s.get("ball_landing_share")
        lines += [
            ("Steps", str(s.get("step_count"))),
            ("Cadence", f"{s.get('cadence_spm')} steps/min"),
            ("Ball-of-foot landings", "-" if share is None else f"{share:.0%}"),
            ("Direction", str(s.get("direction_of_travel"))),
        ]
    return lines


#: The columns of a whole session's timeline (report.json version 2).
SEGMENT_COLUMNS: tuple[Column, ...] = (
    Column("start_s", "Start", "s", 1),
    Column("end_s", "End", "s", 1),
    Column("exercise", "Workout"),
    Column("confidence", "Sure", "", 2),
    Column("reps", "Reps"),
    Column("steps", "Steps"),
    Column("score", "Score"),
)


def segment_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per bout of a whole-session report."""
    rows = []
    for seg in report.get("segments") or []:
        s = seg.get("summary") or {}
        rows.append(
            {
                "start_s": seg.get("start_s"),
                "end_s": seg.get("end_s"),
                "exercise": seg.get("exercise"),
                "confidence": seg.get("confidence"),
                "reps": s.get("rep_count", s.get("revolutions", s.get("strokes"))),
                "steps": s.get("step_count"),
                "score": s.get("score"),
            }
        )
    return rows


def rows_kind(report: dict[str, Any]) -> str:
    """``"segments"``, ``"reps"`` or ``"steps"``: what the report's table shows."""
    if report.get("segments") is not None:
        return "segments"
    spec = spec_for(str(report.get("exercise", "")))
    if report.get("reps") or (spec and spec.rep_columns and not report.get("steps")):
        return "reps"
    return "steps"


def columns(report: dict[str, Any], *, wide: bool = True) -> tuple[Column, ...]:
    """The declared columns of the report's rows (its exercise's spec).

    Args:
        report: A report.json dict.
        wide: Include the columns only shown where there is room (CSV, HTML,
            the pages); the PDF leaves them out.
    """
    kind = rows_kind(report)
    if kind == "segments":
        return SEGMENT_COLUMNS
    spec = spec_for(str(report.get("exercise", "")))
    declared = (
        (spec.rep_columns if kind == "reps" else spec.step_columns) if spec else ()
    )
    if not declared:
        # An exercise this version does not know: show the rows as they are.
        keys: list[str] = []
        for row in report.get(kind) or []:
            keys += [k for k in row if k not in keys]
        declared = tuple(Column(k, k) for k in keys)
    return tuple(c for c in declared if wide or not c.wide)


def table(
    report: dict[str, Any], *, wide: bool = True
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the per-rep (or per-step) table, as text."""
    items = table_rows(report)
    if not items:
        return [], []
    cols = columns(report, wide=wide)
    return [c.header for c in cols], [[c.format(row) for c in cols] for row in items]


def table_heading(report: dict[str, Any]) -> str:
    """The heading over the report's table."""
    return {"segments": "Timeline: the workouts found", "reps": "Reps"}.get(
        rows_kind(report), "Steps"
    )


def table_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the report's table (bouts, reps or steps)."""
    kind = rows_kind(report)
    return segment_rows(report) if kind == "segments" else report.get(kind) or []


def config_value(report: dict[str, Any], key: str) -> float | None:
    """A number from the settings the report used (``a.b.c``), or None."""
    node: Any = report.get("config", {})
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) else None


def plots(report: dict[str, Any]) -> list[tuple[PlotSpec, dict[str, float]]]:
    """The exercise's declared plots, each with its threshold values."""
    spec = spec_for(str(report.get("exercise", "")))
    out = []
    for plot in spec.plots if spec else ():
        lines = {
            label: value
            for label, key in plot.thresholds
            if (value := config_value(report, spec.threshold_key(key))) is not None
        }
        out.append((plot, lines))
    return out


def angle_plot_png(report: dict[str, Any], width_in: float = 7.0) -> bytes | None:
    """The exercise's declared plots, with their thresholds, as PNG bytes."""
    series = report.get("series") or {}
    t = series.get("t_s") or []
    chosen = plots(report)
    if not t or not chosen:
        return None
    # Afresh: a page's export may follow an import another thread had stopped.
    matplotlib = import_fresh("matplotlib")
    matplotlib.use("Agg")
    plt = import_fresh("matplotlib.pyplot")

    fig, axes = plt.subplots(
        len(chosen), 1, figsize=(width_in, 2.1 * len(chosen)), sharex=True, dpi=110
    )
    axes = [axes] if len(chosen) == 1 else list(axes)
    nan = float("nan")
    for ax, (plot, lines) in zip(axes, chosen, strict=True):
        for key, label in plot.series:
            values = [nan if v is None else v for v in series.get(key, [])]
            if len(values) == len(t):
                ax.plot(t, values, label=label)
        for label, value in lines.items():
            ax.axhline(value, color="0.4", linestyle="--", linewidth=0.8)
            ax.text(
                t[0], value, f" {label} {value:.0f}", va="bottom", fontsize=7,
                color="0.3",
            )  # fmt: skip
        ax.set_ylabel(f"{plot.title.lower()} ({plot.unit})", fontsize=8)
        if len(plot.series) > 1:
            ax.legend(loc="lower right", fontsize=7)
        for rep in report.get("reps", []):
            if rep.get("bottom_s") is not None:
                ax.axvline(rep["bottom_s"], color="tab:red", alpha=0.25, linewidth=1)
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
