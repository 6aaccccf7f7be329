"""Which way is up? Sideways and tilted cameras, from the body itself.

A phone laid on its side films the person lying down, and some files carry
no rotation metadata; every rule that uses "down" (hip drop, knee to floor,
landing) then fails silently (a sideways copy of a lunge clip gave 0 reps and
no warning). The trunk (hips to shoulders) points up within about 45 degrees
in every FormCoach workout, seated ones included, so its median direction
over a clip tells how far the picture is turned. For standing workouts the
line from between the ankles to between the hips is vertical on average
(one foot ahead, one behind), which measures a smaller camera tilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .landmarks import Landmark as L
from .pose import PoseFrame


def _axis_angles(
    frames: Sequence[PoseFrame],
    lower: tuple[int, int],
    upper: tuple[int, int],
    min_visibility: float,
) -> np.ndarray:
    """Angle of the lower-mid to upper-mid line from image up, per frame (deg).

    0 is up, +90 points to the right of the picture, -90 to the left, ±180 down.
    """
    angles = []
    for frame in frames:
        if frame.is_empty():
            continue
        idx = [*lower, *upper]
        if (frame.visibility[idx] < min_visibility).any():
            continue
        low = frame.xy[list(lower)].mean(axis=0)
        up = frame.xy[list(upper)].mean(axis=0)
        dx, dy = up - low
        if np.isfinite(dx) and np.isfinite(dy) and (dx or dy):
            angles.append(np.degrees(np.arctan2(dx, -dy)))
    return np.asarray(angles, dtype=float)


def _median_direction(
    frames: Sequence[PoseFrame],
    lower: tuple[int, int],
    upper: tuple[int, int],
    min_visibility: float,
) -> float | None:
    """Median of :func:`_axis_angles` that survives the ±180 wrap; None if unseen."""
    angles = _axis_angles(frames, lower, upper, min_visibility)
    if not angles.size:
        return None
    rad = np.radians(angles)
    centre = np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())  # mean direction
    offsets = np.angle(np.exp(1j * (rad - centre)))
    return float(np.degrees(centre + np.median(offsets)))


def trunk_direction_deg(
    frames: Sequence[PoseFrame], min_visibility: float = 0.5
) -> float | None:
    """Median direction of the trunk (hips to shoulders) from image up, degrees."""
    return _median_direction(
        frames,
        (L.LEFT_HIP, L.RIGHT_HIP),
        (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
        min_visibility,
    )


def upright_turn_deg(
    frames: Sequence[PoseFrame], min_visibility: float = 0.5, min_deg: float = 60.0
) -> int:
    """Clockwise quarter turn (0, 90, 180, 270) that makes the person upright.

    Args:
        frames: The clip's poses.
        min_visibility: Below this a landmark counts as not seen.
        min_deg: The trunk must point at least this far from up before the
            picture counts as turned.

    Returns:
        0 when the person is upright (or no trunk was seen).
    """
    direction = trunk_direction_deg(frames, min_visibility)
    if direction is None or abs(direction) < min_deg:
        return 0
    return round(-direction / 90.0) % 4 * 90


def camera_tilt_deg(
    frames: Sequence[PoseFrame], min_visibility: float = 0.5
) -> float | None:
    """Median lean of the ankles-to-hips line from image up (standing workouts).

    Positive: the picture's up is turned to the right of true vertical.
    """
    return _median_direction(
        frames,
        (L.LEFT_ANKLE, L.RIGHT_ANKLE),
        (L.LEFT_HIP, L.RIGHT_HIP),
        min_visibility,
    )
