"""Coaches for the machine workouts: backward cycling and reverse rowing.

Both are filmed from the side. They buffer the smoothed frames and analyse
the whole set at the end (and the last few seconds while live:
:class:`~.base.WindowedCoach`). Every cue is a module constant next to the
:class:`~formcoach.results.Rule` that raises it, with the rule's check.

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
    Both coaches are tested on hand-built trajectories (see docs/accuracy.md);
    cycling also on one real trainer clip filmed from the rider's left, its
    time-reversed copy and mirror images of both (direction, revolutions and
    cadence right in all four). The facing comes from :func:`body.facing`
    (toes and nose, weighted by how well they are seen).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from typing import Any, ClassVar

import numpy as np

from .. import body, geometry
from ..catalog import equipment
from ..catalog.equipment import (
    CYCLE_COLUMNS,
    FATIGUE,
    STROKE_COLUMNS,
    CycleSettings,
    RowSettings,
)
from ..catalog.spec import ExerciseSpec
from ..dsp import find_peaks
from ..landmarks import Landmark as L
from ..pose import PoseFrame
from ..results import (
    Column,
    Cue,
    ExerciseResult,
    FrameFeedback,
    InputWarning,
    Rule,
    raised,
    rounded,
)
from ..settings import Config
from .base import WindowedCoach, thirds

# -- measures (unrounded; rounded only in the report rows) -------------------


@dataclass(frozen=True)
class Cycle:
    """One revolution or stroke (times in s)."""

    index: int
    start_s: float
    end_s: float
    duration_s: float

    def row(self) -> dict[str, Any]:
        """For report.json's ``reps``."""
        return {
            "index": self.index,
            "start_s": rounded(self.start_s, 3),
            "end_s": rounded(self.end_s, 3),
            "duration_s": rounded(self.duration_s, 3),
        }


@dataclass(frozen=True)
class Revolution(Cycle):
    """One crank revolution: knee flexion at the bottom (0 is straight)."""

    bottom_knee_flexion_deg: float
    direction: str

    def row(self) -> dict[str, Any]:
        return {
            **super().row(),
            "bottom_knee_flexion_deg": rounded(self.bottom_knee_flexion_deg, 1),
            "direction": self.direction,
        }


@dataclass(frozen=True)
class Stroke(Cycle):
    """One rowing stroke, catch to catch (angles in degrees)."""

    drive_s: float
    recovery_s: float
    recovery_to_drive: float | None
    catch_knee_deg: float
    catch_lean_deg: float
    finish_lean_deg: float
    arms_before_legs: bool | None
    back_before_legs: bool | None

    def row(self) -> dict[str, Any]:
        return {
            **super().row(),
            "drive_s": rounded(self.drive_s, 3),
            "recovery_s": rounded(self.recovery_s, 3),
            "recovery_to_drive": rounded(self.recovery_to_drive, 2),
            "catch_knee_deg": rounded(self.catch_knee_deg, 1),
            "catch_lean_deg": rounded(self.catch_lean_deg, 1),
            "finish_lean_deg": rounded(self.finish_lean_deg, 1),
            "arms_before_legs": self.arms_before_legs,
            "back_before_legs": self.back_before_legs,
        }


@dataclass(frozen=True)
class Pedalling:
    """What the cycling rules judge, over the live window or the set."""

    revolutions: list[Revolution]
    direction: str = "none"
    cadence_rpm: float | None = None
    cadence_cv: float | None = None
    bottom_knee_flexion_deg: float | None = None
    trunk_lean_deg: float | None = None
    pelvis_rocking_leg_lengths: float | None = None
    #: Why the rate fell over the set (set only), or None.
    fatigue: str | None = None

    @property
    def phase(self) -> str:
        """The phase shown live."""
        return f"{self.direction} pedalling" if self.direction != "none" else ""

    def summary(self) -> dict[str, Any]:
        """The set's figures for report.json's ``summary``."""
        return {
            "revolutions": len(self.revolutions),
            "cadence_rpm": rounded(self.cadence_rpm, 1),
            "direction": self.direction,
            "cadence_cv": rounded(self.cadence_cv, 3),
            "bottom_knee_flexion_deg": rounded(self.bottom_knee_flexion_deg, 1),
            "trunk_lean_deg": rounded(self.trunk_lean_deg, 1),
            "pelvis_rocking_leg_lengths": rounded(self.pelvis_rocking_leg_lengths, 3),
            "phase": self.phase,
        }


@dataclass(frozen=True)
class Rowing:
    """What the rowing rules judge, over the live window or the set."""

    strokes: list[Stroke]
    rate_spm: float | None = None
    recovery_to_drive: float | None = None
    catch_knee_deg: float | None = None
    finish_lean_deg: float | None = None
    arms_early_share: float | None = None
    neck_deg: float | None = None
    #: Why the rate fell over the set (set only), or None.
    fatigue: str | None = None

    @property
    def phase(self) -> str:
        """The phase shown live."""
        return "rowing" if self.strokes else ""

    def summary(self) -> dict[str, Any]:
        """The set's figures for report.json's ``summary``."""
        return {
            "strokes": len(self.strokes),
            "rate_spm": rounded(self.rate_spm, 1),
            "recovery_to_drive": rounded(self.recovery_to_drive, 2),
            "catch_knee_deg": rounded(self.catch_knee_deg, 2),
            "finish_lean_deg": rounded(self.finish_lean_deg, 2),
            "arms_early_share": rounded(self.arms_early_share, 2),
            "neck_deg": rounded(self.neck_deg, 1),
            "phase": self.phase,
        }


def _series(frames: Sequence[PoseFrame]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xy = np.stack([f.xy for f in frames]).astype(np.float64)
    vis = np.stack([f.visibility for f in frames]).astype(np.float64)
    t = np.array([f.timestamp_ms for f in frames]) / 1000.0
    return xy, vis, t


def _facing(xy: np.ndarray, vis: np.ndarray) -> float:
    """:func:`body.facing` of the clip, image-right when unclear."""
    sign = body.facing(xy, vis)
    return sign if math.isfinite(sign) else 1.0


def _mean_duration(cycles: Sequence[Cycle]) -> float:
    return float(np.mean([c.duration_s for c in cycles]))


class _MachineCoach(WindowedCoach):
    """Buffering, cues and fatigue shared by the machine coaches."""

    standing: ClassVar[bool] = False  # seated on the bike or the rower

    valid_views: ClassVar[tuple[str, ...]] = ("side",)
    live_every_s: ClassVar[float] = 1.0
    live_window_s: ClassVar[float] = 10.0
    live_min_frames: ClassVar[int] = 20

    settings_type: ClassVar[type[CycleSettings | RowSettings]]
    #: The workout's declaration, whose rules the coach applies.
    spec: ClassVar[ExerciseSpec]
    #: Rules judged on the live window and on the whole set (scope "live").
    live_rules: ClassVar[tuple[Rule, ...]] = ()
    #: Rules that close the set (scope "set").
    closing_rules: ClassVar[tuple[Rule, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        rules = cls.spec.rules
        cls.live_rules = tuple(r for r in rules if r.scope == "live")
        cls.closing_rules = tuple(r for r in rules if r.scope == "set")
        cls.rules = (*cls.live_rules, *cls.closing_rules)
        if cls.rules != rules:
            raise TypeError(f"{cls.__name__}: declare live rules, then set rules")
        cls.plots = cls.spec.plots

    def __init__(self, config: Config):
        self.settings = self.settings_type.from_config(config, self.section)
        super().__init__(config)
        self.live: Pedalling | Rowing | None = None

    def _cue_timing(self) -> tuple[float, float, float]:
        return 0.0, 2.5, 8.0

    def _keeps(self, frame: PoseFrame) -> bool:
        return not frame.is_empty()

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Buffer the frame; every second re-analyse the last seconds."""
        t = frame.timestamp_ms / 1000.0
        self._buffer(frame)
        faults: list[Cue] = []
        window = self._live_window(t)
        if window is not None:
            self.live = self._analyse(window)
            faults = raised(self.live_rules, self.live, self.settings)
        feedback = FrameFeedback(
            counter=self._counter(self.live),
            phase=self.live.phase if self.live is not None else "",
        )
        if not frame.is_empty():
            feedback.angles = self._knee_labels(frame)
        feedback.cue = self.cues.update(t, faults)
        return feedback

    def finish(self) -> ExerciseResult:
        """Analyse the whole set."""
        measures = self._analyse(self.seen)
        cycles = self._cycles(measures)
        rates = thirds(cycles, _mean_duration, 9)
        if rates is not None:
            first, last = rates
            drop = 1 - first / last
            if drop > self.settings.fatigue_rate_drop:
                measures = self._with_fatigue(
                    measures,
                    f"The rate fell by {drop:.0%} from the first to the last third.",
                )
        faults = raised(self.rules, measures, self.settings)
        summary = measures.summary()
        summary["per_minute"] = self._per_minute(cycles)
        summary["top_cues"] = self._top_cues(faults)
        warnings = (
            [InputWarning(FATIGUE.code, measures.fatigue)] if measures.fatigue else []
        )
        return ExerciseResult(
            summary=summary, reps=[c.row() for c in cycles], warnings=warnings
        )

    @staticmethod
    def _per_minute(cycles: Sequence[Cycle]) -> list[dict[str, Any]]:
        minutes: dict[int, list[Cycle]] = {}
        for c in cycles:
            minutes.setdefault(int(c.start_s // 60), []).append(c)
        return [
            {
                "minute": m + 1,
                "count": len(cs),
                "mean_duration_s": rounded(_mean_duration(cs), 2),
            }
            for m, cs in sorted(minutes.items())
        ]

    def _analyse(self, frames: Sequence[PoseFrame]) -> Any:
        raise NotImplementedError

    def _cycles(self, measures: Any) -> list[Cycle]:
        raise NotImplementedError

    def _with_fatigue(self, measures: Any, why: str) -> Any:
        raise NotImplementedError

    def _counter(self, measures: Any) -> str:
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
    settings_type: ClassVar[type[CycleSettings | RowSettings]] = CycleSettings
    spec: ClassVar[ExerciseSpec] = equipment.BACKWARD_CYCLE
    rep_columns: ClassVar[tuple[Column, ...]] = CYCLE_COLUMNS

    def _analyse(self, frames: Sequence[PoseFrame]) -> Pedalling:
        if len(frames) < 10:
            return Pedalling(revolutions=[])
        xy, vis, t = _series(frames)
        facing = _facing(xy, vis)
        # The near foot: the one seen better over the set.
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
        reach = np.linalg.norm(foot - hip, axis=1)  # largest at the bottom
        leg = body.median_leg_length(xy, side.lower())  # type: ignore[arg-type]
        revolutions = []
        for i, (a, b) in enumerate(itertools.pairwise(marks)):
            bottom = a + int(np.nanargmax(reach[a : b + 1]))
            revolutions.append(
                Revolution(
                    index=i + 1,
                    start_s=float(t[a]),
                    end_s=float(t[b]),
                    duration_s=float(t[b] - t[a]),
                    bottom_knee_flexion_deg=180 - float(knee[bottom]),
                    direction=direction,
                )
            )
        duration = t[-1] - t[0]
        shoulders = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
        hips = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
        lean = geometry.signed_lean_deg(shoulders, hips, facing)
        times = [r.duration_s for r in revolutions]
        return Pedalling(
            revolutions=revolutions,
            direction=direction,
            cadence_rpm=abs(turns) / duration * 60 if duration > 0 else None,
            cadence_cv=float(np.std(times) / np.mean(times))
            if len(times) >= 3
            else None,
            bottom_knee_flexion_deg=float(
                np.median([r.bottom_knee_flexion_deg for r in revolutions])
            )
            if revolutions
            else None,
            trunk_lean_deg=float(np.nanmedian(lean)),
            pelvis_rocking_leg_lengths=float(np.nanstd(hips[:, 1]) / leg),
        )

    def _cycles(self, measures: Pedalling) -> list[Cycle]:
        return list(measures.revolutions)

    def _with_fatigue(self, measures: Pedalling, why: str) -> Pedalling:
        return dataclass_replace(measures, fatigue=why)

    def _counter(self, measures: Pedalling | None) -> str:
        rpm = measures.cadence_rpm if measures is not None else None
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
    settings_type: ClassVar[type[CycleSettings | RowSettings]] = RowSettings
    spec: ClassVar[ExerciseSpec] = equipment.REVERSE_ROW
    rep_columns: ClassVar[tuple[Column, ...]] = STROKE_COLUMNS

    def _analyse(self, frames: Sequence[PoseFrame]) -> Rowing:
        if len(frames) < 10:
            return Rowing(strokes=[])
        min_slide = self.settings.min_slide
        xy, vis, t = _series(frames)
        facing = _facing(xy, vis)
        fps = 1 / float(np.median(np.diff(t)))
        hips = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
        feet = (xy[:, L.LEFT_ANKLE] + xy[:, L.RIGHT_ANKLE]) / 2
        shoulders = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
        leg = body.median_leg_length(xy)
        wrists = (xy[:, L.LEFT_WRIST] + xy[:, L.RIGHT_WRIST]) / 2
        # The handle's distance from the foot plate grows through the whole
        # drive (legs, then back, then arms) and shrinks in the return.
        slide = (
            (feet[:, 0] - wrists[:, 0]) * facing / leg
        )  # signed: hands may pass the feet
        catches, _ = find_peaks(
            -slide, prominence=min_slide, distance=max(1, int(0.8 * fps))
        )
        if len(catches):
            # A set filmed from the catch (or stopped at one) starts or ends
            # on a catch that is not an interior minimum.
            level = float(np.median(slide[catches])) + 0.5 * min_slide
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
        strokes = []
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
            strokes.append(
                Stroke(
                    index=i + 1,
                    start_s=float(t[a]),
                    end_s=float(t[b]),
                    duration_s=float(t[b] - t[a]),
                    drive_s=float(drive),
                    recovery_s=float(recovery),
                    recovery_to_drive=float(recovery / drive) if drive > 0 else None,
                    catch_knee_deg=float(knee[a]),
                    catch_lean_deg=float(lean[a]),
                    finish_lean_deg=float(lean[finish]),
                    arms_before_legs=bool(arms_t < legs_t)
                    if math.isfinite(arms_t + legs_t)
                    else None,
                    back_before_legs=bool(back_t < legs_t)
                    if math.isfinite(back_t + legs_t)
                    else None,
                )
            )
        duration = t[-1] - t[0]

        def med(values: list[float | None]) -> float | None:
            known = [v for v in values if v is not None]
            return float(np.median(known)) if known else None

        return Rowing(
            strokes=strokes,
            rate_spm=len(strokes) / duration * 60 if duration > 0 and strokes else None,
            recovery_to_drive=med([s.recovery_to_drive for s in strokes]),
            catch_knee_deg=med([s.catch_knee_deg for s in strokes]),
            finish_lean_deg=med([s.finish_lean_deg for s in strokes]),
            arms_early_share=float(np.mean([bool(s.arms_before_legs) for s in strokes]))
            if strokes
            else None,
            neck_deg=float(np.nanmedian(neck)),
        )

    def _cycles(self, measures: Rowing) -> list[Cycle]:
        return list(measures.strokes)

    def _with_fatigue(self, measures: Rowing, why: str) -> Rowing:
        return dataclass_replace(measures, fatigue=why)

    def _counter(self, measures: Rowing | None) -> str:
        rate = measures.rate_spm if measures is not None else None
        strokes = len(measures.strokes) if measures is not None else 0
        return f"{strokes} strokes  {rate:.0f}/min" if rate else "Row to start"
