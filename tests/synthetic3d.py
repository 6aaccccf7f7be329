"""Hand-built 3D movements for the recognition tests (world and picture landmarks).

A stick figure with legs of 0.9 m (thigh 0.45 + shank 0.45) moves in a world
frame with x forward (the way it faces), y DOWN (as MediaPipe's world
landmarks) and z to its left. Each frame gives ``world_xyz`` (metres,
hip-centred, like MediaPipe) and ``xy`` (a side view: 400 px per metre, floor
at y = 900 px). Knees are placed by two-link inverse kinematics so knee and
thigh angles are real angles of the figure.

These are idealised movements with known answers, not people: they check the
decision procedure does what it says for each workout, including the two
(band walk, backward shuffle) for which no real footage exists.
"""

# ruff: noqa: RUF005  (array + list is element-wise addition here, not concatenation)
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from formcoach.landmarks import NUM_LANDMARKS
from formcoach.landmarks import Landmark as L
from formcoach.pose import PoseFrame

THIGH = SHANK = 0.45
LEG = THIGH + SHANK
HIP_HALF = 0.1  # half the hip width, m
PX_PER_M = 400.0
FLOOR_PX = 900.0
#: (hip centre (3,), left ankle (3,), right ankle (3,), trunk lean forward deg)
Posture = tuple[np.ndarray, np.ndarray, np.ndarray, float]


def _knee(hip: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee of a leg from hip to ankle, bending forward (+x)."""
    d = ankle - hip
    dist = min(float(np.linalg.norm(d)), LEG - 1e-6)
    mid = hip + d / 2
    h = math.sqrt(max(THIGH**2 - (dist / 2) ** 2, 0.0))
    along = d / max(float(np.linalg.norm(d)), 1e-9)
    perp = np.array([-along[1], along[0], 0.0])  # in the x-y plane
    if perp[0] < 0:
        perp = -perp
    return mid + h * perp


def frame_of(posture: Posture, index: int, t_s: float) -> PoseFrame:
    """One :class:`PoseFrame` of the figure (y down, metres)."""
    hip_c, ank_l, ank_r, lean = posture
    pts = np.zeros((NUM_LANDMARKS, 3))
    lean_r = math.radians(lean)
    up = np.array([math.sin(lean_r), -math.cos(lean_r), 0.0])
    shoulder_c = hip_c + 0.5 * up
    head = shoulder_c + 0.22 * up
    for side, ankle, zs in (("LEFT", ank_l, 1.0), ("RIGHT", ank_r, -1.0)):
        hip = hip_c + [0, 0, zs * HIP_HALF]
        knee = _knee(hip, ankle)
        pts[L[f"{side}_HIP"]] = hip
        pts[L[f"{side}_KNEE"]] = knee
        pts[L[f"{side}_ANKLE"]] = ankle
        pts[L[f"{side}_HEEL"]] = ankle + [-0.05, 0.05, 0]
        pts[L[f"{side}_FOOT_INDEX"]] = ankle + [0.15, 0.06, 0]
        shoulder = shoulder_c + [0, 0, zs * 0.18]
        pts[L[f"{side}_SHOULDER"]] = shoulder
        pts[L[f"{side}_ELBOW"]] = shoulder + [0.05, 0.28, 0]
        pts[L[f"{side}_WRIST"]] = shoulder + [0.15, 0.5, 0]
        for name in ("EAR", "EYE", "EYE_INNER", "EYE_OUTER"):
            pts[L[f"{side}_{name}"]] = head + [0.0, 0, zs * 0.07]
        for name in ("PINKY", "INDEX", "THUMB"):
            pts[L[f"{side}_{name}"]] = pts[L[f"{side}_WRIST"]] + [0.05, 0.03, 0]
    pts[L.NOSE] = head + [0.1, 0, 0]
    pts[L.MOUTH_LEFT] = pts[L.MOUTH_RIGHT] = head + [0.08, 0.05, 0]
    world = pts - (pts[L.LEFT_HIP] + pts[L.RIGHT_HIP]) / 2
    xy = np.stack([640 + PX_PER_M * pts[:, 0], FLOOR_PX + PX_PER_M * pts[:, 1]], 1)
    return PoseFrame(
        frame_index=index,
        timestamp_ms=t_s * 1000.0,
        resolution_wh=(1280, 1000),
        xy=xy.astype(np.float32),
        z=(PX_PER_M * pts[:, 2]).astype(np.float32),
        world_xyz=world.astype(np.float32),
        visibility=np.full(NUM_LANDMARKS, 0.99, np.float32),
        presence=np.full(NUM_LANDMARKS, 0.99, np.float32),
    )


Movement = Callable[[float], Posture]


def frames(movement: Movement, seconds: float, *, fps: float = 30.0,
           start_s: float = 0.0, index0: int = 0) -> list[PoseFrame]:  # fmt: skip
    """Frames of ``movement`` (a function of time in the movement) for ``seconds``."""
    n = round(seconds * fps)
    return [
        frame_of(movement(k / fps), index0 + k, start_s + k / fps) for k in range(n)
    ]


def session(parts: list[tuple[Movement, float]], fps: float = 30.0) -> list[PoseFrame]:
    """Movements one after the other; time and frame index run on."""
    out: list[PoseFrame] = []
    t = 0.0
    for movement, seconds in parts:
        out += frames(movement, seconds, fps=fps, start_s=t, index0=len(out))
        t += round(seconds * fps) / fps
    return out


def _floor(x: float, z: float, lift: float = 0.0) -> np.ndarray:
    """An ankle at ``(x, z)``, ``lift`` m above its standing height (0.08 m)."""
    return np.array([x, -0.08 - lift, z])


def stand(t: float) -> Posture:
    """Standing still (a small sway)."""
    sway = 0.005 * math.sin(2 * math.pi * 0.3 * t)
    hip = np.array([sway, -0.08 - 0.97 * LEG, 0.0])
    return hip, _floor(0, 0.1), _floor(0, -0.1), 3.0


def gait(*, cadence_spm: float, stride_m: float, knee_bend: float, width_m: float,
         lift_m: float, bounce_m: float, direction: int = -1,
         treadmill: bool = False) -> Movement:  # fmt: skip
    """Walking-like gait: feet alternate, each in stance 60 % of the stride.

    ``knee_bend`` lowers the hip (fraction of leg length) so the knees stay
    bent throughout; ``direction`` -1 travels backward (toward -x).
    """
    stride_s = 120.0 / cadence_spm  # two steps
    amp = stride_m / 2
    speed = 0.0 if treadmill else direction * 2 * amp / (0.6 * stride_s)
    hip_h = LEG * (0.97 - knee_bend)

    def move(t: float) -> Posture:
        hip_x = speed * t
        ankles = []
        for shift, z in ((0.0, width_m / 2), (0.5, -width_m / 2)):
            u = (t / stride_s + shift) % 1.0
            if u < 0.6:
                rel, lift = amp * (1 - 2 * u / 0.6), 0.0
            else:
                v = (u - 0.6) / 0.4
                rel, lift = amp * (-1 + 2 * v), lift_m * math.sin(math.pi * v)
            ankles.append(_floor(hip_x + direction * rel, z, lift))
        bob = bounce_m * math.cos(4 * math.pi * t / stride_s)
        hip = np.array([hip_x, -0.08 - hip_h + bob, 0.0])
        return hip, ankles[0], ankles[1], 8.0 + 40 * knee_bend

    return move


def backward_walk(treadmill: bool = False) -> Movement:
    """Backward walking, ~110 steps/min, knees straighten in stance."""
    return gait(cadence_spm=110, stride_m=0.5, knee_bend=0.0, width_m=0.2,
                lift_m=0.06, bounce_m=0.015, treadmill=treadmill)  # fmt: skip


def retro_run(treadmill: bool = True) -> Movement:
    """Backward running, ~170 steps/min."""
    return gait(cadence_spm=170, stride_m=0.7, knee_bend=0.0, width_m=0.2,
                lift_m=0.18, bounce_m=0.04, treadmill=treadmill)  # fmt: skip


def band_walk() -> Movement:
    """Backward band walk: slow steps, knees bent, hips back, feet apart."""
    return gait(cadence_spm=80, stride_m=0.35, knee_bend=0.12, width_m=0.4,
                lift_m=0.04, bounce_m=0.01)  # fmt: skip


def backward_shuffle() -> Movement:
    """Backward shuffle: quick low steps with the knees bent."""
    return gait(cadence_spm=190, stride_m=0.35, knee_bend=0.12, width_m=0.3,
                lift_m=0.06, bounce_m=0.02)  # fmt: skip


def lunges(period_s: float = 3.0, *, split_m: float = 0.8, depth: float = 0.4,
           direction: int = -1) -> Movement:  # fmt: skip
    """Lunges: one foot steps back (``direction`` -1) and the hip sinks."""

    def move(t: float) -> Posture:
        u = (t % period_s) / period_s
        s = 0.5 - 0.5 * math.cos(2 * math.pi * u)  # 0 standing .. 1 bottom
        step = direction * split_m * s
        lift = 0.08 * math.sin(math.pi * s) if s < 0.7 else 0.0
        hip = np.array([0.4 * step, -0.08 - LEG * (0.97 - depth * s), 0.0])
        return hip, _floor(0, 0.1), _floor(step, -0.1, lift), 5.0 + 10 * s

    return move


def squats(period_s: float = 2.5) -> Movement:
    """Squats: feet apart side by side, hip down and back."""

    def move(t: float) -> Posture:
        s = 0.5 - 0.5 * math.cos(2 * math.pi * t / period_s)
        hip = np.array([-0.25 * s, -0.08 - LEG * (0.97 - 0.45 * s), 0.0])
        return hip, _floor(0, 0.15), _floor(0, -0.15), 5 + 35 * s

    return move


def cycling(rpm: float = 70.0, direction: int = -1) -> Movement:
    """Seated on a bike: the ankles go round a crank (``direction`` -1: backward)."""
    crank = 0.17

    def move(t: float) -> Posture:
        hip = np.array([0.0, -0.95, 0.0])
        centre = np.array([0.25, -0.3])
        ankles = []
        for phase, z in ((0.0, 0.1), (math.pi, -0.1)):
            a = direction * 2 * math.pi * rpm / 60 * t + phase
            x, y = centre + crank * np.array([math.cos(a), -math.sin(a)])
            ankles.append(np.array([x, y, z]))
        return hip, ankles[0], ankles[1], 35.0

    return move


def rowing(rate_spm: float = 24.0) -> Movement:
    """On a rower: feet on the footplate, the seat slides, the trunk swings."""

    def move(t: float) -> Posture:
        u = (t * rate_spm / 60) % 1.0
        s = 0.5 - 0.5 * math.cos(2 * math.pi * u)  # 0 catch .. 1 finish
        hip = np.array([0.3 + 0.5 * s, -0.3, 0.0])
        return (
            hip,
            np.array([0.95, -0.15, 0.1]),
            np.array([0.95, -0.15, -0.1]),
            30 - 55 * s,
        )

    return move
