"""Landmark smoothing of whole pose frames: offline (zero-phase) and live (causal).

The filters themselves are in :mod:`formcoach.filters`; this module applies
them to :class:`~formcoach.pose.PoseFrame` sequences with the ``[smoothing]``
settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .config_values import integer, number
from .filters import OneEuroFilter, butterworth_filter, interpolate_gaps
from .leg_mending import LegMender, LegMendingSettings
from .pose import PoseFrame

if TYPE_CHECKING:
    from .settings import Config


@dataclass(frozen=True)
class SmoothingSettings:
    """The ``[smoothing]`` table.

    Attributes:
        butterworth_cutoff_hz: Offline low-pass cut-off (a coach may override it).
        butterworth_order: Offline filter order (applied forward and backward).
        max_gap_s: Gaps up to this long are bridged; longer ones stay empty
            (longer by the frames the model skips on purpose:
            :meth:`for_stride`).
        one_euro_min_cutoff_hz: Live filter cut-off at rest.
        one_euro_beta: How fast the live cut-off rises with speed.
        one_euro_d_cutoff_hz: Cut-off of the live speed estimate.
        lookahead_s: One-pass analysis: what follows a frame before it is out.
        history_s: One-pass analysis: what precedes a block in the filter.
        block_s: One-pass analysis: frames given out per filter run.
        leg_swap_cost: Leg mending (:mod:`formcoach.leg_mending`): what a
            frame kept against the model's leg labels costs.
        leg_glitch_window_s: Leg mending: the medians before and after.
        leg_glitch_leg_lengths: Leg mending: how far off its path a still
            point may stand.
        leg_glitch_path_share: Leg mending: what a moving point may stand
            off its path besides.
    """

    butterworth_cutoff_hz: float
    butterworth_order: int
    max_gap_s: float
    one_euro_min_cutoff_hz: float
    one_euro_beta: float
    one_euro_d_cutoff_hz: float
    lookahead_s: float
    history_s: float
    block_s: float
    leg_swap_cost: float
    leg_glitch_window_s: float
    leg_glitch_leg_lengths: float
    leg_glitch_path_share: float

    @classmethod
    def from_config(cls, config: Config) -> SmoothingSettings:
        """Read ``[smoothing]``; an InputError names a missing or mistyped key."""
        return cls(
            butterworth_cutoff_hz=number(config, "smoothing.butterworth_cutoff_hz"),
            butterworth_order=integer(config, "smoothing.butterworth_order"),
            max_gap_s=number(config, "smoothing.max_gap_s"),
            one_euro_min_cutoff_hz=number(config, "smoothing.one_euro_min_cutoff_hz"),
            one_euro_beta=number(config, "smoothing.one_euro_beta"),
            one_euro_d_cutoff_hz=number(config, "smoothing.one_euro_d_cutoff_hz"),
            lookahead_s=number(config, "smoothing.lookahead_s"),
            history_s=number(config, "smoothing.history_s"),
            block_s=number(config, "smoothing.block_s"),
            leg_swap_cost=number(config, "smoothing.leg_swap_cost"),
            leg_glitch_window_s=number(config, "smoothing.leg_glitch_window_s"),
            leg_glitch_leg_lengths=number(config, "smoothing.leg_glitch_leg_lengths"),
            leg_glitch_path_share=number(config, "smoothing.leg_glitch_path_share"),
        )

    @property
    def legs(self) -> LegMendingSettings:
        """The leg-mending settings (offline analysis of the lunge family)."""
        return LegMendingSettings(
            swap_cost=self.leg_swap_cost,
            glitch_window_s=self.leg_glitch_window_s,
            glitch_leg_lengths=self.leg_glitch_leg_lengths,
            glitch_path_share=self.leg_glitch_path_share,
            max_gap_s=self.max_gap_s,
        )

    def for_stride(self, stride: int, fps: float) -> SmoothingSettings:
        """These settings for poses estimated on every ``stride``-th frame.

        The frames the model skips on purpose (``[pose_rate]``) are not lost
        tracking: a gap is bridged when the model lost no more of it than
        ``max_gap_s`` allows at every frame, so it may be longer by the
        skipped frames. A glitch of three frames at 15 Hz is then dropped
        and bridged as one of six frames at 30 Hz is.
        """
        if stride <= 1 or fps <= 0:
            return self
        return replace(self, max_gap_s=self.max_gap_s + (stride - 1) / fps)

    @classmethod
    def of(cls, settings: SmoothingSettings | Config) -> SmoothingSettings:
        """``settings`` itself, or built from a config."""
        return settings if isinstance(settings, cls) else cls.from_config(settings)


def smooth_offline(
    frames: Sequence[PoseFrame],
    settings: SmoothingSettings | Config,
    *,
    cutoff_hz: float | None = None,
    fps: float | None = None,
    mend_legs: bool = False,
    stride: int = 1,
) -> list[PoseFrame]:
    """Zero-phase Butterworth smoothing of a whole clip, bridging short gaps.

    Frames without a person inside a short gap get interpolated landmarks and
    visibilities, so a one-frame dropout does not break a rep; longer gaps
    stay empty. With ``mend_legs`` the legs are mended first
    (:class:`~formcoach.leg_mending.LegMender`, with the same decisions as in
    :class:`LookaheadSmoother`).

    Args:
        frames: The clip's poses in time order.
        settings: The ``[smoothing]`` settings (or a config to read them from).
        cutoff_hz: Overrides ``butterworth_cutoff_hz`` (a coach's own cut-off).
        fps: The video's frame rate (default: from the frames' timestamps).
        mend_legs: Mend the model's leg swaps and glitches first (the
            coach's :attr:`~formcoach.exercises.base.ExerciseCoach.mends_legs`).
        stride: The model looked at every ``stride``-th frame; the others
            are empty (:meth:`SmoothingSettings.for_stride`).
    """
    if not frames:
        return []
    if fps is None:
        # Only mending and a stride need the rate: no pass over the times else.
        t_ms = [f.timestamp_ms for f in frames] if mend_legs or stride > 1 else []
        fps = 1000.0 / float(np.median(np.diff(t_ms))) if len(t_ms) > 1 else 0.0
    settings = SmoothingSettings.of(settings).for_stride(stride, fps)
    if not mend_legs:
        return _smooth_span(frames, settings, cutoff_hz, 0, len(frames))
    frames = LegMender.run(frames, settings.legs, fps)
    return _smooth_span(frames, settings, cutoff_hz, 0, len(frames))


def _smooth_span(
    frames: Sequence[PoseFrame],
    settings: SmoothingSettings,
    cutoff_hz: float | None,
    start: int,
    stop: int,
) -> list[PoseFrame]:
    """Filter all of ``frames``; build the smoothed frames of ``[start, stop)``."""
    t_s = np.array([f.timestamp_ms for f in frames]) / 1000.0
    empty = np.array([f.is_empty() for f in frames])
    xy = np.stack([f.xy for f in frames]).astype(np.float64)
    world = np.stack([f.world_xyz for f in frames]).astype(np.float64)
    vis = np.stack([f.visibility for f in frames]).astype(np.float64)
    vis[empty] = np.nan
    presence = np.stack([f.presence for f in frames]).astype(np.float64)
    presence[empty] = np.nan
    kwargs = {
        "cutoff_hz": cutoff_hz
        if cutoff_hz is not None
        else settings.butterworth_cutoff_hz,
        "order": settings.butterworth_order,
        "max_gap_s": settings.max_gap_s,
    }
    # One filter call for both: the picture and the world points.
    both = butterworth_filter(
        np.concatenate(
            [xy.reshape(len(frames), -1), world.reshape(len(frames), -1)], 1
        ),
        t_s,
        **kwargs,
    )
    xy_s = both[:, : xy[0].size].reshape(xy.shape)
    world_s = both[:, xy[0].size :].reshape(world.shape)
    vis_s = interpolate_gaps(vis, t_s, settings.max_gap_s)[start:stop]
    # Converted once for the span, not frame by frame.
    xy32 = xy_s[start:stop].astype(np.float32)
    world32 = world_s[start:stop].astype(np.float32)
    lost = np.isnan(vis_s).all(axis=1)
    vis32 = np.nan_to_num(vis_s).astype(np.float32)
    presence32 = np.nan_to_num(
        interpolate_gaps(presence, t_s, settings.max_gap_s)[start:stop]
    ).astype(np.float32)
    out = []
    for k, f in enumerate(frames[start:stop]):
        if lost[k]:
            out.append(f)
            continue
        out.append(
            replace(
                f,
                xy=xy32[k],
                world_xyz=world32[k],
                visibility=vis32[k],
                presence=presence32[k],
            )
        )
    return out


class LiveSmoother:
    """Causal One Euro smoothing of a live stream, frame by frame."""

    def __init__(self, settings: SmoothingSettings | Config):
        settings = SmoothingSettings.of(settings)
        kwargs = {
            "min_cutoff_hz": settings.one_euro_min_cutoff_hz,
            "beta": settings.one_euro_beta,
            "d_cutoff_hz": settings.one_euro_d_cutoff_hz,
            "max_gap_s": settings.max_gap_s,
        }
        self._xy = OneEuroFilter(**kwargs)
        self._world = OneEuroFilter(**kwargs)

    def __call__(self, frame: PoseFrame) -> PoseFrame:
        """The smoothed frame (empty frames pass through)."""
        if frame.is_empty():
            return frame
        t = frame.timestamp_ms / 1000.0
        return replace(
            frame,
            xy=self._xy(frame.xy, t).astype(np.float32),
            world_xyz=self._world(frame.world_xyz, t).astype(np.float32),
        )


class LookaheadSmoother:
    """Zero-phase smoothing of a stream, with a bounded look-ahead.

    The offline filter (:func:`smooth_offline`) needs the whole clip. This one
    holds only ``history_s + block_s + lookahead_s`` of frames: each time
    ``lookahead_s`` of frames after a block of ``block_s`` has arrived, it
    filters the window around the block forward and backward and gives the
    block out. A Butterworth filter forgets a window edge within a few
    periods of its cut-off, so with a second on each side the result matches
    the whole-clip filter to within a small fraction of a pixel, and exactly
    at the clip's own start and end (measured in ``tests/test_smoothing``).

    Frames the pose model skipped (see ``[pose_rate]``) come in as empty
    frames; like any short gap they are filled by interpolation before the
    filter runs (``stride``: :meth:`SmoothingSettings.for_stride`). With
    ``mend_legs`` the legs are mended first
    (:class:`~formcoach.leg_mending.LegMender`, a look-ahead of its own).

    Example:
        >>> smoother = LookaheadSmoother(settings, fps=30.0)  # doctest: +SKIP
        >>> for raw in poses:  # doctest: +SKIP
        ...     for frame in smoother.push(raw):
        ...         coach.update(frame)
        >>> for frame in smoother.flush():  # doctest: +SKIP
        ...     coach.update(frame)
    """

    def __init__(
        self,
        settings: SmoothingSettings | Config,
        *,
        fps: float,
        cutoff_hz: float | None = None,
        lookahead_s: float | None = None,
        history_s: float | None = None,
        block_s: float | None = None,
        mend_legs: bool = False,
        stride: int = 1,
    ):
        rate = fps if fps > 0 else 30.0
        self.settings = SmoothingSettings.of(settings).for_stride(stride, rate)
        self.cutoff_hz = cutoff_hz
        self.lookahead = max(
            1, round(_or(lookahead_s, self.settings.lookahead_s) * rate)
        )
        self.history = max(1, round(_or(history_s, self.settings.history_s) * rate))
        self.block = max(1, round(_or(block_s, self.settings.block_s) * rate))
        self._mender = LegMender(self.settings.legs, fps) if mend_legs else None
        #: Raw frames: ``history`` already given out, then the ones waiting.
        self._raw: list[PoseFrame] = []
        self._given = 0  # how many of ``_raw`` have been given out

    @property
    def latency_frames(self) -> int:
        """Most frames held back before the first one comes out."""
        mending = self._mender.latency_frames if self._mender else 0
        return mending + self.block + self.lookahead

    def push(self, frame: PoseFrame) -> list[PoseFrame]:
        """Add the next raw frame; the smoothed frames now ready, in order."""
        return self._take(self._mender.push(frame) if self._mender else [frame])

    def flush(self) -> list[PoseFrame]:
        """The stream ended: every frame still held, smoothed."""
        out = self._take(self._mender.flush() if self._mender else [])
        return out + self._emit(len(self._raw) - self._given, final=True)

    def _take(self, frames: list[PoseFrame]) -> list[PoseFrame]:
        """Hold (mended) raw frames; give out each block whose look-ahead is in."""
        out: list[PoseFrame] = []
        for frame in frames:
            self._raw.append(frame)
            if len(self._raw) - self._given >= self.block + self.lookahead:
                out += self._emit(self.block, final=False)
        return out

    def _emit(self, count: int, *, final: bool) -> list[PoseFrame]:
        if count <= 0:
            return []
        out = _smooth_span(
            self._raw, self.settings, self.cutoff_hz, self._given, self._given + count
        )
        self._given += count
        if not final:
            # Keep ``history`` frames before the next block for the filter.
            drop = max(0, self._given - self.history)
            del self._raw[:drop]
            self._given -= drop
        return out


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
