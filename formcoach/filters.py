"""Landmark smoothing: a causal One Euro filter for live use and a zero-phase
Butterworth filter for offline analysis, both with gap handling.

Pose estimates jitter from frame to frame; angles and velocities computed from
raw landmarks are noisy enough to trip thresholds. Live coaching must not wait
for future frames, so it uses the One Euro filter (Casiez et al., CHI 2012),
which smooths hard when the point is still and little when it moves fast.
Offline analysis sees the whole clip, so it uses a 4th-order Butterworth
low-pass applied forward and backward (no lag), as Sports2D and Pose2Sim do;
6 Hz keeps human movement (gait and lunges are under ~3 Hz) and removes jitter.

When the person is lost for a few frames (NaN), short gaps are bridged by
linear interpolation; longer gaps stay NaN so no movement is invented.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .dsp import butter_lowpass_sos, sosfiltfilt

FloatArray = npt.NDArray[np.floating]


def _alpha(cutoff_hz: FloatArray | float, dt_s: float) -> FloatArray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt_s)


@dataclass
class OneEuroFilter:
    """Causal One Euro filter over arrays of any fixed shape.

    Args:
        min_cutoff_hz: Cut-off at rest; lower is smoother but lags more.
        beta: How fast the cut-off rises with speed; higher lags less in fast moves.
        d_cutoff_hz: Cut-off for the speed estimate.
        max_gap_s: After a gap (all-NaN input) longer than this, start afresh
            instead of pulling the new position toward a stale one.

    Example:
        >>> f = OneEuroFilter()
        >>> f(np.array([1.0, 2.0]), timestamp_s=0.0).tolist()
        [1.0, 2.0]
    """

    min_cutoff_hz: float = 1.0
    beta: float = 0.3
    d_cutoff_hz: float = 1.0
    max_gap_s: float = 0.5
    _x: FloatArray | None = field(default=None, init=False, repr=False)
    _dx: FloatArray | None = field(default=None, init=False, repr=False)
    _t: float | None = field(default=None, init=False, repr=False)

    def reset(self) -> None:
        """Forget the state (e.g. when the tracked person changes)."""
        self._x = self._dx = self._t = None

    def __call__(self, x: FloatArray, timestamp_s: float) -> FloatArray:
        """Filter one sample.

        Args:
            x: Sample of the filter's shape; NaN entries are passed through as
                NaN and do not disturb the state of the other entries.
            timestamp_s: Sample time in seconds, increasing.

        Returns:
            The filtered sample, same shape as ``x``.
        """
        x = np.asarray(x, dtype=np.float64)
        if self._t is not None and timestamp_s - self._t > self.max_gap_s:
            self.reset()
        if self._x is None or self._t is None or timestamp_s <= self._t:
            if self._x is None:
                self._x = x.copy()
                self._dx = np.zeros_like(x)
                self._t = timestamp_s
                return x.copy()
            return self._x.copy()
        dt = timestamp_s - self._t
        prev = self._x
        assert self._dx is not None
        # Entries that were NaN before start from the new value.
        fresh = np.isnan(prev) & ~np.isnan(x)
        prev = np.where(fresh, x, prev)
        dx = np.where(fresh, 0.0, (x - prev) / dt)
        a_d = _alpha(self.d_cutoff_hz, dt)
        dx_hat = np.where(np.isnan(dx), self._dx, a_d * dx + (1 - a_d) * self._dx)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt)
        x_hat = a * x + (1 - a) * prev
        # Missing now: output NaN but keep the last good estimate for later.
        self._x = np.where(np.isnan(x), prev, x_hat)
        self._dx = dx_hat
        self._t = timestamp_s
        return np.where(np.isnan(x), np.nan, x_hat)


def median_of(values: Iterable[float]) -> float:
    """``np.median`` of a few plain floats (NaN if any is), without numpy's calls.

    For an even count it is the mean of the middle two, as numpy computes it.
    """
    ordered = sorted(values)
    n = len(ordered)
    if n == 0 or any(map(math.isnan, ordered)):
        return math.nan
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0


def interpolate_gaps(
    values: FloatArray, timestamps_s: FloatArray, max_gap_s: float
) -> FloatArray:
    """Linearly fill NaN runs no longer than ``max_gap_s``, per column.

    Args:
        values: Array of shape ``(n, ...)``; time runs along axis 0.
        timestamps_s: Shape ``(n,)``, increasing.
        max_gap_s: Longest gap (time between the valid samples around it) to fill.

    Returns:
        A copy with short gaps filled; leading, trailing and long gaps stay NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    if not np.isnan(values).any():
        return values.copy()
    flat = values.reshape(len(values), -1).copy()
    t = np.asarray(timestamps_s, dtype=np.float64)
    for col in range(flat.shape[1]):
        y = flat[:, col]
        valid = ~np.isnan(y)
        if valid.all() or valid.sum() < 2:
            continue
        idx = np.flatnonzero(valid)
        gaps = np.flatnonzero(np.diff(idx) > 1)
        for g in gaps:
            lo, hi = idx[g], idx[g + 1]
            if t[hi] - t[lo] <= max_gap_s:
                y[lo + 1 : hi] = np.interp(
                    t[lo + 1 : hi], [t[lo], t[hi]], [y[lo], y[hi]]
                )
    return flat.reshape(values.shape)


@functools.lru_cache(maxsize=32)
def _butter_sos(order: int, normalised_cutoff: float) -> FloatArray:
    """The filter's second-order sections (designing costs more than filtering)."""
    return butter_lowpass_sos(order, normalised_cutoff)


def butterworth_filter(
    values: FloatArray,
    timestamps_s: FloatArray,
    *,
    cutoff_hz: float = 6.0,
    order: int = 4,
    max_gap_s: float = 0.25,
) -> FloatArray:
    """Zero-phase low-pass of a whole sequence, segment by segment.

    Short gaps are interpolated first; the filter then runs over each run of
    valid samples (runs too short to filter are left as they are). The sample
    rate is taken from the median frame interval, which suits variable frame
    rate files whose intervals jitter around a nominal rate.

    Args:
        values: Array of shape ``(n, ...)``; time along axis 0.
        timestamps_s: Shape ``(n,)``, increasing.
        cutoff_hz: Low-pass cut-off frequency in Hz.
        order: Butterworth order (applied twice: forward and backward).
        max_gap_s: Gaps up to this long are bridged before filtering.

    Returns:
        Filtered copy of ``values``; NaN where the input had long gaps.
    """
    values = interpolate_gaps(values, timestamps_s, max_gap_s)
    n = len(values)
    if n < 2:
        return values
    fs = 1.0 / float(np.median(np.diff(timestamps_s)))
    nyquist = fs / 2.0
    if cutoff_hz >= nyquist * 0.95:
        return values  # nothing above the cut-off can be represented
    sos = _butter_sos(order, round(cutoff_hz / nyquist, 9)).copy()
    min_len = 3 * (2 * len(sos) + 1)  # sosfiltfilt's default pad length + 1
    flat = values.reshape(n, -1).copy()
    if n > min_len and not np.isnan(flat).any():
        # The usual case, a clip without lost frames: all columns in one call.
        return sosfiltfilt(sos, flat, axis=0).reshape(values.shape)
    # Columns missing in the same frames (usually all of them: the person is
    # lost as a whole) are filtered together, run by run; sosfiltfilt filters
    # each column on its own, so this is the same as one column at a time.
    valid = ~np.isnan(flat)
    groups: dict[bytes, list[int]] = {}
    for col in range(flat.shape[1]):
        groups.setdefault(valid[:, col].tobytes(), []).append(col)
    for cols in groups.values():
        mask = valid[:, cols[0]]
        # Boundaries of runs of valid samples.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(int), [0]))))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            if stop - start > min_len:
                flat[start:stop, cols] = sosfiltfilt(
                    sos, flat[start:stop, cols], axis=0
                )
    return flat.reshape(values.shape)
