"""The live path: causal smoothing and the same coach, one frame at a time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcoach.exercises.reverse_lunge import ReverseLungeCoach
from formcoach.live_session import LiveSession
from formcoach.settings import load_config
from formcoach.smoothing import LiveSmoother
from formcoach.video import iter_frames

from .conftest import shared_clip
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
