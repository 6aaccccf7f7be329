"""Live coaching of one stream: pose model, causal smoothing, coach, overlay.

Offline analysis smooths the whole clip without lag (:mod:`formcoach.smoothing`);
live coaching cannot wait for future frames, so it smooths causally and runs
the same coach one frame at a time.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .annotate import FrameAnnotator
from .exercises import create_coach
from .level import LiveLeveller
from .pose import PoseEstimator, PoseFrame
from .results import ExerciseResult, FrameFeedback
from .settings import Config
from .smoothing import LiveSmoother
from .stage_settings import PipelineSettings


class LiveSession:
    """Live coaching of one stream: pose model, causal smoothing, coach, overlay.

    One per user stream (the model tracks one person over time). Nothing here
    touches Streamlit; the app calls :meth:`process` from its frame callback
    and hands the returned feedback to the page through a queue.

    Attributes:
        settings: The typed settings, built once from the config.

    Example:
        >>> with LiveSession("reverse-lunge", load_config()) as live:  # doctest: +SKIP
        ...     image, feedback = live.process(frame_rgb, timestamp_ms)
    """

    def __init__(self, exercise: str, config: Config, *, mirrored: bool = False):
        self.coach = create_coach(exercise, config)
        self.settings = PipelineSettings.from_config(config)
        self.smoother = LiveSmoother(self.settings.smoothing)
        self.annotator = FrameAnnotator(
            title=self.coach.title,
            min_visibility=self.settings.analysis.min_visibility,
        )
        # A camera never shows the same frames twice: no file of results.
        self.estimator = PoseEstimator(
            dataclasses.replace(self.settings.pose, cache=None), mirrored=mirrored
        )
        # A rolled camera is levelled from the first seconds (standing only).
        self.leveller = LiveLeveller(
            self.settings.level, self.settings.analysis.min_visibility
        )
        self.frames = 0
        self.last_pose: PoseFrame | None = None
        self.last_levelled: PoseFrame | None = None

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the model."""
        self.estimator.close()

    def process(
        self, image_rgb: np.ndarray, timestamp_ms: float
    ) -> tuple[np.ndarray, FrameFeedback]:
        """Coach one frame; returns the annotated copy and the feedback.

        The coach sees the levelled pose; the overlay draws the camera's own.
        """
        pose = self.smoother(self.estimator.process(image_rgb, timestamp_ms))
        levelled = self.leveller(pose) if self.coach.standing else pose
        feedback = self.coach.update(levelled)
        self.frames += 1
        self.last_pose, self.last_levelled = pose, levelled
        return self.annotator.annotate(image_rgb.copy(), pose, feedback), feedback

    def finish(self) -> ExerciseResult:
        """End the set: the coach's summary, reps and warnings."""
        return self.coach.finish()
