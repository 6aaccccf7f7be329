"""Body measures shared by the coaches: joint angles, trunk lean, view, facing.

Every function takes a :class:`~formcoach.pose.PoseFrame` (or the arrays of a
whole clip) and returns NaN where the landmarks it needs are not seen well
enough, so a check can say "not measurable" instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from . import geometry
from .landmarks import Landmark as L
from .pose import PoseFrame

View = Literal["side", "front", "oblique", "unknown"]

#: Landmarks that make a "full body" pose: shoulders down to the feet.
FULL_BODY = (
    L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP,
    L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE,
    L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX,
)  # fmt: skip
_FULL_BODY = np.array(FULL_BODY)  # as an index, made once

#: Angles drawn on video and reported: name -> (a, vertex, b).
JOINT_ANGLES: dict[str, tuple[L, L, L]] = {
    "left_knee": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right_knee": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
    "left_hip": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE),
    "right_hip": (L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE),
}


def is_full_body(frame: PoseFrame, min_confidence: float) -> bool:
    """True for a confident full-body pose: shoulders to toes in the picture.

    Every :data:`FULL_BODY` landmark must be *present* (in the frame) and the
    body as a whole *visible* on average. Single points are not required to be
    visible: in a side view the far knee is hidden behind the near leg for
    part of every lunge, and that is not a tracking failure.
    """
    if not (frame.presence[_FULL_BODY] >= min_confidence).all():
        return False
    # np.mean's own steps (its sum, a float64 division, back to the array's
    # type) without its wrapper, which costs more than the sum of 12 points.
    visibility = frame.visibility[_FULL_BODY]
    total = np.add.reduce(visibility)
    mean = float(total.dtype.type(float(total) / visibility.size))
    return mean >= min_confidence


def feet_visible(frame: PoseFrame, min_visibility: float) -> bool:
    """True when both heels and both toes are seen inside the picture."""
    marks = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    h = frame.resolution_wh[1]
    return bool(
        np.all(frame.visibility[marks] >= min_visibility)
        and np.all(frame.xy[marks, 1] < h)
    )


def joint_angles(frame: PoseFrame, min_visibility: float) -> dict[str, float]:
    """The :data:`JOINT_ANGLES` of one frame in degrees (NaN when not seen)."""
    out = {}
    for name, (a, b, c) in JOINT_ANGLES.items():
        if (
            min(frame.visibility[a], frame.visibility[b], frame.visibility[c])
            < min_visibility
        ):
            out[name] = float("nan")
        else:
            out[name] = float(
                geometry.joint_angle_deg(frame.xy[a], frame.xy[b], frame.xy[c])
            )
    return out


def trunk_lean_deg(frame: PoseFrame) -> float:
    """Unsigned angle of the hip-midpoint→shoulder-midpoint line from vertical."""
    shoulders = geometry.midpoint(frame.xy[L.LEFT_SHOULDER], frame.xy[L.RIGHT_SHOULDER])
    hips = geometry.midpoint(frame.xy[L.LEFT_HIP], frame.xy[L.RIGHT_HIP])
    return float(geometry.segment_angle_to_vertical_deg(shoulders, hips))


def width_ratio(xy: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Shoulder-and-hip width over trunk length, per frame.

    Args:
        xy: Landmarks of shape ``(..., 33, 2)``.

    Returns:
        Shape ``(...)``: about 0.7-0.8 for a person facing the camera, near 0 in
        profile. The mean of shoulder and hip widths is used because the
        shoulders alone shrink when the arms cross the chest.
    """
    if type(xy) is np.ndarray and xy.ndim == 2:
        return _width_ratio_of_one(xy)
    shoulder_w = np.abs(xy[..., L.LEFT_SHOULDER, 0] - xy[..., L.RIGHT_SHOULDER, 0])
    hip_w = np.abs(xy[..., L.LEFT_HIP, 0] - xy[..., L.RIGHT_HIP, 0])
    shoulders = geometry.midpoint(
        xy[..., L.LEFT_SHOULDER, :], xy[..., L.RIGHT_SHOULDER, :]
    )
    hips = geometry.midpoint(xy[..., L.LEFT_HIP, :], xy[..., L.RIGHT_HIP, :])
    trunk = geometry.distance(shoulders, hips)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(trunk > 0, (shoulder_w + hip_w) / 2.0 / trunk, np.nan)


def _width_ratio_of_one(xy: npt.NDArray[np.floating]) -> np.float64:
    """:func:`width_ratio` of one frame: the same steps on scalars.

    The widths keep the array's type (float32 for a model's frame), as the
    array path does; midpoints and distance are float64.
    """
    (ls, rs, lh, rh) = (xy[i] for i in _TRUNK)
    shoulder_w, hip_w = abs(ls[0] - rs[0]), abs(lh[0] - rh[0])
    shoulders = geometry.midpoint_of_points(ls.tolist(), rs.tolist())
    hips = geometry.midpoint_of_points(lh.tolist(), rh.tolist())
    trunk = geometry.distance_of_points(shoulders, hips)
    if not trunk > 0:
        return np.float64(math.nan)
    return np.float64(float((shoulder_w + hip_w) / 2.0) / trunk)


_TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


def classify_view(ratio: float, side_max: float, front_min: float) -> View:
    """Camera view from a (median) :func:`width_ratio`."""
    if np.isnan(ratio):
        return "unknown"
    if ratio <= side_max:
        return "side"
    if ratio >= front_min:
        return "front"
    return "oblique"


def clip_view(frames: Sequence[PoseFrame], side_max: float, front_min: float) -> View:
    """The view of a whole clip: the median width ratio over frames with a pose."""
    if not frames:
        return "unknown"
    ratios = width_ratio(np.stack([f.xy for f in frames]))
    ratios = ratios[~np.isnan(ratios)]
    if ratios.size == 0:
        return "unknown"
    return classify_view(float(np.median(ratios)), side_max, front_min)


def facing_votes(
    xy: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating] | None = None,
) -> npt.NDArray[np.floating]:
    """Each frame's facing: the weighted sum of the :data:`FACING_VOTES`.

    Three votes: toe minus heel along x (each foot) and nose minus the ears'
    midpoint; a vote shorter than a fifth of a foot's length (the left's, or
    the right's where the left is not seen) does not count (a foot seen
    end-on, a head turned to the camera). With
    ``visibility`` each vote is weighted by how well its points are seen
    (the lower of the two), so a hidden far foot counts less.

    Args:
        xy: Landmarks ``(..., 33, 2)``: one frame or a whole clip.
        visibility: Matching ``(..., 33)`` visibilities, or None (weight 1).

    Returns:
        Shape ``(...)``: positive toward image-right, negative image-left,
        0 (no vote) where unclear.
    """
    xy = np.asarray(xy, dtype=np.float64)
    ears = geometry.midpoint(xy[..., L.LEFT_EAR, 0], xy[..., L.RIGHT_EAR, 0])
    diffs = np.stack(
        [
            xy[..., L.LEFT_FOOT_INDEX, 0] - xy[..., L.LEFT_HEEL, 0],
            xy[..., L.RIGHT_FOOT_INDEX, 0] - xy[..., L.RIGHT_HEEL, 0],
            xy[..., L.NOSE, 0] - ears,
        ],
        axis=-1,
    )
    scale = geometry.distance(xy[..., L.LEFT_HEEL, :], xy[..., L.LEFT_FOOT_INDEX, :])
    right = geometry.distance(xy[..., L.RIGHT_HEEL, :], xy[..., L.RIGHT_FOOT_INDEX, :])
    # The left foot lost (often for a moment, behind the other leg): the right
    # foot gives the scale, or the nose alone could never vote.
    scale = np.where(np.isnan(scale), right, scale)
    # A foot of no length scales by 1 px; with both feet unseen no vote counts.
    scale = np.where(scale == 0, 1.0, scale)
    with np.errstate(invalid="ignore"):
        counted = ~np.isnan(diffs) & (np.abs(diffs) > 0.2 * scale[..., None])
    signs = np.where(counted, np.sign(np.nan_to_num(diffs)), 0.0)
    if visibility is None:
        return signs.sum(axis=-1)
    vis = np.asarray(visibility, dtype=np.float64)
    weights = np.stack(
        [
            np.fmin(vis[..., L.LEFT_HEEL], vis[..., L.LEFT_FOOT_INDEX]),
            np.fmin(vis[..., L.RIGHT_HEEL], vis[..., L.RIGHT_FOOT_INDEX]),
            np.fmin(
                vis[..., L.NOSE], np.fmax(vis[..., L.LEFT_EAR], vis[..., L.RIGHT_EAR])
            ),
        ],
        axis=-1,
    )
    return (signs * np.nan_to_num(weights)).sum(axis=-1)


def facing(
    xy: npt.NDArray[np.floating],
    visibility: npt.NDArray[np.floating] | None = None,
) -> float:
    """+1 when the person faces image-right, -1 image-left, NaN if unclear.

    The one facing rule of FormCoach. For one frame ``(33, 2)`` it is the sign
    of :func:`facing_votes`; for a clip ``(n, 33, 2)`` each frame votes with
    that sign and the majority wins, so a head turned to look back or a foot
    seen end-on for a while does not flip it.
    """
    if visibility is None and type(xy) is np.ndarray and xy.ndim == 2:
        return _facing_of_one(xy.tolist())  # a coach's frame: plain floats
    votes = np.sign(facing_votes(xy, visibility))
    total = float(np.sum(votes))
    return float(np.sign(total)) if total != 0 else float("nan")


def _facing_of_one(xy: list[list[float]]) -> float:
    """:func:`facing` of one frame's points, with the very sums of
    :func:`facing_votes` on plain floats (numpy costs more per call here than
    the arithmetic)."""
    left_heel, left_toe = xy[L.LEFT_HEEL], xy[L.LEFT_FOOT_INDEX]
    ears = (xy[L.LEFT_EAR][0] + xy[L.RIGHT_EAR][0]) / 2.0
    diffs = (
        left_toe[0] - left_heel[0],
        xy[L.RIGHT_FOOT_INDEX][0] - xy[L.RIGHT_HEEL][0],
        xy[L.NOSE][0] - ears,
    )
    scale = geometry.distance_of_points(left_heel, left_toe)
    if math.isnan(scale):
        scale = geometry.distance_of_points(xy[L.RIGHT_HEEL], xy[L.RIGHT_FOOT_INDEX])
    if scale == 0:
        scale = 1.0
    total = 0.0
    for diff in diffs:  # NaN fails the test: no vote
        if abs(diff) > 0.2 * scale:
            total += 1.0 if diff > 0 else -1.0
    return math.copysign(1.0, total) if total != 0 else float("nan")


def facing_sign(frame: PoseFrame) -> float:
    """:func:`facing` of one frame (toes from heels, backed up by the nose)."""
    return facing(frame.xy)


_LEGS = {
    "left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
}


def leg_length(
    xy: npt.NDArray[np.floating],
    side: Literal["left", "right", "longer"] = "left",
) -> npt.NDArray[np.floating]:
    """Leg length in pixels (thigh + shank of ``side``), per frame.

    The one body-size scale of the coaches: it does not shrink when the knee
    bends (:func:`geometry.leg_length`).

    Args:
        xy: Landmarks ``(..., 33, 2)``, or world landmarks ``(..., 33, 3)``
            (the length is then in metres: :func:`world.leg_length`).
        side: Which leg; ``longer`` takes the longer of the two, since in a
            side view the far leg is foreshortened or half hidden.

    Returns:
        Shape ``(...)``; NaN where a point is missing.
    """
    if type(xy) is np.ndarray and xy.ndim == 2:  # one frame: plain floats
        lengths = [_leg_of_one(xy, s) for s in _SIDES[side]]
        if any(map(math.isnan, lengths)):
            return np.float64(math.nan)
        return np.float64(max(lengths))
    if side == "longer":
        return np.maximum(leg_length(xy, "left"), leg_length(xy, "right"))
    hip, knee, ankle = _LEGS[side]
    return geometry.leg_length(xy[..., hip, :], xy[..., knee, :], xy[..., ankle, :])


_SIDES = {"left": ("left",), "right": ("right",), "longer": ("left", "right")}


def _leg_of_one(xy: npt.NDArray[np.floating], side: str) -> float:
    return geometry.leg_length_of_points(*(xy[i].tolist() for i in _LEGS[side]))


def median_leg_length(
    xy: npt.NDArray[np.floating], side: Literal["left", "right"] = "left"
) -> float:
    """The median :func:`leg_length` over a clip ``(n, 33, 2)`` (NaN if unseen)."""
    legs = leg_length(xy, side)
    if np.isnan(legs).all():
        return float("nan")
    return float(np.nanmedian(legs))
