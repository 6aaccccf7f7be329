"""Camera setup check before a live set: framing, distance, light, view.

Each check returns a short instruction for the person in front of the camera,
or nothing when that part of the setup is fine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import body
from .landmarks import Landmark as L
from .lighting import measure_light
from .pose import PoseFrame

_FEET = (L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)
_HEAD = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)


@dataclass(frozen=True)
class SetupAdvice:
    """The result of a setup check: ``ok`` or a list of things to change."""

    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing needs changing."""
        return not self.problems


def check_setup(
    pose: PoseFrame,
    image_rgb: npt.NDArray[np.uint8] | None,
    *,
    needed_views: tuple[str, ...] = ("side", "oblique"),
    min_visibility: float = 0.5,
    side_max: float = 0.35,
    front_min: float = 0.45,
    dark_luma: float = 70.0,
    backlit_background_luma: float = 170.0,
    backlit_ratio: float = 0.65,
) -> SetupAdvice:
    """Check one frame of the camera setup.

    Args:
        pose: The frame's pose.
        image_rgb: The frame, for the light check (``None`` skips it).
        needed_views: Views the exercise can be judged from.
        min_visibility: Below this a landmark counts as not seen.
        side_max: Width ratio at or below which the view is "side".
        front_min: Width ratio at or above which the view is "front".
        dark_luma: Mean luma (0-255) below which the picture is too dark
            (``lighting.dark_luma``).
        backlit_background_luma: With a background at least this bright...
        backlit_ratio: ...and the person's box at most this fraction of it,
            the light is behind the person (``lighting.backlit_*``).

    Returns:
        What to change, most important first.
    """
    problems: list[str] = []
    # One pass over the pixels serves both light checks.
    light = (
        measure_light(image_rgb, pose, 0.0, min_visibility)
        if image_rgb is not None
        else None
    )
    if light is not None and light.frame_luma < dark_luma:
        problems.append("Too dark: turn on a light or face a window.")
    if pose.is_empty():
        problems.append("Step into the picture: no one is visible.")
        return SetupAdvice(tuple(problems))
    if light is not None and light.is_backlit(backlit_background_luma, backlit_ratio):
        problems.append(
            "Light behind you: face the light, or turn so the window is not behind you."
        )
    w, h = pose.resolution_wh
    seen = pose.visibility >= min_visibility
    feet_in = all(seen[i] and 0 <= pose.xy[i, 1] < h for i in _FEET)
    head_in = any(seen[i] and pose.xy[i, 1] >= 0 for i in _HEAD)
    if not feet_in:
        problems.append("Feet not visible: move the camera back or tilt it down.")
    if not head_in:
        problems.append("Head cut off: move the camera back or tilt it up.")
    ys = pose.xy[:, 1][seen]
    if ys.size:
        height = (float(ys.max()) - float(ys.min())) / h
        if feet_in and head_in and height < 0.35:
            problems.append("Too far away: come closer so you fill half the picture.")
        if height > 0.98:
            problems.append("Too close: step back from the camera.")
    x = float(np.nanmean(pose.xy[[L.LEFT_HIP, L.RIGHT_HIP], 0]))
    if x < 0.1 * w or x > 0.9 * w:
        problems.append("Move to the middle of the picture.")
    ratio = float(body.width_ratio(pose.xy))
    view = body.classify_view(ratio, side_max, front_min)
    if view not in needed_views and view != "unknown":
        problems.append(
            "Turn sideways to the camera: this exercise is judged from the side."
        )
    return SetupAdvice(tuple(problems))
