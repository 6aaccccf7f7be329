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
from .thinned import Thinned

if TYPE_CHECKING:
    from .settings import Config


def pose_coverage(frames: Sequence[PoseFrame], min_visibility: float) -> float:
    """Fraction of frames with a confident full-body pose."""
    if not frames:
        return 0.0
    return sum(body.is_full_body(f, min_visibility) for f in frames) / len(frames)


class LostSpans:
    """Spans with no one in view, gathered frame by frame in time order."""

    def __init__(self, min_s: float):
        self.min_s = min_s
        self.spans: list[tuple[float, float]] = []
        self.anyone = False
        self._start_s: float | None = None
        self._last_s = 0.0

    def add(self, t_s: float, present: bool) -> None:
        """The next frame (in time order): its time and whether someone was seen."""
        self._last_s = t_s
        if present:
            self.anyone = True
            self._close(t_s)
        elif self._start_s is None:
            self._start_s = t_s

    def finish(self) -> list[tuple[float, float]]:
        """The spans, the one still open at the end included."""
        if self.anyone:
            self._close(self._last_s)
        return self.spans if self.anyone else []

    def _close(self, t_s: float) -> None:
        if self._start_s is not None and t_s - self._start_s >= self.min_s:
            self.spans.append((round(self._start_s, 3), round(t_s, 3)))
        self._start_s = None


def person_lost_spans(
    frames: Sequence[PoseFrame], min_s: float
) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` spans of at least ``min_s`` with no one in view.

    Only between frames with a person: a clip with no one at all is
    ``pose.no_person``.
    """
    spans = LostSpans(min_s)
    for f in frames:
        spans.add(f.timestamp_ms / 1000.0, not f.is_empty())
    return spans.finish()


class ClipTally:
    """What the input checks need to know about a whole clip, frame by frame.

    The one-pass analysis (:mod:`formcoach.stream`) never holds the whole
    clip, so the checks read these counts, spans and an evenly thinned sample
    of poses instead of every frame.

    Attributes:
        frames: Frames seen.
        estimated: Frames the pose model looked at (the others were skipped,
            see ``[pose_rate]``).
        posed: Of those, frames with a person.
        full_body: Of those, frames with a confident full-body pose.
        feet_seen: Posed frames with the feet visible.
        sample: Posed frames, thinned evenly over the clip (orientation checks).
        light: Brightness samples.
        gaps_ms: Spans lost to corrupt data.
    """

    def __init__(self, analysis: AnalysisSettings, sample_cap: int = 1500):
        self.analysis = analysis
        self.frames = 0
        self.estimated = 0
        self.posed = 0
        self.full_body = 0
        self.feet_seen = 0
        self.last_s = 0.0
        self.sample: Thinned[PoseFrame] = Thinned(sample_cap)
        self.light: list[LightSample] = []
        self.gaps_ms: set[tuple[float, float]] = set()
        self._lost = LostSpans(analysis.person_lost_min_s)

    @classmethod
    def of_track(cls, track: PoseTrack, analysis: AnalysisSettings) -> ClipTally:
        """The tally of a whole pose track."""
        tally = cls(analysis, sample_cap=max(2, len(track.frames)))
        for frame in track.frames:
            tally.add(frame)
        tally.light = list(track.light)
        tally.gaps_ms = set(track.gaps_ms)
        return tally

    def add(self, frame: PoseFrame, *, estimated: bool = True) -> None:
        """The next frame; ``estimated`` is False for a frame the model skipped."""
        self.frames += 1
        self.last_s = frame.timestamp_ms / 1000.0
        if not estimated:
            return
        self.estimated += 1
        present = not frame.is_empty()
        self._lost.add(self.last_s, present)
        if not present:
            return
        self.posed += 1
        self.sample.add(frame)
        if body.is_full_body(frame, self.analysis.full_body_min_visibility):
            self.full_body += 1
        if body.feet_visible(frame, self.analysis.min_visibility):
            self.feet_seen += 1

    @property
    def coverage(self) -> float:
        """Fraction of the frames looked at with a confident full-body pose."""
        return self.full_body / self.estimated if self.estimated else 0.0

    def lost_spans(self) -> list[tuple[float, float]]:
        """Spans of at least ``person_lost_min_s`` with no one in view."""
        return list(self._lost.finish())


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
    tally: ClipTally | PoseTrack,
    settings: PipelineSettings,
    duration_s: float,
) -> list[InputWarning]:
    """Warnings about the input itself (coverage, duration, light, lost data).

    Args:
        tally: The clip's tally (a whole :class:`PoseTrack` is tallied here).
        settings: The pipeline settings.
        duration_s: The video's duration (0 when unknown: the last frame's time).
    """
    analysis = settings.analysis
    if isinstance(tally, PoseTrack):
        tally = ClipTally.of_track(tally, analysis)
    warnings: list[InputWarning] = []
    if tally.estimated and not tally.posed:
        warnings.append(
            InputWarning(
                "pose.no_person",
                "No person was found in the video. Film the whole body, "
                "in good light, from the side.",
            )
        )
    elif tally.coverage < analysis.min_pose_coverage:
        warnings.append(
            InputWarning(
                "pose.low_coverage",
                f"The full body (shoulders to feet) was seen in only "
                f"{tally.coverage:.0%} of frames; results may be incomplete. Keep "
                "the whole body, feet included, in the picture.",
            )
        )
    duration = duration_s or tally.last_s
    if duration < analysis.min_duration_s:
        warnings.append(
            InputWarning(
                "video.too_short",
                f"The video is only {duration:.1f} s long: too short for "
                "reps or steps. Film the whole set.",
            )
        )
    if tally.posed:
        feet_seen = tally.feet_seen / tally.posed
        if feet_seen < analysis.min_feet_share:
            warnings.append(
                InputWarning(
                    "pose.feet_not_visible",
                    f"The feet were visible in only {feet_seen:.0%} of "
                    "frames, so foot landings cannot be judged. Keep the feet in "
                    "the picture.",
                )
            )
    warnings += lighting_warnings(tally.light, settings.lighting)
    for t0, t1 in tally.lost_spans():
        warnings.append(
            InputWarning(
                "pose.person_lost",
                f"No one was in view from {t0:.1f} to {t1:.1f} s, so "
                "nothing was measured there. Stay in the picture for the whole set.",
                t0,
            )
        )
    for start_ms, end_ms in sorted(tally.gaps_ms):
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
        tilt_warnings(
            frames, standing, settings.analysis, settings.video, levelling=True
        ),
    )


def tilt_warnings(
    frames: Sequence[PoseFrame],
    standing: bool,
    analysis: AnalysisSettings,
    video: VideoSettings,
    *,
    levelling: bool = False,
) -> list[InputWarning]:
    """A warning when a standing workout's legs lean far in the picture.

    With ``levelling``, :func:`level_clip` asks for it because the camera's
    roll could not be measured (no standing frames to level the picture by).
    """
    if not standing:
        return []
    tilt = orientation.camera_tilt_deg(frames, analysis.min_visibility)
    if tilt is None or abs(tilt) < video.tilt_warn_deg:
        return []
    why = (
        ", and the picture could not be levelled (no frames of you standing "
        "straight to level it by)"
        if levelling
        else ": standing legs lean in the picture"
    )
    return [
        InputWarning(
            "camera.tilted",
            f"The camera seems tilted by about {abs(tilt):.0f} deg{why}. Lean, "
            "depth and landing checks assume a level camera, so level it (or "
            "prop the phone upright) and film again.",
        )
    ]
