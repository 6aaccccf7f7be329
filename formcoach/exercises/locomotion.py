"""Backward locomotion coaches: backward walking, retro running, band walks,
backward shuffles, on the shared gait layer (:mod:`formcoach.gait`).

Each coach buffers the smoothed frames. Live, it re-runs the gait layer over
the last few seconds every few frames to count steps and cue; at the end of
the set it runs it once over the whole set, which is what the report uses.

Angle conventions:
    Trunk lean is the hip-mid → shoulder-mid line from vertical, positive
    toward where the person faces (a forward lean). Knee angle is
    hip-knee-ankle, 180° straight.

Limits:
    Direction, landing type, step length and trunk lean need a side view; a
    treadmill is fine (contacts are found relative to the hip). Step width and
    knees collapsing inward need a front view and are reported as not
    measurable from a side view.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .. import body, geometry
from ..feedback import CueScheduler
from ..gait import GaitAnalysis, GaitSettings, analyze_gait
from ..landmarks import Landmark as L
from ..pose import PoseFrame
from ..results import SEVERITY_RANK, Cue, ExerciseResult, FrameFeedback, rounded
from ..settings import Config
from .base import ExerciseCoach, cue_table

CUES: dict[str, Cue] = cue_table(
    "gait",
    [
        (
            "clear_space",
            "Stop: check the space behind you",
            "safety",
            "You are close to the edge of the picture in the direction you travel. "
            "Look behind you and clear the space before going on.",
            "Source material: clear space behind you",
        ),
        (
            "heel_landing",
            "Land on the balls of your feet",
            "safety",
            "Most contacts were heel first. Land softly on the ball of the foot, "
            "toes first.",
            "Source material: balls of the feet, not the heels",
        ),
        (
            "wrong_direction",
            "Move backward, not forward",
            "form",
            "You travelled forward; this workout moves backward.",
            "Exercise definition",
        ),
        (
            "too_fast",
            "Start slow: shorter, slower steps",
            "advice",
            "Your cadence is above this preset's ceiling. Start slow and build up.",
            "Source material: start slow",
        ),
        (
            "long_steps",
            "Take smaller steps",
            "advice",
            "Long steps backward are harder to control. Keep them small.",
            "Source material: start slow; threshold in config",
        ),
        (
            "hunched",
            "Stand tall, brace your core",
            "form",
            "The trunk leaned far forward. Keep it upright with the core engaged.",
            "Source material: engage your core",
        ),
        (
            "leaning_back",
            "Don't lean back",
            "form",
            "The trunk leaned backward. Keep the weight over the feet.",
            "Coaching guideline",
        ),
        (
            "uneven",
            "Keep a steady rhythm",
            "advice",
            "Step timing varied a lot. Aim for an even rhythm.",
            "Coaching guideline",
        ),
        (
            "looking_back",
            "Look ahead, not over your shoulder",
            "advice",
            "You often turned your head to look back. Check the space before you start "
            "instead, and keep the head straight.",
            "Coaching guideline",
        ),
        (
            "no_arm_swing",
            "Let your arms swing",
            "advice",
            "Natural arm swing helps balance.",
            "Coaching guideline",
        ),
        (
            "lean_forward",
            "Lean slightly forward",
            "advice",
            "Retro running works best with a slight forward trunk lean.",
            "Retro-running technique (e.g. Flynn & Soutas-Little 1993)",
        ),
        (
            "knees_straight",
            "Soften your knees",
            "form",
            "Band walks need an athletic stance: knees softly bent, hips back.",
            "Band-walk technique",
        ),
        (
            "feet_together",
            "Keep the band tight: feet apart",
            "form",
            "The feet came together, letting the band go slack.",
            "Band-walk technique",
        ),
        (
            "stand_lower",
            "Get lower: bend your knees",
            "form",
            "Shuffles are done with a low centre of mass.",
            "Agility drill technique",
        ),
        (
            "feet_crossing",
            "Don't cross your feet",
            "safety",
            "In a shuffle the feet do not cross; crossing risks tripping.",
            "Agility drill technique",
        ),
        (
            "fatigue",
            "Form is fading: take a break",
            "safety",
            "Cadence dropped, the trunk leaned more or heel landings grew late in the "
            "set.",
            "Source material: listen to your body",
        ),
        (
            "support",
            "Holding on: arm swing not judged",
            "advice",
            "Your hands stayed still while you stepped, as when holding a rail. That "
            "is fine (use support if needed); arm swing is not judged.",
            "Source material: use support if needed",
        ),
        ("good", "Good steps!", "good", "Landings and posture look right.", ""),
    ],
)


class LocomotionCoach(ExerciseCoach):
    """Shared logic of the backward locomotion coaches."""

    valid_views: ClassVar[tuple[str, ...]] = ("side", "oblique")
    #: How often the live gait analysis runs, and over how much history.
    live_every_s: ClassVar[float] = 0.5
    live_window_s: ClassVar[float] = 6.0

    def __init__(self, config: Config):
        super().__init__(config)
        self.t = config.section(self.section)
        self.g = config.section("exercises.locomotion")
        self.gait_settings = GaitSettings.from_config(config)
        self.min_vis = float(config.get("analysis.min_visibility"))
        self.cues = CueScheduler(
            hold_s=self.g["cue_hold_s"],
            show_s=self.g["cue_show_s"],
            repeat_s=self.g["cue_repeat_s"],
        )
        self.frames: list[PoseFrame] = []
        self.seen: list[PoseFrame] = []
        self.live_contacts: dict[int, Any] = {}
        self.last_live_t = -math.inf
        self.live_gait = GaitAnalysis()
        self.edge_events: list[float] = []
        self.was_seen = False

    # -- per frame ---------------------------------------------------------

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Buffer the frame, refresh live gait, cue."""
        t = frame.timestamp_ms / 1000.0
        self.frames.append(frame)
        faults: list[Cue] = []
        feedback = FrameFeedback()
        if not frame.is_empty() and body.is_full_body(frame, self.min_vis):
            self.seen.append(frame)
            self.was_seen = True
            if self._near_edge(frame):
                faults.append(CUES["clear_space"])
                if not self.edge_events or t - self.edge_events[-1] > 3.0:
                    self.edge_events.append(t)
            feedback.angles = self._angle_labels(frame)
        elif self.was_seen and self.live_gait.direction in ("backward", "forward"):
            faults.append(CUES["clear_space"])  # walked out of the picture
            if not self.edge_events or t - self.edge_events[-1] > 3.0:
                self.edge_events.append(t)
        if t - self.last_live_t >= self.live_every_s and len(self.seen) > 10:
            self.last_live_t = t
            window = [
                f for f in self.seen if t - f.timestamp_ms / 1000 <= self.live_window_s
            ]
            self.live_gait = analyze_gait(window, self.gait_settings)
            for c in self.live_gait.contacts:
                if not any(abs(c.frame_index - k) <= 3 for k in self.live_contacts):
                    self.live_contacts[c.frame_index] = c
                    feedback.events.append(f"contact:{c.foot}:{c.landing}")
            faults += self._gait_faults(self.live_gait, live=True)
        feedback.counter = self._counter()
        feedback.phase = self._phase()
        feedback.cue = self.cues.update(t, faults)
        return feedback

    def _counter(self) -> str:
        text = f"Steps {len(self.live_contacts)}"
        if self.live_gait.cadence_spm:
            text += f"  {self.live_gait.cadence_spm:.0f}/min"
        return text

    def _phase(self) -> str:
        direction = self.live_gait.direction
        return {
            "none": "",
            "backward": "moving backward",
            "forward": "moving forward",
        }.get(direction, direction)

    def _near_edge(self, frame: PoseFrame) -> bool:
        """Close to the picture's edge on the side the person travels toward."""
        gait = self.live_gait
        if gait.direction not in ("backward", "forward") or math.isnan(gait.facing):
            return False
        travel = gait.facing * (1 if gait.direction == "forward" else -1)
        width = frame.resolution_wh[0]
        x = float(np.nanmean(frame.xy[[L.LEFT_HIP, L.RIGHT_HIP], 0]))
        margin = self.g["edge_margin"] * width
        return (travel > 0 and x > width - margin) or (travel < 0 and x < margin)

    def _angle_labels(self, frame: PoseFrame) -> dict[str, tuple[int, float]]:
        angles = body.joint_angles(frame, self.min_vis)
        return {
            "L knee": (int(L.LEFT_KNEE), angles["left_knee"]),
            "R knee": (int(L.RIGHT_KNEE), angles["right_knee"]),
        }

    # -- rules ---------------------------------------------------------------

    def _gait_faults(self, gait: GaitAnalysis, live: bool) -> list[Cue]:
        """Faults from the gait analysis, common to all locomotion coaches."""
        faults = []
        if gait.direction == "forward":
            faults.append(CUES["wrong_direction"])
        share = gait.ball_landing_share()
        judged = [c for c in gait.contacts if c.landing != "unknown"]
        if share is not None and len(judged) >= 3 and share < self.t["ball_share_min"]:
            faults.append(CUES["heel_landing"])
        if gait.cadence_spm and gait.cadence_spm > self.t["cadence_max_spm"]:
            faults.append(CUES["too_fast"])
        if not live and gait.step_time_cv and len(gait.contacts) >= 6:
            if gait.step_time_cv > self.g["step_time_cv_max"]:
                faults.append(CUES["uneven"])
        return faults

    def _posture(self, frames: list[PoseFrame], facing: float) -> dict[str, Any]:
        """Trunk lean, knee angles, head turns and arm movement over the set."""
        if not frames:
            return {}
        xy = np.stack([f.xy for f in frames]).astype(np.float64)
        shoulders = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
        hips = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
        f = facing if math.isfinite(facing) else 1.0
        lean = geometry.signed_lean_deg(shoulders, hips, f)
        knees = np.concatenate(
            [
                geometry.joint_angle_deg(
                    xy[:, L.LEFT_HIP], xy[:, L.LEFT_KNEE], xy[:, L.LEFT_ANKLE]
                ),
                geometry.joint_angle_deg(
                    xy[:, L.RIGHT_HIP], xy[:, L.RIGHT_KNEE], xy[:, L.RIGHT_ANKLE]
                ),
            ]
        )
        leg = float(
            np.nanmedian(
                geometry.leg_length(
                    xy[:, L.LEFT_HIP], xy[:, L.LEFT_KNEE], xy[:, L.LEFT_ANKLE]
                )
            )
        )
        ears = (xy[:, L.LEFT_EAR] + xy[:, L.RIGHT_EAR]) / 2
        nose_dir = np.sign(xy[:, L.NOSE, 0] - ears[:, 0])
        looking_back = float(np.mean(nose_dir == -f)) if math.isfinite(facing) else 0.0
        wrists = (xy[:, L.LEFT_WRIST] + xy[:, L.RIGHT_WRIST]) / 2
        wrist_rel = (wrists[:, 0] - shoulders[:, 0]) / leg
        wrist_abs = wrists[:, 0] / leg
        return {
            "trunk_lean_deg": float(np.nanmedian(lean)),
            "trunk_lean_series": lean,
            "knee_mean_deg": float(np.nanmean(knees)),
            "knee_max_deg": float(np.nanpercentile(knees, 90)),
            "looking_back_share": looking_back,
            "arm_swing": float(
                np.nanpercentile(wrist_rel, 95) - np.nanpercentile(wrist_rel, 5)
            ),
            "hands_still": float(np.nanstd(wrist_abs)) < self.g["support_hand_sd_max"],
            "hip_y_rel": float(
                np.nanmedian((xy[:, L.LEFT_ANKLE, 1] - hips[:, 1]) / leg)
            ),
        }

    def _posture_faults(self, posture: dict[str, Any], gait: GaitAnalysis) -> list[Cue]:
        """Posture checks; subclasses extend this."""
        faults = []
        lean = posture.get("trunk_lean_deg")
        if lean is not None and lean > self.t["trunk_lean_max_deg"]:
            faults.append(CUES["hunched"])
        if lean is not None and lean < self.t["trunk_lean_min_deg"]:
            faults.append(CUES["leaning_back"])
        if posture.get("looking_back_share", 0) > self.g["looking_back_max_share"]:
            faults.append(CUES["looking_back"])
        return faults

    # -- the set -------------------------------------------------------------

    def finish(self) -> ExerciseResult:
        """Whole-set gait analysis: steps, summary, warnings."""
        gait = analyze_gait(self.seen, self.gait_settings)
        posture = self._posture(self.seen, gait.facing)
        faults = self._gait_faults(gait, live=False)
        if self.seen and gait.step_count >= 4:  # posture is judged while stepping
            faults += self._posture_faults(posture, gait)
        support = bool(posture.get("hands_still")) and gait.step_count >= 4
        fatigue = self._fatigue(gait, posture)
        if fatigue:
            faults.append(CUES["fatigue"])
        if support:
            faults.append(CUES["support"])
        faults = sorted(set(faults), key=lambda c: SEVERITY_RANK[c.severity])
        warnings = [
            {
                "code": CUES["clear_space"].code,
                "message": CUES["clear_space"].message
                + " (close to the edge of the picture).",
                "t_s": round(t, 2),
            }
            for t in self.edge_events
        ]
        if fatigue:
            warnings.append(
                {"code": CUES["fatigue"].code, "message": fatigue, "t_s": None}
            )
        # From the front, contacts come only from the 3D (world) points.
        measured_3d = gait.source == "world"
        if gait.view == "front" and not measured_3d:
            warnings.append(
                {
                    "code": "view.not_measurable",
                    "message": "Filmed from the front: direction, landings and step "
                    "length are not measurable from this view. Film from the side.",
                    "t_s": None,
                }
            )
        share = gait.ball_landing_share()
        summary = {
            "step_count": gait.step_count,
            "cadence_spm": rounded(gait.cadence_spm, 1),
            "ball_landing_share": rounded(share, 3),
            "direction_of_travel": gait.direction,
            "step_time_cv": rounded(gait.step_time_cv, 3),
            "step_length_leg_lengths": rounded(
                float(
                    np.nanmedian(
                        [
                            c.step_length
                            for c in gait.contacts
                            if c.step_length is not None
                        ]
                    )
                )
                if gait.contacts
                else None,
                2,
            ),
            "landings": {
                k: sum(c.landing == k for c in gait.contacts)
                for k in ("ball", "flat", "heel", "unknown")
            },
            "trunk_lean_deg": rounded(posture.get("trunk_lean_deg"), 1),
            "looking_back_share": rounded(posture.get("looking_back_share"), 2),
            "support_detected": support,
            "duration_s": rounded(self.frames[-1].timestamp_ms / 1000.0, 2)
            if self.frames
            else 0.0,
            "checks_not_measurable": ["step_width", "knee_collapse"]
            if gait.view != "front" or measured_3d
            else ["direction", "landing", "step_length"],
            "top_cues": [{**c.as_dict(), "count": 1} for c in faults[:3]],
        }
        summary.update(self._extra_summary(gait, posture))
        if not faults and gait.step_count >= 4:
            summary["top_cues"] = [{**CUES["good"].as_dict(), "count": 1}]
        return ExerciseResult(
            summary=summary,
            steps=[c.as_dict() for c in gait.contacts],
            warnings=warnings,
        )

    def _active_s(self) -> float:
        """Time from the first to the last frame with the person in view."""
        if not self.seen:
            return 0.0
        return (self.seen[-1].timestamp_ms - self.seen[0].timestamp_ms) / 1000.0

    def _extra_summary(
        self, gait: GaitAnalysis, posture: dict[str, Any]
    ) -> dict[str, Any]:
        return {}

    def _fatigue(self, gait: GaitAnalysis, posture: dict[str, Any]) -> str | None:
        """Cadence dropping, heel landings growing, or lean growing late in the set."""
        contacts = gait.contacts
        if len(contacts) < 9:
            return None
        third = len(contacts) // 3
        first, last = contacts[:third], contacts[-third:]

        def cadence(cs: list[Any]) -> float:
            return 60.0 * (len(cs) - 1) / max(cs[-1].t_s - cs[0].t_s, 1e-6)

        c0, c1 = cadence(first), cadence(last)
        if (c0 - c1) / c0 > self.g["fatigue_cadence_drop"]:
            return f"Cadence fell by {(c0 - c1) / c0:.0%} over the set."
        heel0 = sum(c.landing == "heel" for c in first) / len(first)
        heel1 = sum(c.landing == "heel" for c in last) / len(last)
        if heel1 - heel0 > self.g["fatigue_heel_rise"]:
            return "More heel landings late in the set."
        lean = posture.get("trunk_lean_series")
        if lean is not None and len(lean) >= 30:
            k = len(lean) // 3
            rise = float(np.nanmedian(lean[-k:]) - np.nanmedian(lean[:k]))
            if rise > self.g["fatigue_lean_rise_deg"]:
                return f"Trunk lean grew by {rise:.0f} degrees over the set."
        return None


class BackwardWalkCoach(LocomotionCoach):
    """Backward walking, floor or treadmill."""

    name: ClassVar[str] = "backward-walk"
    title: ClassVar[str] = "Backward walking"
    section: ClassVar[str] = "exercises.backward_walk"
    checks: ClassVar[str] = (
        "steps, cadence, direction, ball-of-foot landings, step length, trunk, "
        "looking back, arm swing, rhythm, clear space, fatigue, support"
    )

    def _posture_faults(self, posture: dict[str, Any], gait: GaitAnalysis) -> list[Cue]:
        faults = super()._posture_faults(posture, gait)
        step = [c.step_length for c in gait.contacts if c.step_length is not None]
        if step and float(np.median(step)) > self.t["step_length_max"]:
            faults.append(CUES["long_steps"])
        if (
            not posture.get("hands_still")
            and posture.get("arm_swing", 1) < self.t["arm_swing_min"]
        ):
            faults.append(CUES["no_arm_swing"])
        return faults


class RetroRunCoach(LocomotionCoach):
    """Retro (backward) running, overground or on a treadmill."""

    name: ClassVar[str] = "retro-run"
    title: ClassVar[str] = "Retro running"
    section: ClassVar[str] = "exercises.retro_run"
    checks: ClassVar[str] = (
        "steps, cadence, direction, forefoot landings, forward trunk lean, rhythm, "
        "clear space, fatigue; time on a treadmill"
    )

    def _posture_faults(self, posture: dict[str, Any], gait: GaitAnalysis) -> list[Cue]:
        faults = super()._posture_faults(posture, gait)
        lean = posture.get("trunk_lean_deg")
        if lean is not None and lean < self.t["trunk_lean_target_min_deg"]:
            faults.append(CUES["lean_forward"])
        return faults

    def _extra_summary(
        self, gait: GaitAnalysis, posture: dict[str, Any]
    ) -> dict[str, Any]:
        return {"interval_time_s": rounded(self._active_s(), 1)}


class BandWalkCoach(LocomotionCoach):
    """Backward resistance-band walks."""

    name: ClassVar[str] = "band-walk"
    title: ClassVar[str] = "Backward band walk"
    section: ClassVar[str] = "exercises.band_walk"
    checks: ClassVar[str] = (
        "steps, direction, athletic stance (soft knees, hips back), trunk, "
        "ball-of-foot landings, feet kept apart, clear space, fatigue"
    )

    def _posture_faults(self, posture: dict[str, Any], gait: GaitAnalysis) -> list[Cue]:
        faults = [
            c
            for c in super()._posture_faults(posture, gait)
            if c.code != "gait.hunched"
        ]
        if posture.get("knee_max_deg", 0) > self.t["knee_max_deg"]:
            faults.append(CUES["knees_straight"])
        lean = posture.get("trunk_lean_deg")
        if lean is not None and lean > self.t["trunk_lean_max_deg"]:
            faults.append(CUES["hunched"])
        steps = [c.step_length for c in gait.contacts if c.step_length is not None]
        if steps and min(steps) < self.t["feet_apart_min"]:
            faults.append(CUES["feet_together"])
        return faults


class BackwardShuffleCoach(LocomotionCoach):
    """Backward shuffles (and skips/hops) for agility."""

    name: ClassVar[str] = "backward-shuffle"
    title: ClassVar[str] = "Backward shuffle"
    section: ClassVar[str] = "exercises.backward_shuffle"
    checks: ClassVar[str] = (
        "shuffles per 30 s, direction, low centre of mass, feet not crossing, "
        "ball-of-foot landings, clear space, fatigue"
    )

    def _posture_faults(self, posture: dict[str, Any], gait: GaitAnalysis) -> list[Cue]:
        faults = super()._posture_faults(posture, gait)
        if posture.get("knee_mean_deg", 180) > self.t["knee_mean_max_deg"]:
            faults.append(CUES["stand_lower"])
        if self._crossings() > self.t["crossings_max"]:
            faults.append(CUES["feet_crossing"])
        return faults

    def _crossings(self) -> int:
        """How often the feet swap order along the way the person faces."""
        if len(self.seen) < 3:
            return 0
        xy = np.stack([f.xy for f in self.seen]).astype(np.float64)
        left = xy[:, [L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX], 0].mean(axis=1)
        right = xy[:, [L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX], 0].mean(axis=1)
        order = np.sign(left - right)
        order = order[order != 0]
        return int(np.sum(order[1:] != order[:-1]))

    def _extra_summary(
        self, gait: GaitAnalysis, posture: dict[str, Any]
    ) -> dict[str, Any]:
        duration = self._active_s()
        per_30 = gait.step_count / duration * 30 if duration > 0 else None
        return {
            "shuffles_per_30s": rounded(per_30, 1),
            "feet_crossings": self._crossings(),
        }
