from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcoach.catalog import SPECS
from formcoach.level import LevelSettings, Roll, estimate_roll, level
from formcoach.pose import PoseFrame
from formcoach.settings import load_config
from formcoach.setup_check import check_setup

from .synthetic import LungeSpec, frames_of, lunge_sequence

NOBODY = PoseFrame.empty(0, 0.0, (1280, 1000))


@pytest.fixture
def standing():
    return frames_of(lunge_sequence([LungeSpec()], lead_in_s=0.1))[0]


def test_good_side_view_setup(standing):
    image = np.full((1000, 1280, 3), 120, np.uint8)
    assert check_setup(standing, image).ok


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda f, img: (f, img // 10), "Too dark"),
        (lambda f, img: (NOBODY, img), "Step into the picture"),
        (lambda f, img: (_shift(f, dy=150), img), "Feet not visible"),
        (lambda f, img: (_shift(f, dx=-600), img), "Move to the middle"),
        (lambda f, img: (_scale(f, 0.3), img), "Too far away"),
    ],
)  # fmt: skip
def test_setup_problems(standing, change, expected):
    image = np.full((1000, 1280, 3), 120, np.uint8)
    frame, image = change(standing, image)
    advice = check_setup(frame, image)
    assert not advice.ok
    assert any(p.startswith(expected) for p in advice.problems), advice.problems


def _backlit(frame, image):
    """A bright window behind a dark silhouette filling the person's box."""
    image = np.full_like(image, 235)
    seen = frame.xy[frame.visibility >= 0.5]
    (x0, y0), (x1, y1) = seen.min(axis=0).astype(int), seen.max(axis=0).astype(int)
    image[y0:y1, x0:x1] = 40
    return frame, image


def test_light_behind_the_person(standing):
    image = np.full((1000, 1280, 3), 120, np.uint8)
    advice = check_setup(*_backlit(standing, image))
    assert any(p.startswith("Light behind you") for p in advice.problems)
    # The same bright room with the person lit is fine.
    lit = np.full((1000, 1280, 3), 235, np.uint8)
    assert check_setup(standing, lit).ok


def _front(standing):
    xy = standing.xy.copy()
    xy[[11, 23], 0] -= 120  # shoulders and hips wide apart: facing the camera
    xy[[12, 24], 0] += 120
    return _with(standing, xy)


def test_the_view_seen_and_what_it_measures(standing):
    """Said for the workout, from the catalog; "turn" only where nothing holds."""
    lunge, cycle = SPECS["reverse-lunge"], SPECS["backward-cycle"]
    side = check_setup(standing, None, spec=lunge)
    assert side.ok and side.view == "side"
    assert side.view_note.startswith("Seen from the side: reps per leg")
    assert "Not measurable from here: knees collapsing inward" in side.view_note
    front = check_setup(_front(standing), None, spec=lunge)
    assert front.ok and front.view == "front"  # coached in 3D, not refused
    assert "knees collapsing inward" in front.view_note
    refused = check_setup(_front(standing), None, spec=cycle)
    assert refused.problems == (cycle.view_message("front"),)
    assert "judged from the side" in refused.problems[0]
    assert check_setup(_front(standing), None).ok  # no workout: any view


def test_a_rolled_camera_is_judged_on_the_levelled_pose(standing):
    """Rolled 35 deg, the side view looks wider; levelled, it is a side view."""
    settings = LevelSettings.from_config(load_config())
    rolled = [_roll(standing, 35.0)] * settings.min_frames
    roll = estimate_roll(rolled, settings)
    assert roll is not None and roll.angle_deg == pytest.approx(35.0, abs=0.5)
    advice = check_setup(
        rolled[0], None, spec=SPECS["backward-cycle"], levelled=level(rolled[0], roll)
    )
    assert advice.view == "side" and advice.ok


def _roll(frame, degrees):
    """The frame as seen by a camera rolled so the body leans ``degrees`` right."""
    return level(frame, Roll(-degrees, 0.0, 1))


def _with(frame, xy):
    return replace(frame, xy=xy.astype(np.float32))


def _shift(frame, dx=0.0, dy=0.0):
    return _with(frame, frame.xy + np.array([dx, dy]))


def _scale(frame, k):
    centre = np.array([640.0, 500.0])
    return _with(frame, centre + (frame.xy - centre) * k)
