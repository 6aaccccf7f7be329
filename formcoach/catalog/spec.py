"""What an exercise declares: its cues, rules, table columns and plots.

The declarations are plain data with no dependency on the pose model, so the
report exports, history, plan and pages read them without loading MediaPipe,
and ``formcoach rules`` prints them with the thresholds' values and sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..results import Column, Cue, PlotSpec, Rule

#: How the pages name each camera view.
VIEW_NAMES: dict[str, str] = {
    "side": "from the side",
    "front": "from the front (or back)",
    "oblique": "from 3/4",
}


@dataclass(frozen=True)
class ViewNote:
    """What one camera view shows of a workout (the pages and setup check say it).

    Attributes:
        measured: What is measured from this view.
        not_measured: What is not (reported as "unknown"), or ``""``.
    """

    measured: str
    not_measured: str = ""


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
        view_notes: Per view (``side``, ``front``, ``oblique``), what is and
            is not measured from it; :meth:`view_message` says it.
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
    view_notes: dict[str, ViewNote] = field(default_factory=dict, hash=False)
    standing: bool = True
    counts: str = "reps"

    def view_message(self, view: str) -> str:
        """What this view shows of the workout, in one or two sentences.

        Args:
            view: ``side``, ``front``, ``oblique`` or ``unknown``.

        Returns:
            E.g. "Seen from the side: reps, depth ... Not measurable from
            here: knees collapsing inward ...", or, for a view the checks do
            not hold in, which views they need.
        """
        if view not in VIEW_NAMES:
            return "No one seen yet: step into the picture, whole body in view."
        seen = f"Seen {VIEW_NAMES[view]}"
        note = self.view_notes.get(view)
        best = " or ".join(VIEW_NAMES[v] for v in self.valid_views if v in VIEW_NAMES)
        if note is None:
            if view in self.valid_views:
                return f"{seen}: {self.checks}."
            return f"{seen}: {self.title.lower()} is judged {best}; turn the camera."
        text = f"{seen}: {note.measured}."
        if note.not_measured:
            text += f" Not measurable from here: {note.not_measured}."
        if view not in self.valid_views:
            text += f" Best {best}."
        return text

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
