"""Level a rolled picture: the camera's roll from the standing body, undone.

A phone leaning on a wall is often rolled about its lens axis: the person
stands at an angle in the picture, and every rule that uses the picture's
"down" (hip drop, knee to floor, trunk lean, landings, the view from the
shoulder width) goes wrong; a clip rolled by 35 deg gave 0 reps.

A person standing on straight legs is vertical: the line from the middle of
the feet (both heels and toes) to the middle of the shoulders points up in
every view, within a few degrees of lean. Its median over the standing frames
(both knees straighter than ``standing_knee_min_deg``, in the picture or in
3D) is the camera's roll. On the shared upright clips it is 0.4-5.8 deg
(docs/accuracy.md), so pictures are only levelled beyond ``min_deg``.
Under a walk across a side view the floor is the finer measure (a walker
leans forward a few degrees): the line under the feet refines the roll
(:func:`floor_line_deg`).

:func:`level` turns the landmarks back about the picture's centre into a
canvas that holds the whole turned picture (no point leaves it), and turns
the world landmarks the same way about the lens axis (MediaPipe gives them
in the camera's axes). :func:`unlevel` undoes it, to draw on the real frames.

The functions are pure and cheap (a few numpy operations per frame): estimate
once over a few seconds of frames, then level frame by frame;
:class:`LiveLeveller` does that for a live stream.

Angle convention: ``angle_deg`` is where the body's up points in the picture,
from the picture's up, positive to the right (clockwise on screen).
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from . import body
from .config_values import flag, integer, number
from .landmarks import Landmark as L
from .pose import PoseFrame

if TYPE_CHECKING:
    from .settings import Config

_FEET = (L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)
_SHOULDERS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
_KNEES = (
    (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
)
_NEEDED = sorted({*_FEET, *_SHOULDERS, *(i for leg in _KNEES for i in leg)})


@dataclass(frozen=True)
class LevelSettings:
    """The ``[level]`` table.

    Attributes:
        enabled: Level rolled pictures at all.
        standing_knee_min_deg: Both knees at least this straight (in the
            picture or in 3D) make a standing frame.
        min_frames: Fewer standing frames than this: the roll is unknown.
        max_spread_deg: Standing frames whose body lines disagree more than
            this (interquartile range) give no roll.
        min_deg: A roll below this is the body's own lean: not levelled.
        max_deg: A body line farther than this from up is no standing
            person (a rower's layback): no roll is claimed.
        floor_min_span_legs: The feet must cover this many leg lengths
            across the picture for the floor line to refine the roll...
        floor_max_width_ratio: ...in a side view (shoulder and hip width
            over trunk length at most this)...
        floor_max_deg: ...and the floor may correct the body by at most this.
        live_window_s: Live, the roll is estimated over this many seconds...
        live_every_s: ...and estimated again this often.
    """

    enabled: bool
    standing_knee_min_deg: float
    min_frames: int
    max_spread_deg: float
    min_deg: float
    max_deg: float
    floor_min_span_legs: float
    floor_max_width_ratio: float
    floor_max_deg: float
    live_window_s: float
    live_every_s: float

    @classmethod
    def from_config(cls, config: Config) -> LevelSettings:
        """Read ``[level]``; an InputError names a missing or mistyped key."""
        return cls(
            enabled=flag(config, "level.enabled"),
            standing_knee_min_deg=number(config, "level.standing_knee_min_deg"),
            min_frames=integer(config, "level.min_frames"),
            max_spread_deg=number(config, "level.max_spread_deg"),
            min_deg=number(config, "level.min_deg"),
            max_deg=number(config, "level.max_deg"),
            floor_min_span_legs=number(config, "level.floor_min_span_legs"),
            floor_max_width_ratio=number(config, "level.floor_max_width_ratio"),
            floor_max_deg=number(config, "level.floor_max_deg"),
            live_window_s=number(config, "level.live_window_s"),
            live_every_s=number(config, "level.live_every_s"),
        )


@dataclass(frozen=True)
class Roll:
    """The camera's roll, as measured from the standing body.

    Attributes:
        angle_deg: Where the body's up points in the picture, from the
            picture's up, positive clockwise (to the right).
        spread_deg: Interquartile range of the standing frames' body lines.
        frames: How many standing frames it was measured on.
        source: ``"body"`` (the standing body's line) or ``"body+floor"``
            (refined by the floor under a walk, :func:`floor_line_deg`).
    """

    angle_deg: float
    spread_deg: float
    frames: int
    source: str = "body"

    def needs_levelling(self, min_deg: float) -> bool:
        """True when the roll is larger than the body's own lean (``min_deg``)."""
        return abs(self.angle_deg) >= min_deg


def _knee_deg(points: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """``(n, 2)`` knee angles (hip-knee-ankle, 180 straight) of ``(n, 33, d)``."""
    out = []
    for hip, knee, ankle in _KNEES:
        u = points[:, hip] - points[:, knee]
        v = points[:, ankle] - points[:, knee]
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = (
                (u * v).sum(-1)
                / np.linalg.norm(u, axis=-1)
                / np.linalg.norm(v, axis=-1)
            )
        out.append(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    return np.stack(out, axis=-1)


def body_line_deg(
    frames: Sequence[PoseFrame], knee_min_deg: float, min_visibility: float
) -> npt.NDArray[np.floating]:
    """The feet-to-shoulders line of each standing frame, from up (degrees).

    Args:
        frames: Poses (frames without a person, or with the shoulders, legs
            and feet seen below ``min_visibility`` on average, are skipped).
        knee_min_deg: Both knees at least this straight, in the picture or
            in 3D (a knee bent toward the camera looks straight in the
            picture; a noisy 3D knee can look bent), make a standing frame.
        min_visibility: Below this a landmark counts as not seen.

    Returns:
        One angle per standing frame: 0 up, positive to the picture's right.
    """
    posed = [
        f
        for f in frames
        # The body on average, not every point: in a side view the far leg
        # and foot are half hidden in most frames.
        if not f.is_empty() and float(f.visibility[_NEEDED].mean()) >= min_visibility
    ]
    if not posed:
        return np.empty(0)
    xy = np.stack([f.xy for f in posed]).astype(float)
    world = np.stack([f.world_xyz for f in posed]).astype(float)
    knees = np.fmax(_knee_deg(xy).min(axis=-1), _knee_deg(world).min(axis=-1))
    line = xy[:, list(_SHOULDERS)].mean(axis=1) - xy[:, list(_FEET)].mean(axis=1)
    angles = np.degrees(np.arctan2(line[:, 0], -line[:, 1]))
    return angles[(knees >= knee_min_deg) & np.isfinite(angles)]


def estimate_roll(
    frames: Sequence[PoseFrame], settings: LevelSettings, min_visibility: float = 0.5
) -> Roll | None:
    """The camera's roll from the standing frames among ``frames``.

    A few seconds of a standing workout are enough (every rep returns to
    standing; a walk's stance legs straighten).

    Args:
        frames: Poses, in any order.
        settings: The ``[level]`` table.
        min_visibility: Below this a landmark counts as not seen.

    Returns:
        The roll, or None when it cannot be measured: fewer than
        ``min_frames`` standing frames, or their body lines disagree by more
        than ``max_spread_deg``, or the line is more than ``max_deg`` from up.

    Example:
        >>> roll = estimate_roll(track.frames[:90], settings)  # doctest: +SKIP
        >>> levelled = [level(f, roll) for f in track.frames]  # doctest: +SKIP
    """
    angles = body_line_deg(frames, settings.standing_knee_min_deg, min_visibility)
    if angles.size < max(settings.min_frames, 1):
        return None
    # Circular: the mean direction first, then the median offset from it.
    rad = np.radians(angles)
    centre = math.atan2(float(np.sin(rad).mean()), float(np.cos(rad).mean()))
    offsets = np.degrees(np.angle(np.exp(1j * (rad - centre))))
    q1, median, q3 = np.percentile(offsets, [25, 50, 75])
    spread = float(q3 - q1)
    if spread > settings.max_spread_deg:
        return None
    angle = (math.degrees(centre) + float(median) + 180.0) % 360.0 - 180.0
    if abs(angle) > settings.max_deg:
        return None
    roll = Roll(round(angle, 2), round(spread, 2), int(angles.size))
    floor = floor_line_deg(
        [level(f, roll) for f in frames if not f.is_empty()], settings
    )
    if floor is None:
        return roll
    return Roll(round(angle + floor, 2), roll.spread_deg, roll.frames, "body+floor")


def floor_line_deg(
    frames: Sequence[PoseFrame], settings: LevelSettings
) -> float | None:
    """The slope of the floor under a walk across a side view (deg, clockwise).

    The lowest foot points along the picture's width lie on the floor; in a
    side view the path keeps one distance from the camera, so the floor is
    level in the picture. It is a finer measure than the body's lean (a
    walker leans forward a few degrees), but only where the feet cover
    ``floor_min_span_legs`` across a side view (a lunge's two feet, or a 3/4
    view's floor receding from the camera, slope by perspective).

    Returns:
        The floor's angle from horizontal, or None where it does not apply
        or disagrees with the body by more than ``floor_max_deg``.
    """
    posed = [f.xy for f in frames if not f.is_empty()]
    if not posed:
        return None
    xy = np.stack(posed).astype(float)
    leg = body.median_leg_length(xy)
    ratios = body.width_ratio(xy)
    if not np.isfinite(leg) or leg <= 0 or np.isnan(ratios).all():
        return None
    if float(np.nanmedian(ratios)) > settings.floor_max_width_ratio:
        return None
    points = xy[:, list(_FEET)].reshape(-1, 2)
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < 20:
        return None
    lo, hi = np.percentile(points[:, 0], [2, 98])
    if (hi - lo) / leg < settings.floor_min_span_legs:
        return None
    edges = np.linspace(lo, hi, 11)
    envelope = []
    for a, b in itertools.pairwise(edges):
        inside = points[(points[:, 0] >= a) & (points[:, 0] < b)]
        if len(inside) >= 5:  # the floor: the lowest points (y down)
            envelope.append((inside[:, 0].mean(), np.percentile(inside[:, 1], 95)))
    if len(envelope) < 4:
        return None
    env = np.array(envelope)
    angle = math.degrees(math.atan(np.polyfit(env[:, 0], env[:, 1], 1)[0]))
    return angle if abs(angle) <= settings.floor_max_deg else None


def canvas_wh(resolution_wh: tuple[int, int], angle_deg: float) -> tuple[int, int]:
    """Size of the canvas that holds a ``resolution_wh`` picture turned by the angle."""
    w, h = resolution_wh
    c, s = (
        abs(math.cos(math.radians(angle_deg))),
        abs(math.sin(math.radians(angle_deg))),
    )
    return math.ceil(w * c + h * s), math.ceil(w * s + h * c)


def _turn_xy(
    xy: npt.NDArray[np.floating],
    angle_deg: float,
    from_wh: tuple[int, int],
    to_wh: tuple[int, int],
) -> npt.NDArray[np.float32]:
    """Turn pixel points clockwise by ``angle_deg`` about the picture's centre."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    d = xy.astype(float) - np.array(from_wh, float) / 2.0
    # y points down: this matrix turns clockwise on screen.
    turned = np.stack([d[:, 0] * c - d[:, 1] * s, d[:, 0] * s + d[:, 1] * c], axis=-1)
    return (turned + np.array(to_wh, float) / 2.0).astype(np.float32)


def _turn_world(
    world: npt.NDArray[np.floating], angle_deg: float
) -> npt.NDArray[np.float32]:
    """Turn world points (x right, y down) about the lens axis, like the picture."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    out = world.astype(float).copy()
    out[:, 0] = world[:, 0] * c - world[:, 1] * s
    out[:, 1] = world[:, 0] * s + world[:, 1] * c
    return out.astype(np.float32)


def level(frame: PoseFrame, roll: Roll | None) -> PoseFrame:
    """``frame`` as a level camera would have seen it.

    The picture points are turned back by the roll about the picture's
    centre into a canvas holding the whole turned picture
    (:func:`canvas_wh`, the frame's new ``resolution_wh``); the world points
    are turned the same way about the lens axis. Depth, visibility and
    presence do not change.

    Args:
        frame: A pose in the camera's picture.
        roll: The camera's roll; None (unknown) returns ``frame`` itself.

    Returns:
        The levelled pose.
    """
    if roll is None or roll.angle_deg == 0.0:
        return frame
    wh = canvas_wh(frame.resolution_wh, roll.angle_deg)
    if frame.is_empty():
        return replace(frame, resolution_wh=wh)
    return replace(
        frame,
        resolution_wh=wh,
        xy=_turn_xy(frame.xy, -roll.angle_deg, frame.resolution_wh, wh),
        world_xyz=_turn_world(frame.world_xyz, -roll.angle_deg),
    )


def unlevel(
    frame: PoseFrame, roll: Roll | None, resolution_wh: tuple[int, int]
) -> PoseFrame:
    """Undo :func:`level`: the pose back in the camera's ``resolution_wh`` picture.

    Used to draw levelled (and smoothed) poses on the real frames.
    """
    if roll is None or roll.angle_deg == 0.0:
        return frame
    if frame.is_empty():
        return replace(frame, resolution_wh=resolution_wh)
    return replace(
        frame,
        resolution_wh=resolution_wh,
        xy=_turn_xy(frame.xy, roll.angle_deg, frame.resolution_wh, resolution_wh),
        world_xyz=_turn_world(frame.world_xyz, roll.angle_deg),
    )


def clip_roll(
    frames: Sequence[PoseFrame], settings: LevelSettings, min_visibility: float
) -> tuple[Roll | None, Roll | None]:
    """The roll of a whole clip and the one to level it by.

    Returns:
        ``(measured, applied)``: the measured roll (None when unknown) and
        the roll to pass to :func:`level` (None when levelling is off, the
        roll is unknown, or it is within ``min_deg``).
    """
    if not settings.enabled:
        return None, None
    measured = estimate_roll(frames, settings, min_visibility)
    if measured is None or not measured.needs_levelling(settings.min_deg):
        return measured, None
    return measured, measured


class LiveLeveller:
    """Levels a live stream: the roll from the last seconds, re-measured now and then.

    Frames pass unlevelled until the first ``live_window_s`` have been seen;
    the roll is then measured over the last ``live_window_s`` every
    ``live_every_s``. A new measure that is unknown keeps the last one (the
    person may just be crouching).
    """

    def __init__(self, settings: LevelSettings, min_visibility: float = 0.5):
        self.settings = settings
        self.min_visibility = min_visibility
        self.roll: Roll | None = None  # the one applied
        self.measured: Roll | None = None
        self._window: deque[PoseFrame] = deque()
        self._next_ms: float | None = None

    def __call__(self, frame: PoseFrame) -> PoseFrame:
        """Level one frame (and keep it for the next measure)."""
        if not self.settings.enabled:
            return frame
        t = frame.timestamp_ms
        self._window.append(frame)
        window_ms = self.settings.live_window_s * 1000.0
        while self._window and self._window[0].timestamp_ms < t - window_ms:
            self._window.popleft()
        if self._next_ms is None:
            self._next_ms = t + window_ms
        if t >= self._next_ms:
            self._next_ms = t + self.settings.live_every_s * 1000.0
            measured = estimate_roll(self._window, self.settings, self.min_visibility)
            if measured is not None:
                self.measured = measured
                self.roll = (
                    measured
                    if measured.needs_levelling(self.settings.min_deg)
                    else None
                )
        return level(frame, self.roll)
