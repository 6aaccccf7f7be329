"""Backward locomotion: backward walking, retro running, band walks, shuffles.

Their settings, cues and rules (each rule's check next to it), step columns
and plots; the coaches (:mod:`formcoach.exercises.locomotion`) measure and
apply the rules. A rule's check reads ``check(measures, limits)``: the
coach's step measures and :class:`StepLimits`, its own table (threshold keys
without a section) and the shared ``[exercises.locomotion]`` one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..results import Column, Cue, PlotSpec, Rule
from ..thresholds import SectionSettings
from .spec import ExerciseSpec, ViewNote

# -- settings -----------------------------------------------------------------


@dataclass(frozen=True)
class LocomotionSettings(SectionSettings):
    """``[exercises.locomotion]``: shared by the four locomotion coaches."""

    edge_margin: float
    step_time_cv_max: float
    looking_back_max_share: float
    support_hand_sd_max: float
    fatigue_cadence_drop: float
    fatigue_heel_rise: float
    fatigue_lean_rise_deg: float
    cue_hold_s: float
    cue_show_s: float
    cue_repeat_s: float


@dataclass(frozen=True)
class StepSettings(SectionSettings):
    """What every locomotion coach's own table holds."""

    ball_share_min: float
    cadence_max_spm: float
    trunk_lean_max_deg: float
    trunk_lean_min_deg: float
    #: Only the fast workouts set their own smoothing.
    smoothing_cutoff_hz: float | None


@dataclass(frozen=True)
class WalkSettings(StepSettings):
    """``[exercises.backward_walk]``."""

    step_length_max: float
    arm_swing_min: float


@dataclass(frozen=True)
class RetroRunSettings(StepSettings):
    """``[exercises.retro_run]``."""

    trunk_lean_target_min_deg: float


@dataclass(frozen=True)
class BandWalkSettings(StepSettings):
    """``[exercises.band_walk]``."""

    knee_max_deg: float
    feet_apart_min: float


@dataclass(frozen=True)
class ShuffleSettings(StepSettings):
    """``[exercises.backward_shuffle]``."""

    knee_mean_max_deg: float
    crossings_max: int


@dataclass(frozen=True)
class StepLimits:
    """What the step rules compare with.

    Attributes:
        own: The coach's own table (a :class:`StepSettings`; a rule names its
            keys without a section).
        shared: ``[exercises.locomotion]`` (``exercises.locomotion.*`` keys).
    """

    own: Any
    shared: LocomotionSettings


def _near_edge(m: Any, edge_margin: float) -> bool:
    """The hips within ``edge_margin`` of the picture's width of the edge they
    travel toward."""
    margin = edge_margin * m.width
    return (m.travel > 0 and m.x > m.width - margin) or (m.travel < 0 and m.x < margin)


def _mostly_heel(m: Any, ball_share_min: float) -> bool:
    share = m.gait.ball_landing_share()
    judged = [c for c in m.gait.contacts if c.landing != "unknown"]
    return share is not None and len(judged) >= 3 and share < ball_share_min


KNEE_SERIES = (("left_knee_deg", "Left knee"), ("right_knee_deg", "Right knee"))


TRUNK_SERIES = (("trunk_lean_deg", "Trunk"),)


# -- cues and the rules that raise them ----------------------------------------

CLEAR_SPACE = Cue(
    "gait.clear_space",
    "Stop: check the space behind you",
    "safety",
    "You are close to the edge of the picture in the direction you travel. "
    "Look behind you and clear the space before going on.",
    "Source material: clear space behind you",
)

CLEAR_SPACE_RULE = Rule(
    CLEAR_SPACE,
    "While moving backward or forward, the hips come within edge_margin of the "
    "picture's edge in the direction of travel, or the person leaves the "
    "picture",
    ("exercises.locomotion.edge_margin",),
    "frame",
    check=lambda m, s: m.gone or _near_edge(m, s.shared.edge_margin),
)

WRONG_DIRECTION = Cue(
    "gait.wrong_direction",
    "Move backward, not forward",
    "form",
    "You travelled forward; this workout moves backward.",
    "Exercise definition",
)

WRONG_DIRECTION_RULE = Rule(
    WRONG_DIRECTION,
    "The person travels forward (the gait layer's direction: steps found where "
    "the landing foot comes down by at least min_direction_score, their way "
    "the swing of the raised foot where the two disagree)",
    ("gait.min_direction_score",),
    "live",
    check=lambda m, s: m.gait.direction == "forward",
)

HEEL_LANDING = Cue(
    "gait.heel_landing",
    "Land on the balls of your feet",
    "safety",
    "Most contacts were heel first. Land softly on the ball of the foot, toes first.",
    "Source material: balls of the feet, not the heels",
)

HEEL_LANDING_RULE = Rule(
    HEEL_LANDING,
    "Of at least 3 judged contacts, fewer than ball_share_min land on the ball "
    "of the foot (heel above toe by ball_min foot lengths; toe above heel by "
    "heel_min is a heel strike)",
    ("ball_share_min", "gait.ball_min", "gait.heel_min"),
    "live",
    check=lambda m, s: _mostly_heel(m, s.own.ball_share_min),
)

TOO_FAST = Cue(
    "gait.too_fast",
    "Start slow: shorter, slower steps",
    "advice",
    "Your cadence is above this preset's ceiling. Start slow and build up.",
    "Source material: start slow",
)

TOO_FAST_RULE = Rule(
    TOO_FAST,
    "Cadence above cadence_max_spm",
    ("cadence_max_spm",),
    "live",
    check=lambda m, s: (
        bool(m.gait.cadence_spm) and m.gait.cadence_spm > s.own.cadence_max_spm
    ),
)

UNEVEN = Cue(
    "gait.uneven",
    "Keep a steady rhythm",
    "advice",
    "Step timing varied a lot. Aim for an even rhythm.",
    "Coaching guideline",
)

UNEVEN_RULE = Rule(
    UNEVEN,
    "Over a set of at least 6 contacts, the stride times vary (coefficient of "
    "variation) by more than step_time_cv_max",
    ("exercises.locomotion.step_time_cv_max",),
    "set",
    check=lambda m, s: (
        not m.live
        and bool(m.gait.step_time_cv)
        and len(m.gait.contacts) >= 6
        and m.gait.step_time_cv > s.shared.step_time_cv_max
    ),
)

HUNCHED = Cue(
    "gait.hunched",
    "Stand tall, brace your core",
    "form",
    "The trunk leaned far forward. Keep it upright with the core engaged.",
    "Source material: engage your core",
)

HUNCHED_RULE = Rule(
    HUNCHED,
    "Median forward trunk lean while stepping above trunk_lean_max_deg",
    ("trunk_lean_max_deg",),
    "set",
    check=lambda m, s: (
        (lean := m.trunk_lean_deg) is not None and lean > s.own.trunk_lean_max_deg
    ),
)

LEANING_BACK = Cue(
    "gait.leaning_back",
    "Don't lean back",
    "form",
    "The trunk leaned backward. Keep the weight over the feet.",
    "Coaching guideline",
)

LEANING_BACK_RULE = Rule(
    LEANING_BACK,
    "Median trunk lean while stepping below trunk_lean_min_deg (leaning back)",
    ("trunk_lean_min_deg",),
    "set",
    check=lambda m, s: (
        (lean := m.trunk_lean_deg) is not None and lean < s.own.trunk_lean_min_deg
    ),
)

LOOKING_BACK = Cue(
    "gait.looking_back",
    "Look ahead, not over your shoulder",
    "advice",
    "You often turned your head to look back. Check the space before you start "
    "instead, and keep the head straight.",
    "Coaching guideline",
)

LOOKING_BACK_RULE = Rule(
    LOOKING_BACK,
    "The nose is behind the ears (head turned back) in more than "
    "looking_back_max_share of the frames",
    ("exercises.locomotion.looking_back_max_share",),
    "set",
    check=lambda m, s: (
        m.posture is not None
        and m.posture.looking_back_share > s.shared.looking_back_max_share
    ),
)

LONG_STEPS = Cue(
    "gait.long_steps",
    "Take smaller steps",
    "advice",
    "Long steps backward are harder to control. Keep them small.",
    "Source material: start slow; threshold in config",
)

LONG_STEPS_RULE = Rule(
    LONG_STEPS,
    "Median step length above step_length_max leg lengths",
    ("step_length_max",),
    "set",
    check=lambda m, s: (
        bool(steps := m.step_lengths())
        and float(np.median(steps)) > s.own.step_length_max
    ),
)

NO_ARM_SWING = Cue(
    "gait.no_arm_swing",
    "Let your arms swing",
    "advice",
    "Natural arm swing helps balance.",
    "Coaching guideline",
)

NO_ARM_SWING_RULE = Rule(
    NO_ARM_SWING,
    "The wrists swing fore and aft less than arm_swing_min leg lengths, and "
    "the hands are not holding on (see support)",
    ("arm_swing_min",),
    "set",
    check=lambda m, s: (
        m.posture is not None
        and not m.posture.hands_still
        and m.posture.arm_swing < s.own.arm_swing_min
    ),
)

LEAN_FORWARD = Cue(
    "gait.lean_forward",
    "Lean slightly forward",
    "advice",
    "Retro running works best with a slight forward trunk lean.",
    "Retro-running technique (e.g. Flynn & Soutas-Little 1993)",
)

LEAN_FORWARD_RULE = Rule(
    LEAN_FORWARD,
    "Median forward trunk lean below trunk_lean_target_min_deg",
    ("trunk_lean_target_min_deg",),
    "set",
    check=lambda m, s: (
        (lean := m.trunk_lean_deg) is not None
        and lean < s.own.trunk_lean_target_min_deg
    ),
)

KNEES_STRAIGHT = Cue(
    "gait.knees_straight",
    "Soften your knees",
    "form",
    "Band walks need an athletic stance: knees softly bent, hips back.",
    "Band-walk technique",
)

KNEES_STRAIGHT_RULE = Rule(
    KNEES_STRAIGHT,
    "The knees are straighter than knee_max_deg (90th percentile of both "
    "knees' angles)",
    ("knee_max_deg",),
    "set",
    check=lambda m, s: (
        m.posture is not None and m.posture.knee_max_deg > s.own.knee_max_deg
    ),
)

FEET_TOGETHER = Cue(
    "gait.feet_together",
    "Keep the band tight: feet apart",
    "form",
    "The feet came together, letting the band go slack.",
    "Band-walk technique",
)

FEET_TOGETHER_RULE = Rule(
    FEET_TOGETHER,
    "At some contact the feet are closer than feet_apart_min leg lengths",
    ("feet_apart_min",),
    "set",
    check=lambda m, s: (
        bool(steps := m.step_lengths()) and min(steps) < s.own.feet_apart_min
    ),
)

STAND_LOWER = Cue(
    "gait.stand_lower",
    "Get lower: bend your knees",
    "form",
    "Shuffles are done with a low centre of mass.",
    "Agility drill technique",
)

STAND_LOWER_RULE = Rule(
    STAND_LOWER,
    "Mean knee angle (both legs) above knee_mean_max_deg",
    ("knee_mean_max_deg",),
    "set",
    check=lambda m, s: (
        m.posture is not None and m.posture.knee_mean_deg > s.own.knee_mean_max_deg
    ),
)

FEET_CROSSING = Cue(
    "gait.feet_crossing",
    "Don't cross your feet",
    "safety",
    "In a shuffle the feet do not cross; crossing risks tripping.",
    "Agility drill technique",
)

FEET_CROSSING_RULE = Rule(
    FEET_CROSSING,
    "The feet swap order along the picture's x axis more than crossings_max times",
    ("crossings_max",),
    "set",
    check=lambda m, s: m.crossings > s.own.crossings_max,
)

FATIGUE = Cue(
    "gait.fatigue",
    "Form is fading: take a break",
    "safety",
    "Cadence dropped, the trunk leaned more or heel landings grew late in the set.",
    "Source material: listen to your body",
)

FATIGUE_RULE = Rule(
    FATIGUE,
    "Over at least 9 contacts, from the first to the last third: cadence falls "
    "by more than fatigue_cadence_drop, the heel-landing share rises by more "
    "than fatigue_heel_rise, or the trunk lean grows by more than "
    "fatigue_lean_rise_deg",
    (
        "exercises.locomotion.fatigue_cadence_drop",
        "exercises.locomotion.fatigue_heel_rise",
        "exercises.locomotion.fatigue_lean_rise_deg",
    ),
    "set",
    check=lambda m, s: m.fatigue is not None,
)

SUPPORT = Cue(
    "gait.support",
    "Holding on: arm swing not judged",
    "advice",
    "Your hands stayed still while you stepped, as when holding a rail. That "
    "is fine (use support if needed); arm swing is not judged.",
    "Source material: use support if needed",
)

SUPPORT_RULE = Rule(
    SUPPORT,
    "Over at least 4 steps, the hands move less than support_hand_sd_max leg "
    "lengths (standard deviation) in the picture",
    ("exercises.locomotion.support_hand_sd_max",),
    "set",
    check=lambda m, s: m.support,
)

GOOD = Cue("gait.good", "Good steps!", "good", "Landings and posture look right.", "")

GOOD_RULE = Rule(
    GOOD,
    "No other rule fired over a set of at least 4 steps",
    (),
    "set",
    check=lambda m, s: m.gait.step_count >= 4,
)

STEP_COLUMNS: tuple[Column, ...] = (
    Column("t_s", "Time", "s", 2),
    Column("frame", "Frame", wide=True),
    Column("foot", "Foot"),
    Column("landing", "Landing"),
    Column("pitch", "Pitch", "foot", 2, wide=True),
    Column("step_length_leg_lengths", "Step", "leg", 2),
)


#: What each view shows of a gait (:mod:`formcoach.gait`).
GAIT_VIEW_NOTES = {
    "side": ViewNote(
        "steps, cadence, direction of travel, landing (ball or heel), step "
        "length, trunk lean",
        "step width and knees collapsing inward",
    ),
    "oblique": ViewNote(
        "steps, cadence, direction of travel, landing, step length, trunk lean",
        "step width and knees collapsing inward",
    ),
    "front": ViewNote(
        "steps and cadence; direction, landing and step length from the 3D "
        "points when they are clear",
        "direction, landing and step length when the 3D points are unclear "
        "(reported as unknown)",
    ),
}


def _spec(
    name: str,
    title: str,
    section: str,
    checks: str,
    rules: tuple[Rule, ...],
    plots: tuple[PlotSpec, ...],
) -> ExerciseSpec:
    return ExerciseSpec(
        name=name,
        title=title,
        section=section,
        checks=checks,
        rules=rules,
        step_columns=STEP_COLUMNS,
        plots=plots,
        valid_views=("side", "oblique"),
        view_notes=GAIT_VIEW_NOTES,
        counts="minutes",
    )


BACKWARD_WALK = _spec(
    "backward-walk",
    "Backward walking",
    "exercises.backward_walk",
    "steps, cadence, direction, ball-of-foot landings, step length, trunk, "
    "looking back, arm swing, rhythm, clear space, fatigue, support",
    (
        CLEAR_SPACE_RULE,
        WRONG_DIRECTION_RULE,
        HEEL_LANDING_RULE,
        TOO_FAST_RULE,
        UNEVEN_RULE,
        HUNCHED_RULE,
        LEANING_BACK_RULE,
        LOOKING_BACK_RULE,
        LONG_STEPS_RULE,
        NO_ARM_SWING_RULE,
        FATIGUE_RULE,
        SUPPORT_RULE,
        GOOD_RULE,
    ),
    plots=(
        PlotSpec(
            "Trunk lean", TRUNK_SERIES, "deg", (("Hunched", "trunk_lean_max_deg"),)
        ),
    ),
)
RETRO_RUN = _spec(
    "retro-run",
    "Retro running",
    "exercises.retro_run",
    "steps, cadence, direction, forefoot landings, forward trunk lean, rhythm, "
    "clear space, fatigue; time on a treadmill",
    (
        CLEAR_SPACE_RULE,
        WRONG_DIRECTION_RULE,
        HEEL_LANDING_RULE,
        TOO_FAST_RULE,
        UNEVEN_RULE,
        HUNCHED_RULE,
        LEANING_BACK_RULE,
        LOOKING_BACK_RULE,
        LEAN_FORWARD_RULE,
        FATIGUE_RULE,
        SUPPORT_RULE,
        GOOD_RULE,
    ),
    plots=(
        PlotSpec(
            "Trunk lean",
            TRUNK_SERIES,
            "deg",
            (
                ("Hunched", "trunk_lean_max_deg"),
                ("Target", "trunk_lean_target_min_deg"),
            ),
        ),
    ),
)
BAND_WALK = _spec(
    "band-walk",
    "Backward band walk",
    "exercises.band_walk",
    "steps, direction, athletic stance (soft knees, hips back), trunk, "
    "ball-of-foot landings, feet kept apart, clear space, fatigue",
    (
        CLEAR_SPACE_RULE,
        WRONG_DIRECTION_RULE,
        HEEL_LANDING_RULE,
        TOO_FAST_RULE,
        UNEVEN_RULE,
        LEANING_BACK_RULE,
        LOOKING_BACK_RULE,
        KNEES_STRAIGHT_RULE,
        HUNCHED_RULE,
        FEET_TOGETHER_RULE,
        FATIGUE_RULE,
        SUPPORT_RULE,
        GOOD_RULE,
    ),
    plots=(PlotSpec("Knees", KNEE_SERIES, "deg", (("Soft knee", "knee_max_deg"),)),),
)
BACKWARD_SHUFFLE = _spec(
    "backward-shuffle",
    "Backward shuffle",
    "exercises.backward_shuffle",
    "shuffles per 30 s, direction, low centre of mass, feet not crossing, "
    "ball-of-foot landings, clear space, fatigue",
    (
        CLEAR_SPACE_RULE,
        WRONG_DIRECTION_RULE,
        HEEL_LANDING_RULE,
        TOO_FAST_RULE,
        UNEVEN_RULE,
        HUNCHED_RULE,
        LEANING_BACK_RULE,
        LOOKING_BACK_RULE,
        STAND_LOWER_RULE,
        FEET_CROSSING_RULE,
        FATIGUE_RULE,
        SUPPORT_RULE,
        GOOD_RULE,
    ),
    plots=(PlotSpec("Knees", KNEE_SERIES, "deg", (("Low", "knee_mean_max_deg"),)),),
)
