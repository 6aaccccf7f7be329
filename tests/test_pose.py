"""The pose layer on real frames: the bundled model, coverage, feet, mirroring."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from formcoach.body import is_full_body
from formcoach.landmarks import MIRROR_PERMUTATION, Landmark
from formcoach.pose import (
    BUNDLED_MODEL_SHA256,
    BUNDLED_MODELS,
    DEFAULT_MODEL_PATH,
    DEFAULT_MODEL_SHA256,
    PoseEstimator,
    PoseFrame,
    PoseOptions,
)
from formcoach.settings import load_config
from formcoach.video import iter_frames

from .conftest import BUNDLED_CLIP, REPO, shared_clip, shared_label


def test_bundled_model_hash_matches_models_readme():
    digest = hashlib.sha256(DEFAULT_MODEL_PATH.read_bytes()).hexdigest()
    assert digest == DEFAULT_MODEL_SHA256
    readme = (DEFAULT_MODEL_PATH.parent / "README.md").read_text()
    assert DEFAULT_MODEL_SHA256 in readme


def test_lite_model_hash_matches_models_readme():
    path = BUNDLED_MODELS["lite"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == BUNDLED_MODEL_SHA256["lite"]
    assert digest != DEFAULT_MODEL_SHA256
    assert digest in (path.parent / "README.md").read_text()


def test_pose_model_setting_picks_the_bundle():
    assert PoseOptions.from_config(load_config()).model_path == DEFAULT_MODEL_PATH
    lite = load_config(overrides=["pose.model=lite"])
    assert PoseOptions.from_config(lite).model_path == BUNDLED_MODELS["lite"]
    # An explicit model_path still wins over pose.model.
    both = load_config(overrides=["pose.model=lite", "pose.model_path=/x.task"])
    assert str(PoseOptions.from_config(both).model_path) == "/x.task"


def test_unknown_pose_model_is_a_clear_error():
    from formcoach.errors import InputError

    config = load_config(overrides=["pose.model=heavy"])
    message = re.escape('pose.model must be "full" or "lite"')
    with pytest.raises(InputError, match=message):
        PoseOptions.from_config(config)


def test_mirror_permutation_swaps_every_side_once():
    perm = np.array(MIRROR_PERMUTATION)
    assert perm[Landmark.LEFT_HEEL] == Landmark.RIGHT_HEEL
    assert perm[Landmark.NOSE] == Landmark.NOSE
    np.testing.assert_array_equal(perm[perm], np.arange(33))  # an involution


def test_pose_frame_rejects_wrong_shapes():
    frame = PoseFrame.empty(0, 0.0, (640, 480))
    assert frame.is_empty()
    with pytest.raises(ValueError, match=r"xy must have shape \(33, 2\)"):
        PoseFrame(
            frame_index=0,
            timestamp_ms=0.0,
            resolution_wh=(640, 480),
            xy=np.zeros((17, 2), np.float32),
            z=frame.z,
            world_xyz=frame.world_xyz,
            visibility=frame.visibility,
            presence=frame.presence,
        )


@pytest.fixture(scope="module")
def lunge_poses() -> list[PoseFrame]:
    path = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    with PoseEstimator() as estimator:
        return [
            estimator.process(f.image_rgb, f.timestamp_ms, f.index)
            for f in iter_frames(path)
        ]


def test_confident_pose_on_95_percent_of_lunge_frames(lunge_poses):
    assert len(lunge_poses) == 191
    confident = [is_full_body(p, 0.5) for p in lunge_poses]
    assert np.mean(confident) >= 0.95


def test_heel_and_toe_below_ankle_when_standing(lunge_poses):
    # Frames 4-13 are hand-labelled as standing (../shared/labels/rnhrn).
    for pose in lunge_poses[4:14]:
        for ankle, heel, toe in (
            (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
            (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
        ):
            assert pose.xy[heel, 1] > pose.xy[ankle, 1]  # image y grows downward
            assert pose.xy[toe, 1] > pose.xy[ankle, 1]


def test_timestamps_are_real_and_increasing(lunge_poses):
    t = np.array([p.timestamp_ms for p in lunge_poses])
    assert np.all(np.diff(t) > 0)
    assert t[-1] / 1000 == pytest.approx(190 / 29.97, abs=0.05)


@pytest.mark.parametrize("clip", ["kaiakol/squat_correct_007.mp4"])
def test_mirrored_input_keeps_the_persons_own_sides(clip):
    """A selfie view is a mirror: with mirrored=True, left stays the person's left."""
    path = shared_clip(clip)
    frames = list(iter_frames(path, max_frames=15))
    with PoseEstimator() as plain, PoseEstimator(mirrored=True) as mirror:
        for f in frames:
            a = plain.process(f.image_rgb, f.timestamp_ms)
            b = mirror.process(
                np.ascontiguousarray(f.image_rgb[:, ::-1]), f.timestamp_ms
            )
    width = frames[-1].image_rgb.shape[1]
    for mark in (
        Landmark.LEFT_SHOULDER,
        Landmark.RIGHT_SHOULDER,
        Landmark.LEFT_HIP,
        Landmark.RIGHT_HIP,
        Landmark.LEFT_ANKLE,
        Landmark.RIGHT_ANKLE,
    ):
        # The same body part, seen in the mirror, sits at width - x.
        assert b.xy[mark, 0] == pytest.approx(width - a.xy[mark, 0], abs=0.03 * width)
        assert b.xy[mark, 1] == pytest.approx(a.xy[mark, 1], abs=0.03 * width)


def test_bundled_clip_has_a_person():
    frames = list(iter_frames(BUNDLED_CLIP, max_frames=200))[150:200]
    with PoseEstimator() as estimator:
        poses = [estimator.process(f.image_rgb, f.timestamp_ms) for f in frames]
    assert sum(not p.is_empty() for p in poses) >= 40


def test_missing_model_is_a_clear_error(tmp_path):
    from formcoach.errors import InputError
    from formcoach.pose import PoseOptions

    with pytest.raises(InputError, match="Pose model not found"):
        PoseEstimator(PoseOptions(model_path=tmp_path / "nope.task"))
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a usable pose landmarker model"):
        PoseEstimator(PoseOptions(model_path=bad))


def test_lite_model_finds_the_same_body_on_a_real_frame():
    # Frame 8 of the banded clip: standing side-on (hand-labelled standing).
    path = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    frame = list(iter_frames(path, max_frames=9))[8]
    poses = {}
    for model in ("full", "lite"):
        config = load_config(overrides=[f"pose.model={model}"])
        options = PoseOptions.from_config(config)
        with PoseEstimator(options) as estimator:
            poses[model] = estimator.process(frame.image_rgb, frame.timestamp_ms)
    lite = poses["lite"]
    assert is_full_body(lite, 0.5)
    for hip, knee, ankle in (
        (Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
        (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    ):
        assert lite.xy[hip, 1] < lite.xy[knee, 1] < lite.xy[ankle, 1]
    # The trunk and legs land where the full model puts them (a wrong person or
    # a wrongly scaled image would be off by far more than 3 % of the height).
    body = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP,
            Landmark.RIGHT_HIP, Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE,
            Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE]  # fmt: skip
    height = frame.image_rgb.shape[0]
    gap = np.linalg.norm(lite.xy[body] - poses["full"].xy[body], axis=1)
    assert np.median(gap) < 0.03 * height


@pytest.mark.shared
@pytest.mark.slow
def test_lite_model_counts_the_banded_lunges_like_the_hand_labels():
    """Where lite is as accurate as full (docs/performance.md, Lite vs full)."""
    from formcoach.exercises import create_coach
    from formcoach.pipeline import run_coach
    from formcoach.pose_pass import estimate_poses
    from formcoach.smoothing import smooth_offline

    labels = shared_label("rnhrn/banded_reverse_lunges_side.json")
    config = load_config(overrides=["pose.model=lite"])
    track = estimate_poses(shared_clip("rnhrn/banded_reverse_lunges_side.mp4"), config)
    coach = create_coach("reverse-lunge", config)
    smoothed = smooth_offline(track.frames, config, mend_legs=coach.mends_legs)
    result = run_coach(smoothed, coach)[1]
    assert result.summary["rep_count"] == labels["complete_reps"] == 2
    assert result.summary["partial_reps"] == labels["partial_reps"] == 1
    for rep, label in zip(result.reps, labels["reps"], strict=True):
        assert rep["direction"] == "reverse"
        assert abs(rep["bottom_s"] - label["bottom_s"]) <= 0.3
        assert rep["rear_foot_landing"] == label["rear_foot_landing"] == "ball"


def test_a_warmed_model_is_handed_to_the_next_analysis():
    """The app's upload page warms a model: the next analysis takes it."""
    import threading
    import time

    from formcoach import model_pool

    options = PoseOptions.from_config(load_config())
    model_pool.keep_ready()
    try:
        model_pool.warm(options)
        deadline = time.monotonic() + 60
        while not model_pool._ready.get(options) and time.monotonic() < deadline:
            time.sleep(0.05)
        (spare,) = model_pool._ready[options]
        # Built while nobody waited, not at the analysis's first picture.
        assert all(g.built for g in (spare._landmarker, spare._scout))
        with model_pool.open_estimator(options) as model:
            assert model is spare
    finally:
        model_pool.keep_ready(False)
        # The spare open_estimator started: let it finish (and close itself).
        for thread in threading.enumerate():
            if thread.name == "formcoach-model":
                thread.join(timeout=60)
    assert not model_pool._ready


@pytest.mark.parametrize(
    ("before", "part"),
    [
        pytest.param(slice(0, 60), slice(120, None), id="a-later-run"),
        pytest.param(slice(0, 100), slice(94, None), id="held-frames-again"),
    ],
)
def test_a_model_started_over_poses_like_a_fresh_one(before, part):
    """``start_over`` stands in for a fresh model (issue #17): a pose lane's
    next run, or frames already posed and held, posed again after a cut or a
    change of person. Same landmarks from the first frame, and the person
    choice counts only the new stream."""
    path = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    frames = list(iter_frames(path))
    options = PoseOptions.from_config(load_config())
    with PoseEstimator(options) as fresh:
        expected = [
            fresh.process(f.image_rgb, f.timestamp_ms, f.index) for f in frames[part]
        ]
        expected_choice = fresh.person_choice()
    with PoseEstimator(options) as model:
        for f in frames[before]:
            model.process(f.image_rgb, f.timestamp_ms, f.index)
        model.start_over()
        got = [
            model.process(f.image_rgb, f.timestamp_ms, f.index) for f in frames[part]
        ]
        choice = model.person_choice()
    assert [g.timestamp_ms for g in got] == [e.timestamp_ms for e in expected]
    assert all(not g.is_empty() for g in got)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g.xy, e.xy, atol=0.01)  # pixels
    assert choice == expected_choice


class CountingScout:
    """Stands in for an estimator's scout graph and notes the time of each look."""

    def __init__(self, estimator: PoseEstimator):
        self.estimator, self.scout = estimator, estimator._scout
        self.calls: list[int] = []

    def __enter__(self) -> CountingScout:
        self.estimator._scout = self  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self.estimator._scout = self.scout

    def detect_for_video(self, image, ts, **kwargs):
        self.calls.append(ts)
        return self.scout.detect_for_video(image, ts, **kwargs)


@pytest.mark.parametrize(
    ("frame_gap_ms", "looks"),
    [
        (33.4, 2),  # 30 fps over 0.8 s: a look at 0 and at 0.5 s, as the time says
        (333.7, 3),  # 3 fps over 8 s: every 8th frame, not every second one
    ],
)
def test_the_scout_looks_at_most_every_few_frames_on_a_slow_stream(frame_gap_ms, looks):
    """A settled look costs about a bare-model frame or more: a slow live
    stream must not pay it on every other frame (two live sessions on 2
    cores, session 13)."""
    frames = list(iter_frames(BUNDLED_CLIP, max_frames=24))
    options = PoseOptions.from_config(load_config())
    assert options.people is not None and options.people.scout_min_frames == 8
    with PoseEstimator(options) as estimator:
        with CountingScout(estimator) as counting:
            for k, frame in enumerate(frames):
                estimator.process(frame.image_rgb, k * frame_gap_ms)
        assert not estimator.choosing()  # one walker: the choice is settled
    assert len(counting.calls) == looks, counting.calls


def test_alone_the_looks_are_spaced_out_and_the_poses_do_not_change():
    """One person in the picture (the bundled split squat, 8 s): after
    ``min_stay_s`` the time between looks doubles up to
    ``scout_interval_max_s``; the subject's landmarks are the same as with a
    look every ``scout_interval_s`` (issue #17: the scout's share of the
    model's work)."""
    clip = REPO / "videos" / "nowva_split_squat.mp4"
    frames = list(iter_frames(clip, max_frames=240))
    runs = {}
    for name, overrides in (
        ("spaced", []),
        ("every 0.5 s", ["pose.people.scout_interval_max_s=0.5"]),
    ):
        options = PoseOptions.from_config(load_config(overrides=overrides))
        with PoseEstimator(options) as estimator, CountingScout(estimator) as counting:
            poses = [estimator.process(f.image_rgb, f.timestamp_ms) for f in frames]
            assert estimator.person_choice().people_seen == 1
        runs[name] = (np.diff(counting.calls) / 1000.0, poses)
    gaps, poses = runs["spaced"]
    steady_gaps, steady_poses = runs["every 0.5 s"]
    assert len(steady_gaps) + 1 == 16
    assert len(gaps) + 1 == 8
    np.testing.assert_allclose(gaps[:5], [0.5, 0.5, 0.5, 0.5, 1.0], atol=0.04)
    assert (gaps[5:] >= 1.96).all()
    for got, expected in zip(poses, steady_poses, strict=True):
        np.testing.assert_allclose(got.xy, expected.xy, atol=0.01)  # pixels
