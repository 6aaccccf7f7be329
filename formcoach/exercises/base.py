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
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

from ..pose import PoseFrame
from ..settings import Config

Severity = Literal["safety", "form", "advice", "good"]

#: Cue priority: safety first, then form faults, then advice, then praise.
SEVERITY_RANK: dict[str, int] = {"safety": 0, "form": 1, "advice": 2, "good": 3}


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


def cue_table(
    prefix: str, entries: list[tuple[str, str, str, str, str]]
) -> dict[str, Cue]:
    """A coach's cues by short name from ``(name, message, severity, why, source)``.

    Each cue's code is ``prefix.name`` (e.g. ``lunge.heel_landing``).
    """
    return {
        name: Cue(f"{prefix}.{name}", message, severity, explanation, source)  # type: ignore[arg-type]
        for name, message, severity, explanation, source in entries
    }


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
    """What a coach concludes about a whole set (fills report.json)."""

    summary: dict[str, Any] = field(default_factory=dict)
    reps: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


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

    @abstractmethod
    def finish(self) -> ExerciseResult:
        """Close the set: partial reps, summary, warnings."""
