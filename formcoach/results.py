"""The typed results every layer after the pose model hands on.

Data flows one way: frame → pose → measures → **rules → these records** →
report, exports, history, pages. This module depends on nothing in the
project (standard library only), so any layer may import it without cycles.

A coach *declares* what it produces, as data:

* :class:`Cue`: a message with a literal code (``"lunge.too_shallow"``),
  severity, explanation and source.
* :class:`Rule`: cue → the condition in words → the config keys of its
  thresholds. ``formcoach rules`` prints these with the values and sources
  from the config, and the docs are checked against them.
* :class:`Column`: a per-rep or per-step field as tables show it (short label,
  unit, decimals). CSV, HTML, PDF, the upload page and the live page all read
  the same declaration.
* :class:`PlotSpec`: which per-frame series a report plots and which
  thresholds it draws.

Measures stay unrounded while rules run on them; :func:`rounded` and
:meth:`Column.format` round once, when the report is written or shown.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["safety", "form", "advice", "good"]

#: Cue priority: safety first, then form faults, then advice, then praise.
SEVERITY_RANK: dict[str, int] = {"safety": 0, "form": 1, "advice": 2, "good": 3}

#: Points a cue costs a rep's score (100 minus these, floored at 0).
SCORE_PENALTY: dict[str, int] = {"safety": 25, "form": 15, "advice": 5, "good": 0}


def rounded(value: float | None, digits: int = 2) -> float | None:
    """``value`` rounded, or None for None/NaN/inf (JSON has no NaN)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


@dataclass(frozen=True)
class Cue:
    """One coaching message.

    Attributes:
        code: Stable identifier (``"lunge.heel_landing"``) for reports and history.
        message: Short imperative shown to the user ("Land on the ball of your foot").
        severity: ``safety``, ``form``, ``advice`` or ``good``.
        explanation: Why it matters, for reports.
        source: Where the rule comes from.
    """

    code: str
    message: str
    severity: Severity
    explanation: str = ""
    source: str = ""

    def as_dict(self) -> dict[str, str]:
        """Plain dict for JSON."""
        return asdict(self)

    def brief(self) -> dict[str, str]:
        """Code, message and severity: how a rep lists its cues."""
        return {"code": self.code, "message": self.message, "severity": self.severity}


def by_severity(cues: Iterable[Cue]) -> list[Cue]:
    """``cues`` without repeats, safety first (stable within a severity)."""
    unique = list(dict.fromkeys(cues))
    return sorted(unique, key=lambda c: SEVERITY_RANK[c.severity])


def score(cues: Iterable[Cue]) -> int:
    """100 minus :data:`SCORE_PENALTY` per cue, floored at 0."""
    return max(0, 100 - sum(SCORE_PENALTY[c.severity] for c in cues))


@dataclass(frozen=True)
class InputWarning:
    """Something about the input or the set as a whole worth knowing.

    Attributes:
        code: Stable identifier (``"pose.low_coverage"``).
        message: One or two sentences for the user, saying what to do.
        t_s: When it happened, or None for the whole clip.
    """

    code: str
    message: str
    t_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """``{code, message, t_s}`` for report.json."""
        return {"code": self.code, "message": self.message, "t_s": rounded(self.t_s, 3)}

    def within(self, context: str) -> InputWarning:
        """The same warning, its message prefixed with where it arose."""
        return dataclasses.replace(self, message=f"{context}: {self.message}")


@dataclass(frozen=True)
class Rule:
    """A coach's rule, declared as data.

    Attributes:
        cue: The cue the rule raises (its code leads here in one hop).
        when: The condition in words, naming its thresholds.
        thresholds: Config keys of the thresholds, relative to the coach's
            section (``"front_knee_max_deg"``) or absolute (``"analysis.x"``).
        scope: What the rule judges: a ``rep``, a ``step``, the whole ``set``,
            or a ``frame`` as it comes.
        check: ``check(measures, settings) -> bool``, the condition itself, on
            unrounded measures (a comparison with NaN is False, so a measure
            that could not be taken raises nothing). None where the coach
            decides inside its own algorithm (said in ``when``).
        live: Also shown while it happens, not only in the rep's verdict.
    """

    cue: Cue
    when: str
    thresholds: tuple[str, ...] = ()
    scope: Literal["rep", "step", "set", "live", "frame"] = "rep"
    check: Callable[[Any, Any], bool] | None = field(
        default=None, compare=False, repr=False
    )
    live: bool = False

    def fires(self, measures: Any, settings: Any) -> bool:
        """True when the rule's condition holds for these measures."""
        if self.check is None:
            raise TypeError(f"rule {self.cue.code} has no check function")
        return bool(self.check(measures, settings))


def raised(rules: Iterable[Rule], measures: Any, settings: Any) -> list[Cue]:
    """The cues of the ``rules`` whose condition holds, in rule order."""
    return [r.cue for r in rules if r.fires(measures, settings)]


def fired(rules: Iterable[Rule], measures: Any, settings: Any) -> list[Cue]:
    """The cues of the ``rules`` whose condition holds, safety first."""
    return by_severity(raised(rules, measures, settings))


@dataclass(frozen=True)
class Column:
    """A per-rep or per-step field as a table shows it.

    Attributes:
        key: The field in report.json's ``reps`` / ``steps`` rows.
        label: A short header (no word longer than the values under it).
        unit: The unit, shown under the label ("deg", "s", "leg").
        digits: Decimals for numbers; None shows the value as it is.
        wide: Shown only where there is room (CSV, HTML), not in the PDF.
    """

    key: str
    label: str
    unit: str = ""
    digits: int | None = None
    wide: bool = False

    @property
    def header(self) -> str:
        """``label (unit)``, or the label alone."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def format(self, row: Mapping[str, Any]) -> str:
        """The cell text for one row ("-" when missing)."""
        value = row.get(self.key)
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float) and self.digits is not None:
            if not math.isfinite(value):
                return "-"
            return f"{value:.{self.digits}f}"
        if isinstance(value, list):
            return "; ".join(
                v.get("message", str(v)) if isinstance(v, dict) else str(v)
                for v in value
            )
        return str(value)


def measure(digits: int | None = 3) -> Any:
    """A float field of a record, rounded to ``digits`` in the report."""
    return field(default=math.nan, metadata={"digits": digits})


def report_row(record: Any) -> dict[str, Any]:
    """A record dataclass as a report row: floats rounded once, NaN → None.

    Each float field is rounded to its ``digits`` metadata (see
    :func:`measure`; 3 when not declared); other values pass as they are.
    """
    row: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, float):
            value = rounded(value, f.metadata.get("digits", 3))
        row[f.name] = value
    return row


@dataclass(frozen=True)
class PlotSpec:
    """A per-frame plot in reports and pages.

    Attributes:
        title: Plot title.
        series: Keys of report.json's ``series`` to draw (with their labels).
        unit: The y axis unit.
        thresholds: ``(label, config key)`` lines drawn across the plot.
    """

    title: str
    series: tuple[tuple[str, str], ...]
    unit: str = "deg"
    thresholds: tuple[tuple[str, str], ...] = ()


@dataclass
class FrameFeedback:
    """What a coach says about one frame (drawn on video, shown live).

    Attributes:
        phase: Current movement phase ("standing", "bottom", ...), "" if none.
        counter: Rep/step counter text for the overlay.
        angles: Angle labels to draw: name -> (landmark index to draw at, degrees).
        cue: The one cue to show now, if any.
        events: Things that happened on this frame ("rep", "contact:left:ball").
        view: Camera view the coach believes in ("side", "front", ...).
    """

    phase: str = ""
    counter: str = ""
    angles: dict[str, tuple[int, float]] = field(default_factory=dict)
    cue: Cue | None = None
    events: list[str] = field(default_factory=list)
    view: str = "unknown"


@dataclass
class ExerciseResult:
    """What a coach concludes about a whole set (fills report.json).

    Attributes:
        summary: Set-level figures (counts, score, top cues ...).
        reps: One row per rep, already in report form.
        steps: One row per foot contact (locomotion coaches).
        warnings: About the set (fatigue, view ...), not the input.
    """

    summary: dict[str, Any] = field(default_factory=dict)
    reps: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)

    def as_report(self) -> dict[str, Any]:
        """``{summary, reps, steps, warnings}`` as report.json holds them."""
        return {
            "summary": self.summary,
            "reps": self.reps,
            "steps": self.steps,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def top_cues(
    counted: Mapping[Cue, int] | Sequence[Cue], limit: int = 3
) -> list[dict[str, Any]]:
    """The most frequent cues as report rows (``{code, message, ..., count}``).

    Args:
        counted: Cue → how often, or a plain sequence (each counted once,
            order kept).
        limit: How many to keep.
    """
    if not isinstance(counted, Mapping):
        counted = dict.fromkeys(counted, 1)
    ranked = sorted(
        counted.items(), key=lambda kv: (-kv[1], SEVERITY_RANK[kv[0].severity])
    )
    return [{**cue.as_dict(), "count": n} for cue, n in ranked[:limit]]


def rows_for(
    columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]
) -> list[list[str]]:
    """Table cells: one list of formatted strings per row."""
    return [[c.format(row) for c in columns] for row in rows]


def session_summary(segments: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The summary of a whole session from its ``segments`` (report version 2).

    Counts the coached bouts, lists their workouts in order of appearance,
    adds up their time and merges their top cues (most frequent first).
    """
    coached = [s for s in segments if "summary" in s]
    return {
        "segment_count": len(coached),
        "exercises": list(dict.fromkeys(s["exercise"] for s in coached)),
        "duration_s": round(sum(s["end_s"] - s["start_s"] for s in coached), 2),
        "top_cues": merge_top_cues(s["summary"] for s in coached),
    }


def merge_top_cues(
    summaries: Iterable[Mapping[str, Any]], limit: int = 3
) -> list[dict[str, Any]]:
    """Several summaries' ``top_cues`` merged: counts added, most frequent first."""
    merged: dict[str, dict[str, Any]] = {}
    for summary in summaries:
        for row in summary.get("top_cues") or []:
            entry = merged.setdefault(row["code"], {**row, "count": 0})
            entry["count"] += int(row.get("count", 1))
    ranked = sorted(
        merged.values(),
        key=lambda r: (-r["count"], SEVERITY_RANK.get(str(r.get("severity")), 9)),
    )
    return ranked[:limit]
