"""Reverse-lunge coach: reps, stepping leg, direction, knee angles, rear-foot
landing, posture, tempo, fatigue and symmetry.

How a rep is found (side or oblique view):
    The two feet are followed as two *tracks* by continuity (position over
    time), not by the model's left/right labels, because in a side view the
    pose model swaps the labels of the legs for a few frames at a time. The
    horizontal distance between the feet (the *split*, in leg lengths) opens
    when a foot steps away and closes when it comes back; the hip drop
    (*depth*, in leg lengths below the standing hip height) says how low the
    person went. A rep is: feet together → split opens → hip drops at least
    ``min_depth`` → split closes and stays closed for ``close_hold_s``. The foot
    that moved from where it stood is the stepping foot; it moving against the
    way the person faces makes a reverse lunge, with it a forward lunge. A split
    that never closes while the hip bobs several times is a split squat.

Angle conventions:
    Knee angle is the inner angle hip-knee-ankle (180° straight, 90° the
    lunge target). Torso lean is the hip-mid → shoulder-mid line from vertical,
    positive toward where the person faces. Heel raise is (toe height − heel
    height) / foot length: positive is heel up (on the ball of the foot).

Limits:
    Rep timing, depth, knee angles, landing and lean need a side or oblique
    view with the whole body, feet included, in the picture; in a front view
    they are reported as not measurable rather than guessed. Hips level and
    knee collapse need a front view. The person's anatomical side of the
    stepping leg is reported only when the model's labels agree on at least
    ``exercises.reverse_lunge.side_agreement_min`` of the bottom frames; otherwise
    it is "unknown".
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .. import body, geometry
from ..feedback import CueScheduler
from ..landmarks import Landmark as L
from ..pose import PoseFrame
from ..report import rounded
from ..settings import Config
from .base import (
    SEVERITY_RANK,
    Cue,
    ExerciseCoach,
    ExerciseResult,
    FrameFeedback,
    cue_table,
)

SECTION = "exercises.reverse_lunge"

#: Leg chains per model label: knee, ankle, heel, toe.
_CHAINS = {
    "left": (L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    "right": (L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
}
_KNEE, _ANKLE, _HEEL, _TOE = range(4)


CUES: dict[str, Cue] = cue_table(
    "lunge",
    [
        (
            "step_back",
            "Step back, not forward",
            "form",
            "This was a forward lunge: the moving foot stepped ahead. A reverse lunge "
            "steps back, which keeps the front shin upright and is gentler on the "
            "knee.",
            "Source material: reverse lunges; Flanagan et al. (2003)",
        ),
        (
            "split_squat",
            "Step back from standing each rep",
            "advice",
            "The feet stayed apart the whole set: that is a split squat. A reverse "
            "lunge starts and ends with the feet together.",
            "Exercise definition",
        ),
        (
            "heel_landing",
            "Land on the ball of your back foot",
            "safety",
            "The back foot touched down heel first. Land softly on the ball of the "
            "foot, heel raised.",
            "Source material: land softly on the balls of the feet, not the heels",
        ),
        (
            "rear_heel_down",
            "Keep your back heel up",
            "form",
            "At the bottom the back foot should rest on its ball with the heel raised.",
            "Source material: balls of the feet, not the heels",
        ),
        (
            "front_heel_lift",
            "Keep your front heel down",
            "form",
            "The front foot should stay flat so the load goes through the whole foot.",
            "NSCA exercise technique manual: lunge",
        ),
        (
            "torso_lean",
            "Chest up, brace your core",
            "form",
            "The trunk leaned far forward. Keep it nearly upright with the core "
            "engaged.",
            "Source material: engage your core; threshold in config",
        ),
        (
            "head_neck",
            "Keep your head neutral",
            "advice",
            "The head was tilted away from the line of the trunk. Look straight ahead.",
            "Coaching guideline: neutral neck",
        ),
        (
            "knee_past_toes",
            "Sit back: front knee is far past the toes",
            "advice",
            "The front knee travelled well past the toes. Some travel is fine; "
            "this much "
            "moves load onto the knee.",
            "Fry et al., J Strength Cond Res 2003 (advisory)",
        ),
        (
            "too_shallow",
            "Go lower: back knee toward the floor",
            "form",
            "The lunge was shallow: the back knee stayed far from the floor and "
            "the front "
            "knee did not bend near 90 degrees.",
            "Coaching target: front knee about 90 degrees",
        ),
        (
            "too_deep",
            "Not so deep: front knee under 90 is fine",
            "form",
            "The front knee bent much more than 90 degrees.",
            "Escamilla et al. 2008; threshold in config",
        ),
        (
            "rushed",
            "Slow down: lower in two seconds",
            "advice",
            "The descent was rushed. Start slow: control the way down.",
            "Source material: start slow",
        ),
        (
            "short_step",
            "Take a longer step back",
            "advice",
            "A short step pushes the front knee forward.",
            "Coaching guideline",
        ),
        (
            "long_step",
            "Take a shorter step",
            "advice",
            "A very long step over-stretches the back hip.",
            "Coaching guideline",
        ),
        (
            "balance",
            "Steady: use a wall or chair for support",
            "safety",
            "The hips wobbled at the bottom. Use support if needed.",
            "Source material: use support if needed",
        ),
        (
            "fatigue",
            "Form is fading: rest before the next set",
            "safety",
            "Depth or trunk posture got worse over the set.",
            "Source material: listen to your body",
        ),
        ("good_rep", "Good rep!", "good", "All checks passed for this rep.", ""),
    ],
)


@dataclass
class _Rep:
    """Working state of one rep."""

    start_s: float
    partial_start: bool
    stand_feet: np.ndarray | None  # (2, 2) track positions when standing
    max_depth: float = 0.0
    bottom_s: float = math.nan
    bottom: dict[str, Any] = field(default_factory=dict)
    bottom_labels: list[str] = field(default_factory=list)
    contact: dict[str, Any] | None = None
    lifted: bool = False
    hip_x: list[float] = field(default_factory=list)
    dips: int = 0
    dip_armed: bool = False
    dip_top: float = math.inf
    dip_bottom: float = -math.inf
    top_hip_y: float = math.inf
    low_hip_y: float = -math.inf
    start_hip_x: float = math.nan
    end_hip_x: float = math.nan
    hip_x_range: tuple[float, float] = (math.inf, -math.inf)


class ReverseLungeCoach(ExerciseCoach):
    """Coach for reverse lunges (bodyweight or weighted)."""

    name: ClassVar[str] = "reverse-lunge"
    title: ClassVar[str] = "Reverse lunge"
    checks: ClassVar[str] = (
        "reps per leg, step direction, split squats, knee angles, depth, rear foot "
        "on the ball, front heel, knee travel, trunk, head, balance, tempo, "
        "step length, fatigue, symmetry"
    )
    valid_views: ClassVar[tuple[str, ...]] = ("side", "oblique")
    section: ClassVar[str] = SECTION

    def __init__(self, config: Config):
        super().__init__(config)
        self.t = config.section(SECTION)
        self.min_vis = float(config.get("analysis.min_visibility"))
        self.side_max = float(config.get("view.side_max_width_ratio"))
        self.front_min = float(config.get("view.front_min_width_ratio"))
        self.cues = CueScheduler(
            hold_s=self.t["cue_hold_s"],
            show_s=self.t["cue_show_s"],
            repeat_s=self.t["cue_repeat_s"],
        )
        self.tracks: np.ndarray | None = None  # (2, 4, 2) chains by continuity
        self.track_labels = ("left", "right")
        self.leg_len: deque[float] = deque(maxlen=90)
        self._leg_median = math.nan
        self._leg_updates = 0
        self.stand_hip_y: float | None = None
        self.state = "unknown"
        self.rep: _Rep | None = None
        self.closed_since: float | None = None
        self.reps: list[dict[str, Any]] = []
        self.split_squat_dips = 0
        # Recent views only: the median stays cheap in a 20-minute live set.
        self.width_ratios: deque[float] = deque(maxlen=900)
        self._view_cache: str | None = None
        self._view_updates = 0
        self.last_t = 0.0
        self._last_stand_t = 0.0
        self._stand_hip_x = math.nan
        self._last_seen_t = -math.inf
        self._recent: deque[tuple[float, float]] = deque()
        self._last_hip: np.ndarray | None = None
        self._stand_feet: np.ndarray | None = None

    # -- per-frame signals -------------------------------------------------

    def _assign_tracks(self, frame: PoseFrame) -> np.ndarray:
        chains = np.stack([frame.xy[list(_CHAINS[s])] for s in ("left", "right")])
        if self.tracks is None or np.isnan(self.tracks).any():
            self.tracks = chains.astype(np.float64)
            self.track_labels = ("left", "right")
            return self.tracks
        same = np.nansum(np.linalg.norm(self.tracks - chains, axis=-1))
        swap = np.nansum(np.linalg.norm(self.tracks - chains[::-1], axis=-1))
        if swap < same:
            chains = chains[::-1]
            self.track_labels = ("right", "left")
        else:
            self.track_labels = ("left", "right")
        self.tracks = chains.astype(np.float64)
        return self.tracks

    def _leg(self) -> float:
        """Leg length in pixels: the median of the last 3 s or so of frames."""
        return self._leg_median

    def _leg_length(self, frame: PoseFrame) -> float:
        xy = frame.xy
        value = max(
            math.dist(xy[L.LEFT_HIP], xy[L.LEFT_KNEE])
            + math.dist(xy[L.LEFT_KNEE], xy[L.LEFT_ANKLE]),
            math.dist(xy[L.RIGHT_HIP], xy[L.RIGHT_KNEE])
            + math.dist(xy[L.RIGHT_KNEE], xy[L.RIGHT_ANKLE]),
        )
        if math.isfinite(value):
            self.leg_len.append(value)
            self._leg_updates += 1
            # The median is refreshed every few frames: it moves slowly.
            if self._leg_updates % 5 == 1 or math.isnan(self._leg_median):
                self._leg_median = float(np.median(self.leg_len))
        return self._leg_median

    # -- the coach -------------------------------------------------------

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Advance the rep state machine by one frame."""
        t = frame.timestamp_ms / 1000.0
        self.last_t = t
        feedback = FrameFeedback(counter=self._counter())
        if frame.is_empty() or not body.is_full_body(frame, self.min_vis):
            if t - self._last_seen_t > self.t["lost_reset_s"]:
                self._lose_track()
            feedback.phase = "no full-body pose"
            feedback.cue = self.cues.update(t, [])
            return feedback
        hip = geometry.midpoint(frame.xy[L.LEFT_HIP], frame.xy[L.RIGHT_HIP])
        jumped = (
            self._last_hip is not None
            and np.linalg.norm(hip - self._last_hip) > self.t["jump_max"] * self._leg()
        )
        if t - self._last_seen_t > self.t["lost_reset_s"] or jumped:
            self._lose_track()  # back after a gap, or another person: start afresh
        self._last_seen_t = t
        self._last_hip = hip
        self.width_ratios.append(float(body.width_ratio(frame.xy)))
        tracks = self._assign_tracks(frame)
        leg = self._leg_length(frame)
        feet = tracks[:, [_ANKLE, _HEEL, _TOE]].mean(axis=1)  # (2, 2)
        split = abs(feet[0, 0] - feet[1, 0]) / leg
        hip = geometry.midpoint(frame.xy[L.LEFT_HIP], frame.xy[L.RIGHT_HIP])
        facing = body.facing_sign(frame)
        faults: list[Cue] = []
        events: list[Cue] = []

        self._recent.append((t, split))
        while self._recent and t - self._recent[0][0] > 3.0:
            self._recent.popleft()
        if self.rep is None:
            if split < self.t["split_close"]:
                self.state = "standing"
                self._stand_feet = feet.copy()
                self._last_stand_t = t
                self._stand_hip_x = hip[0]
                self.stand_hip_y = (
                    hip[1]
                    if self.stand_hip_y is None
                    else 0.8 * self.stand_hip_y + 0.2 * hip[1]
                )
            elif split > self.t["split_open"] and self._view() != "front":
                partial = self.state != "standing"
                self.rep = _Rep(
                    start_s=t if partial else self._step_start(),
                    partial_start=partial,
                    stand_feet=None if partial else self._stand_feet,
                )
                self.closed_since = None
        if self.rep is not None:
            rep = self.rep
            rep.top_hip_y = min(rep.top_hip_y, hip[1])
            lowest = hip[1] > rep.low_hip_y
            rep.low_hip_y = max(rep.low_hip_y, hip[1])
            if math.isnan(rep.start_hip_x):
                rep.start_hip_x = self._stand_hip_x if not rep.partial_start else hip[0]
            rep.hip_x_range = (
                min(rep.hip_x_range[0], hip[0]),
                max(rep.hip_x_range[1], hip[0]),
            )
            rep.end_hip_x = hip[0]
            ref = self.stand_hip_y if self.stand_hip_y is not None else rep.top_hip_y
            depth = (hip[1] - ref) / leg
            self._track_dips(rep, hip[1], leg)
            rep.max_depth = max(rep.max_depth, depth)
            if lowest:  # the bottom is where the hip is lowest
                rep.bottom_s = t
                rep.bottom = self._bottom_measures(
                    frame, tracks, feet, leg, facing, depth
                )
            if rep.max_depth > 0 and depth >= 0.8 * rep.max_depth:
                rep.bottom_labels.append(self._stepping_label(rep, feet))
                rep.hip_x.append(hip[0] / leg)
            self._watch_contact(rep, frame, tracks, feet, leg, t)
            faults += self._live_faults(depth, rep)
            if split < self.t["split_close"]:
                self.closed_since = (
                    self.closed_since if self.closed_since is not None else t
                )
                if t - self.closed_since >= self.t["close_hold_s"]:
                    events += self._close_rep(end_s=t, complete=True)
            else:
                self.closed_since = None
            feedback.phase = self._phase(rep, depth)
        else:
            feedback.phase = "standing" if self.state == "standing" else ""
        feedback.counter = self._counter()
        feedback.view = self._view()
        feedback.angles = self._angle_labels(frame, tracks, feet, facing)
        feedback.cue = self.cues.update(t, faults, events)
        if feedback.cue is not None:
            feedback.events.append(f"cue:{feedback.cue.code}")
        return feedback

    def _step_start(self) -> float:
        """When the foot started to move: the last recent frame at standing split.

        Looking back from the moment the split opened, the step began where the
        split was last within 0.05 leg lengths of its standing value.
        """
        if not self._recent:
            return self._last_stand_t
        floor = min(split for _, split in self._recent) + 0.05
        for t, split in reversed(self._recent):
            if split <= floor:
                return t
        return self._last_stand_t

    def _view(self) -> str:
        """Camera view from the recent frames (refreshed every 15 frames)."""
        if not self.width_ratios:
            return "unknown"
        self._view_updates += 1
        if self._view_updates % 15 == 1 or self._view_cache is None:
            ratio = float(np.nanmedian(self.width_ratios))
            self._view_cache = body.classify_view(ratio, self.side_max, self.front_min)
        return self._view_cache

    def _lose_track(self) -> None:
        """The person was out of sight too long: forget positions, end any rep."""
        if self.rep is not None:
            self._close_rep(end_s=None, complete=False)
        self.tracks = None
        self.leg_len.clear()
        self._leg_median = math.nan
        self.stand_hip_y = None
        self._stand_feet = None
        self.state = "unknown"

    def _phase(self, rep: _Rep, depth: float) -> str:
        if rep.max_depth < self.t["min_depth"]:
            return "stepping back"
        if depth >= 0.85 * rep.max_depth:
            return "bottom"
        return "driving up"

    def _track_dips(self, rep: _Rep, hip_y: float, leg: float) -> None:
        """Count hip down-up cycles inside one open split (split squats).

        Peak-trough counting with hysteresis: a dip is a drop of ``min_depth``
        below the latest high point followed by a rise of half that, so a set
        whose top position varies from rep to rep is still counted right.
        """
        drop = self.t["min_depth"] * leg
        if not rep.dip_armed:
            rep.dip_top = min(rep.dip_top, hip_y)
            if hip_y - rep.dip_top > drop:
                rep.dip_armed, rep.dip_bottom = True, hip_y
        else:
            rep.dip_bottom = max(rep.dip_bottom, hip_y)
            if rep.dip_bottom - hip_y > 0.5 * drop:
                rep.dips += 1
                rep.dip_armed, rep.dip_top = False, hip_y

    def _stepping_index(self, rep: _Rep, feet: np.ndarray) -> int:
        """Track index of the foot that moved from where it stood."""
        if rep.stand_feet is not None:
            moved = [
                min(np.linalg.norm(feet[i] - rep.stand_feet[j]) for j in (0, 1))
                for i in (0, 1)
            ]
            return int(np.argmax(moved))
        return -1

    def _stepping_label(self, rep: _Rep, feet: np.ndarray) -> str:
        i = self._stepping_index(rep, feet)
        return self.track_labels[i] if i >= 0 else "unknown"

    def _bottom_measures(
        self,
        frame: PoseFrame,
        tracks: np.ndarray,
        feet: np.ndarray,
        leg: float,
        facing: float,
        depth: float,
    ) -> dict[str, Any]:
        """Angles and positions at the deepest point so far."""
        rep = self.rep
        assert rep is not None
        hip = geometry.midpoint(frame.xy[L.LEFT_HIP], frame.xy[L.RIGHT_HIP])
        shoulders = geometry.midpoint(
            frame.xy[L.LEFT_SHOULDER], frame.xy[L.RIGHT_SHOULDER]
        )
        ears = geometry.midpoint(frame.xy[L.LEFT_EAR], frame.xy[L.RIGHT_EAR])
        # The rear foot is the one behind the body (against where it faces).
        f = facing if math.isfinite(facing) else 1.0
        rear = int(np.argmin(feet[:, 0] * f))
        front = 1 - rear
        stepping = self._stepping_index(rep, feet)
        foot_len = [
            float(geometry.distance(tracks[i, _HEEL], tracks[i, _TOE])) for i in (0, 1)
        ]
        # Standing feet are together: measure the step from where they stood.
        step_vec = (
            feet[stepping] - rep.stand_feet.mean(axis=0)
            if rep.stand_feet is not None and stepping >= 0
            else None
        )
        return {
            "front": front,
            "rear": rear,
            "front_knee": float(
                geometry.joint_angle_deg(
                    hip, tracks[front, _KNEE], tracks[front, _ANKLE]
                )
            ),
            "back_knee": float(
                geometry.joint_angle_deg(hip, tracks[rear, _KNEE], tracks[rear, _ANKLE])
            ),
            # From the rear foot's own toe, which is on the floor: the front
            # foot's floor line is lower in the picture when the camera looks down.
            "back_knee_floor": (tracks[rear, _TOE, 1] - tracks[rear, _KNEE, 1]) / leg,
            "rear_heel_raise": (tracks[rear, _TOE, 1] - tracks[rear, _HEEL, 1])
            / max(foot_len[rear], 1e-6),
            "front_heel_raise": (tracks[front, _TOE, 1] - tracks[front, _HEEL, 1])
            / max(foot_len[front], 1e-6),
            "knee_past_toes": (tracks[front, _KNEE, 0] - tracks[front, _TOE, 0])
            * f
            / max(foot_len[front], 1e-6),
            "torso_lean": float(geometry.signed_lean_deg(shoulders, hip, f)),
            "head_neck": float(geometry.joint_angle_deg(hip, shoulders, ears)),
            "step_length": float(np.linalg.norm(step_vec) / leg)
            if step_vec is not None
            else math.nan,
            "step_dir": float(np.sign(step_vec[0] * f))
            if step_vec is not None and math.isfinite(facing)
            else math.nan,
            "depth": depth,
            "facing": facing,
        }

    def _watch_contact(
        self,
        rep: _Rep,
        frame: PoseFrame,
        tracks: np.ndarray,
        feet: np.ndarray,
        leg: float,
        t: float,
    ) -> None:
        """Record how the stepping foot first touches down behind."""
        if rep.contact is not None or rep.stand_feet is None:
            return
        i = self._stepping_index(rep, feet)
        other = 1 - i
        ground_y = float(np.max(tracks[other, [_HEEL, _TOE], 1]))
        lowest = float(np.max(tracks[i, [_HEEL, _TOE], 1]))
        height = (ground_y - lowest) / leg
        if height > 0.06:
            rep.lifted = True
        elif rep.lifted:
            foot_len = float(geometry.distance(tracks[i, _HEEL], tracks[i, _TOE]))
            raise_ = (tracks[i, _TOE, 1] - tracks[i, _HEEL, 1]) / max(foot_len, 1e-6)
            rep.contact = {"t_s": t, "heel_raise": raise_}

    def _live_faults(self, depth: float, rep: _Rep) -> list[Cue]:
        """Faults shown while they happen: near the bottom, from its measures."""
        if rep.max_depth < self.t["min_depth"] or depth < 0.7 * rep.max_depth:
            return []
        b = rep.bottom
        faults = []
        if b.get("torso_lean", 0) > self.t["torso_lean_max_deg"]:
            faults.append(CUES["torso_lean"])
        if b.get("front_heel_raise", 0) > self.t["front_heel_lift_max"]:
            faults.append(CUES["front_heel_lift"])
        return faults

    # -- closing a rep -----------------------------------------------------

    def _close_rep(self, end_s: float | None, complete: bool) -> list[Cue]:
        rep = self.rep
        self.rep = None
        self.closed_since = None
        assert rep is not None
        self.state = "standing" if complete else self.state
        b = rep.bottom
        dips = rep.dips + (1 if rep.dip_armed else 0)
        duration = (end_s if end_s is not None else self.last_t) - rep.start_s
        leg = max(self._leg(), 1e-6)
        # Lunges and split squats happen on the spot; walking carries the hip on.
        travelled = abs(rep.end_hip_x - rep.start_hip_x) / leg
        spread = (rep.hip_x_range[1] - rep.hip_x_range[0]) / leg
        if (complete and travelled > self.t["max_hip_travel"]) or spread > 2 * self.t[
            "max_hip_travel"
        ]:
            return []
        if complete and not rep.partial_start and duration < self.t["min_rep_s"]:
            return []  # too quick for a lunge: a stumble or a tracking jump
        if rep.partial_start:
            # No standing height before the rep: measure from where it rose to.
            rep.max_depth = (rep.low_hip_y - rep.top_hip_y) / leg
        if rep.max_depth < self.t["min_depth"]:
            return []  # a step without a lunge (or a split squat): not a rep
        if dips >= self.t["split_squat_min_dips"] or duration > self.t["max_rep_s"]:
            self.split_squat_dips += max(dips, 1)
            return [CUES["split_squat"]]
        if not b:
            return []
        step_dir = b.get("step_dir", math.nan)
        direction = (
            "forward" if step_dir > 0 else "reverse" if step_dir < 0 else "unknown"
        )
        if rep.partial_start:
            direction = "unknown"  # no standing position to measure the step from
        complete = complete and not rep.partial_start
        labels = [x for x in rep.bottom_labels if x != "unknown"]
        leg_side = "unknown"
        if labels:
            top = max(set(labels), key=labels.count)
            if labels.count(top) / len(labels) >= self.t["side_agreement_min"]:
                leg_side = top
        landing = self._landing(rep, b)
        sway = math.nan
        if len(rep.hip_x) >= 5:
            # Wobble around the steady drift of the hip, not the drift itself.
            x = np.asarray(rep.hip_x)
            trend = np.polyval(np.polyfit(np.arange(len(x)), x, 1), np.arange(len(x)))
            sway = float(np.std(x - trend))
        record = {
            "index": len(self.reps) + 1,
            "start_s": rounded(rep.start_s, 3),
            "bottom_s": rounded(rep.bottom_s, 3),
            "end_s": rounded(end_s, 3) if end_s is not None else None,
            "stepping_leg": leg_side,
            "direction": direction,
            "complete": bool(complete and direction != "forward"),
            "front_knee_angle_deg": rounded(b["front_knee"], 1),
            "back_knee_angle_deg": rounded(b["back_knee"], 1),
            "back_knee_to_floor": rounded(b["back_knee_floor"], 3),
            "depth": rounded(rep.max_depth, 3),
            "torso_lean_deg": rounded(b["torso_lean"], 1),
            "head_neck_deg": rounded(b["head_neck"], 1),
            "knee_past_toes": (
                None
                if not math.isfinite(b["knee_past_toes"])
                else bool(b["knee_past_toes"] > self.t["knee_past_toes_max"])
            ),
            "knee_past_toes_foot_lengths": rounded(b["knee_past_toes"], 2),
            "rear_foot_landing": landing,
            "rear_heel_raise": rounded(b["rear_heel_raise"], 2),
            "front_heel_raise": rounded(b["front_heel_raise"], 2),
            "step_length_leg_lengths": rounded(b["step_length"], 2),
            # A rep under way when the video starts has no known start.
            "descent_s": None
            if rep.partial_start
            else rounded(rep.bottom_s - rep.start_s, 2),
            "hip_sway_leg_lengths": rounded(sway, 3),
        }
        if direction == "forward":
            record["complete"] = False
        cues = self._rep_cues(record, rep)
        record["cues"] = [
            {"code": c.code, "message": c.message, "severity": c.severity} for c in cues
        ]
        record["score"] = self._score(cues) if record["direction"] != "forward" else 0
        self.reps.append(record)
        if direction == "forward":
            return [CUES["step_back"]] if record["end_s"] is not None else []
        if record["complete"] and not cues:
            return [CUES["good_rep"]]
        return cues[:1]

    def _landing(self, rep: _Rep, b: dict[str, Any]) -> str:
        """ball / flat / heel for the rear foot, from touchdown and the bottom."""
        bottom_raise = b.get("rear_heel_raise", math.nan)
        if not math.isfinite(bottom_raise):
            return "unknown"
        if (
            rep.contact is not None
            and rep.contact["heel_raise"] <= -self.t["heel_first_min"]
        ):
            return "heel"
        if bottom_raise >= self.t["rear_heel_raise_min"]:
            return "ball"
        if bottom_raise <= -self.t["heel_first_min"]:
            return "heel"
        return "flat"

    def _rep_cues(self, r: dict[str, Any], rep: _Rep) -> list[Cue]:
        t = self.t
        cues: list[Cue] = []
        if r["direction"] == "forward":
            return [CUES["step_back"]]
        if r["rear_foot_landing"] == "heel":
            cues.append(CUES["heel_landing"])
        elif r["rear_foot_landing"] == "flat":
            cues.append(CUES["rear_heel_down"])
        sway = r["hip_sway_leg_lengths"]
        if sway is not None and sway > t["sway_max"]:
            cues.append(CUES["balance"])
        fk = r["front_knee_angle_deg"]
        floor = r["back_knee_to_floor"]
        if fk is not None and fk < t["front_knee_min_deg"]:
            cues.append(CUES["too_deep"])
        elif (fk is not None and fk > t["front_knee_max_deg"]) or (
            floor is not None and floor > t["back_knee_floor_max"]
        ):
            cues.append(CUES["too_shallow"])
        if (
            r["torso_lean_deg"] is not None
            and r["torso_lean_deg"] > t["torso_lean_max_deg"]
        ):
            cues.append(CUES["torso_lean"])
        if (rep.bottom.get("front_heel_raise") or 0) > t["front_heel_lift_max"]:
            cues.append(CUES["front_heel_lift"])
        if r["knee_past_toes"]:
            cues.append(CUES["knee_past_toes"])
        if r["descent_s"] is not None and r["descent_s"] < t["min_descent_s"]:
            cues.append(CUES["rushed"])
        step = r["step_length_leg_lengths"]
        if step is not None and step < t["step_length_min"]:
            cues.append(CUES["short_step"])
        elif step is not None and step > t["step_length_max"]:
            cues.append(CUES["long_step"])
        neck = r["head_neck_deg"]
        if neck is not None and 180 - neck > t["head_neck_max_deg"]:
            cues.append(CUES["head_neck"])
        return sorted(cues, key=lambda c: SEVERITY_RANK[c.severity])

    @staticmethod
    def _score(cues: list[Cue]) -> int:
        """100 minus 25 per safety, 15 per form and 5 per advice cue, floored at 0."""
        penalty = {"safety": 25, "form": 15, "advice": 5, "good": 0}
        return max(0, 100 - sum(penalty[c.severity] for c in cues))

    def _counter(self) -> str:
        done = [r for r in self.reps if r["complete"]]
        per_leg = {
            s: sum(r["stepping_leg"] == s for r in done) for s in ("left", "right")
        }
        text = f"Reps {len(done)}"
        if per_leg["left"] or per_leg["right"]:
            text += f"  (L {per_leg['left']} / R {per_leg['right']})"
        return text

    def _angle_labels(
        self, frame: PoseFrame, tracks: np.ndarray, feet: np.ndarray, facing: float
    ) -> dict[str, tuple[int, float]]:
        hip = geometry.midpoint(frame.xy[L.LEFT_HIP], frame.xy[L.RIGHT_HIP])
        f = facing if math.isfinite(facing) else 1.0
        front = int(np.argmax(feet[:, 0] * f))
        out = {}
        for name, i in (("front knee", front), ("back knee", 1 - front)):
            label = self.track_labels[i]
            knee_index = L.LEFT_KNEE if label == "left" else L.RIGHT_KNEE
            out[name] = (
                int(knee_index),
                float(
                    geometry.joint_angle_deg(hip, tracks[i, _KNEE], tracks[i, _ANKLE])
                ),
            )
        return out

    # -- the set -----------------------------------------------------------

    def finish(self) -> ExerciseResult:
        """Close an open rep as partial and summarise the set."""
        if self.rep is not None:
            self._close_rep(end_s=None, complete=False)
        view = body.classify_view(
            float(np.nanmedian(self.width_ratios)) if self.width_ratios else math.nan,
            self.side_max,
            self.front_min,
        )
        warnings: list[dict[str, Any]] = []
        complete = [r for r in self.reps if r["complete"]]
        forward = [
            r
            for r in self.reps
            if r["direction"] == "forward" and r["end_s"] is not None
        ]
        partial = [r for r in self.reps if not r["complete"] and r not in forward]
        summary: dict[str, Any] = {
            "rep_count": len(complete),
            "partial_reps": len(partial),
            "forward_lunges": len(forward),
            "reps_left": sum(r["stepping_leg"] == "left" for r in complete),
            "reps_right": sum(r["stepping_leg"] == "right" for r in complete),
            "reps_unknown_leg": sum(r["stepping_leg"] == "unknown" for r in complete),
            "split_squat_reps": self.split_squat_dips,
            "movement": "reverse lunge" if complete else "none detected",
            "score": round(float(np.mean([r["score"] for r in complete])))
            if complete
            else None,
        }
        if self.split_squat_dips and not complete:
            summary["movement"] = "split squat"
            warnings.append(
                {
                    "code": "lunge.split_squat",
                    "message": "This looks like a split squat "
                    f"({self.split_squat_dips} reps): the feet never came together, "
                    "so no reverse-lunge reps were counted.",
                    "t_s": None,
                }
            )
        elif forward and not complete:
            summary["movement"] = "forward lunge"
        if view == "front":
            warnings.append(
                {
                    "code": "view.not_measurable",
                    "message": "Filmed from the front: step direction, depth, knee "
                    "angles and foot landing are not measurable from this view. "
                    "Film from the side.",
                    "t_s": None,
                }
            )
        summary["checks_not_measurable"] = (
            ["hips_level", "knee_collapse"]
            if view in ("side", "oblique")
            else [
                "step_direction",
                "depth",
                "knee_angles",
                "rear_foot_landing",
                "torso_lean",
            ]
        )
        fatigue = self._fatigue(complete)
        if fatigue:
            summary["fatigue"] = fatigue
            warnings.append(
                {"code": CUES["fatigue"].code, "message": fatigue, "t_s": None}
            )
        summary["symmetry"] = self._symmetry(complete)
        summary["consistency"] = self._consistency(complete)
        counts: dict[str, int] = {}
        for r in self.reps:
            for c in r["cues"]:
                counts[c["code"]] = counts.get(c["code"], 0) + 1
        by_code = {c.code: c for c in CUES.values()}
        summary["top_cues"] = [
            {**by_code[code].as_dict(), "count": n}
            for code, n in sorted(counts.items(), key=lambda kv: -kv[1])[:3]
        ]
        return ExerciseResult(summary=summary, reps=self.reps, warnings=warnings)

    def _fatigue(self, reps: list[dict[str, Any]]) -> str | None:
        if len(reps) < 4:
            return None
        k = max(2, len(reps) // 3)
        first, last = reps[:k], reps[-k:]
        d0 = np.nanmean([r["depth"] or np.nan for r in first])
        d1 = np.nanmean([r["depth"] or np.nan for r in last])
        l0 = np.nanmean([r["torso_lean_deg"] or np.nan for r in first])
        l1 = np.nanmean([r["torso_lean_deg"] or np.nan for r in last])
        if d0 > 0 and (d0 - d1) / d0 > self.t["fatigue_depth_drop"]:
            drop = (d0 - d1) / d0
            return f"Depth fell by {drop:.0%} over the set: rest before the next."
        if l1 - l0 > self.t["fatigue_lean_rise_deg"]:
            return f"Trunk lean grew by {l1 - l0:.0f} degrees over the set."
        return None

    @staticmethod
    def _consistency(reps: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Spread of the main measures over the set's complete reps."""
        if len(reps) < 2:
            return None

        def spread(key: str) -> float | None:
            values = [r[key] for r in reps if r[key] is not None]
            return rounded(float(np.std(values)), 2) if len(values) >= 2 else None

        return {
            "front_knee_angle_sd_deg": spread("front_knee_angle_deg"),
            "depth_sd_leg_lengths": spread("depth"),
            "descent_sd_s": spread("descent_s"),
            "torso_lean_sd_deg": spread("torso_lean_deg"),
        }

    def _symmetry(self, reps: list[dict[str, Any]]) -> dict[str, Any] | None:
        sides = {
            s: [
                r["front_knee_angle_deg"]
                for r in reps
                if r["stepping_leg"] == s and r["front_knee_angle_deg"] is not None
            ]
            for s in ("left", "right")
        }
        if not sides["left"] or not sides["right"]:
            return None
        diff = float(np.mean(sides["left"]) - np.mean(sides["right"]))
        return {
            "front_knee_diff_deg": round(diff, 1),
            "asymmetric": abs(diff) > self.t["symmetry_max_deg"],
        }
