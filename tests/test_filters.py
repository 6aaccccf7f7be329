from __future__ import annotations

import numpy as np
import pytest

from formcoach.filters import OneEuroFilter, butterworth_filter, interpolate_gaps


def _noisy_sine(n=300, fs=30.0, f=1.0, noise=2.0, seed=0):
    t = np.arange(n) / fs
    clean = 50 * np.sin(2 * np.pi * f * t)
    rng = np.random.default_rng(seed)
    return t, clean, clean + rng.normal(0, noise, n)


def test_butterworth_removes_jitter_without_lag():
    # At 60 fps a 6 Hz low-pass keeps 6/30 of white noise's band: ~0.45 of its std.
    t, clean, noisy = _noisy_sine(n=600, fs=60.0)
    out = butterworth_filter(noisy, t, cutoff_hz=6.0)
    inner = slice(30, -30)
    assert np.std(out[inner] - clean[inner]) < 0.6 * np.std(noisy[inner] - clean[inner])
    # Zero phase: the filtered peak stays where the true peak is.
    lag = np.argmax(np.correlate(out - out.mean(), clean - clean.mean(), "full")) - (
        len(t) - 1
    )
    assert lag == 0


def test_butterworth_keeps_long_gaps_and_fills_short_ones():
    t, clean, _ = _noisy_sine(noise=0)
    x = clean.copy()
    x[50:53] = np.nan  # 0.1 s: bridged
    x[150:200] = np.nan  # 1.7 s: kept missing
    out = butterworth_filter(x, t, cutoff_hz=6.0, max_gap_s=0.25)
    assert np.isfinite(out[50:53]).all()
    assert np.isnan(out[150:200]).all()
    assert np.isfinite(out[:150]).all() and np.isfinite(out[200:]).all()


def test_butterworth_multidimensional_shape():
    t = np.arange(100) / 30.0
    values = np.random.default_rng(1).normal(size=(100, 33, 2))
    assert butterworth_filter(values, t).shape == (100, 33, 2)


def test_butterworth_with_gaps_filters_each_column_as_on_its_own():
    """Columns missing in the same frames are filtered together (issue #17):
    the result is that of filtering every column by itself, to the last bit."""
    rng = np.random.default_rng(7)
    t = np.arange(240) / 30.0
    values = rng.normal(size=(240, 33, 2)) * 100
    values[100:130] = np.nan  # the person lost: every column
    values[20:60, 5] = np.nan  # one point lost longer
    values[200:203, 7, 1] = np.nan  # a short gap, bridged
    values[230:, 9] = np.nan  # a point lost at the end
    together = butterworth_filter(values, t, cutoff_hz=6.0)
    alone = np.empty_like(values)
    for k in range(33):
        for c in range(2):
            alone[:, k, c] = butterworth_filter(values[:, k, c], t, cutoff_hz=6.0)
    np.testing.assert_array_equal(together, alone)
    assert np.isnan(together[100:130]).all() and np.isfinite(together[:20]).all()


def test_interpolate_gaps_leaves_edges():
    t = np.arange(6, dtype=float)
    x = np.array([np.nan, 1.0, np.nan, 3.0, np.nan, np.nan])
    out = interpolate_gaps(x, t, max_gap_s=5)
    assert np.isnan(out[0]) and np.isnan(out[4]) and np.isnan(out[5])
    assert out[2] == pytest.approx(2.0)


def _run(f, values, t):
    return np.array([f(np.array([v]), ts)[0] for v, ts in zip(values, t, strict=True)])


def test_one_euro_smooths_a_still_point():
    t = np.arange(300) / 30.0
    noisy = 100 + np.random.default_rng(0).normal(0, 3.0, 300)
    out = _run(OneEuroFilter(min_cutoff_hz=1.0, beta=0.0), noisy, t)
    assert np.std(out[30:]) < 0.5 * np.std(noisy[30:])


def test_one_euro_beta_cuts_lag_in_fast_moves():
    t = np.arange(60) / 30.0
    ramp = 600.0 * t  # a foot moving at 600 px/s
    slow = _run(OneEuroFilter(min_cutoff_hz=1.0, beta=0.0), ramp, t)
    fast = _run(OneEuroFilter(min_cutoff_hz=1.0, beta=0.05), ramp, t)
    assert abs(fast[-1] - ramp[-1]) < 0.5 * abs(slow[-1] - ramp[-1])


def test_one_euro_is_causal():
    t, _, noisy = _noisy_sine(f=0.2, noise=3.0)
    out = _run(OneEuroFilter(), noisy, t)
    changed = noisy.copy()
    changed[200:] += 100
    np.testing.assert_array_equal(out[:200], _run(OneEuroFilter(), changed, t)[:200])


def test_one_euro_nan_and_gap_reset():
    f = OneEuroFilter(min_cutoff_hz=1.0, beta=0.0, max_gap_s=0.5)
    assert f(np.array([0.0, 0.0]), 0.0).tolist() == [0.0, 0.0]
    out = f(np.array([np.nan, 10.0]), 0.033)
    assert np.isnan(out[0]) and 0 < out[1] < 10  # smoothed toward 10
    # After a long gap the filter starts afresh instead of dragging the old value.
    assert f(np.array([100.0, 100.0]), 2.0).tolist() == [100.0, 100.0]
