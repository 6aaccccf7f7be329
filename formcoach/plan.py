"""The 4-week reverse-training plan: this week's sessions, what is done, what next.

The plan is data (``formcoach/config/plan.toml``; any TOML of the same layout
can be loaded). Done sessions are matched from the history: a saved session of
the plan entry's exercise dated within that plan week. The progression hint
reads the measured form of the recent sessions, e.g. do not add weight to
lunges while safety or form cues (landing, knee, trunk, balance) persist.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .catalog import SPECS
from .errors import InputError
from .history import History, Session

#: Cue severities that say "not ready to progress" while they persist.
HOLD_BACK_SEVERITIES = ("safety", "form")


def hold_back_codes(exercise: str) -> set[str]:
    """The exercise's safety and form cues (from its declared rules)."""
    spec = SPECS.get(exercise)
    if spec is None:
        return set()
    return {c.code for c in spec.cues if c.severity in HOLD_BACK_SEVERITIES}


@dataclass(frozen=True)
class PlanItem:
    """One kind of session in a plan week."""

    exercise: str
    what: str
    per_week: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanWeek:
    """A week of the plan."""

    week: int
    focus: str
    items: tuple[PlanItem, ...]


@dataclass(frozen=True)
class Plan:
    """A training plan."""

    name: str
    weeks: tuple[PlanWeek, ...]


def load_plan(path: str | Path | None = None) -> Plan:
    """The default plan, or one from a TOML file.

    Raises:
        InputError: The file is missing, not TOML, or names an unknown exercise.
    """
    try:
        if path is None:
            text = resources.files("formcoach.config").joinpath("plan.toml").read_text()
            data = tomllib.loads(text)
        else:
            data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise InputError(f"Plan file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"Plan file {path} is not valid TOML: {exc}") from exc
    weeks = []
    for w in data.get("weeks", []):
        items = []
        for s in w.get("sessions", []):
            if s.get("exercise") not in SPECS:
                known = ", ".join(SPECS)
                raise InputError(
                    f"Plan week {w.get('week')}: unknown exercise "
                    f"'{s.get('exercise')}'. Known: {known}"
                )
            details = {
                k: v for k, v in s.items() if k not in ("exercise", "what", "per_week")
            }
            items.append(
                PlanItem(
                    s["exercise"],
                    s.get("what", s["exercise"]),
                    int(s.get("per_week", 1)),
                    details,
                )
            )
        weeks.append(PlanWeek(int(w["week"]), w.get("focus", ""), tuple(items)))
    if not weeks:
        raise InputError(f"Plan {path or 'default'} has no weeks")
    return Plan(data.get("name", "Plan"), tuple(sorted(weeks, key=lambda w: w.week)))


@dataclass
class ItemStatus:
    """Progress on one plan item this week."""

    item: PlanItem
    done: int
    sessions: list[Session]

    @property
    def remaining(self) -> int:
        """Sessions still to do this week."""
        return max(0, self.item.per_week - self.done)


@dataclass
class WeekStatus:
    """Where the user is in the plan."""

    week: PlanWeek | None
    week_start: dt.date
    items: list[ItemStatus]
    hints: list[str]
    finished: bool = False

    def next_session(self) -> PlanItem | None:
        """The item with the most sessions left."""
        open_items = [s for s in self.items if s.remaining > 0]
        return max(open_items, key=lambda s: s.remaining).item if open_items else None


def _day(session: Session) -> dt.date:
    return dt.datetime.fromisoformat(session.created_at).date()


def week_status(
    plan: Plan, start: dt.date, history: History, today: dt.date | None = None
) -> WeekStatus:
    """This week's sessions, what is done (from history) and progression hints."""
    today = today or dt.date.today()
    index = (today - start).days // 7
    week_start = start + dt.timedelta(days=7 * max(index, 0))
    if index < 0:
        return WeekStatus(None, start, [], [f"The plan starts on {start.isoformat()}."])
    if index >= len(plan.weeks):
        return WeekStatus(
            None, week_start, [], ["The plan is complete: well done."], finished=True
        )
    week = plan.weeks[index]
    week_end = week_start + dt.timedelta(days=7)
    items = []
    for item in week.items:
        done = [
            s
            for s in history.sessions(item.exercise)
            if week_start <= _day(s) < week_end and work_done(item, s)
        ]
        items.append(ItemStatus(item, len(done), done))
    return WeekStatus(week, week_start, items, progression_hints(week, history))


def work_done(item: PlanItem, session: Session) -> bool:
    """Whether a saved session did the plan item's work, as measured.

    A session counts when what was measured reaches one unit of the
    prescription: the item's lowest ``minutes`` of activity, one set of
    ``reps_per_leg`` complete reps (either leg) or of ``reps`` steps (band
    walks), ``seconds`` of one drill set, or one interval of ``metres`` (about
    a step per metre running backward). An item with no prescription needs
    some measured reps or steps. A lunge video with 0 reps does not count.
    """
    d = item.details
    steps = session.step_count or 0
    reps = session.rep_count or 0
    duration = session.duration_s or 0.0
    if "minutes" in d:
        return duration >= 60.0 * float(min(d["minutes"])) and session.measured
    if "reps_per_leg" in d:
        return reps >= int(d["reps_per_leg"])
    if "seconds" in d:
        return duration >= float(d["seconds"]) and steps > 0
    if "metres" in d:
        return steps >= int(d["metres"])
    if "reps" in d:
        return steps >= int(d["reps"]) or reps >= int(d["reps"])
    return session.measured


def progression_hints(week: PlanWeek, history: History) -> list[str]:
    """Advice from measured form before this week's harder variants.

    Only sessions with measured reps or steps speak for the form: a clip in
    which nothing was counted says nothing about readiness.
    """
    hints = []
    for item in week.items:
        recent = [s for s in history.sessions(item.exercise) if s.measured][:3]
        if not recent:
            if item.details.get("variant") in ("weighted", "heavier band", "intervals"):
                hints.append(
                    f"{item.what}: no earlier {item.exercise} session measured yet; "
                    "start with the easier version and film it first."
                )
            continue
        persisting = (
            set.intersection(*(set(s.cues) for s in recent))
            if len(recent) > 1
            else set(recent[0].cues)
        )
        bad = persisting & hold_back_codes(item.exercise)
        if bad and item.details.get("variant") in (
            "weighted",
            "heavier band",
            "intervals",
        ):
            hints.append(
                f"{item.what}: hold off on adding load; these cues persist in your "
                f"recent sessions: {', '.join(sorted(bad))}."
            )
        elif bad:
            hints.append(f"{item.what}: keep working on {', '.join(sorted(bad))}.")
        elif all(
            s.score is not None and s.score >= 85 for s in recent if s.score is not None
        ):
            hints.append(
                f"{item.what}: form looks solid in recent sessions; ready to progress."
            )
    return hints
