"""The gait layer's world-landmark side view (used for front/back views)."""

from __future__ import annotations

import numpy as np
import pytest

from formcoach import gait
from formcoach.landmarks import Landmark as L
from formcoach.settings import load_config

from .conftest import SHARED, make_pose_frame


def test_hand_built_frames_without_world_points_keep_the_image_path():
    # make_pose_frame fills world_xyz with zeros: no usable world points.
    frames = [make_pose_frame({L.LEFT_HIP: (0, 0)}, frame_index=i) for i in range(6)]
    assert gait.world_side_xy(frames) is None


@pytest.mark.parametrize("travel", [+1, -1])
def test_swing_sign_follows_the_raised_foot(travel):
    t = np.arange(60) / 30.0
    phase = 2 * np.pi * t  # one stride a second
    # Relative to the hip, each foot goes out and back; it is raised while it
    # moves in the direction of travel.
    rel = np.stack([np.sin(phase), np.sin(phase + np.pi)], axis=1) * 0.3
    vel = np.gradient(rel, axis=0)
    height = np.where(vel * travel > 0, 0.05, 0.0)
    assert gait._swing_sign(rel, height, 30.0) == travel


def test_swing_sign_is_none_when_the_feet_never_lift():
    rel = np.zeros((30, 2))
    assert gait._swing_sign(rel, np.zeros((30, 2)), 30.0) is None


def _filmed(clip: str, camera: str) -> list:
    """A shared motion-capture clip seen by a virtual ``camera``."""
    from formcoach.mocap.analyze import load_motion
    from formcoach.mocap.virtual_camera import CameraSettings, place_camera, pose_frames

    path = SHARED / "mocap" / f"{clip}.bvh"
    if not path.is_file():
        pytest.skip(f"motion capture not available: {path} (../shared is absent)")
    motion = load_motion(path)
    return pose_frames(motion, place_camera(motion.xyz_m, CameraSettings(view=camera)))


@pytest.mark.shared
@pytest.mark.parametrize(
    "camera, source", [("side", "image"), ("front", "world"), ("back", "world")]
)
@pytest.mark.parametrize(
    "clip, direction",
    [
        ("dataset-1_walk-back_active_001", "backward"),
        ("dataset-1_walk_normal_001", "forward"),
    ],
)
def test_front_and_back_views_use_the_world_side_view(clip, direction, camera, source):
    frames = _filmed(clip, camera)
    settings = gait.GaitSettings.from_config(load_config())
    result = gait.analyze_gait(frames, settings)
    assert result.source == source
    assert result.direction == direction
    assert abs(result.step_count - 12) <= 1
    # The picture alone gets the front/back views wrong.
    if source == "world":
        image = gait._analyze_plane(*gait._arrays(frames), settings)
        assert (image.direction, image.step_count) != (direction, result.step_count)


@pytest.mark.shared
@pytest.mark.parametrize("camera", ["front", "back"])
@pytest.mark.parametrize(
    "clip, direction",
    [
        ("dataset-1_walk-back_active_001", "backward"),
        ("dataset-1_walk_normal_001", "forward"),
    ],
)
def test_world_side_view_survives_flattened_noisy_depth(clip, direction, camera):
    """A model's depth is rougher than motion capture: with the depth toward
    the camera squeezed to 60 % and 2 cm of noise on every point, then
    smoothed as in an analysis, the steps and the direction hold."""
    import dataclasses

    from formcoach.smoothing import smooth_offline

    frames = _filmed(clip, camera)
    rng = np.random.default_rng(0)
    rough = []
    for f in frames:
        w = f.world_xyz.astype(np.float64) * (1.0, 1.0, 0.6)
        w += rng.normal(0.0, 0.02, w.shape)
        rough.append(dataclasses.replace(f, world_xyz=w.astype(np.float32)))
    config = load_config()
    result = gait.analyze_gait(
        smooth_offline(rough, config), gait.GaitSettings.from_config(config)
    )
    assert result.source == "world"
    assert result.direction == direction
    assert abs(result.step_count - 12) <= 1


@pytest.mark.parametrize("source, warned", [("image", True), ("world", False)])
def test_front_view_warning_only_when_the_picture_was_all_there_was(
    monkeypatch, source, warned
):
    from formcoach.exercises import create_coach, locomotion
    from formcoach.settings import load_config

    found = gait.GaitAnalysis(
        contacts=[
            gait.Contact(0.5 * k, 15 * k, "left", "ball", 0.3, 0.6) for k in range(4)
        ],
        direction="backward",
        view="front",
        source=source,
    )
    monkeypatch.setattr(locomotion, "analyze_gait", lambda *a, **k: found)
    coach = create_coach("backward-walk", load_config())
    coach.update(make_pose_frame({L.LEFT_HIP: (600, 300)}))
    result = coach.finish()
    codes = [w.code for w in result.warnings]
    assert ("view.not_measurable" in codes) is warned
    assert ("landing" in result.summary["checks_not_measurable"]) is warned
