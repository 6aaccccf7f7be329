"""What is measured at the bottom of a lunge, and how the rear foot lands.

Angle conventions:
    Knee angle is the inner angle hip-knee-ankle (180° straight, 90° the
    lunge target). Torso lean is the hip-mid → shoulder-mid line from vertical,
    positive toward where the person faces. Heel raise is (toe height − heel
    height) / foot length: positive is heel up (on the ball of the foot).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ... import geometry, world
from ...catalog.reverse_lunge import LungeSettings
from ...landmarks import Landmark as L
from ...pose import PoseFrame
from .tracking import ANKLE, CHAINS, HEEL, KNEE, TOE


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
    front_knee_angle_3d_deg: float = math.nan
    back_knee_angle_3d_deg: float = math.nan
    knee_valgus_deg: float = math.nan
    pelvic_tilt_deg: float = math.nan
    #: How far the stepping foot crossed behind the other (leg lengths, + =
    #: crossed over: a curtsy lunge); NaN where not measurable.
    crossed: float = math.nan


def heel_raise(tracks: np.ndarray, i: int) -> float:
    """Track ``i``'s heel height over its toe, in foot lengths (+ = heel up)."""
    foot_len = float(geometry.distance(tracks[i, HEEL], tracks[i, TOE]))
    return float(tracks[i, TOE, 1] - tracks[i, HEEL, 1]) / max(foot_len, 1e-6)


def bottom_measures(
    points: np.ndarray,
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
        points: ``(33, 2)`` landmarks in a side view's plane: the picture's
            pixels, or the sagittal projection of the world landmarks
            (:func:`sagittal_view`).
        tracks: ``(2, 4, 2)`` leg chains by track, same plane.
        feet: ``(2, 2)`` foot positions by track.
        leg: Leg length in the plane's units.
        facing: +1 facing +x, -1 facing -x, NaN unknown.
        depth: Hip drop below standing, in leg lengths.
        stepping: Track index of the stepping foot (-1 unknown).
        stand_feet: Where the feet stood before the step (the picture only),
            or None to measure the step from the other foot.
    """
    hip = geometry.midpoint(points[L.LEFT_HIP], points[L.RIGHT_HIP])
    shoulders = geometry.midpoint(points[L.LEFT_SHOULDER], points[L.RIGHT_SHOULDER])
    ears = geometry.midpoint(points[L.LEFT_EAR], points[L.RIGHT_EAR])
    # The rear foot is the one behind the body (against where it faces).
    f = facing if math.isfinite(facing) else 1.0
    rear = int(np.argmin(feet[:, 0] * f))
    front = 1 - rear
    front_foot_len = max(
        float(geometry.distance(tracks[front, HEEL], tracks[front, TOE])), 1e-6
    )
    # Standing feet are together: the step is measured from where they stood,
    # or (hip-centred world points) from the other foot.
    if stepping < 0:
        step_vec = None
    elif stand_feet is not None:
        step_vec = feet[stepping] - stand_feet.mean(axis=0)
    else:
        step_vec = feet[stepping] - feet[1 - stepping]
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


def sagittal_view(
    frame: PoseFrame, labels: tuple[str, str], forward: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The world landmarks as a side view sees them, facing +x.

    Returns:
        ``(33, 2)`` points and ``(2, 4, 2)`` leg chains (in the tracks' label
        order), in metres along (forward, down), the hips at the origin.
    """
    points = world.sagittal(frame.world_xyz.astype(np.float64), forward)
    tracks = np.stack([points[list(CHAINS[label])] for label in labels])
    return points, tracks


def with_3d(
    bottom: Bottom,
    frame: PoseFrame,
    labels: tuple[str, str],
    forward: np.ndarray,
    stepping: int,
    frontal_checks: bool,
) -> Bottom:
    """``bottom`` with the view-independent 3D measures added.

    Args:
        bottom: The measures from the side-view plane.
        frame: The pose (its world landmarks are used).
        labels: The model label of each track.
        forward: The body's forward axis.
        stepping: Track index of the stepping foot (-1 unknown).
        frontal_checks: The camera sees the frontal plane (front or 3/4
            view), so knee valgus, pelvic tilt and a curtsy step can be judged.
    """
    w = frame.world_xyz.astype(np.float64)
    hip_mid = (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2

    def knee_3d(i: int) -> float:
        chain = CHAINS[labels[i]]
        return float(world.joint_angle_deg(hip_mid, w[chain[KNEE]], w[chain[ANKLE]]))

    extra: dict[str, float] = {
        "front_knee_angle_3d_deg": knee_3d(bottom.front),
        "back_knee_angle_3d_deg": knee_3d(bottom.rear),
    }
    if frontal_checks and math.isfinite(forward[0]):
        plane = world.frontal(w, forward)
        front_label = labels[bottom.front]
        hip_i = L.LEFT_HIP if front_label == "left" else L.RIGHT_HIP
        chain = CHAINS[front_label]
        extra["knee_valgus_deg"] = world.knee_valgus_deg(
            plane[hip_i], plane[chain[KNEE]], plane[chain[ANKLE]], front_label
        )
        extra["pelvic_tilt_deg"] = world.pelvic_tilt_deg(
            plane[L.LEFT_HIP], plane[L.RIGHT_HIP]
        )
        if stepping >= 0:
            step_label, other_label = labels[stepping], labels[1 - stepping]
            step_l = plane[list(CHAINS[step_label][1:]), 0].mean()
            other_l = plane[list(CHAINS[other_label][1:]), 0].mean()
            # The right foot stands to the right of the left one: crossing
            # behind it puts it on the other side.
            own_side = 1.0 if step_label == "right" else -1.0
            leg = float(world.leg_length(w))
            extra["crossed"] = float(-(step_l - other_l) * own_side / leg)
    return replace(bottom, **extra)


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

    def update(
        self,
        tracks: np.ndarray,
        stepping: int,
        leg: float,
        t_s: float,
        floor_y: float | None = None,
    ) -> None:
        """Follow the stepping foot's height above the floor.

        Args:
            tracks: ``(2, 4, 2)`` leg chains (y down).
            stepping: Track index of the stepping foot (-1 unknown).
            leg: Leg length in the tracks' units.
            t_s: Frame time.
            floor_y: The stepping foot's own floor level (a side view's
                picture, where the far foot's floor shows higher than the near
                one's), or None to use the other foot's floor line (the world
                points, where both feet share the floor).
        """
        if self.landed or stepping < 0:
            return
        other = 1 - stepping
        ground_y = (
            float(np.max(tracks[other, [HEEL, TOE], 1]))
            if floor_y is None or not math.isfinite(floor_y)
            else floor_y
        )
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
