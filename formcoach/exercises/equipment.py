"""Coaches for the machine workouts: backward cycling and reverse rowing.

Both are filmed from the side. They buffer the smoothed frames and analyse
the whole set at the end (and the last few seconds while live).

Angle conventions:
    Knee flexion is 180° minus the hip-knee-ankle angle (0° is a straight
    leg). Trunk lean is the hip-mid → shoulder-mid line from vertical,
    positive toward where the person faces. Image y grows downward.

Backward cycling:
    The foot goes round the crank. Its angle around the centre of its path,
    unwrapped over time, gives revolutions and the sense of rotation; with
    image y down, a rider facing image-right pedals forward when that angle
    grows (the foot moves forward over the top). Cadence is revolutions per
    minute. Knee flexion at the bottom of the stroke (foot furthest from the
    hip) of about 25-35° is the usual saddle-height guide.

Reverse rowing:
    The handle's distance from the feet (on the foot plate) along the facing
    axis grows through the drive (legs, back, arms) and shrinks in the
    return. Strokes are its cycles: the catch is the closest point, the finish
    the furthest. Leg, back and arm timing come from when the knee,
    the trunk and the elbow reach 90 % of their change in each drive.

Limits:
    No real footage of either machine was available; these coaches are tested
    on hand-built trajectories only (see docs/accuracy.md).
"""

from __future__ import annotations

import itertools
import math
from typing import Any, ClassVar

import numpy as np
from scipy.signal import find_peaks

from .. import body, geometry
from ..feedback import CueScheduler
from ..landmarks import Landmark as L
from ..pose import PoseFrame
from ..results import ExerciseResult, FrameFeedback, rounded
from ..settings import Config
from .base import ExerciseCoach, cue_table

CUES = cue_table(
    "machine",
    [
        (
            "wrong_direction",
            "Pedal backward",
            "form",
            "The pedals turned forward; this workout turns them backward.",
            "Exercise definition",
        ),
        (
            "saddle_high",
            "Saddle too high: lower it",
            "form",
            "At the bottom of the stroke the knee was nearly straight. About 25-35 "
            "degrees of knee bend there is the usual saddle-height guide.",
            "Bike-fit guideline (knee flexion 25-35 deg at bottom dead centre)",
        ),
        (
            "saddle_low",
            "Saddle too low: raise it",
            "form",
            "At the bottom of the stroke the knee stayed bent more than about 35 "
            "degrees.",
            "Bike-fit guideline (knee flexion 25-35 deg at bottom dead centre)",
        ),
        (
            "uneven_cadence",
            "Keep the pedalling even",
            "advice",
            "The time per revolution varied a lot.",
            "Coaching guideline",
        ),
        (
            "rocking",
            "Keep your hips still on the saddle",
            "form",
            "The pelvis rocked up and down with each stroke.",
            "Bike-fit guideline",
        ),
        (
            "hunched",
            "Chest up, brace your core",
            "form",
            "The trunk leaned far forward.",
            "Source material: engage your core",
        ),
        (
            "rushed_return",
            "Slow the return: control it",
            "advice",
            "The slow, controlled phase was not slower than the pull. The source "
            "material stresses eccentric control.",
            "Source material: eccentric control",
        ),
        (
            "arms_early",
            "Legs first, then back, then arms",
            "form",
            "The arms pulled before the legs had pushed.",
            "Rowing technique: sequencing",
        ),
        (
            "over_lean",
            "Don't lean back so far",
            "form",
            "The trunk swung far back at the finish.",
            "Rowing technique",
        ),
        (
            "short_stroke",
            "Use the full slide",
            "advice",
            "The knees did not bend much at the catch: a short stroke.",
            "Rowing technique: range of motion",
        ),
        (
            "neck",
            "Keep your head neutral",
            "advice",
            "The head was tilted away from the line of the trunk.",
            "Coaching guideline",
        ),
        (
            "fatigue",
            "Rate is dropping: take a break",
            "safety",
            "The rate fell over the set.",
            "Source material: listen to your body",
        ),
    ],
)


def _series(frames: list[PoseFrame]) -> tuple[np.ndarray, np.ndarray]:
    xy = np.stack([f.xy for f in frames]).astype(np.float64)
    t = np.array([f.timestamp_ms for f in frames]) / 1000.0
    return xy, t


def _facing(xy: np.ndarray) -> float:
    toe = np.concatenate(
        [
            xy[:, L.LEFT_FOOT_INDEX, 0] - xy[:, L.LEFT_HEEL, 0],
            xy[:, L.RIGHT_FOOT_INDEX, 0] - xy[:, L.RIGHT_HEEL, 0],
        ]
    )
    nose = xy[:, L.NOSE, 0] - (xy[:, L.LEFT_EAR, 0] + xy[:, L.RIGHT_EAR, 0]) / 2
    sign = np.sign(np.nanmedian(nose)) or np.sign(np.nanmedian(toe))
    return float(sign) if sign else 1.0


class _MachineCoach(ExerciseCoach):
    """Buffering, cues and fatigue shared by the machine coaches."""

    standing: ClassVar[bool] = False  # seated on the bike or the rower

    valid_views: ClassVar[tuple[str, ...]] = ("side",)
    live_every_s: ClassVar[float] = 1.0
    live_window_s: ClassVar[float] = 10.0

    def __init__(self, config: Config):
        super().__init__(config)
        self.t = config.section(self.section)
        self.min_vis = float(config.get("analysis.min_visibility"))
        self.cues = CueScheduler(hold_s=0.0, show_s=2.5, repeat_s=8.0)
        self.seen: list[PoseFrame] = []
        self.last_live_t = -math.inf
        self.live: dict[str, Any] = {}

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Buffer the frame; every second re-analyse the last seconds."""
        t = frame.timestamp_ms / 1000.0
        if not frame.is_empty():
            self.seen.append(frame)
        faults = []
        if t - self.last_live_t >= self.live_every_s and len(self.seen) > 20:
            self.last_live_t = t
            window = [
                f for f in self.seen if t - f.timestamp_ms / 1000 <= self.live_window_s
            ]
            self.live = self._analyse(window)
            faults = self._faults(self.live)
        feedback = FrameFeedback(
            counter=self._counter(self.live), phase=self.live.get("phase", "")
        )
        if not frame.is_empty():
            angles = body.joint_angles(frame, self.min_vis)
            feedback.angles = {
                "L knee": (int(L.LEFT_KNEE), angles["left_knee"]),
                "R knee": (int(L.RIGHT_KNEE), angles["right_knee"]),
            }
        feedback.cue = self.cues.update(t, faults)
        return feedback

    def finish(self) -> ExerciseResult:
        """Analyse the whole set."""
        result = self._analyse(self.seen)
        faults = self._faults(result)
        cycles = result.pop("cycles", [])
        fatigue = self._fatigue(cycles)
        if fatigue:
            faults.append(CUES["fatigue"])
        summary = {k: v for k, v in result.items() if not k.startswith("_")}
        summary["per_minute"] = self._per_minute(cycles)
        summary["top_cues"] = [{**c.as_dict(), "count": 1} for c in faults[:3]]
        warnings = (
            [{"code": CUES["fatigue"].code, "message": fatigue, "t_s": None}]
            if fatigue
            else []
        )
        return ExerciseResult(summary=summary, reps=cycles, warnings=warnings)

    def _fatigue(self, cycles: list[dict[str, Any]]) -> str | None:
        if len(cycles) < 9:
            return None
        k = len(cycles) // 3
        first = np.mean([c["duration_s"] for c in cycles[:k]])
        last = np.mean([c["duration_s"] for c in cycles[-k:]])
        drop = 1 - first / last
        if drop > self.t["fatigue_rate_drop"]:
            return f"The rate fell by {drop:.0%} from the first to the last third."
        return None

    @staticmethod
    def _per_minute(cycles: list[dict[str, Any]]) -> list[dict[str, Any]]:
        minutes: dict[int, list[dict[str, Any]]] = {}
        for c in cycles:
            minutes.setdefault(int(c["start_s"] // 60), []).append(c)
        return [
            {
                "minute": m + 1,
                "count": len(cs),
                "mean_duration_s": rounded(
                    float(np.mean([c["duration_s"] for c in cs])), 2
                ),
            }
            for m, cs in sorted(minutes.items())
        ]

    def _analyse(self, frames: list[PoseFrame]) -> dict[str, Any]:
        raise NotImplementedError

    def _faults(self, result: dict[str, Any]) -> list:
        raise NotImplementedError

    def _counter(self, result: dict[str, Any]) -> str:
        raise NotImplementedError


class BackwardCycleCoach(_MachineCoach):
    """Backward pedalling on a stationary bike."""

    name: ClassVar[str] = "backward-cycle"
    title: ClassVar[str] = "Backward cycling"
    section: ClassVar[str] = "exercises.backward_cycle"
    checks: ClassVar[str] = (
        "pedalling direction, cadence (rpm), smoothness, knee bend at the bottom "
        "(saddle height), trunk, pelvis rocking, per-minute summary, fatigue"
    )

    def _analyse(self, frames: list[PoseFrame]) -> dict[str, Any]:
        if len(frames) < 10:
            return {
                "revolutions": 0,
                "cadence_rpm": None,
                "direction": "none",
                "cycles": [],
            }
        xy, t = _series(frames)
        facing = _facing(xy)
        # The near foot: the one seen better over the set.
        vis = np.stack([f.visibility for f in frames])
        side = (
            "LEFT"
            if vis[:, L.LEFT_ANKLE].mean() >= vis[:, L.RIGHT_ANKLE].mean()
            else "RIGHT"
        )
        foot = xy[
            :, [L[f"{side}_ANKLE"], L[f"{side}_HEEL"], L[f"{side}_FOOT_INDEX"]]
        ].mean(axis=1)
        centre = np.nanmean(foot, axis=0)
        angle = np.unwrap(np.arctan2(foot[:, 1] - centre[1], foot[:, 0] - centre[0]))
        turns = (angle[-1] - angle[0]) / (2 * math.pi)
        direction = "none"
        if abs(turns) >= 0.75:
            direction = "forward" if np.sign(turns) * facing > 0 else "backward"
        # Revolution boundaries: every full turn of the unwrapped angle.
        rel = (angle - angle[0]) * np.sign(turns or 1.0)
        marks = [0] + [
            int(np.argmax(rel >= 2 * math.pi * k))
            for k in range(1, int(abs(turns)) + 1)
        ]
        hip = xy[:, L[f"{side}_HIP"]]
        knee = geometry.joint_angle_deg(
            hip, xy[:, L[f"{side}_KNEE"]], xy[:, L[f"{side}_ANKLE"]]
        )
        reach = np.linalg.norm(
            foot - hip, axis=1
        )  # largest at the bottom of the stroke
        legs = geometry.leg_length(
            hip, xy[:, L[f"{side}_KNEE"]], xy[:, L[f"{side}_ANKLE"]]
        )
        leg = float(np.nanmedian(legs))
        cycles = []
        for i, (a, b) in enumerate(itertools.pairwise(marks)):
            bottom = a + int(np.nanargmax(reach[a : b + 1]))
            cycles.append(
                {
                    "index": i + 1,
                    "start_s": rounded(t[a], 3),
                    "end_s": rounded(t[b], 3),
                    "duration_s": rounded(t[b] - t[a], 3),
                    "bottom_knee_flexion_deg": rounded(180 - float(knee[bottom]), 1),
                    "direction": direction,
                }
            )
        duration = t[-1] - t[0]
        shoulders = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
        hips = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
        lean = geometry.signed_lean_deg(shoulders, hips, facing)
        times = [c["duration_s"] for c in cycles]
        return {
            "revolutions": len(cycles),
            "cadence_rpm": rounded(abs(turns) / duration * 60, 1)
            if duration > 0
            else None,
            "direction": direction,
            "cadence_cv": rounded(float(np.std(times) / np.mean(times)), 3)
            if len(times) >= 3
            else None,
            "bottom_knee_flexion_deg": rounded(
                float(np.median([c["bottom_knee_flexion_deg"] for c in cycles])), 1
            )
            if cycles
            else None,
            "trunk_lean_deg": rounded(float(np.nanmedian(lean)), 1),
            "pelvis_rocking_leg_lengths": rounded(
                float(np.nanstd(hips[:, 1]) / leg), 3
            ),
            "phase": f"{direction} pedalling" if direction != "none" else "",
            "cycles": cycles,
        }

    def _faults(self, r: dict[str, Any]) -> list:
        faults = []
        if r.get("direction") == "forward":
            faults.append(CUES["wrong_direction"])
        flex = r.get("bottom_knee_flexion_deg")
        if flex is not None and flex < self.t["knee_flexion_min_deg"]:
            faults.append(CUES["saddle_high"])
        if flex is not None and flex > self.t["knee_flexion_max_deg"]:
            faults.append(CUES["saddle_low"])
        if (r.get("cadence_cv") or 0) > self.t["cadence_cv_max"]:
            faults.append(CUES["uneven_cadence"])
        if (r.get("pelvis_rocking_leg_lengths") or 0) > self.t["pelvis_rocking_max"]:
            faults.append(CUES["rocking"])
        if (r.get("trunk_lean_deg") or 0) > self.t["trunk_lean_max_deg"]:
            faults.append(CUES["hunched"])
        return faults

    def _counter(self, r: dict[str, Any]) -> str:
        rpm = r.get("cadence_rpm")
        return f"{rpm:.0f} rpm" if rpm else "Pedal to start"


class ReverseRowCoach(_MachineCoach):
    """Reverse (eccentric-focused) rowing on a rowing machine."""

    name: ClassVar[str] = "reverse-row"
    title: ClassVar[str] = "Reverse rowing"
    section: ClassVar[str] = "exercises.reverse_row"
    checks: ClassVar[str] = (
        "strokes and rate, drive vs controlled return timing, legs-back-arms "
        "sequence, trunk at catch and finish, neck, range of motion, per-minute "
        "summary, fatigue"
    )

    def _analyse(self, frames: list[PoseFrame]) -> dict[str, Any]:
        if len(frames) < 10:
            return {"strokes": 0, "rate_spm": None, "cycles": []}
        xy, t = _series(frames)
        facing = _facing(xy)
        fps = 1 / float(np.median(np.diff(t)))
        hips = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
        feet = (xy[:, L.LEFT_ANKLE] + xy[:, L.RIGHT_ANKLE]) / 2
        shoulders = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
        leg = float(
            np.nanmedian(
                geometry.leg_length(
                    xy[:, L.LEFT_HIP], xy[:, L.LEFT_KNEE], xy[:, L.LEFT_ANKLE]
                )
            )
        )
        wrists = (xy[:, L.LEFT_WRIST] + xy[:, L.RIGHT_WRIST]) / 2
        # The handle's distance from the foot plate grows through the whole
        # drive (legs, then back, then arms) and shrinks in the return.
        slide = (
            (feet[:, 0] - wrists[:, 0]) * facing / leg
        )  # signed: hands may pass the feet
        catches, _ = find_peaks(
            -slide, prominence=self.t["min_slide"], distance=max(1, int(0.8 * fps))
        )
        if len(catches):
            # A set filmed from the catch (or stopped at one) starts or ends
            # on a catch that is not an interior minimum.
            level = float(np.median(slide[catches])) + 0.5 * self.t["min_slide"]
            if catches[0] > 0 and slide[0] <= level:
                catches = np.concatenate(([0], catches))
            if catches[-1] < len(slide) - 1 and slide[-1] <= level:
                catches = np.concatenate((catches, [len(slide) - 1]))
        knee = geometry.joint_angle_deg(
            xy[:, L.LEFT_HIP], xy[:, L.LEFT_KNEE], xy[:, L.LEFT_ANKLE]
        )
        elbow = geometry.joint_angle_deg(
            xy[:, L.LEFT_SHOULDER], xy[:, L.LEFT_ELBOW], xy[:, L.LEFT_WRIST]
        )
        lean = geometry.signed_lean_deg(shoulders, hips, facing)
        ears = (xy[:, L.LEFT_EAR] + xy[:, L.RIGHT_EAR]) / 2
        neck = geometry.joint_angle_deg(hips, shoulders, ears)
        cycles = []
        for i, (a, b) in enumerate(itertools.pairwise(catches)):
            finish = a + int(np.nanargmax(slide[a : b + 1]))
            drive, recovery = t[finish] - t[a], t[b] - t[finish]

            def reach90(series: np.ndarray, a: int = a, finish: int = finish) -> float:
                seg = series[a : finish + 1]
                if abs(seg[-1] - seg[0]) < 5.0:  # that part hardly moved
                    return math.nan
                target = seg[0] + 0.9 * (seg[-1] - seg[0])
                idx = np.flatnonzero((seg - target) * np.sign(seg[-1] - seg[0]) >= 0)
                return float(t[a + idx[0]]) if idx.size else math.nan

            legs_t, back_t, arms_t = reach90(knee), reach90(lean), reach90(-elbow)
            cycles.append(
                {
                    "index": i + 1,
                    "start_s": rounded(t[a], 3),
                    "end_s": rounded(t[b], 3),
                    "duration_s": rounded(t[b] - t[a], 3),
                    "drive_s": rounded(drive, 3),
                    "recovery_s": rounded(recovery, 3),
                    "recovery_to_drive": rounded(recovery / drive, 2)
                    if drive > 0
                    else None,
                    "catch_knee_deg": rounded(float(knee[a]), 1),
                    "catch_lean_deg": rounded(float(lean[a]), 1),
                    "finish_lean_deg": rounded(float(lean[finish]), 1),
                    "arms_before_legs": bool(arms_t < legs_t)
                    if math.isfinite(arms_t + legs_t)
                    else None,
                    "back_before_legs": bool(back_t < legs_t)
                    if math.isfinite(back_t + legs_t)
                    else None,
                }
            )
        duration = t[-1] - t[0]

        def med(key: str) -> float | None:
            values = [c[key] for c in cycles if c[key] is not None]
            return rounded(float(np.median(values)), 2) if values else None

        return {
            "strokes": len(cycles),
            "rate_spm": rounded(len(cycles) / duration * 60, 1)
            if duration > 0 and cycles
            else None,
            "recovery_to_drive": med("recovery_to_drive"),
            "catch_knee_deg": med("catch_knee_deg"),
            "finish_lean_deg": med("finish_lean_deg"),
            "arms_early_share": rounded(
                float(np.mean([bool(c["arms_before_legs"]) for c in cycles])), 2
            )
            if cycles
            else None,
            "neck_deg": rounded(float(np.nanmedian(neck)), 1),
            "phase": "rowing" if cycles else "",
            "cycles": cycles,
        }

    def _faults(self, r: dict[str, Any]) -> list:
        faults = []
        ratio = r.get("recovery_to_drive")
        if ratio is not None and ratio < self.t["recovery_to_drive_min"]:
            faults.append(CUES["rushed_return"])
        if (r.get("arms_early_share") or 0) > 0.5:
            faults.append(CUES["arms_early"])
        lean = r.get("finish_lean_deg")
        if lean is not None and -lean > self.t["finish_lean_back_max_deg"]:
            faults.append(CUES["over_lean"])
        knee = r.get("catch_knee_deg")
        if knee is not None and knee > self.t["catch_knee_max_deg"]:
            faults.append(CUES["short_stroke"])
        neck = r.get("neck_deg")
        if neck is not None and 180 - neck > self.t["neck_max_deg"]:
            faults.append(CUES["neck"])
        return faults

    def _counter(self, r: dict[str, Any]) -> str:
        rate = r.get("rate_spm")
        return (
            f"{r.get('strokes', 0)} strokes  {rate:.0f}/min" if rate else "Row to start"
        )
