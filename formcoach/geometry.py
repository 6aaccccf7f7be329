"""Vectorised body geometry: joint angles, segment angles, body-size distances.

All functions take numpy arrays whose last axis holds coordinates (2 for image
``xy``, 3 for world ``xyz``) and broadcast over any leading axes, so the same
call works on one frame ``(2,)`` or a whole clip ``(n_frames, 2)``. Missing
points are NaN and give NaN, never an exception.

Angle conventions:
    * ``joint_angle_deg(a, b, c)`` is the inner angle at vertex ``b`` between the
      segments ``b→a`` and ``b→c``, in ``[0, 180]``. A straight knee
      (hip, knee, ankle in line) is 180°; the lunge's "90° knee" is 90°.
    * ``segment_angle_to_vertical_deg(top, bottom)`` is the unsigned angle between
      ``bottom→top`` and straight up, in ``[0, 180]``. Image y grows downward,
      so "up" is ``(0, -1)``; an upright trunk (hip→shoulder) is 0°.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]


def joint_angle_deg(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Inner angle at ``b`` formed by points ``a`` and ``c``, in degrees.

    Args:
        a: Points of shape ``(..., d)``, the end of the first segment.
        b: Vertex points of shape ``(..., d)``.
        c: Points of shape ``(..., d)``, the end of the second segment.

    Returns:
        Angles of shape ``(...)`` in ``[0, 180]``; NaN where a point is missing
        or a segment has zero length.

    Example:
        >>> float(joint_angle_deg(np.array([0, -1.0]), np.zeros(2), np.array([1.0, 0])))
        90.0
    """
    if _one_point(a, b, c):
        return _joint_angle_of_points(a.tolist(), b.tolist(), c.tolist())
    u = np.asarray(a, dtype=np.float64) - b
    v = np.asarray(c, dtype=np.float64) - b
    # Sums written out: np.linalg.norm's overhead dominates on single points.
    norms = np.sqrt((u * u).sum(axis=-1) * (v * v).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (u * v).sum(axis=-1) / norms
    cos = np.where(norms > 0, cos, np.nan)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def segment_angle_to_vertical_deg(top: FloatArray, bottom: FloatArray) -> FloatArray:
    """Unsigned angle between the segment ``bottom→top`` and image-up, in degrees.

    Args:
        top: Upper end points of shape ``(..., 2)`` in image coordinates.
        bottom: Lower end points of shape ``(..., 2)``.

    Returns:
        Angles of shape ``(...)``: 0 for a vertical segment pointing up, 90 for a
        horizontal one.
    """
    up = np.zeros_like(np.asarray(top, dtype=np.float64))
    up[..., 1] = -1.0
    return joint_angle_deg(np.asarray(bottom, dtype=np.float64) + up, bottom, top)


def signed_lean_deg(
    top: FloatArray, bottom: FloatArray, facing_sign: FloatArray
) -> FloatArray:
    """Lean of ``bottom→top`` from vertical, positive toward where the person faces.

    Args:
        top: Upper end points ``(..., 2)`` (e.g. shoulder midpoint).
        bottom: Lower end points ``(..., 2)`` (e.g. hip midpoint).
        facing_sign: ``+1`` when the person faces image-right, ``-1`` for
            image-left, broadcastable to ``(...)``.

    Returns:
        Degrees in ``(-180, 180]``: positive is a forward lean, negative backward.
    """
    d = np.asarray(top, dtype=np.float64) - bottom
    return np.degrees(np.arctan2(d[..., 0] * facing_sign, -d[..., 1]))


def distance(a: FloatArray, b: FloatArray) -> FloatArray:
    """Euclidean distance between ``a`` and ``b`` along the last axis."""
    if _one_point(a, b):
        return np.float64(distance_of_points(a.tolist(), b.tolist()))
    d = np.asarray(a, dtype=np.float64) - b
    return np.sqrt((d * d).sum(axis=-1))


def midpoint(a: FloatArray, b: FloatArray) -> FloatArray:
    """Midpoint of ``a`` and ``b`` (NaN if either is NaN)."""
    if _one_point(a, b) and a.shape == b.shape:
        return np.array(midpoint_of_points(a.tolist(), b.tolist()))
    return (np.asarray(a, dtype=np.float64) + b) / 2.0


def midpoint_of_points(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """:func:`midpoint` of two points given as plain floats (the same sums)."""
    return [(p + q) / 2.0 for p, q in zip(a, b, strict=True)]


def leg_length(hip: FloatArray, knee: FloatArray, ankle: FloatArray) -> FloatArray:
    """Leg length as thigh + shank, which does not shrink when the knee bends.

    Used to normalise distances by body size so thresholds hold for people of
    any height and at any distance from the camera.
    """
    if _one_point(hip, knee, ankle):
        return np.float64(
            leg_length_of_points(hip.tolist(), knee.tolist(), ankle.tolist())
        )
    return distance(hip, knee) + distance(knee, ankle)


def leg_length_of_points(
    hip: Sequence[float], knee: Sequence[float], ankle: Sequence[float]
) -> float:
    """:func:`leg_length` of points given as plain floats (the same sums)."""
    return distance_of_points(hip, knee) + distance_of_points(knee, ankle)


def normalised_distance(a: FloatArray, b: FloatArray, scale: FloatArray) -> FloatArray:
    """``distance(a, b) / scale``, NaN where ``scale`` is missing or not positive."""
    scale = np.asarray(scale, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, distance(a, b) / scale, np.nan)


# Rules measure single points frame by frame: for a 2- or 3-vector, numpy's
# per-call overhead is most of the cost, so plain floats do the same sums
# (in float64, in the same order) several times faster.
def _one_point(*points: object) -> bool:
    for p in points:
        if type(p) is not np.ndarray or p.ndim != 1 or p.shape[0] > 3:
            return False
    return True


def distance_of_points(a: Sequence[float], b: Sequence[float]) -> float:
    """:func:`distance` of two points given as plain floats (the same sums)."""
    if len(a) == len(b) == 2:  # the same sums as below, written out
        dx, dy = a[0] - b[0], a[1] - b[1]
        return math.sqrt(dx * dx + dy * dy)
    if len(a) == len(b) == 3:
        dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
        return math.sqrt(dx * dx + dy * dy + dz * dz)
    d = [p - q for p, q in zip(a, b, strict=True)]
    return math.sqrt(sum(x * x for x in d))


def _joint_angle_of_points(
    a: list[float], b: list[float], c: list[float]
) -> np.float64:
    if len(a) == len(b) == len(c) == 2:  # the same sums as below, written out
        u0, u1, v0, v1 = a[0] - b[0], a[1] - b[1], c[0] - b[0], c[1] - b[1]
        norms = math.sqrt((u0 * u0 + u1 * u1) * (v0 * v0 + v1 * v1))
        if not norms > 0:  # a zero-length segment or a missing point
            return np.float64(math.nan)
        cos = (u0 * v0 + u1 * v1) / norms
    else:
        u = [p - q for p, q in zip(a, b, strict=True)]
        v = [p - q for p, q in zip(c, b, strict=True)]
        norms = math.sqrt(sum(x * x for x in u) * sum(x * x for x in v))
        if not norms > 0:
            return np.float64(math.nan)
        cos = sum(x * y for x, y in zip(u, v, strict=True)) / norms
    if math.isnan(cos):
        return np.float64(math.nan)
    # numpy's own arccos, not math.acos: on AVX-512 numpy's SIMD arccos and
    # libm's differ in the last bit, and one frame must give the batch's result.
    return np.float64(math.degrees(np.arccos(min(1.0, max(-1.0, cos)))))
