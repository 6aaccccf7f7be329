"""The :class:`Motion` type: named 3D point trajectories in metres."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..results import InputWarning


@dataclass(frozen=True)
class Motion:
    """3D trajectories of named points.

    Attributes:
        names: One name per point, as the source spells it (or BlazePose
            names once mapped by :func:`~formcoach.mocap.skeletons.to_blazepose`).
        xyz_m: ``(T, N, 3)`` float64 positions in metres; NaN where missing.
        fps: Frames per second.
        source_format: ``"bvh"`` or ``"trc"``.
        derived_points: Names of points that were not in the source but
            computed from others (e.g. a heel from the foot's geometry).
        notes: Report warnings about the input.
    """

    names: tuple[str, ...]
    xyz_m: npt.NDArray[np.float64]
    fps: float
    source_format: str
    derived_points: tuple[str, ...] = ()
    notes: tuple[InputWarning, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        shape = self.xyz_m.shape
        if len(shape) != 3 or shape[1] != len(self.names) or shape[2] != 3:
            raise ValueError(
                f"Motion.xyz_m must have shape (T, {len(self.names)}, 3), got {shape}"
            )

    @property
    def frame_count(self) -> int:
        """Number of frames."""
        return int(self.xyz_m.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration from the first to the end of the last frame."""
        return self.frame_count / self.fps if self.fps > 0 else 0.0
