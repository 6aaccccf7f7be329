"""Unit tests of the input checks: light, orientation, person out of view."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcoach.input_checks import lighting_warnings, person_lost_spans
from formcoach.landmarks import Landmark as L
from formcoach.lighting import measure_light
from formcoach.orientation import camera_tilt_deg, upright_turn_deg
from formcoach.pose import PoseFrame
from formcoach.settings import load_config

from .conftest import make_pose_frame

# A person standing upright in a 1280x720 picture: (x, y) pixels.
STANDING = {
    L.LEFT_SHOULDER: (640, 200), L.RIGHT_SHOULDER: (650, 200),
    L.LEFT_HIP: (640, 400), L.RIGHT_HIP: (650, 400),
    L.LEFT_ANKLE: (630, 650), L.RIGHT_ANKLE: (660, 650),
}  # fmt: skip


def turned(points: dict, degrees: float, centre=(640, 360)) -> dict:
    """The points turned clockwise on screen (y points down) about ``centre``."""
    a = math.radians(degrees)
    cx, cy = centre
    out = {}
    for k, (x, y) in points.items():
        dx, dy = x - cx, y - cy
        out[k] = (cx + dx * math.cos(a) - dy * math.sin(a),
                  cy + dx * math.sin(a) + dy * math.cos(a))  # fmt: skip
    return out


@pytest.mark.parametrize(
    "picture_turn, expected_fix", [(0, 0), (90, 270), (180, 180), (270, 90), (20, 0)]
)
def test_upright_turn_undoes_a_quarter_turn(picture_turn, expected_fix):
    frames = [make_pose_frame(turned(STANDING, picture_turn))] * 5
    assert upright_turn_deg(frames) == expected_fix


@pytest.mark.parametrize("tilt", [-35.0, -10.0, 0.0, 12.0, 40.0])
def test_camera_tilt_is_the_lean_of_standing_legs(tilt):
    frames = [make_pose_frame(turned(STANDING, tilt))]
    # Legs from between the ankles (645, 650) to between the hips (645, 400).
    assert camera_tilt_deg(frames) == pytest.approx(tilt, abs=0.5)


def test_no_person_gives_no_orientation():
    empty = [PoseFrame.empty(0, 0.0, (1280, 720))]
    assert upright_turn_deg(empty) == 0
    assert camera_tilt_deg(empty) is None


def _present(i: int) -> PoseFrame:
    return make_pose_frame(STANDING, frame_index=i, timestamp_ms=i * 100.0)


def _absent(i: int) -> PoseFrame:
    return PoseFrame.empty(i, i * 100.0, (1280, 720))


@pytest.mark.parametrize(
    "absent, expected",
    [
        (range(10, 25), [(1.0, 2.5)]),  # gone 1.5 s mid-clip
        (range(10, 19), []),  # 0.9 s: a missed detection or two, not a person gone
        (range(0, 15), [(0.0, 1.5)]),  # comes into the picture late
        (range(40, 50), []),  # leaves 0.9 s before the end
        (range(0, 50), []),  # nobody at all is pose.no_person, not this
    ],
)
def test_person_lost_spans(absent, expected):
    frames = [_absent(i) if i in absent else _present(i) for i in range(50)]
    assert person_lost_spans(frames, 1.0) == expected


def _image(background: int, person: int | None = None) -> np.ndarray:
    image = np.full((720, 1280, 3), background, np.uint8)
    if person is not None:
        image[200:650, 630:660] = person  # the person's box (from STANDING)
        image[300:320, 630:660] = min(255, person + 80)  # some detail
    return image


@pytest.mark.parametrize(
    "background, person, code",
    [
        (120, 80, None),  # ordinary room
        (40, 30, "video.too_dark"),
        (250, 245, "video.overexposed"),
        (250, 120, None),  # a white studio wall, the person lit: fine
        (230, 40, "video.backlit"),
    ],
)
def test_lighting_warnings(background, person, code):
    config = load_config()
    pose = make_pose_frame(STANDING)
    samples = [
        measure_light(_image(background, person), pose, t * 100.0) for t in range(10)
    ]
    codes = [w.code for w in lighting_warnings(samples, config)]
    assert codes == ([code] if code else [])
