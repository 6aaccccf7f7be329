"""Checks of the input itself, each giving an :class:`InputWarning`.

Every warning code a report can carry about its input is written here, once,
next to the check that raises it:

* ``pose.no_person``, ``pose.low_coverage``, ``pose.feet_not_visible``,
  ``pose.person_lost``: who was seen, and how much of them;
* ``video.too_short``, ``video.corrupt_section``: the file;
* ``video.too_dark``, ``video.overexposed``, ``video.backlit``: the light;
* ``camera.rotated``, ``camera.tilted``: the camera's orientation (a rolled
  camera is levelled, :func:`level_clip`; it is only reported when it
  cannot be).

The coaches' own set warnings (fatigue, view ...) come with their results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from . import body, level, orientation
from .level import Roll
from .lighting import LightingSettings, LightSample
from .pose import PoseFrame
from .pose_pass import PoseTrack
from .results import InputWarning
from .stage_settings import AnalysisSettings, PipelineSettings, VideoSettings

if TYPE_CHECKING:
    from .settings import Config


def pose_coverage(frames: Sequence[PoseFrame], min_visibility: float) -> float:
    """Fraction of frames with a confident full-body pose."""
    if not frames:
        return 0.0
    return sum(body.is_full_body(f, min_visibility) for f in frames) / len(frames)


def coverage_of(track: PoseTrack, analysis: AnalysisSettings) -> float:
    """Pose coverage of a clip with ``analysis.full_body_min_visibility``."""
    return pose_coverage(track.frames, analysis.full_body_min_visibility)


def person_lost_spans(
    frames: Sequence[PoseFrame], min_s: float
) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` spans of at least ``min_s`` with no one in view.

    Only between frames with a person: a clip with no one at all is
    ``pose.no_person``.
    """
    spans: list[tuple[float, float]] = []
    seen = [not f.is_empty() for f in frames]
    if not any(seen):
        return spans
    times = [f.timestamp_ms / 1000.0 for f in frames]
    start: int | None = None
    for i, present in enumerate([*seen, True]):  # a sentinel closes a last run
        if not present and start is None:
            start = i
        elif present and start is not None:
            t0, t1 = times[start], times[min(i, len(times) - 1)]
            if t1 - t0 >= min_s:
                spans.append((round(t0, 3), round(t1, 3)))
            start = None
    return spans


def _first_s(samples: list[LightSample], mask: npt.NDArray[np.bool_]) -> float:
    return round(samples[int(np.argmax(mask))].t_ms / 1000.0, 3)


def lighting_warnings(
    samples: list[LightSample], settings: LightingSettings | Config
) -> list[InputWarning]:
    """Warnings when the light was poor for much of the clip.

    Args:
        samples: :class:`LightSample` of frames spread over the clip.
        settings: The ``[lighting]`` thresholds (or a config to read them from).

    Returns:
        ``video.too_dark``, ``video.overexposed`` and/or ``video.backlit``.
    """
    if not samples:
        return []
    light = LightingSettings.of(settings)
    share = light.min_share
    frame = np.array([s.frame_luma for s in samples])
    warnings: list[InputWarning] = []
    dark = frame < light.dark_luma
    if dark.mean() >= share:
        warnings.append(
            InputWarning(
                "video.too_dark",
                f"The video is very dark (brightness {np.median(frame):.0f} "
                "of 255): landmarks are less reliable, so check the results. Turn "
                "on a light or face a window.",
                _first_s(samples, dark),
            )
        )
    contrast = np.array([s.person_contrast for s in samples])
    # A bright frame alone is fine (a white studio wall); a washed-out person,
    # with little contrast left inside their box, is not.
    washed_out = (
        (frame >= light.overexposed_luma)
        & np.isfinite(contrast)
        & (contrast <= light.washed_out_contrast)
    )
    if washed_out.mean() >= share:
        warnings.append(
            InputWarning(
                "video.overexposed",
                "The video is overexposed (brightness "
                f"{np.median(frame):.0f} "
                "of 255) and your body is washed out: landmarks are less reliable, "
                "so check the results. Avoid direct sunlight or lower the exposure.",
                _first_s(samples, washed_out),
            )
        )
    person = np.array([s.person_luma for s in samples])
    background = np.array([s.background_luma for s in samples])
    with_person = np.array([s.has_person for s in samples])
    if with_person.any():
        backlit = np.array(
            [
                s.is_backlit(light.backlit_background_luma, light.backlit_ratio)
                for s in samples
            ]
        )
        if backlit.sum() >= share * with_person.sum():
            warnings.append(
                InputWarning(
                    "video.backlit",
                    "The light is behind you: your body is much darker "
                    f"than the background ({np.median(person[backlit]):.0f} vs "
                    f"{np.median(background[backlit]):.0f} of 255), so landmarks "
                    "are less reliable. Put the light in front of you, or film "
                    "away from the window.",
                    _first_s(samples, backlit),
                )
            )
    return warnings


def analysis_warnings(
    track: PoseTrack, coverage: float, settings: PipelineSettings
) -> list[InputWarning]:
    """Warnings about the input itself (coverage, duration, light, lost data)."""
    analysis = settings.analysis
    warnings: list[InputWarning] = []
    if track.frames and all(f.is_empty() for f in track.frames):
        warnings.append(
            InputWarning(
                "pose.no_person",
                "No person was found in the video. Film the whole body, "
                "in good light, from the side.",
            )
        )
    elif coverage < analysis.min_pose_coverage:
        warnings.append(
            InputWarning(
                "pose.low_coverage",
                f"The full body (shoulders to feet) was seen in only "
                f"{coverage:.0%} of frames; results may be incomplete. Keep the "
                "whole body, feet included, in the picture.",
            )
        )
    duration = track.info.duration_s or (
        track.frames[-1].timestamp_ms / 1000.0 if track.frames else 0.0
    )
    if duration < analysis.min_duration_s:
        warnings.append(
            InputWarning(
                "video.too_short",
                f"The video is only {duration:.1f} s long: too short for "
                "reps or steps. Film the whole set.",
            )
        )
    posed = [f for f in track.frames if not f.is_empty()]
    if posed:
        min_vis = analysis.min_visibility
        feet_seen = sum(body.feet_visible(f, min_vis) for f in posed) / len(posed)
        if feet_seen < analysis.min_feet_share:
            warnings.append(
                InputWarning(
                    "pose.feet_not_visible",
                    f"The feet were visible in only {feet_seen:.0%} of "
                    "frames, so foot landings cannot be judged. Keep the feet in "
                    "the picture.",
                )
            )
    warnings += lighting_warnings(track.light, settings.lighting)
    for t0, t1 in person_lost_spans(track.frames, analysis.person_lost_min_s):
        warnings.append(
            InputWarning(
                "pose.person_lost",
                f"No one was in view from {t0:.1f} to {t1:.1f} s, so "
                "nothing was measured there. Stay in the picture for the whole set.",
                t0,
            )
        )
    for start_ms, end_ms in track.gaps_ms:
        warnings.append(
            InputWarning(
                "video.corrupt_section",
                f"Part of the video could not be decoded (about "
                f"{start_ms / 1000:.1f}-{end_ms / 1000:.1f} s) and was skipped.",
                round(start_ms / 1000.0, 3),
            )
        )
    return warnings


def auto_turn(
    frames: Sequence[PoseFrame], analysis: AnalysisSettings, video: VideoSettings
) -> int:
    """The clockwise quarter turn that makes a sideways clip upright, or 0."""
    if not video.auto_rotate:
        return 0
    return orientation.upright_turn_deg(
        frames, analysis.min_visibility, video.sideways_min_deg
    )


def rotated_warning(turn_deg: int) -> InputWarning:
    """The clip was filmed sideways and turned ``turn_deg`` to analyse it."""
    return InputWarning(
        "camera.rotated",
        "The person appeared to lie on their side: the video "
        "was filmed sideways with no rotation data, so it was turned "
        f"{turn_deg} deg clockwise and analysed upright. To choose the turn "
        "yourself, set video.rotate_deg.",
    )


def level_clip(
    track: PoseTrack, standing: bool, settings: PipelineSettings
) -> tuple[PoseTrack, Roll | None, Roll | None, list[InputWarning]]:
    """Level a standing workout filmed with the camera rolled.

    The roll is measured from the standing body (:mod:`formcoach.level`) and
    undone; only when it cannot be measured and the legs lean far in the
    picture does a ``camera.tilted`` warning say so.

    Returns:
        ``(track, measured, applied, warnings)``: the levelled track (``track``
        itself when nothing was levelled), the measured roll (None when
        unknown), the roll that was undone (None when none was) and the
        warnings.
    """
    if not standing:
        return track, None, None, []
    measured, applied = level.clip_roll(
        track.frames, settings.level, settings.analysis.min_visibility
    )
    frames = track.frames
    if applied is not None:
        track = replace(track, frames=[level.level(f, applied) for f in frames])
    if measured is not None or not settings.level.enabled:
        return track, measured, applied, []
    return (
        track,
        None,
        None,
        tilt_warnings(frames, standing, settings.analysis, settings.video),
    )


def tilt_warnings(
    frames: Sequence[PoseFrame],
    standing: bool,
    analysis: AnalysisSettings,
    video: VideoSettings,
) -> list[InputWarning]:
    """A warning when a standing workout's legs lean far in the picture.

    :func:`level_clip` asks for it only when the camera's roll could not be
    measured (no standing frames to level it by).
    """
    if not standing:
        return []
    tilt = orientation.camera_tilt_deg(frames, analysis.min_visibility)
    if tilt is None or abs(tilt) < video.tilt_warn_deg:
        return []
    return [
        InputWarning(
            "camera.tilted",
            f"The camera seems tilted by about {abs(tilt):.0f} deg, and the "
            "picture could not be levelled (no frames of you standing straight "
            "to level it by). Lean, depth and landing checks assume a level "
            "camera, so level it (or prop the phone upright) and film again.",
        )
    ]
