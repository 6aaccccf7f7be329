"""Measures from the world landmarks: the body's own axes, whatever the view.

MediaPipe's world landmarks are metres with the origin between the hips,
``x`` to the image's right, ``y`` down and ``z`` away from the camera. Seen
from the front, a step back is a change in ``z``, which the picture shows only
as a small rise of the foot; in the body's own axes it is a plain step
*backward*. This module gives those axes and projects points onto them:

* *forward*: horizontal, where the pelvis faces (up × hip line);
* *right*: the person's right, horizontal;
* *sagittal* coordinates ``(s, v)``: along forward and down, the plane a side
  view sees; *frontal* coordinates ``(l, v)``: along right and down, the
  plane a front view sees.

Every function takes world points of shape ``(..., 33, 3)``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from . import body, geometry
from .landmarks import Landmark as L

FloatArray = npt.NDArray[np.float64]

#: Down in world coordinates (``y`` points down).
DOWN = np.array([0.0, 1.0, 0.0])

#: The points of each foot that touch the floor.
FOOT_POINTS = (L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)


def forward_axis(world: FloatArray) -> FloatArray:
    """Unit horizontal vector(s) where the pelvis faces, NaN where unknown.

    ``up × (right hip − left hip)``: for a person facing the camera it points
    toward the camera (``−z``).
    """
    if type(world) is np.ndarray and world.ndim == 2 and world.dtype == np.float64:
        return _forward_axis_of_one(
            world[L.RIGHT_HIP].tolist(), world[L.LEFT_HIP].tolist()
        )
    hips = np.asarray(world[..., L.RIGHT_HIP, :] - world[..., L.LEFT_HIP, :], float)
    # up × (hips' horizontal part) = (-hz, 0, hx), written out: np.cross costs
    # more than the rest of a frame's rules.
    axis = np.stack([-hips[..., 2], np.zeros_like(hips[..., 0]), hips[..., 0]], axis=-1)
    norm = np.sqrt((axis * axis).sum(axis=-1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 1e-6, axis / norm, np.nan)


def _forward_axis_of_one(right_hip: list[float], left_hip: list[float]) -> FloatArray:
    """:func:`forward_axis` of one frame, with its sums on plain floats."""
    hx, hz = right_hip[0] - left_hip[0], right_hip[2] - left_hip[2]
    axis = (-hz, 0.0, hx)
    norm = math.sqrt(sum(x * x for x in axis))
    if not norm > 1e-6:
        return np.full(3, np.nan)
    return np.array([x / norm for x in axis])


def mean_direction(vectors: FloatArray) -> FloatArray:
    """The normalised mean of ``(n, 3)`` unit vectors (NaN rows ignored)."""
    finite = np.isfinite(vectors).all(axis=-1)
    if not finite.any():
        return np.full(3, np.nan)
    mean = vectors[finite].mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 1e-6 else np.full(3, np.nan)


def right_axis(forward: FloatArray) -> FloatArray:
    """The person's right for a forward axis (horizontal, unit)."""
    forward = np.asarray(forward, float)
    # forward × up = (fz, 0, -fx), written out (see forward_axis).
    return np.stack(
        [forward[..., 2], np.zeros_like(forward[..., 0]), -forward[..., 0]], axis=-1
    )


def sagittal(world: FloatArray, forward: FloatArray) -> FloatArray:
    """``(..., 2)`` coordinates (forward, down) in metres: a side view's plane."""
    return np.stack([world @ forward, world @ DOWN], axis=-1)


def frontal(world: FloatArray, forward: FloatArray) -> FloatArray:
    """``(..., 2)`` coordinates (right, down) in metres: a front view's plane."""
    return np.stack([world @ right_axis(forward), world @ DOWN], axis=-1)


def floor_depth(world: FloatArray) -> FloatArray | float:
    """How far below the hips the lowest foot point is (metres, ``≈`` hip height)."""
    if type(world) is np.ndarray and world.ndim == 2:
        heights = [float(world[i, 1]) for i in FOOT_POINTS]
        return math.nan if any(map(math.isnan, heights)) else max(heights)
    return np.max(world[..., list(FOOT_POINTS), 1], axis=-1)


def leg_length(world: FloatArray) -> FloatArray | float:
    """Hip-knee + knee-ankle in metres, the longer leg: the image measure
    (:func:`body.leg_length`, ``"longer"``) on the world points."""
    return body.leg_length(world, "longer")


def joint_angle_deg(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Inner angle at ``b`` in 3D (degrees, 180 straight)."""
    return geometry.joint_angle_deg(a, b, c)


def knee_valgus_deg(
    hip: FloatArray, knee: FloatArray, ankle: FloatArray, side: str
) -> float:
    """Frontal-plane projection angle of a leg: + when the knee caves inward.

    Args:
        hip, knee, ankle: Frontal coordinates ``(l, v)`` (see :func:`frontal`).
        side: ``"left"`` or ``"right"``: which leg, so inward is known.

    Returns:
        180° minus the hip-knee-ankle angle in the frontal plane, signed +
        when the knee lies toward the body's midline of the hip-ankle line
        (dynamic knee valgus), − when outward.
    """
    hip, knee, ankle = (np.asarray(p, float) for p in (hip, knee, ankle))
    u, w = hip - knee, ankle - knee
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = float(np.dot(u, w) / (np.linalg.norm(u) * np.linalg.norm(w)))
    bend = 180.0 - float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    span = ankle[1] - hip[1]
    if abs(span) < 1e-9:
        return float("nan")
    line_l = hip[0] + (ankle[0] - hip[0]) * (knee[1] - hip[1]) / span
    # The midline is toward −right for the right leg and +right for the left.
    inward = (line_l - knee[0]) if side == "right" else (knee[0] - line_l)
    return bend if inward >= 0 else -bend


def pelvic_tilt_deg(left_hip: FloatArray, right_hip: FloatArray) -> float:
    """Angle of the hip line from horizontal in the frontal plane (unsigned)."""
    dl, dv = np.asarray(right_hip, float) - left_hip
    return float(np.degrees(np.arctan2(abs(dv), abs(dl))))
