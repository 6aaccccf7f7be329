"""What every report format shares: loading, tables, plots, wording."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from ..errors import InputError

# (key in the report, short label, unit): the PDF's columns are narrow, so a
# label is at most one short word or two, and the unit goes in brackets below.
REP_FIELDS = [
    ("index", "#", ""),
    ("stepping_leg", "leg", ""),
    ("direction", "dir", ""),
    ("complete", "full", ""),
    ("score", "score", ""),
    ("front_knee_angle_deg", "front knee", "deg"),
    ("back_knee_angle_deg", "back knee", "deg"),
    ("back_knee_to_floor", "knee to floor", "legs"),
    ("torso_lean_deg", "trunk", "deg"),
    ("rear_foot_landing", "rear foot", ""),
    ("knee_past_toes", "knee past toes", ""),
    ("descent_s", "down", "s"),
    ("bottom_s", "bottom", "s"),
]
STEP_FIELDS = [
    ("t_s", "time", "s"),
    ("foot", "foot", ""),
    ("landing", "landing", ""),
    ("pitch", "pitch", ""),
    ("step_length_leg_lengths", "step", "legs"),
]


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
    if not isinstance(report, dict) or report.get("schema_version") != 1:
        raise InputError(f"{path} is not a FormCoach report (schema version 1)")
    return report


def title(report: dict[str, Any]) -> str:
    """E.g. "Reverse lunge: form report"."""
    from ..exercises import EXERCISES

    cls = EXERCISES.get(report.get("exercise", ""))
    name = cls.title if cls else str(report.get("exercise", "Workout"))
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


def table(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the per-rep (or per-step) table, as text."""
    if report.get("reps"):
        fields, items = REP_FIELDS, report["reps"]
    elif report.get("steps"):
        fields, items = STEP_FIELDS, report["steps"]
    else:
        return [], []
    header = [f"{label} ({unit})" if unit else label for _, label, unit in fields]
    rows = [[_fmt(item.get(key)) for key, _, _ in fields] for item in items]
    return header, rows


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def thresholds_for_plot(report: dict[str, Any]) -> dict[str, float]:
    """Threshold lines for the angle plot, from the settings the report used."""
    cfg = report.get("config", {}).get("exercises", {})
    lines: dict[str, float] = {}
    lunge = (
        cfg.get("reverse_lunge", {})
        if report.get("exercise") == "reverse-lunge"
        else {}
    )
    if lunge:
        lines["front knee min"] = lunge.get("front_knee_min_deg")
        lines["front knee max"] = lunge.get("front_knee_max_deg")
    return {k: v for k, v in lines.items() if isinstance(v, int | float)}


def angle_plot_png(report: dict[str, Any], width_in: float = 7.0) -> bytes | None:
    """Knee angles and trunk lean over time, with the thresholds, as PNG bytes."""
    series = report.get("series") or {}
    t = series.get("t_s") or []
    if not t:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(width_in, 4.2), sharex=True, dpi=110)
    nan = float("nan")
    for key, label in (
        ("left_knee_deg", "left knee"),
        ("right_knee_deg", "right knee"),
    ):
        ax1.plot(t, [nan if v is None else v for v in series.get(key, [])], label=label)
    for label, value in thresholds_for_plot(report).items():
        ax1.axhline(value, color="0.4", linestyle="--", linewidth=0.8)
        ax1.text(
            t[0], value, f" {label} {value:.0f}", va="bottom", fontsize=7, color="0.3"
        )
    ax1.set_ylabel("knee angle (deg)")
    ax1.legend(loc="lower right", fontsize=7)
    lean = [nan if v is None else v for v in series.get("trunk_lean_deg", [])]
    ax2.plot(t, lean, color="tab:green", label="trunk lean")
    cfg = report.get("config", {}).get("exercises", {}).get("reverse_lunge", {})
    if report.get("exercise") == "reverse-lunge" and "torso_lean_max_deg" in cfg:
        ax2.axhline(
            cfg["torso_lean_max_deg"], color="0.4", linestyle="--", linewidth=0.8
        )
    ax2.set_ylabel("trunk from vertical (deg)")
    ax2.set_xlabel("time (s)")
    for rep in report.get("reps", []):
        if rep.get("bottom_s") is not None:
            for ax in (ax1, ax2):
                ax.axvline(rep["bottom_s"], color="tab:red", alpha=0.25, linewidth=1)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
