from __future__ import annotations

import math

import numpy as np
import pytest

from formcoach import body, geometry
from formcoach.landmarks import Landmark as L


@pytest.mark.parametrize(
    "a, b, c, expected",
    [
        ((0, -1), (0, 0), (1, 0), 90.0),  # right angle
        ((0, -1), (0, 0), (0, 1), 180.0),  # straight line (straight knee)
        ((1, 0), (0, 0), (1, 0), 0.0),  # folded completely
        ((1, 1), (0, 0), (1, 0), 45.0),
        ((0, -2), (0, 0), (math.sqrt(3), -1), 60.0),  # segment lengths differ
        ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),  # 3D
    ],
)
def test_joint_angle_known_answers(a, b, c, expected):
    got = geometry.joint_angle_deg(
        np.array(a, float), np.array(b, float), np.array(c, float)
    )
    assert got == pytest.approx(expected, abs=1e-9)


def test_joint_angle_vectorised_and_nan():
    a = np.array([[0, -1], [np.nan, 0], [0, 0]], float)
    b = np.zeros((3, 2))
    c = np.array([[1, 0], [1, 0], [1, 0]], float)
    got = geometry.joint_angle_deg(a, b, c)
    assert got[0] == pytest.approx(90.0)
    assert np.isnan(got[1])  # missing point
    assert np.isnan(got[2])  # zero-length segment


@pytest.mark.parametrize(
    "top, bottom, expected",
    [
        ((0, 0), (0, 10), 0.0),  # image y down: top above bottom = upright
        ((10, 0), (0, 10), 45.0),
        ((-10, 10), (0, 10), 90.0),  # horizontal
        ((0, 20), (0, 10), 180.0),  # upside down
    ],
)
def test_segment_angle_to_vertical(top, bottom, expected):
    got = geometry.segment_angle_to_vertical_deg(
        np.array(top, float), np.array(bottom, float)
    )
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    "top, facing, expected",
    [
        ((10, 0), 1, 45.0),  # faces right, shoulders ahead: forward lean
        ((10, 0), -1, -45.0),  # faces left, shoulders behind: backward lean
        ((0, 0), 1, 0.0),
    ],
)
def test_signed_lean(top, facing, expected):
    got = geometry.signed_lean_deg(np.array(top, float), np.array([0.0, 10.0]), facing)
    assert got == pytest.approx(expected)


def test_leg_length_does_not_shrink_when_knee_bends():
    hip = np.array([0.0, 0.0])
    straight = geometry.leg_length(hip, np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    # Knee bent forward: thigh and shank still 1 long, hip-ankle only 1.6.
    bent = geometry.leg_length(hip, np.array([0.6, 0.8]), np.array([0.0, 1.6]))
    assert straight == pytest.approx(2.0)
    assert bent == pytest.approx(2.0)


@pytest.mark.parametrize(
    "scale, expected",
    [(2.0, 2.5), (0.0, np.nan), (np.nan, np.nan), (-1.0, np.nan)],
)
def test_normalised_distance(scale, expected):
    got = geometry.normalised_distance(
        np.array([0.0, 0.0]), np.array([3.0, 4.0]), scale
    )
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected)


def _side_view_facing_right() -> np.ndarray:
    """A stick figure seen from its left, facing image-right (+x)."""
    xy = np.full((33, 2), 100.0)
    xy[L.LEFT_HEEL], xy[L.LEFT_FOOT_INDEX] = (100.0, 400.0), (130.0, 400.0)
    xy[L.RIGHT_HEEL], xy[L.RIGHT_FOOT_INDEX] = (110.0, 400.0), (140.0, 400.0)
    xy[L.LEFT_EAR], xy[L.RIGHT_EAR] = (100.0, 50.0), (102.0, 50.0)
    xy[L.NOSE] = (115.0, 55.0)
    return xy


@pytest.mark.parametrize(
    "lost, expected",
    [
        ((), 1.0),
        ((L.LEFT_HEEL, L.LEFT_FOOT_INDEX), 1.0),  # the right foot gives the scale
        ((L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX), 1.0),
        ((L.LEFT_HEEL, L.RIGHT_FOOT_INDEX), math.nan),  # no foot to scale by
    ],
)
def test_facing_with_points_lost(lost, expected):
    xy = _side_view_facing_right()
    xy[list(lost)] = np.nan
    for got in (body.facing(xy), body.facing(xy[None]), body.facing(-xy[None]) * -1):
        assert got == expected or (math.isnan(got) and math.isnan(expected))
