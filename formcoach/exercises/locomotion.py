"""Backward locomotion coaches: backward walking, retro running, band walks,
backward shuffles, on the shared gait layer (:mod:`formcoach.gait`).

Each coach buffers the smoothed frames (:class:`~.base.WindowedCoach`). Live,
it re-runs the gait layer over the last few seconds every few frames to count
steps and cue; at the end of the set it runs it once over the whole set, which
is what the report uses.

Every cue, the :class:`~formcoach.results.Rule` that raises it and the rule's
check are declared in :mod:`formcoach.catalog.locomotion`; each coach lists
the rules it applies, in the order it applies them.

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
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .. import body, geometry
from ..catalog import locomotion
from ..catalog.locomotion import (
    CLEAR_SPACE,
    CLEAR_SPACE_RULE,
    FATIGUE,
    FATIGUE_RULE,
    GOOD_RULE,
    HEEL_LANDING_RULE,
    STEP_COLUMNS,
    SUPPORT_RULE,
    TOO_FAST_RULE,
    UNEVEN_RULE,
    WRONG_DIRECTION_RULE,
    BandWalkSettings,
    LocomotionSettings,
    RetroRunSettings,
    ShuffleSettings,
    StepLimits,
    StepSettings,
    WalkSettings,
)
from ..catalog.spec import ExerciseSpec
from ..gait import Contact, GaitAnalysis, GaitSettings, analyze_gait
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
class Posture:
    """Trunk, knees, head and arms over the set (angles in degrees).

    Attributes:
        trunk_lean_deg: Median signed trunk lean (positive forward).
        trunk_lean_series: The per-frame signed lean.
        knee_mean_deg: Mean knee angle, both legs.
        knee_max_deg: 90th percentile knee angle, both legs.
        looking_back_share: Fraction of frames with the nose behind the ears.
        arm_swing: Fore-aft wrist range relative to the shoulders (5-95th
            percentile), in leg lengths.
        hands_still: The hands hardly moved in the picture (holding on).
    """

    trunk_lean_deg: float
    trunk_lean_series: np.ndarray
    knee_mean_deg: float
    knee_max_deg: float
    looking_back_share: float
    arm_swing: float
    hands_still: bool


@dataclass(frozen=True)
class StepMeasures:
    """What the step rules judge.

    Attributes:
        gait: The gait layer's analysis (of the live window or the set).
        live: Judged while it happens (the window), not over the set.
        posture: Posture over the set (None live or with no frames).
        crossings: How often the feet swapped order along the facing axis.
        fatigue: Why form faded over the set, or None.
        support: The hands held on while the feet stepped.
    """

    gait: GaitAnalysis
    live: bool = False
    posture: Posture | None = None
    crossings: int = 0
    fatigue: str | None = None
    support: bool = False

    def step_lengths(self) -> list[float]:
        """Step lengths of the contacts where measurable, in leg lengths."""
        return [c.step_length for c in self.gait.contacts if c.step_length is not None]

    @property
    def trunk_lean_deg(self) -> float | None:
        """The set's median trunk lean (None live or with no frames)."""
        return self.posture.trunk_lean_deg if self.posture is not None else None


@dataclass(frozen=True)
class PictureEdge:
    """Where the hips are, in one frame, relative to the edge of the picture
    the person travels toward (what the clear-space rule judges).

    Attributes:
        gone: The person just left the picture while travelling.
        x: The hips' x in pixels (NaN when not travelling, or facing unknown).
        width: The picture's width in pixels.
        travel: Toward the picture's right (> 0) or left (< 0); 0 when still.
    """

    gone: bool = False
    x: float = math.nan
    width: int = 0
    travel: float = 0.0


#: Posture is judged only while stepping, over at least this many steps.
MIN_STEPS_JUDGED = 4


def _cadence(contacts: list[Contact]) -> float:
    return 60.0 * (len(contacts) - 1) / max(contacts[-1].t_s - contacts[0].t_s, 1e-6)


def _heel_share(contacts: list[Contact]) -> float:
    return sum(c.landing == "heel" for c in contacts) / len(contacts)


class LocomotionCoach(WindowedCoach):
    """Shared logic of the backward locomotion coaches."""

    valid_views: ClassVar[tuple[str, ...]] = ("side", "oblique")
    live_every_s: ClassVar[float] = 0.5
    live_window_s: ClassVar[float] = 6.0
    live_min_frames: ClassVar[int] = 10
    step_columns: ClassVar[tuple[Column, ...]] = STEP_COLUMNS

    #: The type of this coach's own config table.
    settings_type: ClassVar[type[StepSettings]] = StepSettings
    #: Rules judged on the live window and on the whole set.
    live_rules: ClassVar[tuple[Rule, ...]] = (
        WRONG_DIRECTION_RULE,
        HEEL_LANDING_RULE,
        TOO_FAST_RULE,
    )
    #: Rules of the gait over the whole set.
    set_rules: ClassVar[tuple[Rule, ...]] = (UNEVEN_RULE,)
    #: Rules that close the set.
    closing_rules: ClassVar[tuple[Rule, ...]] = (FATIGUE_RULE, SUPPORT_RULE)
    #: The workout's declaration, whose rules the coach applies.
    spec: ClassVar[ExerciseSpec]
    #: Posture rules, judged over a set of at least MIN_STEPS_JUDGED steps: the
    #: declared rules other than the ones every locomotion coach applies.
    posture_rules: ClassVar[tuple[Rule, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        shared = (CLEAR_SPACE_RULE, *cls.live_rules, *cls.set_rules)
        ending = (*cls.closing_rules, GOOD_RULE)
        common = {id(r) for r in (*shared, *ending)}
        cls.posture_rules = tuple(r for r in cls.spec.rules if id(r) not in common)
        cls.rules = (*shared, *cls.posture_rules, *ending)
        if cls.rules != cls.spec.rules:
            raise TypeError(
                f"{cls.__name__}: declare the shared rules, the posture rules, "
                "then the closing rules"
            )
        cls.plots = cls.spec.plots

    def __init__(self, config: Config):
        self.settings = self.settings_type.from_config(config, self.section)
        self.shared = LocomotionSettings.from_config(config, "exercises.locomotion")
        self.limits = StepLimits(self.settings, self.shared)
        self.gait_settings = GaitSettings.from_config(config)
        super().__init__(config)
        self.live_contacts: dict[int, Contact] = {}
        self.live_gait = GaitAnalysis()
        self.edge_events: list[float] = []
        self.was_seen = False

    def _own_cutoff_hz(self) -> float | None:
        return self.settings.smoothing_cutoff_hz

    def _cue_timing(self) -> tuple[float, float, float]:
        s = self.shared
        return s.cue_hold_s, s.cue_show_s, s.cue_repeat_s

    def _keeps(self, frame: PoseFrame) -> bool:
        return not frame.is_empty() and body.is_full_body(frame, self.min_visibility)

    # -- per frame ---------------------------------------------------------

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Buffer the frame, refresh live gait, cue."""
        t = frame.timestamp_ms / 1000.0
        in_view = self._buffer(frame)
        faults: list[Cue] = []
        feedback = FrameFeedback()
        if CLEAR_SPACE_RULE.fires(self._picture_edge(frame, in_view), self.limits):
            faults.append(CLEAR_SPACE)
            if not self.edge_events or t - self.edge_events[-1] > 3.0:
                self.edge_events.append(t)
        if in_view:
            self.was_seen = True
            feedback.angles = self._knee_labels(frame)
        window = self._live_window(t)
        if window is not None:
            self.live_gait = analyze_gait(window, self.gait_settings)
            for c in self.live_gait.contacts:
                if not any(abs(c.frame_index - k) <= 3 for k in self.live_contacts):
                    self.live_contacts[c.frame_index] = c
                    feedback.events.append(f"contact:{c.foot}:{c.landing}")
            live = StepMeasures(self.live_gait, live=True)
            faults += raised(self.live_rules, live, self.limits)
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

    def _picture_edge(self, frame: PoseFrame, in_view: bool) -> PictureEdge:
        """Where the hips are relative to the edge the person travels toward."""
        gait = self.live_gait
        moving = gait.direction in ("backward", "forward")
        if not in_view:
            return PictureEdge(gone=self.was_seen and moving)
        if not moving or math.isnan(gait.facing):
            return PictureEdge()
        return PictureEdge(
            x=float(np.nanmean(frame.xy[[L.LEFT_HIP, L.RIGHT_HIP], 0])),
            width=frame.resolution_wh[0],
            travel=gait.facing * (1 if gait.direction == "forward" else -1),
        )

    # -- measures ------------------------------------------------------------

    def _posture(self, frames: list[PoseFrame], facing: float) -> Posture | None:
        """Trunk lean, knee angles, head turns and arm movement over the set."""
        if not frames:
            return None
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
        leg = body.median_leg_length(xy)
        ears = (xy[:, L.LEFT_EAR] + xy[:, L.RIGHT_EAR]) / 2
        nose_dir = np.sign(xy[:, L.NOSE, 0] - ears[:, 0])
        looking_back = float(np.mean(nose_dir == -f)) if math.isfinite(facing) else 0.0
        wrists = (xy[:, L.LEFT_WRIST] + xy[:, L.RIGHT_WRIST]) / 2
        wrist_rel = (wrists[:, 0] - shoulders[:, 0]) / leg
        wrist_abs = wrists[:, 0] / leg
        return Posture(
            trunk_lean_deg=float(np.nanmedian(lean)),
            trunk_lean_series=lean,
            knee_mean_deg=float(np.nanmean(knees)),
            knee_max_deg=float(np.nanpercentile(knees, 90)),
            looking_back_share=looking_back,
            arm_swing=float(
                np.nanpercentile(wrist_rel, 95) - np.nanpercentile(wrist_rel, 5)
            ),
            hands_still=bool(
                float(np.nanstd(wrist_abs)) < self.shared.support_hand_sd_max
            ),
        )

    def _crossings(self) -> int:
        """How often the feet swap order along the picture's x axis."""
        if len(self.seen) < 3:
            return 0
        xy = np.stack([f.xy for f in self.seen]).astype(np.float64)
        left = xy[:, [L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX], 0].mean(axis=1)
        right = xy[:, [L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX], 0].mean(axis=1)
        order = np.sign(left - right)
        order = order[order != 0]
        return int(np.sum(order[1:] != order[:-1]))

    def _fatigue(self, gait: GaitAnalysis, posture: Posture | None) -> str | None:
        """Cadence dropping, heel landings growing, or lean growing late in the set."""
        s = self.shared
        cadence = thirds(gait.contacts, _cadence, 9)
        if cadence is None:
            return None
        c0, c1 = cadence
        if (c0 - c1) / c0 > s.fatigue_cadence_drop:
            return f"Cadence fell by {(c0 - c1) / c0:.0%} over the set."
        heel = thirds(gait.contacts, _heel_share, 9)
        if heel is not None and heel[1] - heel[0] > s.fatigue_heel_rise:
            return "More heel landings late in the set."
        if posture is not None:
            lean = thirds(posture.trunk_lean_series, np.nanmedian, 30)
            if lean is not None and lean[1] - lean[0] > s.fatigue_lean_rise_deg:
                return (
                    f"Trunk lean grew by {lean[1] - lean[0]:.0f} degrees over the set."
                )
        return None

    def _measure_set(self) -> StepMeasures:
        gait = analyze_gait(self.seen, self.gait_settings)
        posture = self._posture(self.seen, gait.facing)
        return StepMeasures(
            gait=gait,
            posture=posture,
            crossings=self._crossings(),
            fatigue=self._fatigue(gait, posture),
            support=posture is not None
            and posture.hands_still
            and gait.step_count >= MIN_STEPS_JUDGED,
        )

    # -- the set -------------------------------------------------------------

    def finish(self) -> ExerciseResult:
        """Whole-set gait analysis: steps, summary, warnings."""
        m = self._measure_set()
        gait, posture = m.gait, m.posture
        faults = raised(self.live_rules + self.set_rules, m, self.limits)
        if self.seen and gait.step_count >= MIN_STEPS_JUDGED:
            faults += raised(self.posture_rules, m, self.limits)
        faults += raised(self.closing_rules, m, self.limits)
        warnings = [
            InputWarning(
                CLEAR_SPACE.code,
                CLEAR_SPACE.message + " (close to the edge of the picture).",
                t,
            )
            for t in self.edge_events
        ]
        if m.fatigue:
            warnings.append(InputWarning(FATIGUE.code, m.fatigue))
        # From the front, contacts come only from the 3D (world) points.
        measured_3d = gait.source == "world"
        if gait.view == "front" and not measured_3d:
            warnings.append(
                InputWarning(
                    "view.not_measurable",
                    "Filmed from the front: direction, landings and step length are "
                    "not measurable from this view. Film from the side.",
                )
            )
        steps = m.step_lengths()
        summary = {
            "step_count": gait.step_count,
            "cadence_spm": rounded(gait.cadence_spm, 1),
            "ball_landing_share": rounded(gait.ball_landing_share(), 3),
            "direction_of_travel": gait.direction,
            "step_time_cv": rounded(gait.step_time_cv, 3),
            "step_length_leg_lengths": rounded(
                float(np.nanmedian(steps)) if gait.contacts else None, 2
            ),
            "landings": {
                k: sum(c.landing == k for c in gait.contacts)
                for k in ("ball", "flat", "heel", "unknown")
            },
            "trunk_lean_deg": rounded(m.trunk_lean_deg, 1),
            "looking_back_share": rounded(
                posture.looking_back_share if posture is not None else None, 2
            ),
            "support_detected": m.support,
            "duration_s": rounded(self.frames[-1].timestamp_ms / 1000.0, 2)
            if self.frames
            else 0.0,
            "checks_not_measurable": ["step_width", "knee_collapse"]
            if gait.view != "front" or measured_3d
            else ["direction", "landing", "step_length"],
            "top_cues": self._top_cues(faults),
        }
        summary.update(self._extra_summary(m))
        if not faults and GOOD_RULE.fires(m, self.limits):
            summary["top_cues"] = self._top_cues([GOOD_RULE.cue])
        return ExerciseResult(
            summary=summary,
            steps=[c.as_dict() for c in gait.contacts],
            warnings=warnings,
        )

    def _extra_summary(self, m: StepMeasures) -> dict[str, Any]:
        return {}


class BackwardWalkCoach(LocomotionCoach):
    """Backward walking, floor or treadmill."""

    name: ClassVar[str] = "backward-walk"
    title: ClassVar[str] = "Backward walking"
    section: ClassVar[str] = "exercises.backward_walk"
    checks: ClassVar[str] = (
        "steps, cadence, direction, ball-of-foot landings, step length, trunk, "
        "looking back, arm swing, rhythm, clear space, fatigue, support"
    )
    settings_type: ClassVar[type[StepSettings]] = WalkSettings
    spec: ClassVar[ExerciseSpec] = locomotion.BACKWARD_WALK


class RetroRunCoach(LocomotionCoach):
    """Retro (backward) running, overground or on a treadmill."""

    name: ClassVar[str] = "retro-run"
    title: ClassVar[str] = "Retro running"
    section: ClassVar[str] = "exercises.retro_run"
    checks: ClassVar[str] = (
        "steps, cadence, direction, forefoot landings, forward trunk lean, rhythm, "
        "clear space, fatigue; time on a treadmill"
    )
    settings_type: ClassVar[type[StepSettings]] = RetroRunSettings
    spec: ClassVar[ExerciseSpec] = locomotion.RETRO_RUN

    def _extra_summary(self, m: StepMeasures) -> dict[str, Any]:
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
    settings_type: ClassVar[type[StepSettings]] = BandWalkSettings
    spec: ClassVar[ExerciseSpec] = locomotion.BAND_WALK


class BackwardShuffleCoach(LocomotionCoach):
    """Backward shuffles (and skips/hops) for agility."""

    name: ClassVar[str] = "backward-shuffle"
    title: ClassVar[str] = "Backward shuffle"
    section: ClassVar[str] = "exercises.backward_shuffle"
    checks: ClassVar[str] = (
        "shuffles per 30 s, direction, low centre of mass, feet not crossing, "
        "ball-of-foot landings, clear space, fatigue"
    )
    settings_type: ClassVar[type[StepSettings]] = ShuffleSettings
    spec: ClassVar[ExerciseSpec] = locomotion.BACKWARD_SHUFFLE

    def _extra_summary(self, m: StepMeasures) -> dict[str, Any]:
        duration = self._active_s()
        per_30 = m.gait.step_count / duration * 30 if duration > 0 else None
        return {"shuffles_per_30s": rounded(per_30, 1), "feet_crossings": m.crossings}
