"""Transparent features of a short window of pose frames.

Two stages, so a live stream pays for each frame once:

1. :func:`frame_signals` turns each frame into a handful of numbers (a row
   of :data:`SIGNALS`): hip height over the lowest ankle, thigh and knee
   angles, the ankles relative to the hip, the hip axis, the hip in the
   picture. Body geometry comes from MediaPipe's *world* landmarks (metres,
   hip-centred), so angles and distances mean the same from the side, the
   front or a 3/4 view; a frame without world landmarks (hand-built test
   figures, other pose tools) falls back to the picture, seen as a side view.
2. :func:`window_features` summarises a window (2-4 s) of those rows into
   :class:`WindowFeatures`: percentiles, ranges, a step cadence, how round
   the ankles' path is.

Every length is in leg lengths (hip→knee→ankle of the longer leg), every
angle in degrees, every rate per minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..dsp import find_peaks
from ..landmarks import Landmark as L
from ..pose import PoseFrame

#: Columns of the per-frame signal rows.
SIGNALS = (
    "valid",  # 1 when hips, knees and ankles are all measured
    "hip_height",  # hip centre above the lower ankle, leg lengths
    "thigh_min_deg",  # the more upright thigh's angle from straight down
    "thigh_max_deg",
    "knee_left_deg",  # hip-knee-ankle angle, 180 = straight
    "knee_right_deg",
    "ankle_dx",  # left ankle − right ankle, horizontal x (leg lengths)
    "ankle_dz",  # ... horizontal depth
    "lankle_x", "lankle_z", "lankle_y",  # left ankle relative to the hip centre
    "rankle_x", "rankle_z", "rankle_y",  # right ankle relative to the hip centre
    "hip_axis_x", "hip_axis_z",  # left hip − right hip, horizontal (leg lengths)
    "hip_px_x", "hip_px_y",  # hip centre in the picture, picture leg lengths
    "t_s",
)  # fmt: skip
COL = {name: i for i, name in enumerate(SIGNALS)}

_LEGS = (
    (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at ``b`` in degrees, over the last axis."""
    u, v = a - b, c - b
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _body_points(xy: np.ndarray, world: np.ndarray) -> np.ndarray:
    """``(n, 33, 3)`` body points: world metres, or the picture where absent.

    A frame's world landmarks count as absent when they are NaN or all zero
    (builders that fill only the picture). The picture fallback is a side
    view: x across, y down, no depth.
    """
    pts = world.astype(np.float64, copy=True)
    absent = ~np.isfinite(pts[:, [L.LEFT_HIP, L.LEFT_ANKLE, L.RIGHT_ANKLE]]).all(
        axis=(1, 2)
    ) | (np.abs(pts).sum(axis=(1, 2)) == 0)
    if absent.any():
        flat = np.zeros_like(pts[absent])
        flat[..., :2] = xy[absent]
        pts[absent] = flat
    return pts


def frame_signals_array(
    xy: npt.NDArray[np.floating],
    world: npt.NDArray[np.floating],
    t_s: npt.NDArray[np.floating],
) -> npt.NDArray[np.float64]:
    """Signal rows of many frames at once: ``(n, len(SIGNALS))``.

    Args:
        xy: ``(n, 33, 2)`` pixels (NaN where no person).
        world: ``(n, 33, 3)`` world metres (NaN or zeros where absent).
        t_s: ``(n,)`` times in seconds.
    """
    n = len(t_s)
    out = np.full((n, len(SIGNALS)), np.nan)
    out[:, COL["t_s"]] = t_s
    if n == 0:
        return out
    xy = xy.astype(np.float64)
    p = _body_points(xy, world)
    hip, knee, ankle = ([p[:, leg[k]] for leg in _LEGS] for k in range(3))
    legs = np.stack(
        [
            np.linalg.norm(hip[s] - knee[s], axis=-1)
            + np.linalg.norm(knee[s] - ankle[s], axis=-1)
            for s in (0, 1)
        ]
    )
    leg = np.fmax(legs[0], legs[1])
    leg = np.where(leg > 0, leg, np.nan)
    hip_c = (hip[0] + hip[1]) / 2
    valid = np.isfinite(leg) & np.isfinite(hip_c).all(-1)
    out[:, COL["valid"]] = valid.astype(float)
    lower_ankle_y = np.fmax(ankle[0][:, 1], ankle[1][:, 1])  # y points down
    out[:, COL["hip_height"]] = (lower_ankle_y - hip_c[:, 1]) / leg
    down = np.array([0.0, 1.0, 0.0])
    thighs = np.stack([_angle(knee[s] - hip[s], np.zeros(3), down) for s in (0, 1)])
    out[:, COL["thigh_min_deg"]] = np.fmin(thighs[0], thighs[1])
    out[:, COL["thigh_max_deg"]] = np.fmax(thighs[0], thighs[1])
    out[:, COL["knee_left_deg"]] = _angle(hip[0], knee[0], ankle[0])
    out[:, COL["knee_right_deg"]] = _angle(hip[1], knee[1], ankle[1])
    out[:, COL["ankle_dx"]] = (ankle[0][:, 0] - ankle[1][:, 0]) / leg
    out[:, COL["ankle_dz"]] = (ankle[0][:, 2] - ankle[1][:, 2]) / leg
    for prefix, a in (("lankle", ankle[0]), ("rankle", ankle[1])):
        rel = (a - hip_c) / leg[:, None]
        out[:, COL[f"{prefix}_x"]] = rel[:, 0]
        out[:, COL[f"{prefix}_z"]] = rel[:, 2]
        out[:, COL[f"{prefix}_y"]] = rel[:, 1]
    axis = (hip[0] - hip[1]) / leg[:, None]
    out[:, COL["hip_axis_x"]] = axis[:, 0]
    out[:, COL["hip_axis_z"]] = axis[:, 2]
    # The picture: hip centre in picture leg lengths (for travel and bounce).
    hxy = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    leg_px = np.fmax(
        np.linalg.norm(xy[:, L.LEFT_HIP] - xy[:, L.LEFT_KNEE], axis=-1)
        + np.linalg.norm(xy[:, L.LEFT_KNEE] - xy[:, L.LEFT_ANKLE], axis=-1),
        np.linalg.norm(xy[:, L.RIGHT_HIP] - xy[:, L.RIGHT_KNEE], axis=-1)
        + np.linalg.norm(xy[:, L.RIGHT_KNEE] - xy[:, L.RIGHT_ANKLE], axis=-1),
    )
    leg_px = np.where(leg_px > 0, leg_px, np.nan)
    out[:, COL["hip_px_x"]] = hxy[:, 0] / leg_px
    out[:, COL["hip_px_y"]] = hxy[:, 1] / leg_px
    out[~valid, 1:-1] = np.nan
    return out


def frame_signals(frames: Sequence[PoseFrame]) -> npt.NDArray[np.float64]:
    """:func:`frame_signals_array` of a list of frames."""
    if not frames:
        return np.zeros((0, len(SIGNALS)))
    return frame_signals_array(
        np.stack([f.xy for f in frames]),
        np.stack([f.world_xyz for f in frames]),
        np.array([f.timestamp_ms for f in frames]) / 1000.0,
    )


@dataclass(frozen=True)
class WindowFeatures:
    """What a window of frames shows (NaN where not measurable).

    Attributes:
        start_s, end_s: The window.
        coverage: Fraction of its frames with the legs measured.
        hip_low, hip_high: 20th/80th percentile of the hip height over the
            lower ankle (leg lengths): ~0.95 standing, ~0.5 at a lunge's bottom,
            ~0.2 on a rowing seat.
        hip_drop: ``hip_high − hip_low``: how far the hip goes down and up.
        thigh_upright_deg: 10th percentile of the more upright thigh's angle
            from straight down: near 0 when standing at some point, 45+ all the
            time when seated.
        knee_straight_deg: 90th percentile of the straighter knee's angle:
            ~175 when the legs straighten (walking, running), lower when the
            knees stay bent (athletic stance, seated).
        knee_bent_deg: 10th percentile of the more bent knee's angle.
        split_high: 90th percentile of the fore-aft distance between the
            ankles (perpendicular to the hips, leg lengths).
        split_at_bottom: Median fore-aft ankle distance while the hip is in
            the lowest quarter of its range (a lunge: feet split; a squat: not).
        thigh_spread_at_bottom: Median difference between the two thighs'
            angles from straight down over the same frames (a lunge: one thigh
            forward, the other down or back; a squat: both alike).
        stance_width: Median side-to-side distance between the ankles (along
            the hips, leg lengths).
        steps: Steps in the window: peaks of the fore-aft ankle distance (the
            feet pass each other once per step).
        cadence_spm: Steps per minute from the median spacing of those peaks.
        ankle_speed: Median speed of the ankles relative to the hip, leg
            lengths per second (0 when still).
        ankle_roundness: How round the ankles' path relative to the hip is in
            the body's fore-aft/vertical plane, 0 (a line, or still) to 1 (a
            circle at constant speed: a crank).
        ankle_slide: 90th−10th percentile of the ankles' fore-aft position
            relative to the hip (leg lengths): the rowing seat's slide.
        knee_range_deg: 90th−10th percentile of the knee angles.
        bounce: Standard deviation of the hip's height in the picture, picture
            leg lengths (detrended): vertical oscillation.
    """

    start_s: float
    end_s: float
    coverage: float
    hip_low: float
    hip_high: float
    hip_drop: float
    thigh_upright_deg: float
    knee_straight_deg: float
    knee_bent_deg: float
    split_high: float
    split_at_bottom: float
    thigh_spread_at_bottom: float
    stance_width: float
    steps: int
    cadence_spm: float
    ankle_speed: float
    ankle_roundness: float
    ankle_slide: float
    knee_range_deg: float
    bounce: float

    def as_dict(self) -> dict[str, float]:
        """Plain floats (rounded) for reports and debugging."""
        return {k: round(float(v), 3) for k, v in self.__dict__.items()}


def _pct(x: np.ndarray, q: float) -> float:
    """``np.nanpercentile`` (linear), without its overhead on short arrays."""
    x = np.sort(x[np.isfinite(x)])
    if not x.size:
        return float("nan")
    pos = q / 100.0 * (x.size - 1)
    lo = int(pos)
    hi = min(lo + 1, x.size - 1)
    return float(x[lo] + (x[hi] - x[lo]) * (pos - lo))


def _roundness(a: np.ndarray, b: np.ndarray, dt: float) -> float:
    """0 (line) .. 1 (circle) for the path ``(a(t), b(t))`` sampled every ``dt``.

    Twice the swept area rate over what a circle with the same spreads and
    angular speed would sweep, times the ratio of the smaller spread to the
    larger (a flat ellipse is not a crank).
    """
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 8:
        return 0.0
    a, b = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    da, db = np.gradient(a, dt), np.gradient(b, dt)
    va, vb = a.var(), b.var()
    if va <= 0 or vb <= 0:
        return 0.0
    omega = np.sqrt((da.var() + db.var()) / (va + vb))
    if omega <= 0:
        return 0.0
    swept = abs(float(np.mean(a * db - b * da)))
    circ = swept / (2 * omega * np.sqrt(va * vb))
    ratio = np.sqrt(min(va, vb) / max(va, vb))
    return float(np.clip(circ, 0, 1) * ratio)


def window_features(
    rows: npt.NDArray[np.float64], *, step_prominence: float
) -> WindowFeatures:
    """Summarise the signal rows of one window.

    Args:
        rows: ``(n, len(SIGNALS))`` from :func:`frame_signals`, in time order.
        step_prominence: Smallest rise and fall of the fore-aft ankle distance
            that counts as a step (leg lengths).
    """
    t = rows[:, COL["t_s"]]
    n = len(t)
    nan = float("nan")
    start, end = (float(t[0]), float(t[-1])) if n else (nan, nan)
    valid = rows[:, COL["valid"]] == 1 if n else np.zeros(0, bool)
    coverage = float(valid.mean()) if n else 0.0
    if valid.sum() < 8:
        return WindowFeatures(start, end, coverage, *([nan] * 10), 0, *([nan] * 6))
    r = rows
    hip_h = r[:, COL["hip_height"]]
    hip_low, hip_high = _pct(hip_h, 20), _pct(hip_h, 80)
    knees = r[:, [COL["knee_left_deg"], COL["knee_right_deg"]]]
    # The hip axis of the window, horizontal, and the fore-aft axis across it.
    ax = _pct(r[:, COL["hip_axis_x"]], 50)
    az = _pct(r[:, COL["hip_axis_z"]], 50)
    norm = float(np.hypot(ax, az))
    if not np.isfinite(norm) or norm < 0.05:
        side, fore = np.array([0.0, 1.0]), np.array([1.0, 0.0])  # a side view
    else:
        side = np.array([ax, az]) / norm
        fore = np.array([-side[1], side[0]])
    dxz = r[:, [COL["ankle_dx"], COL["ankle_dz"]]]
    split = np.abs(dxz @ fore)
    width = np.abs(dxz @ side)
    low = hip_h <= hip_low + 0.25 * (hip_high - hip_low)
    spread = r[:, COL["thigh_max_deg"]] - r[:, COL["thigh_min_deg"]]
    # Steps: the fore-aft distance between the ankles peaks once per step.
    dt = float(np.median(np.diff(t))) if n > 1 else 1 / 30
    filled = np.where(np.isfinite(split), split, 0.0)
    peaks, _ = find_peaks(
        filled, prominence=step_prominence, distance=max(1, round(0.15 / dt))
    )
    steps = len(peaks)
    # The median spacing, so one spurious peak does not inflate the rate.
    cadence = 60.0 / float(np.median(np.diff(t[peaks]))) if steps >= 2 else 0.0
    ankles = []
    roundness = []
    for prefix in ("lankle", "rankle"):
        hx = r[:, [COL[f"{prefix}_x"], COL[f"{prefix}_z"]]] @ fore
        vy = r[:, COL[f"{prefix}_y"]]
        ankles.append(hx)
        roundness.append(_roundness(hx, vy, dt))
        del vy
    rel = np.stack(
        [r[:, [COL[f"{p}_{c}"] for c in ("x", "y", "z")]] for p in ("lankle", "rankle")]
    )
    speed = np.linalg.norm(np.diff(rel, axis=1), axis=-1) / dt
    slide = np.stack(ankles)
    hy = r[:, COL["hip_px_y"]]
    ok = np.isfinite(hy)
    bounce = nan
    if ok.sum() >= 8:
        tt = t[ok]
        coef = np.polyfit(tt - tt.mean(), hy[ok], 1)
        bounce = float(np.std(hy[ok] - np.polyval(coef, tt - tt.mean())))
    return WindowFeatures(
        start_s=start,
        end_s=end,
        coverage=coverage,
        hip_low=hip_low,
        hip_high=hip_high,
        hip_drop=hip_high - hip_low,
        thigh_upright_deg=_pct(r[:, COL["thigh_min_deg"]], 10),
        # fmax/fmin: a frame with one knee measured gives that knee, one with
        # neither gives NaN (np.nanmax would warn on it).
        knee_straight_deg=_pct(np.fmax(knees[:, 0], knees[:, 1]), 90),
        knee_bent_deg=_pct(np.fmin(knees[:, 0], knees[:, 1]), 10),
        split_high=_pct(split, 90),
        split_at_bottom=_pct(split[low], 50),
        thigh_spread_at_bottom=_pct(spread[low], 50),
        stance_width=_pct(width, 50),
        steps=steps,
        cadence_spm=cadence,
        ankle_speed=_pct(speed.ravel(), 50),
        ankle_roundness=float(max(roundness)),
        ankle_slide=float(np.nanmax([_pct(s, 90) - _pct(s, 10) for s in slide])),
        knee_range_deg=_pct(knees.ravel(), 90) - _pct(knees.ravel(), 10),
        bounce=bounce,
    )
