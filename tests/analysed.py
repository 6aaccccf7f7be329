"""A workout's result on a real clip, analysed as ``formcoach analyze`` does.

The acceptance tests on the shared footage judge what a user gets: the one
pass of :func:`formcoach.stream.stream_video` with the workout's pose rate
(``[pose_rate]``), the coach's own smoothing cut-off and leg mending, the
levelling of a rolled camera and the turn of a sideways clip.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from formcoach.exercises import ExerciseResult, create_coach
from formcoach.pipeline import pose_rate_hz
from formcoach.settings import load_config
from formcoach.stage_settings import PipelineSettings
from formcoach.stream import stream_video


@cache
def analysed_result(path: Path, exercise: str) -> ExerciseResult:
    """The coach's result on ``path`` (cached: several tests judge one run)."""
    config = load_config()
    streamed = stream_video(
        path,
        lambda: create_coach(exercise, config),
        PipelineSettings.of(config),
        rate_hz=pose_rate_hz(config, create_coach(exercise, config)),
    )
    return streamed.result
