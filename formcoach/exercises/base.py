"""What every exercise coach provides, and the types they hand out.

A coach is a small state machine fed one smoothed :class:`~formcoach.pose.PoseFrame`
at a time, in time order. The same coach serves offline analysis (fed
zero-phase-filtered frames) and live coaching (fed One-Euro-filtered frames),
so there is one implementation of every rule. Coaches never touch Streamlit
or files; they count time from ``timestamp_ms``, never frames, because the live
path drops frames.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from .. import body
from ..feedback import CueScheduler
from ..landmarks import Landmark as L
from ..pose import PoseFrame
from ..results import (
    Column,
    Cue,
    ExerciseResult,
    FrameFeedback,
    PlotSpec,
    Rule,
    top_cues,
)
from ..settings import Config

T = TypeVar("T")


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
    #: Mend the model's short leg swaps and glitches before offline
    #: smoothing (:mod:`formcoach.leg_mending`). Measured on lunges; gait
    #: and pedalling follow the feet without their labels, and a foot going
    #: round a crank at 15 fps moves like a glitch.
    mends_legs: ClassVar[bool] = False

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

    @property
    def coaching(self) -> str:
        """The workout being coached now (its name)."""
        return self.name

    def live_rows(self) -> list[dict[str, Any]]:
        """The reps (or steps) recorded so far, as report rows, for live tables."""
        return []

    @abstractmethod
    def finish(self) -> ExerciseResult:
        """Close the set: partial reps, summary, warnings."""


def thirds(
    items: Sequence[T], measure: Callable[[Sequence[T]], float], min_items: int
) -> tuple[float, float] | None:
    """``measure`` of the first and of the last third of ``items``.

    The fatigue comparison of every buffering coach: form late in the set
    against form early in it. None when there are fewer than ``min_items``.
    """
    if len(items) < max(min_items, 3):
        return None
    k = len(items) // 3
    return measure(items[:k]), measure(items[-k:])


class WindowedCoach(ExerciseCoach):
    """A coach that buffers frames and re-analyses a window of them.

    Live, every ``live_every_s`` it re-runs its analysis over the last
    ``live_window_s`` of buffered frames to count and cue; at the end of the
    set it runs it once over all of them, which is what the report uses.
    Subclasses choose which frames are buffered (:meth:`_keeps`) and the cue
    timing (:meth:`_cue_timing`).
    """

    #: How often the live analysis runs, over how much history, and how many
    #: buffered frames it needs first.
    live_every_s: ClassVar[float]
    live_window_s: ClassVar[float]
    live_min_frames: ClassVar[int]

    def __init__(self, config: Config):
        super().__init__(config)
        # Read once, here: a missing key fails when the coach is built.
        self.min_visibility = float(config.get("analysis.min_visibility"))
        self.default_cutoff_hz = float(config.get("smoothing.butterworth_cutoff_hz"))
        hold_s, show_s, repeat_s = self._cue_timing()
        self.cues = CueScheduler(hold_s=hold_s, show_s=show_s, repeat_s=repeat_s)
        #: Every frame fed, and the frames the analysis uses.
        self.frames: list[PoseFrame] = []
        self.seen: list[PoseFrame] = []
        self.last_live_t = -math.inf

    @property
    def smoothing_cutoff_hz(self) -> float:
        """The coach's own cut-off (:meth:`_own_cutoff_hz`) or the default."""
        own = self._own_cutoff_hz()
        return own if own is not None else self.default_cutoff_hz

    def _own_cutoff_hz(self) -> float | None:
        """This workout's smoothing cut-off, if its settings set one."""
        return None

    @abstractmethod
    def _cue_timing(self) -> tuple[float, float, float]:
        """``(hold_s, show_s, repeat_s)`` of the cue scheduler."""

    @abstractmethod
    def _keeps(self, frame: PoseFrame) -> bool:
        """Whether the analysis uses this frame."""

    def _buffer(self, frame: PoseFrame) -> bool:
        """Keep ``frame``; True when it goes to the analysis."""
        self.frames.append(frame)
        keep = self._keeps(frame)
        if keep:
            self.seen.append(frame)
        return keep

    def _live_window(self, t: float) -> list[PoseFrame] | None:
        """The frames of the last ``live_window_s`` when a live analysis is due."""
        if t - self.last_live_t < self.live_every_s or len(self.seen) <= (
            self.live_min_frames
        ):
            return None
        self.last_live_t = t
        return [f for f in self.seen if t - f.timestamp_ms / 1000 <= self.live_window_s]

    def _knee_labels(self, frame: PoseFrame) -> dict[str, tuple[int, float]]:
        angles = body.joint_angles(frame, self.min_visibility)
        return {
            "L knee": (int(L.LEFT_KNEE), angles["left_knee"]),
            "R knee": (int(L.RIGHT_KNEE), angles["right_knee"]),
        }

    def _active_s(self) -> float:
        """Time from the first to the last analysed frame."""
        if not self.seen:
            return 0.0
        return (self.seen[-1].timestamp_ms - self.seen[0].timestamp_ms) / 1000.0

    @staticmethod
    def _top_cues(cues: Sequence[Cue]) -> list[dict[str, Any]]:
        """The set's top cues for the summary: safety first, three at most."""
        return top_cues(cues, limit=3)
