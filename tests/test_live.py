"""The live path: causal smoothing and the same coach, one frame at a time."""

from __future__ import annotations

import itertools
from dataclasses import replace

import av
import numpy as np
import pytest

from formcoach.app.live import LiveCoach
from formcoach.exercises.reverse_lunge import ReverseLungeCoach
from formcoach.live_session import LiveSession
from formcoach.settings import load_config
from formcoach.smoothing import LiveSmoother
from formcoach.video import iter_frames

from .conftest import REPO, shared_clip
from .synthetic import LungeSpec, frames_of, lunge_sequence


def test_live_smoothing_keeps_the_rep_count_on_noisy_landmarks():
    config = load_config()
    rng = np.random.default_rng(3)
    smoother, coach = LiveSmoother(config), ReverseLungeCoach(config)
    for frame in frames_of(lunge_sequence([LungeSpec()] * 3)):
        jittered = frame.xy + rng.normal(0, 4.0, frame.xy.shape).astype(np.float32)
        coach.update(smoother(replace(frame, xy=jittered)))
    assert coach.finish().summary["rep_count"] == 3


@pytest.mark.shared
@pytest.mark.slow
def test_live_session_counts_real_reps_frame_by_frame():
    clip = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    counters = []
    with LiveSession("reverse-lunge", load_config()) as live:
        for frame in iter_frames(clip):
            image, feedback = live.process(frame.image_rgb, frame.timestamp_ms)
            assert image.shape == frame.image_rgb.shape
            assert not np.array_equal(image, frame.image_rgb)  # overlay drawn
            counters.append(feedback.counter)
        result = live.finish()
    assert result.summary["rep_count"] == 2
    assert counters[0].startswith("Reps 0") and counters[-1].startswith("Reps 2")


@pytest.mark.shared
@pytest.mark.parametrize(("mean_gap_s", "seed"), [(0.25, 0), (0.4, 1), (0.5, 2)])
def test_live_session_counts_real_reps_at_a_slow_machines_frame_rate(mean_gap_s, seed):
    """Two live sessions on 2 slow cores get 2-4 frames a second, unevenly.

    The feet stand together between reps for about half a second, so at that
    rate the standing moment may be one frame, and frames come further apart
    than ``lost_reset_s`` with the person in every one.
    """
    clip = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    rng = np.random.default_rng(seed)
    next_s = 0.0
    with LiveSession("reverse-lunge", load_config()) as live:
        for frame in iter_frames(clip):
            if frame.timestamp_ms / 1000.0 < next_s:
                continue  # the machine is still busy with the frame before
            next_s += mean_gap_s * rng.uniform(0.6, 1.4)
            _, feedback = live.process(frame.image_rgb, frame.timestamp_ms)
        result = live.finish()
    # The hand labels: two reps end before the clip does.
    assert result.summary["rep_count"] == 2
    assert feedback.counter.startswith("Reps 2")
    assert result.summary["split_squat_reps"] == 0  # no two reps run together


@pytest.mark.parametrize(("gap_s", "warned"), [(1 / 30, False), (0.25, True)])
def test_the_live_page_says_when_too_few_frames_are_processed_to_count(gap_s, warned):
    """Walking steps need 10 frames a second (``[live_min_fps]``); at 4 the
    page's setup box says so, at 30 it does not. The clock is faked: this test
    is about the note, not about this machine's speed."""
    ticks = iter(np.arange(0.0, 100.0, gap_s))
    coach = LiveCoach("backward-walk", load_config(), clock=lambda: float(next(ticks)))
    try:
        for frame in itertools.islice(
            iter_frames(REPO / "videos" / "sports2d_demo.mp4"), 40
        ):
            coach.callback(av.VideoFrame.from_ndarray(frame.image_rgb, format="rgb24"))
        update = coach.updates.get_nowait()
    finally:
        coach.close()
    notes = [p for p in update.setup_problems if "frames a second" in p]
    assert bool(notes) is warned, update.setup_problems
    if warned:
        assert "Backward walking needs 10" in notes[0]
