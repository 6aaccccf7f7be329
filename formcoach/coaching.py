"""Coaching a clip: smoothing, the coach, and whole sessions of several workouts.

A clip of one workout is smoothed with its coach's cut-off and fed to that
coach (:func:`coach_clip`). A whole session (``--exercise auto``) is split
into bouts by :mod:`formcoach.recognition`, and each bout is coached by its
own coach (:func:`coach_session`); the report gets one ``segments`` entry per
bout (report.json schema version 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import body
from .exercises import ExerciseCoach, create_coach
from .pose import PoseFrame
from .recognition import REST, RecognitionSettings, recognise
from .results import ExerciseResult, FrameFeedback, InputWarning, session_summary
from .settings import Config
from .smoothing import smooth_offline
from .stage_settings import PipelineSettings

#: The exercise name that asks for whole-session analysis.
AUTO = "auto"


def run_coach(
    frames: Sequence[PoseFrame], coach: ExerciseCoach
) -> tuple[list[FrameFeedback], ExerciseResult]:
    """Feed smoothed frames through a coach; per-frame feedback and the result."""
    feedback = [coach.update(f) for f in frames]
    return feedback, coach.finish()


@dataclass
class CoachedClip:
    """A clip's pose frames smoothed and coached.

    Attributes:
        frames: The smoothed frames.
        feedback: What the coach said on each frame.
        result: The set's result.
        view: The camera view of the whole clip.
    """

    frames: list[PoseFrame]
    feedback: list[FrameFeedback]
    result: ExerciseResult
    view: str


def coach_clip(
    frames: Sequence[PoseFrame], coach: ExerciseCoach, settings: PipelineSettings
) -> CoachedClip:
    """Smooth a clip's poses with the coach's cut-off and run the coach over it."""
    smoothed = smooth_offline(
        frames, settings.smoothing, cutoff_hz=coach.smoothing_cutoff_hz
    )
    feedback, result = run_coach(smoothed, coach)
    view = body.clip_view(
        [f for f in smoothed if not f.is_empty()],
        settings.view.side_max_width_ratio,
        settings.view.front_min_width_ratio,
    )
    return CoachedClip(smoothed, feedback, result, view)


@dataclass
class CoachedSession(CoachedClip):
    """A whole session: its bouts, each coached by its own coach.

    Attributes:
        segments: report.json's ``segments``: ``{start_s, end_s, exercise,
            confidence, summary, reps, steps, warnings}`` per bout.
    """

    segments: list[dict[str, Any]] = field(default_factory=list)


def coach_session(
    frames: Sequence[PoseFrame], settings: PipelineSettings, config: Config
) -> CoachedSession:
    """Recognise the workouts in a recording and coach each bout with its coach.

    Recognition runs on the whole recording smoothed at the default cut-off;
    each bout's frames are then smoothed again with its own coach's cut-off
    and coached from scratch, as if it had been filmed alone. Frames of rest
    or of anything else get a plain "rest / other" phase.
    """
    smoothed = smooth_offline(frames, settings.smoothing)
    bouts = recognise(smoothed, RecognitionSettings.from_config(config))
    feedback = [FrameFeedback(phase=REST) for _ in smoothed]
    segments: list[dict[str, Any]] = []
    warnings: list[InputWarning] = []
    index_of = {f.frame_index: i for i, f in enumerate(smoothed)}
    for bout in bouts:
        part = [
            f
            for f in frames
            if bout.start_s <= f.timestamp_ms / 1000.0 < bout.end_s
            or (f is frames[-1] and f.timestamp_ms / 1000.0 <= bout.end_s)
        ]
        entry: dict[str, Any] = {**bout.as_dict()}
        if bout.exercise == REST or not part:
            segments.append(entry)
            continue
        coach = create_coach(bout.exercise, config)
        coached = coach_clip(part, coach, settings)
        for f, fb in zip(coached.frames, coached.feedback, strict=True):
            fb.phase = f"{coach.title}: {fb.phase}" if fb.phase else coach.title
            feedback[index_of[f.frame_index]] = fb
            smoothed[index_of[f.frame_index]] = f
        result = coached.result
        entry.update(
            title=coach.title,
            view=coached.view,
            **result.as_report(),
        )
        segments.append(entry)
        where = f"{coach.title} ({bout.start_s:.0f}-{bout.end_s:.0f} s)"
        warnings += [w.within(where) for w in result.warnings]
    summary = session_summary(segments)
    view = body.clip_view(
        [f for f in smoothed if not f.is_empty()],
        settings.view.side_max_width_ratio,
        settings.view.front_min_width_ratio,
    )
    return CoachedSession(
        frames=smoothed,
        feedback=feedback,
        result=ExerciseResult(summary=summary, warnings=warnings),
        view=view,
        segments=segments,
    )
