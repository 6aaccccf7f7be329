"""Hand-built landmark sequences with known answers (a side-view stick figure).

The figure faces image-right (toes and nose toward +x), leg length 400 px
(thigh 200 + shank 200). Knees are placed by two-link inverse kinematics so
knee angles are real angles of the drawn figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from formcoach.landmarks import NUM_LANDMARKS
from formcoach.landmarks import Landmark as L
from formcoach.pose import PoseFrame

THIGH = SHANK = 200.0
FOOT = 80.0
GROUND_Y = 900.0
STAND_HIP = np.array([640.0, GROUND_Y - 20 - THIGH - SHANK])
RESOLUTION = (1280, 1000)
#: The far foot's floor shows this much higher in the picture than the near
#: foot's (a camera above the floor; feet a hip-width apart in depth).
NEAR_FAR_PX = 36.0


def knee_from_ik(hip: np.ndarray, ankle: np.ndarray, forward: float) -> np.ndarray:
    """Knee position for given hip and ankle, bending toward ``forward`` (+1/-1)."""
    d = np.linalg.norm(ankle - hip)
    d = min(d, THIGH + SHANK - 1e-6)
    mid = (hip + ankle) / 2
    h = math.sqrt(max(THIGH**2 - (d / 2) ** 2, 0.0))
    along = (ankle - hip) / max(np.linalg.norm(ankle - hip), 1e-9)
    perp = np.array([-along[1], along[0]])
    if perp[0] * forward < 0:
        perp = -perp
    return mid + h * perp


@dataclass
class Pose:
    """One frame of the figure, in pixels."""

    hip: np.ndarray
    front_ankle: np.ndarray  # the left foot ("front"/planted foot) by label
    step_ankle: np.ndarray  # the right foot by label
    step_heel_raise: float = 0.0  # heel height above toe, in foot lengths
    front_heel_raise: float = 0.0
    lean_deg: float = 5.0
    extra: dict[int, tuple[float, float]] = field(default_factory=dict)

    def points(self) -> dict[int, np.ndarray]:
        hip = self.hip
        lean = math.radians(self.lean_deg)
        shoulder = hip + 300 * np.array([math.sin(lean), -math.cos(lean)])
        head = shoulder + 70 * np.array([math.sin(lean), -math.cos(lean)])
        pts: dict[int, np.ndarray] = {}
        for side, ankle, raise_ in (
            ("LEFT", self.front_ankle, self.front_heel_raise),
            ("RIGHT", self.step_ankle, self.step_heel_raise),
        ):
            # Foot: heel behind, toe ahead; rotate about the toe by the raise.
            dy = raise_ * FOOT
            dx = math.sqrt(max(FOOT**2 - dy**2, 0.0))
            toe = np.array([ankle[0] + 0.75 * dx, ankle[1] + 20])
            heel = np.array([toe[0] - dx, toe[1] - dy])
            if raise_ < 0:  # toe up: rotate about the heel instead
                heel = np.array([ankle[0] - 0.25 * dx, ankle[1] + 20])
                toe = np.array([heel[0] + dx, heel[1] + dy])
            knee = knee_from_ik(hip, ankle, forward=+1)
            offset = -6 if side == "LEFT" else 6
            pts[L[f"{side}_HIP"]] = hip + np.array([offset, 0])
            pts[L[f"{side}_KNEE"]] = knee
            pts[L[f"{side}_ANKLE"]] = ankle
            pts[L[f"{side}_HEEL"]] = heel
            pts[L[f"{side}_FOOT_INDEX"]] = toe
            pts[L[f"{side}_SHOULDER"]] = shoulder + np.array([offset, 0])
            pts[L[f"{side}_ELBOW"]] = shoulder + np.array([20, 120])
            pts[L[f"{side}_WRIST"]] = shoulder + np.array([40, 200])
            pts[L[f"{side}_EAR"]] = head + np.array([offset - 15, 0])
            pts[L[f"{side}_EYE"]] = head + np.array([offset + 15, -10])
        pts[L.NOSE] = head + np.array([30, 0])
        for index, xy in self.extra.items():
            pts[index] = np.asarray(xy, float)
        return pts


def to_frame(
    pose: Pose,
    index: int,
    t_s: float,
    *,
    mirror: bool = False,
    near_far_px: float = NEAR_FAR_PX,
) -> PoseFrame:
    """A PoseFrame of the figure (all landmarks seen)."""
    xy = np.full((NUM_LANDMARKS, 2), np.nan, np.float32)
    vis = np.zeros(NUM_LANDMARKS, np.float32)
    for i, p in pose.points().items():
        xy[i] = p
        vis[i] = 0.99
    # Face points not set above sit at the nose.
    missing = np.isnan(xy[:, 0])
    xy[missing] = xy[L.NOSE]
    vis[missing] = 0.9
    # Facing image-right the camera sees the right side: the left foot is far.
    # Mirrored, the figure faces left and its right foot is far.
    far = "RIGHT" if mirror else "LEFT"
    for name in ("ANKLE", "HEEL", "FOOT_INDEX"):
        xy[L[f"{far}_{name}"], 1] -= near_far_px
    if mirror:
        xy[:, 0] = RESOLUTION[0] - xy[:, 0]
    return PoseFrame(
        frame_index=index,
        timestamp_ms=t_s * 1000.0,
        resolution_wh=RESOLUTION,
        xy=xy,
        z=np.zeros(NUM_LANDMARKS, np.float32),
        world_xyz=np.zeros((NUM_LANDMARKS, 3), np.float32),
        visibility=vis,
        presence=np.ones(NUM_LANDMARKS, np.float32),
    )


def _ease(u: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(max(u, 0.0), 1.0))


@dataclass
class LungeSpec:
    """One rep of the synthetic lunge (times in s, lengths in leg lengths)."""

    direction: int = -1  # -1 steps back (reverse), +1 forward
    step: float = 0.9
    depth: float = 0.45
    descent_s: float = 1.4
    hold_s: float = 0.3
    ascent_s: float = 1.2
    stand_s: float = 1.0
    rear_heel_raise: float = 0.6  # at the bottom, foot lengths
    contact_heel_raise: float = 0.6  # at touchdown
    front_heel_raise: float = 0.0
    lean_deg: float = 5.0
    close_feet: bool = True  # return to standing at the end


def lunge_sequence(
    reps: list[LungeSpec],
    *,
    fps: float = 30.0,
    lead_in_s: float = 1.0,
    start_at: float = 0.0,
    end_at: float | None = None,
    travel_per_rep: float = 0.0,
) -> list[Pose]:
    """Poses of a set of lunges; ``start_at``/``end_at`` cut the clip (seconds)."""
    leg = THIGH + SHANK
    poses: list[tuple[float, Pose]] = []
    t = 0.0
    origin_x = STAND_HIP[0]

    def stand(duration: float) -> None:
        nonlocal t
        for _ in range(round(duration * fps)):
            hip = np.array([origin_x, STAND_HIP[1]])
            ankle = np.array([origin_x, GROUND_Y - 20])
            poses.append((t, Pose(hip, ankle, ankle.copy())))
            t += 1 / fps

    stand(lead_in_s)
    for spec in reps:
        total = spec.descent_s + spec.hold_s + spec.ascent_s
        n = round(total * fps)
        for k in range(n):
            tt = k / fps
            if tt < spec.descent_s:
                s = _ease(tt / spec.descent_s)
                lifting = s < 0.85  # the foot travels back in the air, then lands
            elif tt < spec.descent_s + spec.hold_s:
                s, lifting = 1.0, False
            else:
                s = 1 - _ease((tt - spec.descent_s - spec.hold_s) / spec.ascent_s)
                lifting = s < 0.5
            front = np.array([origin_x, GROUND_Y - 20])
            step_x = origin_x + spec.direction * s * spec.step * leg
            lift = 40.0 * math.sin(math.pi * min(s / 0.85, 1.0)) if lifting else 0.0
            step = np.array([step_x, GROUND_Y - 20 - lift])
            hip = np.array(
                [origin_x + spec.direction * s * spec.step * leg * 0.4,
                 STAND_HIP[1] + s * spec.depth * leg]
            )  # fmt: skip
            raise_ = spec.contact_heel_raise if s < 0.9 else spec.rear_heel_raise
            if spec.direction > 0:  # forward: the stepping foot is the front one
                pose = Pose(hip, front, step, step_heel_raise=0.0,
                            front_heel_raise=s * spec.rear_heel_raise,
                            lean_deg=spec.lean_deg * s)  # fmt: skip
            else:
                pose = Pose(hip, front, step, step_heel_raise=raise_ * min(1, s * 3),
                            front_heel_raise=spec.front_heel_raise * s,
                            lean_deg=5 + (spec.lean_deg - 5) * s)  # fmt: skip
            poses.append((t, pose))
            t += 1 / fps
        origin_x += travel_per_rep * leg
        if spec.close_feet:
            stand(spec.stand_s)
    end = end_at if end_at is not None else math.inf
    return [p for tt, p in poses if start_at <= tt < end]


def frames_of(poses: list[Pose], *, fps: float = 30.0, mirror: bool = False,
              swap_every: int = 0, near_far_px: float = NEAR_FAR_PX,
              ) -> list[PoseFrame]:  # fmt: skip
    """PoseFrames of ``poses``; ``swap_every`` swaps the leg labels in runs."""
    out = []
    rng = np.random.default_rng(0)
    for i, pose in enumerate(poses):
        frame = to_frame(pose, i, i / fps, mirror=mirror, near_far_px=near_far_px)
        if swap_every and (i // swap_every) % 2 == 1 and rng.random() < 0.9:
            frame = swap_leg_labels(frame)
        out.append(frame)
    return out


def swap_leg_labels(frame: PoseFrame) -> PoseFrame:
    """The model's side-view failure: left and right leg labels exchanged."""
    perm = list(range(NUM_LANDMARKS))
    for a, b in (
        (L.LEFT_KNEE, L.RIGHT_KNEE),
        (L.LEFT_ANKLE, L.RIGHT_ANKLE),
        (L.LEFT_HEEL, L.RIGHT_HEEL),
        (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
    ):
        perm[a], perm[b] = b, a  # fmt: skip
    from dataclasses import replace

    return replace(frame, xy=frame.xy[perm], visibility=frame.visibility[perm])


def split_squat_sequence(
    dips: int,
    *,
    fps: float = 30.0,
    period_s: float = 3.0,
    depth: float = 0.4,
    split: float = 0.9,
) -> list[Pose]:
    """Feet planted apart the whole time, hip bobbing ``dips`` times."""
    leg = THIGH + SHANK
    front = np.array([STAND_HIP[0], GROUND_Y - 20])
    rear = np.array([STAND_HIP[0] - split * leg, GROUND_Y - 20])
    top = STAND_HIP[1] + 0.1 * leg  # already a little low: feet are apart
    poses = []
    for k in range(round(dips * period_s * fps + fps)):
        phase = (k / fps) / period_s
        s = 0.5 - 0.5 * math.cos(2 * math.pi * phase) if phase < dips else 0.0
        hip = np.array([STAND_HIP[0] - 0.4 * split * leg, top + s * depth * leg])
        poses.append(Pose(hip, front, rear, step_heel_raise=0.6))
    return poses


def walking_sequence(steps: int, *, fps: float = 30.0, step_s: float = 0.6,
                     step_len: float = 0.8) -> list[Pose]:  # fmt: skip
    """Walking backward across the picture: feet alternate, the hip travels on."""
    leg = THIGH + SHANK
    poses = []
    x = 1100.0
    feet = [np.array([x, GROUND_Y - 20]), np.array([x, GROUND_Y - 20])]
    for i in range(steps):
        moving = i % 2
        start = feet[moving].copy()
        target = feet[1 - moving] + [-step_len * leg / 2, 0]
        for k in range(round(step_s * fps)):
            u = _ease(k / (step_s * fps))
            feet[moving] = start + u * (target - start)
            feet[moving][1] = GROUND_Y - 20 - 30 * math.sin(math.pi * u)
            hip_x = (feet[0][0] + feet[1][0]) / 2
            poses.append(Pose(np.array([hip_x, STAND_HIP[1] + 0.05 * leg]),
                              feet[0].copy(), feet[1].copy()))  # fmt: skip
        feet[moving][1] = GROUND_Y - 20
    return poses


def gait_sequence(
    *,
    direction: int = -1,
    landing_pitch: float = 0.4,
    treadmill: bool = False,
    strides: int = 6,
    stride_s: float = 1.2,
    fps: float = 60.0,
    amplitude: float = 0.35,
) -> tuple[list[Pose], list[float]]:
    """Walking with known contact times; returns poses and the contact times.

    The figure faces image-right. ``direction`` -1 walks backward (toward -x),
    +1 forward. Each foot is in stance 60 % of the stride: relative to the hip
    it moves from ``+amplitude`` leg lengths ahead (in the direction of
    travel) to ``-amplitude``, then swings back through the air. Overground
    the hip moves on so the stance foot stays put; on a treadmill the hip
    stays and the stance foot slides. At each contact the foot's pitch is
    ``landing_pitch`` (positive: heel up, toe first), flattening by
    mid-stance.
    """
    leg = THIGH + SHANK
    stance = 0.6 * stride_s
    speed = 0.0 if treadmill else 2 * amplitude * leg / stance  # px/s
    poses: list[Pose] = []
    n = round(strides * stride_s * fps)
    start_x = 1000.0 if direction < 0 else 280.0
    contacts = sorted(
        k * stride_s + offset
        for k in range(strides)
        for offset in (0.0, stride_s / 2)
        if 0 < k * stride_s + offset < strides * stride_s
    )
    for i in range(n):
        t = i / fps
        hip_x = start_x + direction * speed * t
        feet, pitches = [], []
        for phase_shift in (0.0, 0.5):
            u = (t / stride_s + phase_shift) % 1.0
            if u < 0.6:  # stance: from +A to -A
                rel = amplitude * (1 - 2 * u / 0.6)
                lift = 0.0
                pitch = landing_pitch * max(0.0, 1 - u / 0.15)
            else:  # swing: back from -A to +A, in the air
                v = (u - 0.6) / 0.4
                rel = amplitude * (-1 + 2 * v)
                lift = 40.0 * math.sin(math.pi * v)
                pitch = landing_pitch * max(0.0, (v - 0.7) / 0.3)
            x = hip_x + direction * rel * leg
            feet.append(np.array([x, GROUND_Y - 20 - lift]))
            pitches.append(pitch)
        hip = np.array([hip_x, STAND_HIP[1] + 0.05 * leg])
        pose = Pose(hip, feet[0], feet[1], step_heel_raise=pitches[1],
                    front_heel_raise=pitches[0], lean_deg=5.0)  # fmt: skip
        poses.append(pose)
    return poses, contacts


def lunge_report(specs: list[LungeSpec], video_name: str = "a.mp4") -> dict:
    """A real report.json (as a dict) of hand-built reverse lunges, no video."""
    from pathlib import Path

    from formcoach.exercises import create_coach
    from formcoach.pipeline import run_coach
    from formcoach.report import build_report, series_of
    from formcoach.settings import load_config
    from formcoach.video import VideoInfo

    config = load_config()
    frames = frames_of(lunge_sequence(specs))
    feedback, result = run_coach(frames, create_coach("reverse-lunge", config))
    info = VideoInfo(Path(video_name), 1280, 1000, 30.0, len(frames),
                     len(frames) / 30.0, "h264", 0)  # fmt: skip
    return build_report(
        info=info, exercise="reverse-lunge", config=config,
        series=series_of(frames, feedback, config), result=result, view="side",
        pose_coverage=1.0,
        warnings=result.warnings,
    )  # fmt: skip
