"""The rules' plain-float paths for one frame give numpy's results exactly.

The coaches measure one frame at a time, where numpy's per-call cost is most
of the work, so a few helpers do the same sums on plain floats (issue #17).
Each is checked here against the numpy path (the same function on a batch
of one frame) on random frames with missing points: equal to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from formcoach import body, geometry, world
from formcoach.exercises.reverse_lunge import tracking

RNG = np.random.default_rng(17)


def frames(n: int, dims: int, dtype: type, scale: float) -> list[np.ndarray]:
    """Random ``(33, dims)`` frames; a fifth of them with a few NaN points."""
    out = []
    for _ in range(n):
        xy = (RNG.normal(size=(33, dims)) * scale).astype(dtype)
        if RNG.random() < 0.2:
            xy[RNG.integers(0, 33, size=3)] = np.nan
        out.append(xy)
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_facing_of_one_frame(dtype):
    for xy in frames(3000, 2, dtype, 200.0):
        one, batch = body.facing(xy), body.facing(xy[None])
        assert one == batch or (np.isnan(one) and np.isnan(batch))


def test_forward_axis_and_floor_of_one_frame():
    for w in frames(3000, 3, np.float64, 0.5):
        np.testing.assert_array_equal(
            world.forward_axis(w), world.forward_axis(w[None])[0]
        )
        one, batch = world.floor_depth(w), world.floor_depth(w[None])[0]
        assert one == batch or (np.isnan(one) and np.isnan(batch))


def test_feet_and_track_distances():
    for _ in range(3000):
        tracks = (RNG.normal(size=(2, 4, 2)) * 300).astype(np.float64)
        chains = (RNG.normal(size=(2, 4, 2)) * 300).astype(np.float32)
        if RNG.random() < 0.3:
            chains[RNG.integers(0, 2), RNG.integers(0, 4)] = np.nan
        np.testing.assert_array_equal(
            tracking.FootTracks.feet(tracks),
            tracks[:, [tracking.ANKLE, tracking.HEEL, tracking.TOE]].mean(axis=1),
        )
        summed = tracking._summed_distance(tracks.tolist(), chains.tolist())
        assert summed == np.nansum(geometry.distance(tracks, chains))


@pytest.mark.parametrize("dims", [2, 3])
def test_angles_and_lengths_of_single_points(dims):
    """geometry's single-point paths (joint angle, distance, leg length)."""
    for _ in range(3000):
        a, b, c = (RNG.normal(size=(3, dims)) * 100).astype(np.float64)
        if RNG.random() < 0.1:
            a[0] = np.nan
        if RNG.random() < 0.05:
            c = b.copy()  # a zero-length segment
        batch = [p[None] for p in (a, b, c)]
        for one, many in (
            (geometry.joint_angle_deg(a, b, c), geometry.joint_angle_deg(*batch)[0]),
            (geometry.distance(a, b), geometry.distance(*batch[:2])[0]),
            (geometry.leg_length(a, b, c), geometry.leg_length(*batch)[0]),
        ):
            assert one == many or (np.isnan(one) and np.isnan(many))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_width_ratio_and_leg_length_of_one_frame(dtype):
    """body's one-frame paths keep the array path's types (float32 widths)."""
    for xy in frames(3000, 2, dtype, 200.0):
        one, batch = body.width_ratio(xy), body.width_ratio(xy[None])[0]
        assert one == batch or (np.isnan(one) and np.isnan(batch))
        for side in ("left", "right", "longer"):
            one, batch = body.leg_length(xy, side), body.leg_length(xy[None], side)[0]
            assert one == batch or (np.isnan(one) and np.isnan(batch))
        for a, b in ((xy[11], xy[12]), (xy[23], xy[24])):
            np.testing.assert_array_equal(
                geometry.midpoint(a, b), geometry.midpoint(a[None], b[None])[0]
            )


def test_world_leg_length_of_one_frame():
    for w in frames(3000, 3, np.float64, 0.5):
        one, batch = world.leg_length(w), world.leg_length(w[None])[0]
        assert one == batch or (np.isnan(one) and np.isnan(batch))


def test_full_body_and_empty_of_one_frame():
    """is_full_body's mean is np.mean's; is_empty's shortcut changes nothing."""
    from formcoach.pose import PoseFrame

    for xy in frames(3000, 2, np.float32, 200.0):
        visibility = RNG.uniform(0.2, 1.0, size=33).astype(np.float32)
        presence = RNG.uniform(0.4, 1.0, size=33).astype(np.float32)
        if RNG.random() < 0.1:
            xy[:] = np.nan
        frame = PoseFrame(
            frame_index=0, timestamp_ms=0, resolution_wh=(640, 480), xy=xy,
            z=np.zeros(33, np.float32), world_xyz=np.zeros((33, 3), np.float32),
            visibility=visibility, presence=presence,
        )  # fmt: skip
        for threshold in (0.5, float(np.mean(visibility[body._FULL_BODY]))):
            expected = bool(
                (presence[body._FULL_BODY] >= threshold).all()
                and float(np.mean(visibility[body._FULL_BODY])) >= threshold
            )
            assert body.is_full_body(frame, threshold) == expected
        assert frame.is_empty() == bool(np.isnan(xy).all())


def test_argmax_of_two_is_numpys():
    from formcoach.exercises.reverse_lunge.coach import _argmax_of_two

    values = [0.0, 1.0, -1.0, 1.0, np.nan, np.inf, -np.inf]
    for a in values:
        for b in values:
            assert _argmax_of_two(a, b) == int(np.argmax([a, b])), (a, b)


def test_gait_nanmean_is_numpys():
    from formcoach import gait

    for n in (1, 3, 7, 8, 9, 17, 40):
        for _ in range(300):
            x = RNG.normal(size=n) * 10.0 ** RNG.integers(-3, 4)
            x[RNG.random(n) < 0.3] = np.nan
            if np.isnan(x).all():
                assert np.isnan(gait._nanmean(x))
                continue
            assert gait._nanmean(x) == float(np.nanmean(x))


def test_median_of_is_numpys():
    from formcoach.filters import median_of

    for n in range(1, 40):
        for _ in range(50):
            x = (RNG.normal(size=n) * 100).tolist()
            assert median_of(x) == float(np.median(x))
    assert np.isnan(median_of([1.0, np.nan, 2.0])) and np.isnan(median_of([]))
