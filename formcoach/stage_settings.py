"""Typed settings of the analysis stages, built once from the config.

:class:`PipelineSettings` bundles every table the pipeline reads (pose model,
smoothing, analysis, lighting, view, video, level). ``analyze_video``, the live
session and the batch client build it once with :meth:`PipelineSettings.from_config`
and pass its parts down, so a missing or mistyped key fails at start-up with
its name, not in the middle of an analysis. No field has a default: the
defaults live only in ``formcoach/config/default.toml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config_values import flag, integer, number, text
from .cuts import CutSettings
from .errors import InputError
from .level import LevelSettings
from .lighting import LightingSettings
from .pose import PoseOptions
from .smoothing import SmoothingSettings
from .video_writer import check_encoder

if TYPE_CHECKING:
    from .settings import Config


@dataclass(frozen=True)
class AnalysisSettings:
    """The ``[analysis]`` table.

    Attributes:
        workers: Pose models for offline analysis; 0 = one per core (at most 4).
        min_segment_s: Shortest run of the video one worker takes.
        segment_warmup_s: Frames a later run analyses early and drops.
        max_run_s: Longest run one worker takes at a time: a longer video is
            cut into runs dealt to the workers in turn, so the poses waiting
            for their turn stay few whatever the video's length.
        max_seconds: Stop an analysis after this long; 0 = no limit.
        min_visibility: Below this a landmark counts as not seen.
        full_body_min_visibility: Visibility of a full-body pose (coverage).
        min_duration_s: Shorter clips get ``video.too_short``.
        min_feet_share: Below this share of posed frames with the feet seen,
            ``pose.feet_not_visible``.
        person_lost_min_s: No one in view this long is ``pose.person_lost``.
        min_pose_coverage: Below this coverage, ``pose.low_coverage``.
        series_max_points: report.json keeps about this many frames of the
            per-frame series (all of them are in frames.csv).
    """

    workers: int
    min_segment_s: float
    segment_warmup_s: float
    max_run_s: float
    max_seconds: float
    min_visibility: float
    full_body_min_visibility: float
    min_duration_s: float
    min_feet_share: float
    person_lost_min_s: float
    min_pose_coverage: float
    series_max_points: int

    @classmethod
    def from_config(cls, config: Config) -> AnalysisSettings:
        """Read ``[analysis]``; an InputError names a missing or mistyped key."""
        return cls(
            workers=integer(config, "analysis.workers"),
            min_segment_s=number(config, "analysis.min_segment_s"),
            segment_warmup_s=number(config, "analysis.segment_warmup_s"),
            max_run_s=number(config, "analysis.max_run_s"),
            max_seconds=number(config, "analysis.max_seconds"),
            min_visibility=number(config, "analysis.min_visibility"),
            full_body_min_visibility=number(
                config, "analysis.full_body_min_visibility"
            ),
            min_duration_s=number(config, "analysis.min_duration_s"),
            min_feet_share=number(config, "analysis.min_feet_share"),
            person_lost_min_s=number(config, "analysis.person_lost_min_s"),
            min_pose_coverage=number(config, "analysis.min_pose_coverage"),
            series_max_points=integer(config, "analysis.series_max_points"),
        )

    def pose_workers(self) -> int:
        """Pose workers to run: ``workers``, or one per core (at most 4) for 0."""
        if self.workers > 0:
            return self.workers
        return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class ViewSettings:
    """The ``[view]`` table: camera view from the body's width ratio.

    Attributes:
        side_max_width_ratio: At or below this the view is "side".
        front_min_width_ratio: At or above this the view is "front".
    """

    side_max_width_ratio: float
    front_min_width_ratio: float

    @classmethod
    def from_config(cls, config: Config) -> ViewSettings:
        """Read ``[view]``; an InputError names a missing or mistyped key."""
        return cls(
            side_max_width_ratio=number(config, "view.side_max_width_ratio"),
            front_min_width_ratio=number(config, "view.front_min_width_ratio"),
        )


@dataclass(frozen=True)
class VideoSettings:
    """The ``[video]`` table: output encoding and orientation.

    Attributes:
        crf: x264 quality of the annotated video.
        preset: x264 speed preset.
        x264_params: x264 options on top of the preset (``name=value:...``).
        max_short_side: The annotated video is scaled down so its shorter
            side is at most this (0: the source's size).
        rotate_deg: Turn every frame this much further clockwise (0, 90,
            180 or 270; checked).
        auto_rotate: Detect and undo a sideways clip.
        sideways_min_deg: The trunk this far from up means a sideways clip.
        tilt_warn_deg: Standing legs leaning this much warn of a tilted camera.
    """

    crf: int
    preset: str
    x264_params: str
    max_short_side: int
    rotate_deg: int
    auto_rotate: bool
    sideways_min_deg: float
    tilt_warn_deg: float

    @classmethod
    def from_config(cls, config: Config) -> VideoSettings:
        """Read ``[video]``; an InputError names a missing or mistyped key.

        Raises:
            InputError: Also when ``rotate_deg`` is not a quarter turn, or
                the preset or ``x264_params`` is not x264's.
        """
        turn = integer(config, "video.rotate_deg")
        if turn not in (0, 90, 180, 270):
            raise InputError(
                f"video.rotate_deg must be 0, 90, 180 or 270, not {turn!r}"
            )
        preset = text(config, "video.preset")
        x264_params = text(config, "video.x264_params")
        try:
            check_encoder(preset, x264_params)
        except ValueError as exc:
            raise InputError(f"video.{exc}") from None
        return cls(
            crf=integer(config, "video.crf"),
            preset=preset,
            x264_params=x264_params,
            max_short_side=integer(config, "video.max_short_side"),
            rotate_deg=turn,
            auto_rotate=flag(config, "video.auto_rotate"),
            sideways_min_deg=number(config, "video.sideways_min_deg"),
            tilt_warn_deg=number(config, "video.tilt_warn_deg"),
        )

    def encoder(self) -> dict[str, Any]:
        """The :class:`~formcoach.video_writer.VideoWriter` keywords these set."""
        return {
            "crf": self.crf,
            "preset": self.preset,
            "x264_params": self.x264_params,
            "max_short_side": self.max_short_side,
        }


@dataclass(frozen=True)
class PipelineSettings:
    """Every table the analysis pipeline reads, typed and checked."""

    pose: PoseOptions
    smoothing: SmoothingSettings
    analysis: AnalysisSettings
    lighting: LightingSettings
    view: ViewSettings
    video: VideoSettings
    level: LevelSettings
    cuts: CutSettings

    @classmethod
    def from_config(cls, config: Config) -> PipelineSettings:
        """Build all of them; an InputError names a missing or mistyped key."""
        return cls(
            pose=PoseOptions.from_config(config),
            smoothing=SmoothingSettings.from_config(config),
            analysis=AnalysisSettings.from_config(config),
            lighting=LightingSettings.from_config(config),
            view=ViewSettings.from_config(config),
            video=VideoSettings.from_config(config),
            level=LevelSettings.from_config(config),
            cuts=CutSettings.from_config(config),
        )

    @classmethod
    def of(cls, settings: PipelineSettings | Config) -> PipelineSettings:
        """``settings`` itself, or built from a config."""
        return settings if isinstance(settings, cls) else cls.from_config(settings)
