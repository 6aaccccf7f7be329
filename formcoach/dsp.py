"""The few signal tools the coaches use, in NumPy alone.

FormCoach needs a Butterworth low-pass run forward and backward, peaks with
a minimum height, spacing and prominence, and a running maximum. SciPy has
them all, but ``import scipy.signal`` brings in most of SciPy: 0.7-1.6 s of
CPU in every new process (a one-shot ``formcoach analyze``, each batch
worker), more than the coaches' whole analysis of a short clip. These
functions follow SciPy's definitions step for step (its defaults: odd
padding of ``3 * (2 * sections + 1)`` samples, initial conditions at the
first sample's steady state, SciPy's pairing of poles into sections, its
plateau and tie rules for peaks, ``mode="reflect"`` for the maximum), and
``tests/test_dsp.py`` checks them against SciPy itself.

The results are SciPy's to the last bit. Only the filter's recursion costs
more than SciPy's C: it runs in Python with a NumPy call per operation, the
sections as a pipeline over all signals at once (:func:`sosfilt`): about 2
ms for a 6-s clip's 165 landmark series, 3 times SciPy's time, against the
0.7-1.6 s its import cost.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


# --- Butterworth design -----------------------------------------------------


def _poly(roots: list[complex]) -> NDArray[np.complex128]:
    """The monic polynomial with these roots (``scipy.signal``'s ``poly``)."""
    coefficients = np.ones(1, dtype=np.complex128)
    for root in roots:
        coefficients = np.convolve(coefficients, np.array([1.0, -root]))
    return coefficients


def _section(zeros: list[complex], poles: list[complex]) -> FloatArray:
    """One second-order section ``[b0, b1, b2, 1, a1, a2]`` with gain 1."""
    b = _poly(zeros)
    a = _poly(poles)
    sos = np.zeros(6)
    # The roots come in conjugate pairs (or are real): real coefficients.
    sos[3 - len(b) : 3] = b.real
    sos[6 - len(a) : 6] = a.real
    return sos


def _split_conjugates(values: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """One of each conjugate pair (positive imaginary part), then the reals.

    SciPy's ``_cplxreal`` for the poles of a Butterworth filter, which come in
    exact conjugate pairs: sorted by real part, then by size of the
    imaginary part; the pairs averaged with their conjugates.
    """
    values = values[np.lexsort((abs(values.imag), values.real))]
    tol = 100 * np.finfo(np.float64).eps
    real = abs(values.imag) <= tol * abs(values)
    upper = values[~real & (values.imag > 0)]
    lower = values[~real & (values.imag < 0)]
    pairs = (upper + lower.conj()) / 2
    return np.concatenate((pairs, values[real].real.astype(np.complex128)))


def butter_lowpass_sos(order: int, normalised_cutoff: float) -> FloatArray:
    """A digital Butterworth low-pass as second-order sections.

    ``scipy.signal.butter(order, normalised_cutoff, output="sos")``: the
    analogue prototype's poles, pre-warped and mapped by the bilinear
    transform, paired into sections with the poles nearest the unit circle
    last and the gain in the first section.

    Args:
        order: Filter order, 1 or more.
        normalised_cutoff: Cut-off as a fraction of the Nyquist frequency,
            strictly between 0 and 1.

    Returns:
        Shape ``(ceil(order / 2), 6)``: ``[b0, b1, b2, 1, a1, a2]`` per row.

    Raises:
        ValueError: For an order below 1 or a cut-off outside (0, 1).
    """
    if int(order) != order or order < 1:
        raise ValueError(f"the filter order must be a whole number ≥ 1, not {order}")
    if not 0 < normalised_cutoff < 1:
        raise ValueError(
            "the cut-off must be between 0 and 1 (a fraction of the Nyquist "
            f"frequency), not {normalised_cutoff}"
        )
    # Analogue prototype: poles on the left half of the unit circle.
    m = np.arange(-order + 1, order, 2, dtype=np.float64)
    prototype = -np.exp(1j * np.pi * m / (2 * order))
    fs = 2.0
    warped = float(2 * fs * np.tan(np.pi * normalised_cutoff / fs))
    analogue = warped * prototype
    gain = 1.0 * warped**order
    # Bilinear transform: every zero lands at -1.
    fs2 = 2.0 * fs
    poles = (fs2 + analogue) / (fs2 - analogue)
    gain = gain * np.real(1.0 / np.prod(fs2 - analogue))
    zeros = [-1.0] * order
    if order % 2:  # an odd order: a pole and a zero at 0 fill the last section
        poles = np.concatenate((poles, [0.0]))
        zeros.append(0.0)
    remaining = list(_split_conjugates(poles))
    zeros.sort()
    n_sections = (order + 1) // 2
    sos = np.zeros((n_sections, 6))
    for index in range(n_sections - 1, -1, -1):
        # The pole nearest the unit circle goes last.
        worst = int(np.argmin(np.abs(1 - np.abs(np.array(remaining)))))
        p1 = remaining.pop(worst)
        real_left = [p for p in remaining if p.imag == 0]
        if p1.imag == 0 and not real_left:
            z1 = _take_nearest(zeros, p1)
            sos[index] = _section([z1, 0.0], [p1, 0.0])
            continue
        if p1.imag == 0:
            reals = np.array(real_left)
            p2 = real_left[int(np.argmin(np.abs(1 - np.abs(reals))))]
            remaining.remove(p2)
        else:
            p2 = p1.conjugate()
        z1 = _take_nearest(zeros, p1)
        z2 = _take_nearest(zeros, p1)
        sos[index] = _section([z1, z2], [p1, p2])
    sos[0][:3] *= gain
    return sos


def _take_nearest(zeros: list[float], pole: complex) -> float:
    """Remove and return the zero nearest ``pole`` (the first of equals)."""
    distances = np.abs(np.array(zeros) - pole)
    return zeros.pop(int(np.argsort(distances)[0]))


# --- Zero-phase filtering ---------------------------------------------------


def sosfilt_zi(sos: FloatArray) -> FloatArray:
    """Each section's state for a step input's steady state (SciPy's).

    Returns:
        Shape ``(sections, 2)``; times the first sample, the state that
        starts a filter as if the signal had always had that value.
    """
    zi = np.empty((len(sos), 2))
    scale = 1.0
    for index, section in enumerate(sos):
        b, a = section[:3], section[3:]
        # lfilter_zi: (I - A) zi = B for the section's companion matrix A.
        companion = np.array([[-a[1], -a[2]], [1.0, 0.0]])
        zi[index] = scale * np.linalg.solve(
            np.eye(2) - companion.T, b[1:] - a[1:] * b[0]
        )
        scale *= b.sum() / a.sum()
    return zi


def sosfilt(sos: FloatArray, x: FloatArray, zi: FloatArray) -> FloatArray:
    """Run the sections over ``x`` (time along axis 0), from state ``zi``.

    SciPy's recursion (its ``_sosfilt``) with the same operations in the same
    order, so the results are SciPy's to the last bit, and a signal's result
    never depends on the others filtered with it. In Python one sample at a
    time would cost a call per operation per section; instead the sections
    work as a pipeline: at step ``t`` section ``k`` takes sample ``t - k``
    from section ``k - 1``, so each step is a few calls over all sections
    and all signals at once.

    Args:
        sos: Second-order sections, ``a0 == 1``.
        x: Shape ``(n, signals)``.
        zi: Shape ``(sections, 2, signals)``: each section's two delays.

    Returns:
        The filtered signals, shape ``(n, signals)``.
    """
    n, n_sections = len(x), len(sos)
    # Each coefficient as a (sections, signals) array: no broadcasting per call.
    b0, b1, b2, _, a1, a2 = (
        np.repeat(sos[:, [i]], x.shape[1], axis=1) for i in range(6)
    )
    z0 = zi[:, 0].copy()
    z1 = zi[:, 1].copy()
    inputs = np.zeros_like(z0)  # each section's sample of this step
    new = np.empty_like(z0)
    scratch = np.empty_like(z0)
    out = np.empty_like(x)
    last = n_sections - 1

    def step(lo: int, hi: int) -> None:
        """One step of sections ``lo`` to ``hi - 1`` (the others idle)."""
        y, u, t = new[lo:hi], inputs[lo:hi], scratch[lo:hi]
        s0, s1 = z0[lo:hi], z1[lo:hi]
        np.multiply(b0[lo:hi], u, out=y)
        y += s0  # y = b0 x + z0
        # z0 = b1 x - a1 y + z1, in that order (as SciPy's C does)
        np.multiply(a1[lo:hi], y, out=t)
        np.multiply(b1[lo:hi], u, out=s0)
        s0 -= t
        s0 += s1
        np.multiply(a2[lo:hi], y, out=t)  # z1 = b2 x - a2 y
        np.multiply(b2[lo:hi], u, out=s1)
        s1 -= t

    if n <= last:  # fewer samples than sections: no step has all at work
        for t in range(n + last):
            lo, hi = max(0, t - n + 1), min(t, last) + 1
            if t < n:
                inputs[0] = x[t]
            step(lo, hi)
            if hi == n_sections:
                out[t - last] = new[last]
            inputs[lo + 1 : hi + 1] = new[lo : min(hi, last)]
        return out
    # The pipeline fills (section k starts at step k), runs full, and drains.
    for t in range(last):
        inputs[0] = x[t]
        step(0, t + 1)
        inputs[1 : t + 2] = new[: t + 1]
    y_last, y_head, inputs_tail = new[last], new[:last], inputs[1:]
    # All sections at work: step()'s operations on whole arrays, inlined.
    # Its ten slices a step doubled the filter's time (2.5-2.8 ms against
    # 1.2-1.7 for 75 frames of 165 series).
    for t in range(last, n):
        inputs[0] = x[t]
        np.multiply(b0, inputs, out=new)
        new += z0
        np.multiply(a1, new, out=scratch)
        np.multiply(b1, inputs, out=z0)
        z0 -= scratch
        z0 += z1
        np.multiply(a2, new, out=scratch)
        np.multiply(b2, inputs, out=z1)
        z1 -= scratch
        out[t - last] = y_last
        inputs_tail[...] = y_head
    for t in range(n, n + last):
        lo = t - n + 1
        step(lo, n_sections)
        out[t - last] = y_last
        inputs[lo + 1 :] = new[lo:last]
    return out


def _odd_extension(x: FloatArray, n: int) -> FloatArray:
    """``x`` with ``n`` samples mirrored through each end point."""
    left = 2 * x[:1] - x[n:0:-1]
    right = 2 * x[-1:] - x[-2 : -(n + 2) : -1]
    return np.concatenate((left, x, right))


def sosfiltfilt(sos: FloatArray, x: FloatArray, axis: int = 0) -> FloatArray:
    """Zero-phase filtering: the filter forward, then backward.

    ``scipy.signal.sosfiltfilt(sos, x, axis=axis)`` with its defaults: the
    signal extended by odd reflection of ``3 * (2 * sections + 1)`` samples
    at each end, each pass started at its first sample's steady state.

    Args:
        sos: Second-order sections (:func:`butter_lowpass_sos`), each with
            ``a0 == 1``.
        x: The signal(s); time along ``axis``.
        axis: The time axis.

    Returns:
        The filtered signal, shaped like ``x``.

    Raises:
        ValueError: If ``x`` is not longer than the padding.
    """
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    if sos.ndim != 2 or sos.shape[1] != 6 or not np.all(sos[:, 3] == 1):
        raise ValueError("sos must have shape (sections, 6) with a0 == 1")
    x = np.asarray(x, dtype=np.float64)
    moved = np.moveaxis(x, axis, 0)
    shape = moved.shape
    signals = moved.reshape(shape[0], -1)
    n_taps = 2 * len(sos) + 1
    n_taps -= min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = 3 * n_taps
    if len(signals) <= edge:
        raise ValueError(
            "The length of the input vector x must be greater than padlen, "
            f"which is {edge}."
        )
    extended = _odd_extension(signals, edge)
    zi = sosfilt_zi(sos)[:, :, None]
    forward = sosfilt(sos, extended, zi * extended[:1])
    backward = sosfilt(sos, forward[::-1], zi * forward[-1:])
    smooth = backward[::-1][edge:-edge]
    return np.moveaxis(smooth.reshape(shape), 0, axis)


# --- Peaks --------------------------------------------------------------------


def _local_maxima(x: FloatArray) -> IntArray:
    """Local maxima, a plateau counted once at its middle (SciPy's rule).

    A run of equal samples is a peak when both neighbours are lower; runs
    touching either end are not peaks. The middle of an even run is its left
    middle sample.
    """
    n = len(x)
    if n < 3:
        return np.zeros(0, dtype=np.intp)
    # Runs of equal values (NaN equals nothing, so each NaN is a run).
    starts = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
    ends = np.concatenate((starts[1:] - 1, [n - 1]))
    inner = (starts >= 1) & (ends <= n - 2)
    starts, ends = starts[inner], ends[inner]
    rising = x[starts - 1] < x[starts]
    falling = x[ends + 1] < x[ends]
    keep = rising & falling
    return ((starts[keep] + ends[keep]) // 2).astype(np.intp)


def _by_distance(peaks: IntArray, heights: FloatArray, distance: float) -> NDArray:
    """Drop peaks nearer than ``distance`` to a higher one, highest first."""
    spacing = math.ceil(distance)
    keep = np.ones(len(peaks), dtype=bool)
    positions = peaks.tolist()
    for j in np.argsort(heights)[::-1].tolist():
        if not keep[j]:
            continue
        k = j - 1
        while k >= 0 and positions[j] - positions[k] < spacing:
            keep[k] = False
            k -= 1
        k = j + 1
        while k < len(positions) and positions[k] - positions[j] < spacing:
            keep[k] = False
            k += 1
    return keep


def _sparse_table(
    values: FloatArray, reduce: Callable[[FloatArray, FloatArray], FloatArray]
) -> list[FloatArray]:
    """``table[k][i] = reduce(values[i : i + 2**k])``, for every ``k`` that fits."""
    table = [values]
    width = 1
    while 2 * width <= len(values):
        last = table[-1]
        table.append(reduce(last[:-width], last[width:]))
        width *= 2
    return table


def _blockers(x: FloatArray, peaks: IntArray) -> tuple[IntArray, IntArray]:
    """The nearest sample each side of every peak that is not at most its
    height (-1 or ``len(x)`` when there is none); NaN blocks, as it compares
    false in SciPy's walk.

    All peaks walk at once, by halving steps over a table of running maxima
    (NaN counted as infinitely high): a step is taken while every sample it
    passes is at most the peak's height.
    """
    n = len(x)
    highs = _sparse_table(np.where(np.isnan(x), np.inf, x), np.maximum)
    heights = x[peaks]
    left = peaks.copy()  # every sample in [left, peak) is at most the height
    right = peaks + 1  # ... and every sample in [peak + 1, right)
    for k in range(len(highs) - 1, -1, -1):
        width = 1 << k
        table = highs[k]
        step = left - width
        fits = step >= 0
        fits[fits] = table[step[fits]] <= heights[fits]
        left = np.where(fits, step, left)
        fits = right + width <= n
        fits[fits] = table[right[fits]] <= heights[fits]
        right = np.where(fits, right + width, right)
    return left - 1, right


def _range_minima(
    table: list[FloatArray], start: IntArray, stop: IntArray
) -> FloatArray:
    """``min(values[start:stop])`` for each pair (``stop > start``), from
    :func:`_sparse_table` with ``np.minimum``: two windows that cover it."""
    k = np.frexp(stop - start)[1] - 1  # floor(log2(length)), exactly
    out = np.empty(len(start))
    for level in np.unique(k).tolist():
        at = k == level
        values = table[level]
        out[at] = np.minimum(values[start[at]], values[stop[at] - (1 << level)])
    return out


def peak_prominences(x: FloatArray, peaks: IntArray) -> FloatArray:
    """How far each peak stands above the higher of its two bases.

    A base is the lowest point between the peak and the nearest higher
    sample on that side (or the signal's end): SciPy's definition with no
    window. The minima hold no NaN: a NaN ends the walk before it.
    """
    x = np.asarray(x, dtype=np.float64)
    peaks = np.asarray(peaks, dtype=np.intp)
    if len(peaks) == 0:
        return np.zeros(0)
    left, right = _blockers(x, peaks)
    lows = _sparse_table(x, np.minimum)
    left_base = _range_minima(lows, left + 1, peaks + 1)
    right_base = _range_minima(lows, peaks, right)
    return x[peaks] - np.maximum(left_base, right_base)


def find_peaks(
    x: FloatArray,
    *,
    height: float | None = None,
    distance: float | None = None,
    prominence: float | None = None,
) -> tuple[IntArray, dict[str, FloatArray]]:
    """Peaks of a 1-D signal, as ``scipy.signal.find_peaks`` finds them.

    The conditions apply in SciPy's order: height, then distance (the
    highest peaks kept first), then prominence.

    Args:
        x: The signal.
        height: Smallest height a peak may have.
        distance: Smallest spacing in samples between peaks (≥ 1).
        prominence: Smallest prominence a peak may have.

    Returns:
        The peaks' indices, and their ``"peak_heights"`` (given ``height``)
        and ``"prominences"`` (given ``prominence``).

    Raises:
        ValueError: For a ``distance`` below 1 or a signal that is not 1-D.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"find_peaks needs a 1-D signal, not shape {x.shape}")
    if distance is not None and distance < 1:
        raise ValueError("`distance` must be greater or equal to 1")
    peaks = _local_maxima(x)
    properties: dict[str, FloatArray] = {}
    if height is not None:
        heights = x[peaks]
        keep = height <= heights
        peaks = peaks[keep]
        properties["peak_heights"] = heights[keep]
    if distance is not None:
        keep = _by_distance(peaks, x[peaks], distance)
        peaks = peaks[keep]
        properties = {key: value[keep] for key, value in properties.items()}
    if prominence is not None:
        prominences = peak_prominences(x, peaks)
        keep = prominence <= prominences
        peaks = peaks[keep]
        properties = {key: value[keep] for key, value in properties.items()}
        properties["prominences"] = prominences[keep]
    return peaks, properties


# --- Running maximum --------------------------------------------------------


def maximum_filter1d(x: FloatArray, size: int) -> FloatArray:
    """The maximum over a centred window of ``size`` samples.

    ``scipy.ndimage.maximum_filter1d(x, size)``: the window at ``i`` spans
    ``i - size // 2`` to ``i + (size - 1) // 2``, and the signal is mirrored
    beyond its ends (``mode="reflect"``, the end sample repeated).
    """
    x = np.asarray(x, dtype=np.float64)
    if size < 1:
        raise ValueError(f"the window must be at least 1 sample, not {size}")
    if len(x) == 0:
        return x.copy()
    padded = np.pad(x, (size // 2, (size - 1) // 2), mode="symmetric")
    return np.lib.stride_tricks.sliding_window_view(padded, size).max(axis=1)
