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
from .pose import PoseFrame

if TYPE_CHECKING:
    from .settings import Config


@dataclass(frozen=True)
class SmoothingSettings:
    """The ``[smoothing]`` table.

    Attributes:
        butterworth_cutoff_hz: Offline low-pass cut-off (a coach may override it).
        butterworth_order: Offline filter order (applied forward and backward).
        max_gap_s: Gaps up to this long are bridged; longer ones stay empty.
        one_euro_min_cutoff_hz: Live filter cut-off at rest.
        one_euro_beta: How fast the live cut-off rises with speed.
        one_euro_d_cutoff_hz: Cut-off of the live speed estimate.
    """

    butterworth_cutoff_hz: float
    butterworth_order: int
    max_gap_s: float
    one_euro_min_cutoff_hz: float
    one_euro_beta: float
    one_euro_d_cutoff_hz: float

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
        )

    @classmethod
    def of(cls, settings: SmoothingSettings | Config) -> SmoothingSettings:
        """``settings`` itself, or built from a config."""
        return settings if isinstance(settings, cls) else cls.from_config(settings)


def smooth_offline(
    frames: Sequence[PoseFrame],
    settings: SmoothingSettings | Config,
    *,
    cutoff_hz: float | None = None,
) -> list[PoseFrame]:
    """Zero-phase Butterworth smoothing of a whole clip, bridging short gaps.

    Frames without a person inside a short gap get interpolated landmarks and
    visibilities, so a one-frame dropout does not break a rep; longer gaps
    stay empty.

    Args:
        frames: The clip's poses in time order.
        settings: The ``[smoothing]`` settings (or a config to read them from).
        cutoff_hz: Overrides ``butterworth_cutoff_hz`` (a coach's own cut-off).
    """
    if not frames:
        return []
    settings = SmoothingSettings.of(settings)
    t_s = np.array([f.timestamp_ms for f in frames]) / 1000.0
    empty = np.array([f.is_empty() for f in frames])
    xy = np.stack([f.xy for f in frames]).astype(np.float64)
    world = np.stack([f.world_xyz for f in frames]).astype(np.float64)
    vis = np.stack([f.visibility for f in frames]).astype(np.float64)
    vis[empty] = np.nan
    kwargs = {
        "cutoff_hz": cutoff_hz
        if cutoff_hz is not None
        else settings.butterworth_cutoff_hz,
        "order": settings.butterworth_order,
        "max_gap_s": settings.max_gap_s,
    }
    xy_s = butterworth_filter(xy, t_s, **kwargs)
    world_s = butterworth_filter(world, t_s, **kwargs)
    vis_s = interpolate_gaps(vis, t_s, settings.max_gap_s)
    out = []
    for i, f in enumerate(frames):
        if np.isnan(vis_s[i]).all():
            out.append(f)
            continue
        out.append(
            replace(
                f,
                xy=xy_s[i].astype(np.float32),
                world_xyz=world_s[i].astype(np.float32),
                visibility=np.nan_to_num(vis_s[i]).astype(np.float32),
                presence=f.presence
                if not empty[i]
                else np.nan_to_num(vis_s[i]).astype(np.float32),
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
