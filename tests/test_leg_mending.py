"""Leg mending (formcoach/leg_mending.py): the model's short leg swaps and
glitches undone before smoothing, and nothing else touched."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcoach.leg_mending import LEFT_CHAIN, RIGHT_CHAIN, LegMender, LegMendingSettings
from formcoach.pose import PoseFrame
from formcoach.settings import load_config
from formcoach.smoothing import LookaheadSmoother, SmoothingSettings, smooth_offline

from .synthetic import (
    GROUND_Y,
    STAND_HIP,
    LungeSpec,
    Pose,
    frames_of,
    gait_sequence,
    lunge_sequence,
    split_squat_sequence,
    swap_leg_labels,
    walking_sequence,
)

CHAINS = [*LEFT_CHAIN, *RIGHT_CHAIN]


@pytest.fixture(scope="module")
def settings() -> LegMendingSettings:
    return SmoothingSettings.from_config(load_config()).legs


def chains(frames: list[PoseFrame]) -> np.ndarray:
    return np.stack([f.xy[CHAINS] for f in frames])


def blend(frame: PoseFrame) -> PoseFrame:
    """The model's other failure: both leg chains put between the two legs."""
    xy = frame.xy.copy()
    left, right = xy[list(LEFT_CHAIN)], xy[list(RIGHT_CHAIN)]
    xy[list(LEFT_CHAIN)] = 0.6 * left + 0.4 * right
    xy[list(RIGHT_CHAIN)] = 0.4 * left + 0.6 * right
    return replace(frame, xy=xy)


@pytest.mark.parametrize(
    "swapped",
    [
        [40],
        [40, 41, 42],
        list(range(40, 48)),
        [30, 31, 55, 56, 57, 80],
    ],
    ids=["one frame", "three frames", "eight frames", "several"],
)
def test_short_swaps_with_the_legs_apart_are_undone(settings, swapped):
    clean = frames_of(split_squat_sequence(2))
    raw = [swap_leg_labels(f) if i in swapped else f for i, f in enumerate(clean)]
    mended = LegMender.run(raw, settings, fps=30.0)
    assert [f.frame_index for f in mended] == [f.frame_index for f in clean]
    np.testing.assert_allclose(chains(mended), chains(clean))


@pytest.mark.parametrize("at", [[50], [50, 51], [50, 52]], ids=["one", "two", "apart"])
def test_blended_legs_are_dropped_and_bridged(settings, at):
    clean = frames_of(split_squat_sequence(2))
    raw = [blend(f) if i in at else f for i, f in enumerate(clean)]
    mended = LegMender.run(raw, settings, fps=30.0)
    for i, f in enumerate(mended):
        if i in at:
            assert np.isnan(f.xy[CHAINS]).all()
            assert not np.isnan(f.xy[0]).any()  # only the legs go
        else:
            np.testing.assert_array_equal(f.xy, clean[i].xy)
    # Smoothing bridges them: the planted feet stay where they are.
    smoothed = smooth_offline(raw, load_config(), mend_legs=True)
    feet = chains(smoothed)[at] - chains(clean)[at]
    assert np.abs(feet).max() < 5.0  # pixels, of a 400-px leg


def test_a_labelling_the_model_keeps_is_followed_when_the_feet_meet(settings):
    """Lunges: the feet come together between reps, where the model's labels
    stand again; a swap the model keeps from one rep on is its labelling."""
    spec = LungeSpec(step=0.9, depth=0.45)
    clean = frames_of(lunge_sequence([spec, spec, spec]))
    raw = [swap_leg_labels(f) if i >= 150 else f for i, f in enumerate(clean)]
    mended = LegMender.run(raw, settings, fps=30.0)
    # The first rep as the model labelled it; from the next standing phase on,
    # as the model labels it.
    np.testing.assert_allclose(chains(mended)[:150], chains(clean)[:150])
    np.testing.assert_allclose(chains(mended)[-40:], chains(raw)[-40:])


def kicks(period_s: float, fps: float = 30.0, reach: float = 0.3) -> list[Pose]:
    """Backward kicks (skips, butt kicks): one foot planted, the other swung
    back and forth ``reach`` leg lengths in ``period_s``: quick smooth turns."""
    poses = []
    planted = np.array([STAND_HIP[0], GROUND_Y - 20])
    for k in range(round(4 * period_s * fps)):
        u = 2 * np.pi * k / (period_s * fps)
        back = np.array([-reach * 400 * (1 - np.cos(u)) / 2, -120 * np.sin(u / 2) ** 2])
        foot = planted + back
        poses.append(Pose(STAND_HIP.copy(), planted.copy(), foot))
    return poses


@pytest.mark.parametrize(
    "poses",
    [
        kicks(0.5),
        kicks(0.35, reach=0.5),
        walking_sequence(8),
        gait_sequence(stride_s=0.7, fps=60.0)[0],
        gait_sequence(stride_s=1.2, fps=30.0, treadmill=True)[0],
        lunge_sequence([LungeSpec(step=0.9, depth=0.45, descent_s=0.5, ascent_s=0.5)]),
        split_squat_sequence(2),
    ],
    ids=[
        "kicks",
        "fast kicks",
        "walking",
        "running 60 fps",
        "treadmill",
        "quick lunge",
        "split squat",
    ],
)
def test_clean_movement_is_left_alone(settings, poses):
    """Feet crossing, swinging fast, or stepping quickly are no glitches."""
    fps = 60.0 if len(poses) > 400 else 30.0
    clean = frames_of(poses, fps=fps)
    mended = LegMender.run(clean, settings, fps=fps)
    assert all(m is c for m, c in zip(mended, clean, strict=True))


def test_empty_frames_and_gaps_pass_through(settings):
    clean = frames_of(split_squat_sequence(2))
    raw = list(clean)
    for i in range(60, 90):  # a second with no one in view
        f = raw[i]
        raw[i] = PoseFrame.empty(f.frame_index, f.timestamp_ms, f.resolution_wh)
    raw[100] = swap_leg_labels(raw[100])
    mended = LegMender.run(raw, settings, fps=30.0)
    assert [f.is_empty() for f in mended] == [f.is_empty() for f in raw]
    np.testing.assert_allclose(chains(mended)[95:], chains(clean)[95:])


def test_a_zero_swap_cost_turns_mending_off():
    config = load_config(overrides=["smoothing.leg_swap_cost=0"])
    off = SmoothingSettings.from_config(config).legs
    clean = frames_of(split_squat_sequence(1))
    raw = [swap_leg_labels(f) if i == 40 else f for i, f in enumerate(clean)]
    assert all(m is r for m, r in zip(LegMender.run(raw, off, 30.0), raw, strict=True))
    assert LegMender(off, 30.0).latency_frames == 0


def test_the_stream_mends_as_the_whole_clip_does():
    """LookaheadSmoother (one pass) and smooth_offline mend alike: the same
    decisions, so only the sliding filter's own difference is left."""
    config = load_config()
    clean = frames_of(split_squat_sequence(3))
    raw = [
        blend(f) if i in (70, 140) else swap_leg_labels(f) if 40 <= i < 44 else f
        for i, f in enumerate(clean)
    ]
    whole = smooth_offline(raw, config, fps=30.0, mend_legs=True)
    smoother = LookaheadSmoother(
        SmoothingSettings.from_config(config), fps=30.0, mend_legs=True
    )
    streamed = [out for f in raw for out in smoother.push(f)] + smoother.flush()
    assert [f.frame_index for f in streamed] == [f.frame_index for f in whole]
    assert np.abs(chains(streamed) - chains(whole)).max() < 0.05  # pixels


def test_at_a_pose_rate_the_skipped_frames_are_not_lost_tracking():
    """15 Hz of a 30-fps clip: the model skips every other frame. Three model
    frames lost (or dropped as glitches, as at the kettlebell clip's bottom)
    leave 0.27 s between good ones: at every frame that would be seven lost
    frames, one more than ``max_gap_s`` bridges; here it is three, as six are
    at every frame, and it is bridged (``SmoothingSettings.for_stride``), in
    one pass as in the whole clip."""
    config = load_config()
    clean = frames_of(split_squat_sequence(2))
    raw = [
        PoseFrame.empty(f.frame_index, f.timestamp_ms, f.resolution_wh)
        if i % 2 or i in (50, 52, 54)
        else f
        for i, f in enumerate(clean)
    ]
    smoothing = SmoothingSettings.from_config(config)
    assert smoothing.for_stride(1, 30.0) == smoothing
    assert smoothing.for_stride(2, 30.0).max_gap_s == pytest.approx(
        smoothing.max_gap_s + 1 / 30
    )
    taken_as_lost = smooth_offline(raw, config, fps=30.0, mend_legs=True)
    assert all(f.is_empty() for f in taken_as_lost[49:56])
    whole = smooth_offline(raw, config, fps=30.0, mend_legs=True, stride=2)
    smoother = LookaheadSmoother(smoothing, fps=30.0, mend_legs=True, stride=2)
    streamed = [out for f in raw for out in smoother.push(f)] + smoother.flush()
    for smoothed in (whole, streamed):
        feet = chains(smoothed)[48:57] - chains(clean)[48:57]
        assert np.abs(feet).max() < 5.0  # pixels, of a 400-px leg
