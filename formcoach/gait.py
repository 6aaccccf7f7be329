"""The gait layer: foot contacts, direction of travel, landing type, cadence.

Shared by the locomotion coaches (backward walking, retro running, band walks,
backward shuffles). It works on a side view, overground or on a treadmill, at
25-60 fps, and needs no left/right labels to find contacts:

* Each foot's position is taken *relative to the hip* along the way the person
  faces, in leg lengths. Overground the stance foot stays put while the hip
  moves on; on a treadmill the belt carries the stance foot while the hip
  stays: either way, relative to the hip, a foot in stance moves against the
  direction of travel and a swinging foot moves with it.
* So a foot lands when it is furthest out in the direction of travel: every
  peak of the *leading* foot's relative position is a contact, whichever
  label the model gives that foot (labels swap in side views).
* Steps are found in the direction whose peaks look like landings (the foot
  comes down before the peak and stays down after; peaks in the other
  direction are toe-offs). Which way they go is checked against the way a
  raised foot moves relative to the hip (:func:`_swing_sign`, heights from
  the floor under the feet): a foot off the floor swings toward where the
  person travels, walking or running, forward or backward, overground or on
  a treadmill. Where the two disagree, the swing decides: the landing shape
  alone tipped the other way on a side walk filmed by a camera rolled 15 or
  35 degrees and levelled; the swing did not (``docs/accuracy.md``).
* Landing type at a contact is the pitch of the landing foot: heel above toe
  by ``ball_min`` foot lengths is a ball-of-foot (toe-first) landing, toe above
  heel by ``heel_min`` a heel strike, in between flat.

* When the picture cannot tell (the view is not a side view, or no steps are
  found in it) and the frames carry usable world landmarks (metres, hip
  centred), the same analysis runs on a side view made from them: each
  point's position along the person's mean facing and its height. Heel
  against toe is then their height in metres, not in the picture
  (``GaitAnalysis.source == "world"``).

Limits:
    From the picture alone, side view only for direction, landing and step
    length; in a front view the feet move toward or away from the camera and
    contacts are found only from the world landmarks (for video these are the
    model's depth estimates). Feet smaller than ``min_foot_px`` in the picture
    give landing "unknown".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import body
from .dsp import find_peaks, maximum_filter1d
from .landmarks import Landmark as L
from .pose import PoseFrame
from .thresholds import SectionSettings

_FEET = {
    "left": (L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    "right": (L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
}


@dataclass(frozen=True)
class Contact:
    """One foot contact.

    Attributes:
        t_s: Time of the contact.
        frame_index: Frame of the contact.
        foot: "left"/"right" (the model's label, corrected for alternation)
            or "unknown".
        landing: "ball", "flat", "heel" or "unknown".
        pitch: (toe height − heel height) / foot length at the contact;
            positive is heel up.
        step_length: Distance between the feet along the direction of travel
            at the contact, in leg lengths (None if not measurable).
    """

    t_s: float
    frame_index: int
    foot: str
    landing: str
    pitch: float | None
    step_length: float | None

    def as_dict(self) -> dict[str, Any]:
        """For report.json's ``steps``."""
        return {
            "t_s": round(self.t_s, 3),
            "frame": self.frame_index,
            "foot": self.foot,
            "landing": self.landing,
            "pitch": None if self.pitch is None else round(self.pitch, 2),
            "step_length_leg_lengths": None
            if self.step_length is None
            else round(self.step_length, 2),
        }


@dataclass
class GaitAnalysis:
    """What the gait layer found in a sequence of frames."""

    contacts: list[Contact] = field(default_factory=list)
    direction: str = "none"  # backward / forward / sideways / none
    facing: float = math.nan  # +1 image-right, -1 image-left
    leg_px: float = math.nan
    cadence_spm: float | None = None
    step_time_cv: float | None = None  # of stride times (same foot to same foot)
    view: str = "unknown"
    source: str = "image"  # image / world: which points the contacts came from

    @property
    def step_count(self) -> int:
        """Number of contacts."""
        return len(self.contacts)

    def ball_landing_share(self) -> float | None:
        """Fraction of judged landings that were on the ball of the foot."""
        judged = [c for c in self.contacts if c.landing != "unknown"]
        if not judged:
            return None
        return sum(c.landing == "ball" for c in judged) / len(judged)


@dataclass(frozen=True)
class GaitSettings(SectionSettings):
    """Thresholds of the gait layer (``[gait]`` in the config; no defaults here)."""

    min_step_s: float
    min_cadence_spm: float
    jump_max: float
    max_gap_s: float
    plateau_tol: float
    peak_prominence: float
    dedupe_fraction: float
    ball_min: float
    heel_min: float
    min_foot_px: float
    min_direction_score: float
    ground_window_s: float

    @classmethod
    def from_config(cls, config: Any, section: str = "gait") -> GaitSettings:
        """Read ``[gait]`` from a :class:`~formcoach.settings.Config`."""
        return super().from_config(config, section)


def _arrays(
    frames: Sequence[PoseFrame],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xy = np.stack([f.xy for f in frames]).astype(np.float64)
    vis = np.stack([f.visibility for f in frames]).astype(np.float64)
    t = np.array([f.timestamp_ms for f in frames]) / 1000.0
    idx = np.array([f.frame_index for f in frames])
    return xy, vis, t, idx


def analyze_gait(frames: Sequence[PoseFrame], settings: GaitSettings) -> GaitAnalysis:
    """Find contacts, direction, landing types and cadence in smoothed frames.

    The frames are cut where the person is lost for a while or the tracker
    jumps to someone else (the hips move half a leg length between two
    frames); each stretch is analysed on its own. Direction, facing and
    cadence are those of the stretch with the most contacts, and the contacts
    are those of its person: the stretches joined to it by gaps, or by a jump
    back to where that person was, not another person's (someone the tracker
    followed before it found the walker).

    Args:
        frames: Smoothed frames in time order (frames without a person are
            allowed; they break nothing but hold no contacts).
        settings: Thresholds (:meth:`GaitSettings.from_config`).

    Returns:
        The :class:`GaitAnalysis`.
    """
    s = settings
    stretches = _stretches(frames, s)
    parts = [_analyze_stretch(run, s) for _, run in stretches]
    if not parts:
        return GaitAnalysis()
    main = max(parts, key=lambda g: (g.step_count, -math.isnan(g.leg_px)))
    person = stretches[parts.index(main)][0]
    mine = [g for (who, _), g in zip(stretches, parts, strict=True) if who == person]
    return GaitAnalysis(
        contacts=sorted((c for g in mine for c in g.contacts), key=lambda c: c.t_s),
        direction=main.direction,
        facing=main.facing,
        leg_px=main.leg_px,
        cadence_spm=main.cadence_spm,
        step_time_cv=main.step_time_cv,
        view=main.view,
        source=main.source,
    )


def _stretches(
    frames: Sequence[PoseFrame], s: GaitSettings
) -> list[tuple[int, list[PoseFrame]]]:
    """Runs of frames of one person, without long gaps or tracker jumps.

    Returns:
        ``(person, run)`` pairs in time order. A jump starts a new person
        unless the hips land where an earlier person's run ended (the tracker
        came back to them, within ``jump_max``: so after a brief slip only,
        since a walker moves on); a gap keeps the person.
    """
    runs: list[tuple[int, list[PoseFrame]]] = []
    current: list[PoseFrame] = []
    posed = [f for f in frames if not f.is_empty()]
    if not posed:
        return []
    # Every frame's hips and leg at once (the same values as frame by frame).
    xy = np.stack([f.xy for f in posed])
    hips = ((xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2).tolist()
    legs = body.leg_length(xy).tolist()
    last_t = -math.inf
    person = 0
    last_hip: dict[int, list[float]] = {}  # each person's hips when last seen
    for k, frame in enumerate(posed):
        t = frame.timestamp_ms / 1000.0
        if current:
            reach = s.jump_max * legs[k]
            jump = math.dist(hips[k], hips[k - 1]) > reach
            if jump or t - last_t > s.max_gap_s:
                runs.append((person, current))
                current = []
            if jump:
                near = [
                    p for p, at in last_hip.items() if math.dist(hips[k], at) < reach
                ]
                person = near[-1] if near else max(last_hip) + 1
        current.append(frame)
        last_hip[person] = hips[k]
        last_t = t
    if current:
        runs.append((person, current))
    return [(who, run) for who, run in runs if len(run) >= 5]


#: World landmarks are used only when the legs in them are at least this long
#: (metres): hand-built frames fill ``world_xyz`` with zeros.
_MIN_WORLD_LEG_M = 0.3
#: Metres to the side-view units of :func:`world_side_xy` (1 unit = 1 mm).
_WORLD_UNITS_PER_M = 1000.0


def world_side_xy(frames: Sequence[PoseFrame]) -> np.ndarray | None:
    """The frames' points seen from the side, made from their world landmarks.

    The horizontal plane of MediaPipe's world frame is x-z (y points down).
    The person's mean facing is perpendicular to their hips' and shoulders'
    left-right axis in that plane; each point's ``xy`` becomes (position
    along that facing, height), in millimetres, with the hips at the origin.

    Args:
        frames: One person's frames.

    Returns:
        ``(n, 33, 2)`` float32 side-view points, or None when the world
        landmarks are missing or degenerate.
    """
    world = np.stack([f.world_xyz for f in frames]).astype(np.float64)
    legs = np.linalg.norm(
        world[:, L.LEFT_HIP] - world[:, L.LEFT_KNEE], axis=1
    ) + np.linalg.norm(world[:, L.LEFT_KNEE] - world[:, L.LEFT_ANKLE], axis=1)
    if np.isnan(legs).all() or float(np.nanmedian(legs)) < _MIN_WORLD_LEG_M:
        return None
    lr = (world[:, L.LEFT_HIP] - world[:, L.RIGHT_HIP]) + (
        world[:, L.LEFT_SHOULDER] - world[:, L.RIGHT_SHOULDER]
    )
    lr = np.nanmean(lr[:, [0, 2]], axis=0)
    if not np.isfinite(lr).all() or np.linalg.norm(lr) < 1e-6:
        return None
    lr /= np.linalg.norm(lr)
    facing = np.array([lr[1], -lr[0]])  # perpendicular in the x-z plane
    side = np.stack([world[..., [0, 2]] @ facing, world[..., 1]], axis=-1)
    # Heights from the floor, not the hips (which bob by several cm a step):
    # the floor is the lowest foot point of the frame (a foot is down all
    # through walking; in a run's flight phase both are up, which this
    # under-reads).
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    floor = np.nanmax(
        np.where(np.isnan(side[:, feet, 1]), -np.inf, side[:, feet, 1]), 1
    )
    if not np.isfinite(floor).all():
        return None
    side[..., 1] -= floor[:, None]
    return (side * _WORLD_UNITS_PER_M).astype(np.float32)


def _analyze_stretch(frames: Sequence[PoseFrame], s: GaitSettings) -> GaitAnalysis:
    """:func:`analyze_gait` on one person's uninterrupted frames.

    The picture is used when it is a side view with steps in it; otherwise
    the world landmarks' side view (:func:`world_side_xy`) is tried.
    """
    xy, vis, t, idx = _arrays(frames)
    image = _analyze_plane(xy, vis, t, idx, s)
    if image.view == "side" and image.direction != "none":
        return image
    side = world_side_xy(frames)
    if side is None:
        return image
    world = _analyze_plane(side.astype(np.float64), vis, t, idx, s, swing_decides=True)
    if world.direction == "none" or not world.contacts:
        return image
    # Facing and view stay those of the picture (the coaches draw in it).
    return replace(
        world, facing=image.facing, view=image.view, leg_px=image.leg_px,
        source="world",
    )  # fmt: skip


def _swing_sign(rel: np.ndarray, height: np.ndarray, fps: float) -> int | None:
    """+1 when raised feet move forward relative to the hip, -1 backward.

    A foot off the floor is swinging toward where the person travels, and a
    foot on it (stance) moves the other way relative to the hip, overground
    or on a treadmill. Needs heights from a floor: the picture's floor line
    under the feet, or the lowest foot in :func:`world_side_xy`. A constant
    offset in a foot's height (the far foot shows higher in the picture)
    adds nothing over whole strides, where its motion relative to the hip
    sums to zero.

    Args:
        rel: ``(T, 2)`` feet along the facing relative to the hip, leg lengths.
        height: ``(T, 2)`` lowest foot point above the floor, leg lengths.
        fps: Frame rate.

    Returns:
        +1, -1, or None when the feet never lift.
    """
    vel = np.gradient(rel, axis=0) * fps
    lifted = np.where(np.isfinite(height), np.clip(height, 0.0, None), 0.0)
    total = float(np.nansum(lifted * np.nan_to_num(vel)))
    if not np.isfinite(total) or total == 0:
        return None
    return 1 if total > 0 else -1


def _analyze_plane(
    xy: np.ndarray,
    vis: np.ndarray,
    t: np.ndarray,
    idx: np.ndarray,
    s: GaitSettings,
    *,
    swing_decides: bool = False,
) -> GaitAnalysis:
    """Contacts, direction and landing from points in a plane (:func:`_arrays`).

    Steps are found where the leading foot's peaks look like landings (the
    landing shape, at least ``min_direction_score``), and their direction is
    the way the raised feet move (:func:`_swing_sign`, heights from the
    floor under the feet) when the two disagree. With ``swing_decides``
    (the world landmarks' side view, hip-centred, where the hips' bob blurs
    the landing shape) the swing alone decides.
    """
    out = GaitAnalysis()
    if len(t) < 5:
        return out
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    leg = body.median_leg_length(xy)
    if math.isnan(leg):
        return out
    out.leg_px = leg
    facing = body.facing(xy, vis)
    out.facing = facing
    ratios = body.width_ratio(xy)
    ratio = float(np.nanmedian(ratios)) if not np.isnan(ratios).all() else math.nan
    out.view = body.classify_view(ratio, 0.35, 0.45)
    if out.view == "front" or facing == 0 or math.isnan(facing):
        return out
    fps = 1.0 / float(np.median(np.diff(t)))
    feet = np.stack(
        [xy[:, list(_FEET[s_])].mean(axis=1) for s_ in ("left", "right")], 1
    )
    heel = np.stack([xy[:, L.LEFT_HEEL], xy[:, L.RIGHT_HEEL]], axis=1)
    toe = np.stack([xy[:, L.LEFT_FOOT_INDEX], xy[:, L.RIGHT_FOOT_INDEX]], axis=1)
    lowest = np.fmax(heel[..., 1], toe[..., 1])
    # The floor: the lowest foot point over the last second or so (image y down).
    filled = np.where(np.isnan(lowest), -np.inf, lowest)
    ground = maximum_filter1d(
        filled.max(axis=1), size=max(3, int(s.ground_window_s * fps))
    )
    height = (ground[:, None] - lowest) / leg
    rel = (feet[..., 0] - hip[:, None, 0]) * facing / leg

    w = max(2, round(0.08 * fps))
    swing = _swing_sign(rel, height, fps)
    decided = swing if swing_decides else None  # the direction, when the swing decides
    found: dict[int, tuple[float, np.ndarray, np.ndarray]] = {}
    for sign in (+1, -1):
        lead_rel = rel * sign
        lead = np.nanmax(np.where(np.isnan(lead_rel), -np.inf, lead_rel), axis=1)
        lead = np.where(np.isfinite(lead), lead, np.nan)
        which = np.nanargmax(np.where(np.isnan(lead_rel), -np.inf, lead_rel), axis=1)
        peaks, props = find_peaks(
            np.nan_to_num(lead, nan=np.nanmin(lead) if not np.isnan(lead).all() else 0),
            distance=max(1, round(s.min_step_s * fps)),
            prominence=s.peak_prominence,
        )
        score = (
            _landing_score(peaks, which, height, w) if decided is None else -math.inf
        )
        found[sign] = (score, peaks, props["prominences"])
    if decided is not None:
        # Hip-centred world points: the way a raised foot moves decides.
        sign, score = decided, s.min_direction_score
    else:
        sign = max((+1, -1), key=lambda k: found[k][0])  # +1 on a tie
        score = found[sign][0]
        if swing is not None and swing != sign and score >= s.min_direction_score:
            # The landing shape finds steps; the swing says which way they
            # go (the landing shape alone tipped the other way on a rolled,
            # levelled side walk: docs/accuracy.md).
            sign = swing
    _, peaks, prominences = found[sign]
    if len(peaks) < 2 or score < s.min_direction_score:
        out.direction = "none"
        return out
    out.direction = "forward" if sign > 0 else "backward"
    lead = np.nanmax(np.where(np.isnan(rel * sign), -np.inf, rel * sign), axis=1)
    period = _step_period(lead, max(1, round(s.min_step_s * fps)))
    if period is None:
        period = float(np.median(np.diff(peaks)))
    peaks = _dedupe(peaks, prominences, s.dedupe_fraction * period)
    # The foot lands when it stops moving out, not in the middle of the
    # plateau that follows: take the first frame within a hair of the peak.
    which = np.nanargmax(np.where(np.isnan(rel * sign), -np.inf, rel * sign), axis=1)
    # Normal gait touches down with the foot's trailing end in the direction of
    # travel: the heel walking forward, the ball of the foot walking backward.
    # That end stops first; the rest of the foot rolls down after it.
    end = heel if sign > 0 else toe
    end_rel = (end[..., 0] - hip[:, None, 0]) * facing * sign / leg
    search = max(2, round(0.2 * fps))
    refined = []
    for p in peaks:
        k = int(which[p])
        lo, hi = max(0, p - search), min(len(t), p + search + 1)
        window = end_rel[lo:hi, k]
        if np.isfinite(window).any():
            top = lo + _first_top(window, s.peak_prominence)
            refined.append(_plateau_start(end_rel[:, k], top, s.plateau_tol))
        else:
            refined.append(_plateau_start(lead, p, s.plateau_tol))
    peaks = np.array(refined, int)
    contacts = []
    for p in peaks:
        k = int(which[p])
        foot_len = float(np.linalg.norm(toe[p, k] - heel[p, k]))
        pitch = None
        landing = "unknown"
        if foot_len >= s.min_foot_px and math.isfinite(foot_len):
            pitch = float((toe[p, k, 1] - heel[p, k, 1]) / foot_len)
            if pitch >= s.ball_min:
                landing = "ball"
            elif pitch <= -s.heel_min:
                landing = "heel"
            else:
                landing = "flat"
        step = abs(rel[p, 0] - rel[p, 1])
        contacts.append(
            Contact(
                t_s=float(t[p]),
                frame_index=int(idx[p]),
                foot=("left", "right")[k],
                landing=landing,
                pitch=pitch,
                step_length=float(step) if math.isfinite(step) else None,
            )
        )
    cadence = 60.0 * fps / period
    if cadence < s.min_cadence_spm or len(contacts) < 3:
        # A lunge or a squat moves the feet too, but not in a rhythm of steps.
        out.direction = "none"
        return out
    out.contacts = _fix_alternation(contacts)
    # The step period from the whole signal is steadier than from the contact
    # intervals, which jitter by a frame or two each.
    out.cadence_spm = float(cadence)
    times = np.array([c.t_s for c in contacts])
    if len(times) >= 5:
        # Stride times (same foot to same foot) cancel any left/right bias in
        # where the contacts are found.
        strides = times[2:] - times[:-2]
        out.step_time_cv = float(np.std(strides) / np.mean(strides))
    return out


def _landing_score(
    peaks: np.ndarray, which: np.ndarray, height: np.ndarray, w: int
) -> float:
    """How far the leading foot comes down around the peaks (leg lengths).

    Its mean height over ``w`` frames before each peak minus over ``w``
    frames from it: positive when the peaks look like landings.
    """
    scores = []
    for p in peaks:
        if p - w < 0 or p + w >= len(height):
            continue
        k = which[p]
        before, after = height[p - w : p, k], height[p : p + w, k]
        if np.isfinite(before).any() and np.isfinite(after).any():
            scores.append(_nanmean(before) - _nanmean(after))
    return float(np.nanmean(scores)) if scores else -math.inf


def _nanmean(values: np.ndarray) -> float:
    """``np.nanmean`` of a short 1-D array (its steps, without its wrapper)."""
    missing = np.isnan(values)
    count = values.size - int(np.count_nonzero(missing))
    if count == 0:
        return math.nan
    return float(np.add.reduce(np.where(missing, 0.0, values))) / count


def _first_top(window: np.ndarray, jitter: float) -> int:
    """Index of the first local maximum within ``jitter`` of the window's top.

    The landing foot stops moving out once: a second, later top a little
    higher comes from the model losing the foot for a few blurred frames
    just after touchdown (the treadmill run: out 0.22, back 0.16, out 0.25
    leg lengths within 7 frames at 60 fps), so the first top near the
    highest is the touchdown. ``jitter`` is the step detector's
    ``peak_prominence``: less than that is not a movement of its own.
    """
    values = np.where(np.isfinite(window), window, -np.inf)
    best = float(values.max())
    for i, v in enumerate(values):
        before = values[i - 1] if i > 0 else -np.inf
        after = values[i + 1] if i + 1 < len(values) else -np.inf
        if v >= best - jitter and v >= before and v >= after:
            return i
    return int(np.argmax(values))


def _plateau_start(signal: np.ndarray, peak: int, tol: float) -> int:
    """First index before ``peak`` from which ``signal`` stays within ``tol``."""
    start = peak
    while start > 0 and signal[start - 1] >= signal[peak] - tol:
        start -= 1
    return start


def _step_period(signal: np.ndarray, min_lag: int) -> float | None:
    """Step period in frames: the first autocorrelation peak after ``min_lag``."""
    x = signal[np.isfinite(signal)]
    if len(x) < 4 * min_lag:
        return None
    x = x - x.mean()
    ac = np.correlate(x, x, mode="full")[len(x) - 1 :]
    if ac[0] <= 0:
        return None
    ac = ac / ac[0]
    peaks, _ = find_peaks(ac[min_lag:], height=0.2)
    if not len(peaks):
        return None
    lag = int(peaks[0] + min_lag)
    # Parabolic refinement around the integer lag.
    if 0 < lag < len(ac) - 1:
        a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
        denom = a - 2 * b + c
        if denom != 0:
            return float(lag + 0.5 * (a - c) / denom)
    return float(lag)


def _dedupe(peaks: np.ndarray, prominences: np.ndarray, min_gap: float) -> np.ndarray:
    """Drop peaks closer than ``min_gap`` frames to a stronger neighbour.

    When the model swaps the legs' labels near a crossing, the leading-foot
    signal can show a small extra bump right after a real contact.
    """
    if len(peaks) < 3:
        return peaks
    keep = list(range(len(peaks)))
    changed = True
    while changed and len(keep) >= 3:
        changed = False
        for a, b in itertools.pairwise(keep):
            if peaks[b] - peaks[a] < min_gap:
                keep.remove(a if prominences[a] < prominences[b] else b)
                changed = True
                break
    return peaks[keep]


def _fix_alternation(contacts: list[Contact]) -> list[Contact]:
    """Feet alternate in walking and running: trust the labels only if they do.

    The model's label of the landing foot is right most of the time but swaps
    in side views. Choose the alternating sequence that agrees with most
    labels; if fewer than 70 % agree, the feet are reported as unknown.
    """
    if len(contacts) < 2:
        return contacts
    labels = [c.foot for c in contacts]
    starts = ("left", "right")
    best_start, best_agree = "left", -1
    for start in starts:
        other = "right" if start == "left" else "left"
        seq = [start if i % 2 == 0 else other for i in range(len(labels))]
        agree = sum(a == b for a, b in zip(seq, labels, strict=True))
        if agree > best_agree:
            best_start, best_agree = start, agree
    other = "right" if best_start == "left" else "left"
    trusted = best_agree / len(labels) >= 0.7
    return [
        Contact(
            c.t_s,
            c.frame_index,
            (best_start if i % 2 == 0 else other) if trusted else "unknown",
            c.landing,
            c.pitch,
            c.step_length,
        )
        for i, c in enumerate(contacts)
    ]
