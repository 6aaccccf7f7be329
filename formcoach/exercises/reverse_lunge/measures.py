"""What is measured at the bottom of a lunge, and how the rear foot lands.

Angle conventions:
    Knee angle is the inner angle hip-knee-ankle (180° straight, 90° the
    lunge target). Torso lean is the hip-mid → shoulder-mid line from vertical,
    positive toward where the person faces. Heel raise is (toe height − heel
    height) / foot length: positive is heel up (on the ball of the foot).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ... import geometry
from ...catalog.reverse_lunge import LungeSettings
from ...landmarks import Landmark as L
from ...pose import PoseFrame
from .tracking import ANKLE, HEEL, KNEE, TOE


@dataclass(frozen=True)
class Bottom:
    """Measures at the deepest point of a rep so far (unrounded).

    The names match :class:`~formcoach.catalog.reverse_lunge.LungeRep`, so
    the same rules judge a rep while it happens and when it is closed.
    """

    front: int  # track index of the front foot
    rear: int
    front_knee_angle_deg: float
    back_knee_angle_deg: float
    back_knee_to_floor: float
    rear_heel_raise: float
    front_heel_raise: float
    knee_past_toes_foot_lengths: float
    torso_lean_deg: float
    head_neck_deg: float
    step_length_leg_lengths: float
    step_dir: float  # +1 forward (toward where the person faces), -1 back
    depth: float


def heel_raise(tracks: np.ndarray, i: int) -> float:
    """Track ``i``'s heel height over its toe, in foot lengths (+ = heel up)."""
    foot_len = float(geometry.distance(tracks[i, HEEL], tracks[i, TOE]))
    return float(tracks[i, TOE, 1] - tracks[i, HEEL, 1]) / max(foot_len, 1e-6)


def bottom_measures(
    frame: PoseFrame,
    tracks: np.ndarray,
    feet: np.ndarray,
    leg: float,
    facing: float,
    depth: float,
    stepping: int,
    stand_feet: np.ndarray | None,
) -> Bottom:
    """Angles and positions of one frame taken as the bottom of the rep.

    Args:
        frame: The pose.
        tracks: ``(2, 4, 2)`` leg chains by track.
        feet: ``(2, 2)`` foot positions by track.
        leg: Leg length in pixels.
        facing: +1 facing image-right, -1 image-left, NaN unknown.
        depth: Hip drop below standing, in leg lengths.
        stepping: Track index of the stepping foot (-1 unknown).
        stand_feet: Where the feet stood before the step, or None.
    """
    hip = geometry.midpoint(frame.xy[L.LEFT_HIP], frame.xy[L.RIGHT_HIP])
    shoulders = geometry.midpoint(frame.xy[L.LEFT_SHOULDER], frame.xy[L.RIGHT_SHOULDER])
    ears = geometry.midpoint(frame.xy[L.LEFT_EAR], frame.xy[L.RIGHT_EAR])
    # The rear foot is the one behind the body (against where it faces).
    f = facing if math.isfinite(facing) else 1.0
    rear = int(np.argmin(feet[:, 0] * f))
    front = 1 - rear
    front_foot_len = max(
        float(geometry.distance(tracks[front, HEEL], tracks[front, TOE])), 1e-6
    )
    # Standing feet are together: measure the step from where they stood.
    step_vec = (
        feet[stepping] - stand_feet.mean(axis=0)
        if stand_feet is not None and stepping >= 0
        else None
    )
    return Bottom(
        front=front,
        rear=rear,
        front_knee_angle_deg=float(
            geometry.joint_angle_deg(hip, tracks[front, KNEE], tracks[front, ANKLE])
        ),
        back_knee_angle_deg=float(
            geometry.joint_angle_deg(hip, tracks[rear, KNEE], tracks[rear, ANKLE])
        ),
        # From the rear foot's own toe, which is on the floor: the front
        # foot's floor line is lower in the picture when the camera looks down.
        back_knee_to_floor=float(tracks[rear, TOE, 1] - tracks[rear, KNEE, 1]) / leg,
        rear_heel_raise=heel_raise(tracks, rear),
        front_heel_raise=heel_raise(tracks, front),
        knee_past_toes_foot_lengths=float(
            (tracks[front, KNEE, 0] - tracks[front, TOE, 0]) * f / front_foot_len
        ),
        torso_lean_deg=float(geometry.signed_lean_deg(shoulders, hip, f)),
        head_neck_deg=float(geometry.joint_angle_deg(hip, shoulders, ears)),
        step_length_leg_lengths=float(np.linalg.norm(step_vec) / leg)
        if step_vec is not None
        else math.nan,
        step_dir=float(np.sign(step_vec[0] * f))
        if step_vec is not None and math.isfinite(facing)
        else math.nan,
        depth=depth,
    )


@dataclass
class ContactWatch:
    """Watches the stepping foot lift and touch down behind.

    Attributes:
        lifted: The foot has left the floor.
        heel_raise: Its heel raise at touchdown (NaN until it lands).
        t_s: Touchdown time (NaN until it lands).
    """

    lifted: bool = False
    heel_raise: float = math.nan
    t_s: float = math.nan

    @property
    def landed(self) -> bool:
        """The foot has touched down."""
        return math.isfinite(self.t_s)

    def update(self, tracks: np.ndarray, stepping: int, leg: float, t_s: float) -> None:
        """Follow the stepping foot's height above the other foot's floor line."""
        if self.landed or stepping < 0:
            return
        other = 1 - stepping
        ground_y = float(np.max(tracks[other, [HEEL, TOE], 1]))
        lowest = float(np.max(tracks[stepping, [HEEL, TOE], 1]))
        # A lift of 6 % of leg length (~5 cm) is a step, not foot jitter.
        if (ground_y - lowest) / leg > 0.06:
            self.lifted = True
        elif self.lifted:
            self.heel_raise = heel_raise(tracks, stepping)
            self.t_s = t_s


def rear_foot_landing(
    contact: ContactWatch, bottom_raise: float, s: LungeSettings
) -> str:
    """``ball``, ``flat``, ``heel`` or ``unknown`` for the rear foot.

    Heel first at touchdown is a heel landing whatever the bottom shows;
    otherwise the heel's height at the bottom decides.
    """
    if not math.isfinite(bottom_raise):
        return "unknown"
    if contact.landed and contact.heel_raise <= -s.heel_first_min:
        return "heel"
    if bottom_raise >= s.rear_heel_raise_min:
        return "ball"
    if bottom_raise <= -s.heel_first_min:
        return "heel"
    return "flat"
