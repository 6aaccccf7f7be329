"""FormCoach's own signal tools against SciPy's, which they replace.

SciPy stays a test dependency for this: the Butterworth design, the
filter, the peaks and the running maximum must match it to the last bit.
And an analysis must not import SciPy at all (the point of
:mod:`formcoach.dsp`: its import cost a new process 0.7-1.6 s of CPU).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from formcoach import dsp

from .conftest import BUNDLED_CLIP

signal = pytest.importorskip("scipy.signal", reason="SciPy is the reference")
ndimage = pytest.importorskip("scipy.ndimage", reason="SciPy is the reference")


@pytest.mark.parametrize("order", range(1, 9))
@pytest.mark.parametrize("cutoff", [0.003, 0.05, 0.2, 0.4, 0.5, 0.77, 0.99])
def test_butterworth_design_is_scipys(order, cutoff):
    want = signal.butter(order, cutoff, output="sos")
    assert np.array_equal(dsp.butter_lowpass_sos(order, cutoff), want)


@pytest.mark.parametrize(("order", "cutoff"), [(0, 0.2), (2.5, 0.2), (4, 0), (4, 1)])
def test_butterworth_design_refuses_nonsense(order, cutoff):
    with pytest.raises(ValueError, match=r"order|cut-off"):
        dsp.butter_lowpass_sos(order, cutoff)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("cutoff", [0.05, 0.4, 0.9])
@pytest.mark.parametrize("length", [20, 31, 32, 33, 191, 1000])
def test_zero_phase_filter_matches_scipy(order, cutoff, length):
    sos = signal.butter(order, cutoff, output="sos")
    edge = 3 * (2 * len(sos) + 1)
    rng = np.random.default_rng(order * 1000 + length)
    # Random walks with an offset, like landmark coordinates in pixels.
    x = 300 + np.cumsum(rng.normal(size=(length, 5)), axis=0)
    if length <= edge:
        with pytest.raises(ValueError, match="greater than padlen"):
            dsp.sosfiltfilt(sos, x, axis=0)
        return
    got = dsp.sosfiltfilt(sos, x, axis=0)
    assert np.array_equal(got, signal.sosfiltfilt(sos, x, axis=0))
    # A signal's result does not depend on the others filtered with it.
    assert np.array_equal(got[:, 3], dsp.sosfiltfilt(sos, x[:, 3]))


@pytest.mark.parametrize("order", [1, 2, 4, 7])
@pytest.mark.parametrize("length", [1, 2, 3, 4, 50])
def test_sections_from_a_state_match_scipy(order, length):
    """The pipeline of sections, also shorter than it is deep."""
    sos = signal.butter(order, 0.3, output="sos")
    assert np.array_equal(dsp.sosfilt_zi(sos), signal.sosfilt_zi(sos))
    rng = np.random.default_rng(order + 10 * length)
    x = rng.normal(size=(length, 4))
    zi = rng.normal(size=(len(sos), 2, 4))
    want, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    assert np.array_equal(dsp.sosfilt(sos, x, zi), want)


def test_zero_phase_filter_on_other_axes():
    sos = signal.butter(4, 0.3, output="sos")
    x = np.random.default_rng(1).normal(size=(3, 80, 2))
    got = dsp.sosfiltfilt(sos, x, axis=1)
    assert np.array_equal(got, signal.sosfiltfilt(sos, x, axis=1))


def test_zero_phase_filter_keeps_a_constant():
    """Each pass starts at its first sample's steady state: no transient."""
    sos = dsp.butter_lowpass_sos(4, 0.2)
    x = np.full(120, 7.25)
    np.testing.assert_allclose(dsp.sosfiltfilt(sos, x), x, rtol=0, atol=1e-12)


def _signals(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if seed % 3 == 0:
        x = rng.normal(size=n)
    else:  # small integers: plateaus and ties everywhere
        x = rng.integers(0, 5, size=n).astype(float)
    if seed % 5 == 0:
        x[rng.integers(0, n, size=max(1, n // 10))] = np.nan
    return x


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize(
    "conditions",
    [
        {},
        {"height": 0.5},
        {"distance": 3.5},
        {"prominence": 1.0},
        {"height": 1.0, "distance": 7, "prominence": 0.5},
    ],
    ids=["plain", "height", "distance", "prominence", "all"],
)
def test_peaks_are_scipys(seed, conditions):
    x = _signals(seed, 5 + 7 * seed)
    peaks, props = dsp.find_peaks(x, **conditions)
    want, want_props = signal.find_peaks(x, **conditions)
    assert peaks.tolist() == want.tolist()
    # The properties the coaches read, for the conditions given.
    expected = {"height": "peak_heights", "prominence": "prominences"}
    assert set(props) == {expected[c] for c in conditions if c in expected}
    for key, values in props.items():
        assert np.array_equal(values, want_props[key])


def test_peaks_of_short_and_flat_signals():
    for x in ([], [1.0], [1.0, 2.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0, 0.0]):
        got = dsp.find_peaks(np.array(x))[0].tolist()
        assert got == signal.find_peaks(np.array(x))[0].tolist()


def test_peaks_refuse_a_distance_below_one_and_2d_input():
    with pytest.raises(ValueError, match="distance"):
        dsp.find_peaks(np.zeros(5), distance=0.5)
    with pytest.raises(ValueError, match="1-D"):
        dsp.find_peaks(np.zeros((5, 2)))


def test_prominence_of_a_peak_on_a_long_climb():
    """A slope with ripples: every walk to a higher sample is long."""
    n = 5000
    x = np.arange(n) / 10 + np.sin(np.arange(n))
    got, props = dsp.find_peaks(x, prominence=0.1)
    want, want_props = signal.find_peaks(x, prominence=0.1)
    assert got.tolist() == want.tolist()
    assert np.array_equal(props["prominences"], want_props["prominences"])


@pytest.mark.parametrize("seed", range(6))
def test_prominences_of_long_signals_are_scipys(seed):
    """Long walks both ways, plateaus, NaN and peaks at every scale."""
    x = _signals(seed, 20_000)
    if seed % 2:
        x = np.cumsum(np.nan_to_num(x - 2.0, nan=0.0)) + x  # drifts: long walks
    peaks = signal.find_peaks(x)[0]
    got = dsp.peak_prominences(x, peaks)
    want = signal.peak_prominences(x, peaks)[0]
    assert np.array_equal(got, want)
    assert len(dsp.peak_prominences(x, peaks[:0])) == 0


@pytest.mark.parametrize("size", [1, 2, 3, 4, 9, 30, 250])
@pytest.mark.parametrize("n", [1, 5, 40, 191])
def test_running_maximum_is_scipys(size, n):
    x = np.random.default_rng(size * n).normal(size=n)
    x[::7] = -np.inf  # how the gait module marks frames without a foot
    assert np.array_equal(
        dsp.maximum_filter1d(x, size=size), ndimage.maximum_filter1d(x, size=size)
    )


NO_SCIPY = textwrap.dedent(
    """
    import sys

    from formcoach import cli

    assert cli.main(sys.argv[1:]) == 0
    loaded = sorted(name for name in sys.modules if name.split(".")[0] == "scipy")
    assert not loaded, loaded
    print("ok")
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("exercise", ["reverse-lunge", "auto"])
def test_an_analysis_does_not_import_scipy(exercise, tmp_path):
    """The whole command, recognition included, on the bundled clip."""
    command = [
        sys.executable, "-c", NO_SCIPY, "analyze", str(BUNDLED_CLIP),
        "--exercise", exercise, "--no-video", "--no-history", "--quiet",
        "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    env = {**os.environ, "FORMCOACH_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), (
        proc.stdout[-2000:] + proc.stderr[-3000:]
    )
    assert (tmp_path / "out" / "report.json").is_file()
