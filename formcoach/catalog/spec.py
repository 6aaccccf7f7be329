"""What an exercise declares: its cues, rules, table columns and plots.

The declarations are plain data with no dependency on the pose model, so the
report exports, history, plan and pages read them without loading MediaPipe,
and ``formcoach rules`` prints them with the thresholds' values and sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..results import Column, Cue, PlotSpec, Rule


@dataclass(frozen=True)
class ExerciseSpec:
    """One workout as the rest of FormCoach sees it.

    Attributes:
        name: The CLI name (``reverse-lunge``).
        title: For people (``Reverse lunge``).
        section: The config table of its thresholds.
        checks: One line on what is checked (``formcoach exercises``).
        rules: Every cue the coach can raise, with its condition and thresholds.
        rep_columns: Columns of its ``reps`` rows.
        step_columns: Columns of its ``steps`` rows.
        plots: Per-frame plots for reports and pages.
        valid_views: Camera views in which the checks hold.
        standing: Done standing (camera tilt can be measured from the legs).
        counts: What the plan counts as work done: ``reps``, ``steps`` or
            ``minutes``.
    """

    name: str
    title: str
    section: str
    checks: str
    rules: tuple[Rule, ...]
    rep_columns: tuple[Column, ...] = ()
    step_columns: tuple[Column, ...] = ()
    plots: tuple[PlotSpec, ...] = ()
    valid_views: tuple[str, ...] = ("side", "front", "oblique")
    standing: bool = True
    counts: str = "reps"

    @property
    def cues(self) -> tuple[Cue, ...]:
        """The cues of :attr:`rules`, in order."""
        return tuple(dict.fromkeys(rule.cue for rule in self.rules))

    def cue(self, code: str) -> Cue | None:
        """The cue with this code, if the exercise has it."""
        return next((c for c in self.cues if c.code == code), None)

    def threshold_key(self, key: str) -> str:
        """A rule's threshold key made absolute (``section.key``)."""
        return key if "." in key else f"{self.section}.{key}"
