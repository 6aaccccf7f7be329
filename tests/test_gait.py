"""The gait layer on hand-built walking with known contacts, and on real footage."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from formcoach.exercises import create_coach
from formcoach.gait import GaitSettings, analyze_gait
from formcoach.pose_pass import estimate_poses
from formcoach.settings import load_config
from formcoach.smoothing import smooth_offline

from .conftest import shared_clip, shared_label
from .synthetic import SHANK, THIGH, frames_of, gait_sequence, swap_leg_labels


def analyse(poses, fps=60.0, mirror=False, swap_every=0):
    frames = frames_of(poses, fps=fps, mirror=mirror, swap_every=swap_every)
    smoothed = smooth_offline(frames, load_config(), cutoff_hz=10.0)
    return analyze_gait(smoothed, GaitSettings.from_config(load_config()))


@pytest.mark.parametrize(
    "direction, pitch, treadmill, mirror, expected_direction, expected_landing",
    [
        (-1, 0.4, False, False, "backward", "ball"),  # backward walk, toes first
        (-1, 0.4, True, False, "backward", "ball"),  # on a treadmill
        (+1, -0.3, False, False, "forward", "heel"),  # ordinary walking
        (+1, -0.3, True, False, "forward", "heel"),  # ordinary treadmill walking
        (-1, 0.0, False, True, "backward", "flat"),  # mirrored, flat feet
        (-1, 0.4, True, True, "backward", "ball"),
    ],
)
def test_contacts_direction_and_landing(
    direction, pitch, treadmill, mirror, expected_direction, expected_landing
):
    poses, truth = gait_sequence(
        direction=direction, landing_pitch=pitch, treadmill=treadmill
    )
    gait = analyse(poses, mirror=mirror)
    assert gait.direction == expected_direction
    found = [c.t_s for c in gait.contacts]
    # Every true contact is found within 2 frames at 60 fps, nothing extra
    # (the first and last may fall outside the analysable edges).
    inner = [t for t in truth if 0.2 < t < truth[-1]]
    for t in inner:
        assert min(abs(np.array(found) - t)) <= 2 / 60 + 1e-9
    assert len(inner) <= len(found) <= len(truth) + 1
    judged = [c.landing for c in gait.contacts]
    assert judged.count(expected_landing) >= 0.9 * len(judged)
    assert gait.cadence_spm == pytest.approx(100.0, rel=0.03)  # 2 steps per 1.2 s


def test_label_swaps_do_not_change_the_contacts():
    # The model swaps the legs' labels in runs of frames (side views).
    poses, _ = gait_sequence()
    plain = [c.frame_index for c in analyse(poses).contacts]
    swapped = [c.frame_index for c in analyse(poses, swap_every=20).contacts]
    assert len(swapped) == len(plain)
    shifts = [abs(a - b) for a, b in zip(plain, swapped, strict=True)]
    # Smoothing is per label, so a swap boundary right at a contact blends the
    # two legs there and moves that one contact (docs/accuracy.md).
    assert sum(shift > 2 for shift in shifts) <= 1
    assert max(shifts) <= 6


def _moved(poses, dx):
    """The same figure ``dx`` pixels along the picture: another person."""
    step = np.array([dx, 0.0])
    return [
        replace(p, hip=p.hip + step, front_ankle=p.front_ankle + step,
                step_ankle=p.step_ankle + step)
        for p in poses
    ]  # fmt: skip


def test_someone_followed_before_the_walker_lends_no_contacts():
    # The tracker follows someone stepping on the spot (a treadmill-like
    # rhythm, far to the right), then jumps to the walker: the report is the
    # walker's, so the other person's steps are not among the contacts.
    other, _ = gait_sequence(treadmill=True, strides=2, stride_s=0.8)
    walker, truth = gait_sequence(strides=4)
    gait = analyse(_moved(other, 1500.0) + walker)
    first = len(other) / 60.0
    assert gait.direction == "backward"
    assert len(gait.contacts) >= len([t for t in truth if 0.2 < t < truth[-1]])
    assert all(c.t_s >= first for c in gait.contacts)


def test_the_tracker_coming_back_keeps_the_walkers_contacts():
    # A sixth of a second on someone else in the middle of the walk: the
    # walker's contacts on both sides of it count.
    walker, _ = gait_sequence(strides=6)
    cut = slice(150, 160)
    poses = walker[: cut.start] + _moved(walker[cut], 1500.0) + walker[cut.stop :]
    gait = analyse(poses)
    assert any(c.t_s < cut.start / 60.0 for c in gait.contacts)
    assert any(c.t_s > cut.stop / 60.0 for c in gait.contacts)


def test_a_foot_lost_for_a_few_frames_after_touchdown_keeps_its_contact():
    # The treadmill run on some CPUs: just after touchdown the model puts the
    # landing foot 0.16 leg lengths back for a few blurred frames, then a
    # little further out than it landed (the belt carries the real foot back
    # 0.016 leg lengths a frame). The contact is the touchdown.
    poses, truth = gait_sequence(direction=+1, landing_pitch=-0.3, treadmill=True)
    contact = round(truth[3] * 60)  # the front (label "left") foot's 3rd landing
    assert contact == 144
    leg = THIGH + SHANK
    glitch = {2: -0.16, 3: -0.16, 4: -0.16, 5: 0.1, 6: 0.15, 7: 0.17, 8: 0.12}
    for i, dx in glitch.items():
        p = poses[contact + i]
        poses[contact + i] = replace(
            p, front_ankle=p.front_ankle + np.array([dx * leg, 0.0])
        )
    found = [c.frame_index for c in analyse(poses).contacts]
    assert min(abs(f - contact) for f in found) <= 2


def test_standing_still_has_no_steps():
    poses, _ = gait_sequence(strides=4)
    still = [poses[0]] * 240
    gait = analyse(still)
    assert gait.direction == "none"
    assert gait.step_count == 0


@cache
def real_gait(clip: str):
    """What the retro-run coach sees: its smoothing, then the gait layer."""
    config = load_config()
    track = estimate_poses(shared_clip(clip), config)
    cutoff = create_coach("retro-run", config).smoothing_cutoff_hz
    smoothed = smooth_offline(track.frames, config, cutoff_hz=cutoff)
    return analyze_gait(smoothed, GaitSettings.from_config(config))


@pytest.mark.shared
@pytest.mark.slow
def test_treadmill_run_contacts_match_the_hand_labels():
    labels = shared_label("mhuang/IMG_5396_treadmill_run_side.json")
    gait = real_gait("mhuang/IMG_5396_treadmill_run_side.mp4")
    assert gait.direction == "forward"
    assert abs(gait.step_count - labels["step_count"]) <= 1
    found = np.array([c.frame_index for c in gait.contacts])
    for contact in labels["contacts"]:
        assert (
            np.min(np.abs(found - contact["frame"])) <= 2
        )  # within 2 frames at 60 fps
    assert gait.cadence_spm == pytest.approx(labels["cadence_spm"], rel=0.05)
    # The side of each contact, where claimed, is the labelled one.
    by_frame = {c["frame"]: c["foot"] for c in labels["contacts"]}
    for c in gait.contacts:
        nearest = min(by_frame, key=lambda f: abs(f - c.frame_index))
        assert c.foot in (by_frame[nearest], "unknown")


@pytest.mark.shared
@pytest.mark.slow
def test_time_reversed_run_is_backward_with_toe_first_contacts():
    labels = shared_label("derived/treadmill_run_side_time_reversed.json")
    gait = real_gait("derived/treadmill_run_side_time_reversed.mp4")
    assert gait.direction == labels["direction_of_travel"] == "backward"
    assert abs(gait.step_count - labels["step_count"]) <= 1
    assert gait.ball_landing_share() >= 0.9  # labelled: all ball
    assert gait.cadence_spm == pytest.approx(labels["cadence_spm"], rel=0.05)


def test_swap_helper_really_swaps():
    poses, _ = gait_sequence(strides=1)
    frame = frames_of(poses[:1])[0]
    swapped = swap_leg_labels(frame)
    assert not np.array_equal(frame.xy, swapped.xy)


@pytest.mark.shared
@pytest.mark.slow
def test_sports2d_walker_is_coached_not_the_person_on_the_box():
    labels = shared_label("sports2d/demo.json")
    config = load_config()  # defaults: no setting to know about (issue #15)
    track = estimate_poses(shared_clip("sports2d/demo.mp4"), config)
    assert track.person is not None and track.person.people_seen >= 2
    # The walker crosses from right to left; the other person stays near x~640
    # on the box until he jumps down at ~f165-185.
    hips = {f.frame_index: float(np.nanmean(f.xy[[23, 24], 0])) for f in track.frames
            if not f.is_empty()}  # fmt: skip
    assert hips[80] > 1100 and hips[150] < 700  # following the walker
    gait = analyze_gait(
        smooth_offline(track.frames, config), GaitSettings.from_config(config)
    )
    assert gait.direction == "forward"
    assert gait.facing == -1.0  # faces image-left
    assert gait.cadence_spm == pytest.approx(labels["cadence_spm"], rel=0.05)
    truth = {c["frame"]: c for c in labels["contacts"]}
    for contact in gait.contacts:
        # Every contact found is a labelled one (none invented); the model
        # finds the walker only from ~f60, so the first two are missed, and we
        # find the foot flat 3-6 frames after the labelled first touch.
        nearest = min(truth, key=lambda f: abs(f - contact.frame_index))
        assert 0 <= contact.frame_index - nearest <= 6
        assert contact.foot == truth[nearest]["foot"]
    assert len(gait.contacts) >= len(truth) - 2
    heel = sum(c.landing == "heel" for c in gait.contacts)
    assert heel >= 0.7 * len(gait.contacts)  # labelled: all heel strikes
