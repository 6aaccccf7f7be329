"""Camera setup check before a live set: framing, distance, light, view.

Each check returns a short instruction for the person in front of the camera,
or nothing when that part of the setup is fine. The view is not forced: the
check says which view it sees and what can and cannot be measured from it
for the workout (``ExerciseSpec.view_message`` in the catalog),
and asks to turn only when the workout cannot be judged from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import body
from .catalog.spec import ExerciseSpec
from .landmarks import Landmark as L
from .lighting import measure_light
from .pose import PoseFrame

_FEET = (L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)
_HEAD = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)


@dataclass(frozen=True)
class SetupAdvice:
    """The result of a setup check: ``ok`` or a list of things to change.

    Attributes:
        problems: What to change, most important first.
        view: The view seen: ``side``, ``front``, ``oblique`` or ``unknown``.
        view_note: What that view shows of the workout (empty without one).
    """

    problems: tuple[str, ...]
    view: str = "unknown"
    view_note: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing needs changing."""
        return not self.problems


def check_setup(
    pose: PoseFrame,
    image_rgb: npt.NDArray[np.uint8] | None,
    *,
    spec: ExerciseSpec | None = None,
    levelled: PoseFrame | None = None,
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
        spec: The workout: its ``valid_views`` and what each view shows
            (None: any view will do, nothing is said about it).
        levelled: The pose levelled for a rolled camera
            (:func:`formcoach.level.level`), for the view; ``pose`` when None.
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
        return SetupAdvice(tuple(problems), "unknown", "")
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
    # The width ratio uses picture x: a rolled camera must be levelled first.
    ratio = float(body.width_ratio((levelled or pose).xy))
    view = body.classify_view(ratio, side_max, front_min)
    note = spec.view_message(view) if spec is not None else ""
    # A view with notes is coached (they say what it cannot measure); only a
    # view the workout cannot be judged from at all asks to turn.
    judged = view in spec.valid_views or view in spec.view_notes if spec else True
    if not judged and view != "unknown":
        problems.append(note)
    return SetupAdvice(tuple(problems), view, note)
