"""What every exercise coach provides, and the types they hand out.

A coach is a small state machine fed one smoothed :class:`~formcoach.pose.PoseFrame`
at a time, in time order. The same coach serves offline analysis (fed
zero-phase-filtered frames) and live coaching (fed One-Euro-filtered frames),
so there is one implementation of every rule. Coaches never touch Streamlit
or files; they count time from ``timestamp_ms``, never frames, because the live
path drops frames.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ..pose import PoseFrame
from ..results import (
    Column,
    Cue,
    ExerciseResult,
    FrameFeedback,
    PlotSpec,
    Rule,
)
from ..settings import Config


def cue_table(
    prefix: str, entries: list[tuple[str, str, str, str, str]]
) -> dict[str, Cue]:
    """Deprecated: builds codes at run time. Declare each :class:`Cue` literally."""
    return {
        name: Cue(f"{prefix}.{name}", message, severity, explanation, source)  # type: ignore[arg-type]
        for name, message, severity, explanation, source in entries
    }


class ExerciseCoach(ABC):
    """Base class of the exercise coaches (one file per workout).

    Subclasses set ``name`` (the CLI name) and ``title`` and implement
    :meth:`update` and :meth:`finish`.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    #: One line on what the coach checks (``formcoach exercises``).
    checks: ClassVar[str] = ""
    #: Views in which this coach's checks are valid.
    valid_views: ClassVar[tuple[str, ...]] = ("side", "front", "oblique")
    #: Done standing (legs vertical on average): camera tilt can be measured.
    standing: ClassVar[bool] = True

    #: The config table of this coach's thresholds.
    section: ClassVar[str] = ""

    #: The coach's rules as data: cue -> condition -> threshold keys.
    rules: ClassVar[tuple[Rule, ...]] = ()
    #: Columns of its ``reps`` rows and of its ``steps`` rows.
    rep_columns: ClassVar[tuple[Column, ...]] = ()
    step_columns: ClassVar[tuple[Column, ...]] = ()
    #: Per-frame plots for reports and pages.
    plots: ClassVar[tuple[PlotSpec, ...]] = ()

    def __init__(self, config: Config):
        self.config = config

    @property
    def smoothing_cutoff_hz(self) -> float:
        """Low-pass cut-off for offline smoothing of this workout's landmarks.

        Fast movements (running, shuffles) need a higher cut-off than walking
        and lunges, or the filter rounds off the moment a foot lands.
        """
        key = f"{self.section}.smoothing_cutoff_hz"
        try:
            return float(self.config.get(key))
        except KeyError:
            return float(self.config.get("smoothing.butterworth_cutoff_hz"))

    @abstractmethod
    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Take the next frame and say what to show for it."""

    def live_rows(self) -> list[dict[str, Any]]:
        """The reps (or steps) recorded so far, as report rows, for live tables."""
        return []

    @abstractmethod
    def finish(self) -> ExerciseResult:
        """Close the set: partial reps, summary, warnings."""
