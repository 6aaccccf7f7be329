"""A coach that measures but does not judge yet.

Used for the workouts whose rules have not been built: the pipeline, the
annotated video (skeleton and knee angles) and the report still work, and the
report says plainly that no form checks ran.
"""

from __future__ import annotations

from typing import ClassVar

from ..body import joint_angles
from ..landmarks import Landmark
from ..pose import PoseFrame
from ..settings import Config
from .base import ExerciseCoach, ExerciseResult, FrameFeedback


class MeasureOnlyCoach(ExerciseCoach):
    """Draws knee angles; reports that this workout's checks are not available."""

    name: ClassVar[str] = "measure-only"
    title: ClassVar[str] = "Measure only"
    checks: ClassVar[str] = "no form checks yet: skeleton and knee angles only"

    def __init__(self, config: Config):
        super().__init__(config)
        self._min_vis = float(config.get("analysis.min_visibility"))

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Knee angles for the overlay; no phases, no cues."""
        if frame.is_empty():
            return FrameFeedback()
        angles = joint_angles(frame, self._min_vis)
        return FrameFeedback(
            angles={
                "L knee": (Landmark.LEFT_KNEE, angles["left_knee"]),
                "R knee": (Landmark.RIGHT_KNEE, angles["right_knee"]),
            }
        )

    def finish(self) -> ExerciseResult:
        """No reps or steps; one warning saying why."""
        return ExerciseResult(
            summary={"checks": "none"},
            warnings=[
                {
                    "code": "exercise.no_rules",
                    "message": f"Form checks for {self.title} are not available yet; "
                    "the video shows the pose and knee angles only.",
                    "t_s": None,
                }
            ],
        )


def measure_only(name: str, title: str) -> type[MeasureOnlyCoach]:
    """A :class:`MeasureOnlyCoach` subclass registered under ``name``."""
    return type(
        f"MeasureOnly_{name.replace('-', '_')}",
        (MeasureOnlyCoach,),
        {"name": name, "title": title},
    )
