"""Windows → labelled bouts: offline smoothing with hysteresis, and the live recogniser.

Offline (:func:`recognise`): every window is labelled (:func:`label_windows`),
the label sequence is smoothed by a Viterbi pass that charges
``switch_penalty`` for each change, each change is moved to where the
movement changes most nearby (:func:`refine_boundaries`), then the bouts are
cleaned up (:func:`clean_segments`):

* a ``rest/other`` run no longer than ``max_pause_s`` between two runs of the
  same workout is part of that bout (a drink of water is not a new exercise);
* a run shorter than ``min_segment_s`` joins its longer neighbour;

and each run becomes a :class:`Segment`, its boundaries halfway between the
centres of the last window of one run and the first of the next.

Live (:class:`LiveRecogniser`): the same windows over the last ``window_s`` of
frames, one every ``hop_s``; the reported label switches when another label
has held for ``live_switch_s`` with enough confidence.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from ..pose import PoseFrame
from .classify import LABELS, REST, Decision, classify_window
from .features import (
    COL,
    WindowFeatures,
    frame_signals,
    frame_signals_array,
    window_features,
)
from .settings import RecognitionSettings


@dataclass(frozen=True)
class Segment:
    """One bout of one workout (or of rest/other)."""

    start_s: float
    end_s: float
    exercise: str
    confidence: float

    @property
    def duration_s(self) -> float:
        """Length of the bout."""
        return self.end_s - self.start_s

    def as_dict(self) -> dict[str, float | str]:
        """For report.json."""
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "exercise": self.exercise,
            "confidence": round(self.confidence, 3),
        }


@dataclass(frozen=True)
class WindowLabel:
    """The label of one window, placed at the window's centre."""

    start_s: float
    end_s: float
    label: str
    confidence: float
    features: WindowFeatures
    path: tuple[str, ...]

    @property
    def centre_s(self) -> float:
        """Middle of the window."""
        return (self.start_s + self.end_s) / 2


def _window(
    rows: np.ndarray, start: float, end: float, s: RecognitionSettings
) -> WindowLabel:
    feats = window_features(rows, step_prominence=s.step_prominence)
    decision: Decision = classify_window(feats, s)
    return WindowLabel(
        start, end, decision.label, decision.confidence, feats, decision.path
    )


def label_windows(
    frames: Sequence[PoseFrame], settings: RecognitionSettings
) -> list[WindowLabel]:
    """Label sliding windows of ``window_s`` every ``hop_s`` over smoothed frames.

    A clip shorter than one window gets one window over all of it.
    """
    rows = frame_signals(frames)
    return label_rows(rows, settings)


def label_rows(rows: np.ndarray, s: RecognitionSettings) -> list[WindowLabel]:
    """:func:`label_windows` on precomputed signal rows."""
    if len(rows) == 0:
        return []
    t = rows[:, COL["t_s"]]
    t0, t1 = float(t[0]), float(t[-1])
    out = []
    starts = np.arange(t0, max(t0, t1 - s.window_s) + 1e-9, s.hop_s)
    for start in starts:
        end = min(start + s.window_s, t1)
        a, b = np.searchsorted(t, [start, start + s.window_s])
        out.append(_window(rows[a:b], float(start), float(end), s))
    return out


def _viterbi(windows: Sequence[WindowLabel], penalty: float) -> list[str]:
    """Most likely label sequence with a cost per change."""
    k = len(LABELS)
    index = {name: i for i, name in enumerate(LABELS)}
    cost = np.zeros(k)
    back = np.zeros((len(windows), k), int)
    for w, win in enumerate(windows):
        p = np.full(k, (1 - win.confidence) / (k - 1))
        p[index[win.label]] = win.confidence
        emit = -np.log(np.clip(p, 1e-6, 1))
        if w == 0:
            cost = emit
            continue
        stay = cost
        best = int(np.argmin(cost))
        switch = cost[best] + penalty
        back[w] = np.where(stay <= switch, np.arange(k), best)
        cost = np.minimum(stay, switch) + emit
    state = int(np.argmin(cost))
    path = [state]
    for w in range(len(windows) - 1, 0, -1):
        state = int(back[w, state])
        path.append(state)
    return [LABELS[i] for i in reversed(path)]


@dataclass
class _Run:
    label: str
    first: int  # window indices, inclusive
    last: int


def _runs(labels: Sequence[str]) -> list[_Run]:
    runs: list[_Run] = []
    for i, name in enumerate(labels):
        if runs and runs[-1].label == name:
            runs[-1].last = i
        else:
            runs.append(_Run(name, i, i))
    return runs


def segments_from_windows(
    windows: Sequence[WindowLabel],
    settings: RecognitionSettings,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    clean: bool = True,
) -> list[Segment]:
    """Bouts from labelled windows (see the module docstring).

    With ``clean=False`` the runs of the smoothed labels are returned as they
    are (no pause merging, no minimum length): :func:`recognise` refines their
    boundaries first and cleans up after.
    """
    if not windows:
        return []
    labels = _viterbi(windows, settings.switch_penalty)
    centres = [w.centre_s for w in windows]
    t_start = windows[0].start_s if start_s is None else start_s
    t_end = windows[-1].end_s if end_s is None else end_s
    runs = _runs(labels)
    out = []
    for i, run in enumerate(runs):
        a = t_start if i == 0 else (centres[runs[i - 1].last] + centres[run.first]) / 2
        b = (
            t_end
            if i == len(runs) - 1
            else (centres[run.last] + centres[runs[i + 1].first]) / 2
        )
        conf = [
            w.confidence if w.label == run.label else 1 - w.confidence
            for w in windows[run.first : run.last + 1]
        ]
        out.append(Segment(a, b, run.label, float(np.mean(conf))))
    return clean_segments(out, settings) if clean else out


def _join(a: Segment, b: Segment, label: str) -> Segment:
    """One segment over ``a`` and ``b`` (adjacent), confidence time-weighted."""
    total = a.duration_s + b.duration_s
    conf = (
        (a.confidence * a.duration_s + b.confidence * b.duration_s) / total
        if total > 0
        else max(a.confidence, b.confidence)
    )
    return Segment(a.start_s, b.end_s, label, conf)


def _merge_same(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if out and out[-1].exercise == seg.exercise:
            out[-1] = _join(out[-1], seg, seg.exercise)
        else:
            out.append(seg)
    return out


def _split_transitions(segments: list[Segment], min_s: float) -> list[Segment]:
    """A short ``rest/other`` between two different workouts is the change itself.

    Windows that straddle a change mix two movements and often look like
    neither; the short ``rest/other`` run they make is split at its middle
    between its neighbours, leaving one boundary to refine.
    """
    segs = list(segments)
    i = 1
    while i < len(segs) - 1:
        a, mid, b = segs[i - 1], segs[i], segs[i + 1]
        if (
            mid.exercise == REST
            and REST not in (a.exercise, b.exercise)
            and a.exercise != b.exercise
            and mid.duration_s < min_s
        ):
            half = (mid.start_s + mid.end_s) / 2
            segs[i - 1 : i + 2] = [
                Segment(a.start_s, half, a.exercise, a.confidence),
                Segment(half, b.end_s, b.exercise, b.confidence),
            ]
        else:
            i += 1
    return segs


def clean_segments(
    segments: list[Segment], settings: RecognitionSettings
) -> list[Segment]:
    """Hysteresis on bouts: pauses inside a bout, and bouts too short to count.

    * a ``rest/other`` segment no longer than ``max_pause_s`` between two
      segments of the same workout becomes part of that bout;
    * then, shortest first, a segment shorter than ``min_segment_s`` joins its
      longer neighbour.
    """
    segs = _merge_same(list(segments))
    i = 1
    while i < len(segs) - 1:
        mid = segs[i]
        if (
            mid.exercise == REST
            and segs[i - 1].exercise == segs[i + 1].exercise != REST
            and mid.duration_s <= settings.max_pause_s
        ):
            label = segs[i - 1].exercise
            merged = _join(_join(segs[i - 1], mid, label), segs[i + 1], label)
            segs[i - 1 : i + 2] = [merged]
            i = max(1, i - 1)
        else:
            i += 1
    while len(segs) > 1:
        i = int(np.argmin([seg.duration_s for seg in segs]))
        if segs[i].duration_s >= settings.min_segment_s:
            break
        if i == 0:
            j = 1
        elif i == len(segs) - 1:
            j = i - 1
        else:
            j = i - 1 if segs[i - 1].duration_s >= segs[i + 1].duration_s else i + 1
        a, b = sorted((i, j))
        segs[a : b + 1] = [_join(segs[a], segs[b], segs[j].exercise)]
        segs = _merge_same(segs)
    return segs


def recognise(
    frames: Sequence[PoseFrame],
    settings: RecognitionSettings,
    cuts_s: Sequence[float] = (),
) -> list[Segment]:
    """The workouts in a recording: smoothed frames → bouts in time order.

    Args:
        frames: The whole recording's frames, smoothed (``smooth_offline``),
            in time order; frames without a person are allowed.
        settings: :meth:`RecognitionSettings.from_config`.
        cuts_s: Times of the cuts found in the video
            (:mod:`formcoach.cuts`); a boundary near one is put there.

    Returns:
        Segments covering the recording from its first to its last frame.
    """
    if not frames:
        return []
    rows = frame_signals(frames)
    windows = label_rows(rows, settings)
    segments = segments_from_windows(
        windows,
        settings,
        start_s=frames[0].timestamp_ms / 1000.0,
        end_s=frames[-1].timestamp_ms / 1000.0,
        clean=False,
    )
    # Flickers first (so each boundary is refined between its real neighbours),
    # then the boundaries, then bouts that are still too short.
    segments = _split_transitions(segments, settings.min_segment_s)
    flicker = replace(settings, min_segment_s=0.5 * settings.min_segment_s)
    segments = clean_segments(segments, flicker)
    refined = refine_boundaries(segments, rows, settings, cuts_s)
    return clean_segments(refined, settings)


#: Signals whose statistics change where the workout changes, and the
#: smallest spread each is credited with (so a still signal does not dominate).
_CHANGE_SIGNALS = {
    "hip_height": 0.02,
    "thigh_min_deg": 2.0,
    "thigh_max_deg": 2.0,
    "knee_left_deg": 2.0,
    "knee_right_deg": 2.0,
    "lankle_x": 0.02,
    "lankle_y": 0.02,
    "rankle_x": 0.02,
    "rankle_y": 0.02,
}


def _change_point(
    rows: np.ndarray, lo: int, hi: int, first: int, last: int
) -> int | None:
    """Index in ``[first, last]`` where the signals of ``[lo, hi)`` change most.

    Each signal is modelled as Gaussian on either side of the split; the split
    minimising the summed ``n log(variance)`` wins (a classic change-point
    cost), computed in one pass with cumulative sums.
    """
    n = hi - lo
    first, last = max(first, lo + 2), min(last, hi - 2)
    if last < first:
        return None
    total = np.zeros(n + 1)
    for name, floor in _CHANGE_SIGNALS.items():
        x = rows[lo:hi, COL[name]]
        ok = np.isfinite(x)
        if ok.sum() < 4:
            continue
        x = np.where(ok, x, np.nanmean(x))
        c1 = np.concatenate([[0.0], np.cumsum(x)])
        c2 = np.concatenate([[0.0], np.cumsum(x * x)])
        k = np.arange(n + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            var_l = c2[k] / k - (c1[k] / k) ** 2
            var_r = (c2[n] - c2[k]) / (n - k) - ((c1[n] - c1[k]) / (n - k)) ** 2
        floor2 = floor * floor
        cost = k * np.log(np.fmax(var_l, 0) + floor2) + (n - k) * np.log(
            np.fmax(var_r, 0) + floor2
        )
        total += np.nan_to_num(cost, nan=np.inf)
    total[: first - lo] = np.inf
    total[last - lo + 1 :] = np.inf
    if not np.isfinite(total).any():
        return None
    return lo + int(np.argmin(total))


def refine_boundaries(
    segments: list[Segment],
    rows: np.ndarray,
    settings: RecognitionSettings,
    cuts_s: Sequence[float] = (),
) -> list[Segment]:
    """Move each boundary to the nearby point where the movement changes most.

    Window features can lag or lead a change by up to half a window (a
    percentile needs a share of the window to move), so each boundary is
    searched for within half a window and a hop of where the windows put it:
    at a cut found in the picture (``cuts_s``, the nearest) if there is one
    there, else at a jump of the person (the hip moves faster than
    ``cut_speed_min`` in the picture), else where the signals' statistics
    change most, judging them a whole window either side.
    """
    if len(segments) < 2 or len(rows) == 0:
        return segments
    t = rows[:, COL["t_s"]]
    reach = 0.5 * settings.window_s + settings.hop_s
    hip = rows[:, [COL["hip_px_x"], COL["hip_px_y"]]]
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.linalg.norm(np.diff(hip, axis=0), axis=1) / np.diff(t)
    out = list(segments)
    for i in range(1, len(out)):
        left, right = out[i - 1], out[i]
        b0 = right.start_s
        lo, hi = np.searchsorted(
            t,
            [
                max(left.start_s, b0 - settings.window_s),
                min(right.end_s, b0 + settings.window_s),
            ],
        )
        first, last = np.searchsorted(
            t, [max(left.start_s + 0.5, b0 - reach), min(right.end_s - 0.5, b0 + reach)]
        )
        k = None
        near = [c for c in cuts_s if abs(c - b0) <= reach]
        if near and left.start_s < min(near, key=lambda c: abs(c - b0)) < right.end_s:
            b = min(near, key=lambda c: abs(c - b0))
            out[i - 1] = Segment(left.start_s, b, left.exercise, left.confidence)
            out[i] = Segment(b, right.end_s, right.exercise, right.confidence)
            continue
        if last > first:
            # A cut in the video (the person jumps in the picture between two
            # frames) is the boundary: an edited recording, joined clips.
            jump = speed[first:last]
            if np.isfinite(jump).any() and np.nanmax(jump) >= settings.cut_speed_min:
                k = int(first + np.nanargmax(jump)) + 1
        if k is None:
            k = _change_point(rows, int(lo), int(hi), int(first), int(last))
        if k is None:
            continue
        b = float(t[k])
        out[i - 1] = Segment(left.start_s, b, left.exercise, left.confidence)
        out[i] = Segment(b, right.end_s, right.exercise, right.confidence)
    return out


class LiveLabel(NamedTuple):
    """What :meth:`LiveRecogniser.update` returns (unpacks as a tuple too)."""

    label: str
    confidence: float
    changed: bool


class LiveRecogniser:
    """Names the workout in a live stream, frame by frame, with hysteresis.

    Feed it causally smoothed frames (``LiveSmoother``). Until the first full
    window it says ``rest/other`` with confidence 0. Every ``hop_s`` it labels
    the last ``window_s``; the reported label changes to a new one once the
    new one has been the window label for ``live_switch_s`` in a row with a
    mean confidence of at least ``live_min_confidence``.

    Example:
        >>> settings = RecognitionSettings.from_config(config)  # doctest: +SKIP
        >>> live = LiveRecogniser(settings)  # doctest: +SKIP
        >>> label, confidence, changed = live.update(frame)  # doctest: +SKIP
    """

    def __init__(self, settings: RecognitionSettings):
        self.settings = settings
        self._rows: deque[np.ndarray] = deque()
        self._pending: list[tuple[np.ndarray, np.ndarray, float]] = []
        self._next_hop_s: float | None = None
        self._label = REST
        self._confidence = 0.0
        self._candidate: str | None = None
        self._candidate_since: float = math.nan
        self._candidate_conf: list[float] = []
        self.last_window: WindowLabel | None = None

    @property
    def label(self) -> str:
        """The current label."""
        return self._label

    def update(self, frame: PoseFrame) -> LiveLabel:
        """Add one frame; the current label, its confidence, and whether it changed."""
        s = self.settings
        t = frame.timestamp_ms / 1000.0
        # Frames wait until the next window; their signals are then computed
        # together (numpy per call costs more than per frame).
        self._pending.append((frame.xy, frame.world_xyz, t))
        if self._next_hop_s is None:
            self._next_hop_s = t + s.window_s
        changed = False
        if t >= self._next_hop_s:
            self._next_hop_s += s.hop_s
            if self._next_hop_s <= t:  # frames came late: catch up
                self._next_hop_s = t + s.hop_s
            xy, world, times = zip(*self._pending, strict=True)
            self._pending.clear()
            rows = frame_signals_array(np.stack(xy), np.stack(world), np.array(times))
            self._rows.extend(rows)
            while self._rows and self._rows[0][COL["t_s"]] < t - s.window_s:
                self._rows.popleft()
            window = _window(np.array(self._rows), t - s.window_s, t, s)
            self.last_window = window
            changed = self._consider(window, t)
        return LiveLabel(self._label, self._confidence, changed)

    def _consider(self, window: WindowLabel, t: float) -> bool:
        s = self.settings
        if window.label == self._label:
            self._candidate = None
            self._confidence = 0.8 * self._confidence + 0.2 * window.confidence
            return False
        if window.label != self._candidate:
            self._candidate = window.label
            self._candidate_since = t
            self._candidate_conf = []
        self._candidate_conf.append(window.confidence)
        held = t - self._candidate_since + s.hop_s
        mean_conf = float(np.mean(self._candidate_conf))
        if held >= s.live_switch_s and mean_conf >= s.live_min_confidence:
            self._label = window.label
            self._confidence = mean_conf
            self._candidate = None
            return True
        return False
