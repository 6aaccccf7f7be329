"""Reverse lunge: its settings, rep record, cues and rules, columns and plots.

Each cue is declared once, here, next to the rule that raises it; the coach
(:mod:`formcoach.exercises.reverse_lunge`) measures and applies the rules.
Thresholds are keys of ``[exercises.reverse_lunge]`` in ``default.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..results import Column, Cue, PlotSpec, Rule, measure
from ..thresholds import SectionSettings
from .spec import ExerciseSpec, ViewNote

SECTION = "exercises.reverse_lunge"


@dataclass(frozen=True)
class LungeSettings(SectionSettings):
    """``[exercises.reverse_lunge]``, read once (units and sources in the TOML)."""

    split_open: float
    split_close: float
    close_hold_s: float
    close_settle_max: float
    stand_window_s: float
    min_depth: float
    min_rep_s: float
    lost_reset_s: float
    stall_reset_s: float
    jump_max: float
    side_agreement_min: float
    near_far_min: float
    max_rep_s: float
    max_hip_travel: float
    split_squat_min_dips: int
    front_knee_min_deg: float
    front_knee_max_deg: float
    back_knee_floor_max: float
    rear_heel_raise_min: float
    heel_first_min: float
    front_heel_lift_max: float
    knee_past_toes_max: float
    torso_lean_max_deg: float
    head_neck_max_deg: float
    sway_max: float
    step_length_min: float
    step_length_max: float
    min_descent_s: float
    fatigue_depth_drop: float
    fatigue_lean_rise_deg: float
    symmetry_max_deg: float
    curtsy_cross_min: float
    knee_valgus_max_deg: float
    pelvic_tilt_max_deg: float
    cue_hold_s: float
    cue_show_s: float
    cue_repeat_s: float


@dataclass
class LungeRep:
    """One rep as measured (unrounded); :func:`~formcoach.results.report_row`
    makes it a ``reps`` row of report.json.

    Angles in degrees, lengths in leg lengths (hip-knee + knee-ankle) or
    foot lengths, times in seconds from the start of the video.
    """

    index: int
    start_s: float = measure(3)
    bottom_s: float = measure(3)
    end_s: float | None = None
    stepping_leg: str = "unknown"
    #: How the stepping leg was named: "depth order", "labels" or "none".
    leg_evidence: str = "none"
    direction: str = "unknown"
    complete: bool = False
    front_knee_angle_deg: float = measure(1)
    back_knee_angle_deg: float = measure(1)
    back_knee_to_floor: float = measure(3)
    depth: float = measure(3)
    torso_lean_deg: float = measure(1)
    head_neck_deg: float = measure(1)
    knee_past_toes: bool | None = None
    knee_past_toes_foot_lengths: float = measure(2)
    rear_foot_landing: str = "unknown"
    rear_heel_raise: float = measure(2)
    front_heel_raise: float = measure(2)
    step_length_leg_lengths: float = measure(2)
    descent_s: float = measure(2)
    hip_sway_leg_lengths: float = measure(3)
    #: "standard", or "curtsy" when the foot stepped back and across.
    variant: str = "standard"
    #: Where split, depth and the bottom's measures come from: "picture" (a
    #: side or 3/4 view) or "3d" (the world landmarks, in front views).
    measured_in: str = "picture"
    front_knee_angle_3d_deg: float = measure(1)
    back_knee_angle_3d_deg: float = measure(1)
    knee_valgus_deg: float = measure(1)
    pelvic_tilt_deg: float = measure(1)
    cues: list[dict[str, str]] = field(default_factory=list)
    score: int = 0


# -- cues and the rules that raise them ------------------------------------------

STEP_BACK = Cue(
    "lunge.step_back",
    "Step back, not forward",
    "form",
    "This was a forward lunge: the moving foot stepped ahead. A reverse lunge "
    "steps back, which keeps the front shin upright and is gentler on the knee.",
    "Source material: reverse lunges; Flanagan et al. (2003)",
)
SPLIT_SQUAT = Cue(
    "lunge.split_squat",
    "Step back from standing each rep",
    "advice",
    "The feet stayed apart the whole set: that is a split squat. A reverse "
    "lunge starts and ends with the feet together.",
    "Exercise definition",
)
HEEL_LANDING = Cue(
    "lunge.heel_landing",
    "Land on the ball of your back foot",
    "safety",
    "The back foot touched down heel first. Land softly on the ball of the "
    "foot, heel raised.",
    "Source material: land softly on the balls of the feet, not the heels",
)
REAR_HEEL_DOWN = Cue(
    "lunge.rear_heel_down",
    "Keep your back heel up",
    "form",
    "At the bottom the back foot should rest on its ball with the heel raised.",
    "Source material: balls of the feet, not the heels",
)
FRONT_HEEL_LIFT = Cue(
    "lunge.front_heel_lift",
    "Keep your front heel down",
    "form",
    "The front foot should stay flat so the load goes through the whole foot.",
    "NSCA exercise technique manual: lunge",
)
TORSO_LEAN = Cue(
    "lunge.torso_lean",
    "Chest up, brace your core",
    "form",
    "The trunk leaned far forward. Keep it nearly upright with the core engaged.",
    "Source material: engage your core; threshold in config",
)
HEAD_NECK = Cue(
    "lunge.head_neck",
    "Keep your head neutral",
    "advice",
    "The head was tilted away from the line of the trunk. Look straight ahead.",
    "Coaching guideline: neutral neck",
)
KNEE_PAST_TOES = Cue(
    "lunge.knee_past_toes",
    "Sit back: front knee is past the toes",
    "advice",
    "The front knee travelled past the line allowed for your preset: the "
    "standard preset flags only travel well past the toes (modern guidance), "
    "the rehab preset keeps the knee behind the toe line (the classic cue).",
    "Fry et al., J Strength Cond Res 2003 (modern, advisory); classic cue for "
    "knee rehabilitation",
)
TOO_SHALLOW = Cue(
    "lunge.too_shallow",
    "Go lower: back knee toward the floor",
    "form",
    "The lunge was shallow: the back knee stayed far from the floor and the "
    "front knee did not bend near 90 degrees.",
    "Coaching target: front knee about 90 degrees",
)
TOO_DEEP = Cue(
    "lunge.too_deep",
    "Not so deep: front knee under 90 is fine",
    "form",
    "The front knee bent much more than 90 degrees.",
    "Escamilla et al. 2008; threshold in config",
)
RUSHED = Cue(
    "lunge.rushed",
    "Slow down: lower in two seconds",
    "advice",
    "The descent was rushed. Start slow: control the way down.",
    "Source material: start slow",
)
SHORT_STEP = Cue(
    "lunge.short_step",
    "Take a longer step back",
    "advice",
    "A short step pushes the front knee forward.",
    "Coaching guideline",
)
LONG_STEP = Cue(
    "lunge.long_step",
    "Take a shorter step",
    "advice",
    "A very long step over-stretches the back hip.",
    "Coaching guideline",
)
BALANCE = Cue(
    "lunge.balance",
    "Steady: use a wall or chair for support",
    "safety",
    "The hips wobbled at the bottom. Use support if needed.",
    "Source material: use support if needed",
)
FATIGUE = Cue(
    "lunge.fatigue",
    "Form is fading: rest before the next set",
    "safety",
    "Depth or trunk posture got worse over the set.",
    "Source material: listen to your body",
)
KNEE_COLLAPSE = Cue(
    "lunge.knee_collapse",
    "Push your front knee out over your toes",
    "safety",
    "The front knee caved inward at the bottom (dynamic knee valgus). Keep the "
    "knee in line with the hip and the second toe.",
    "Frontal-plane projection angle: Munro et al., Int J Sports Phys Ther 2012; "
    "Herrington, Knee 2014",
)
HIPS_LEVEL = Cue(
    "lunge.hips_level",
    "Keep your hips level",
    "form",
    "One hip dropped at the bottom of the rep. Brace your core and keep the "
    "pelvis square.",
    "Source material: engage your core (stable trunk); pelvic drop as in the "
    "single-leg squat assessment",
)
GOOD_REP = Cue("lunge.good_rep", "Good rep!", "good", "All checks passed for this rep.")


def _too_deep(r: Any, s: LungeSettings) -> bool:
    return r.front_knee_angle_deg < s.front_knee_min_deg


STEP_BACK_RULE = Rule(
    STEP_BACK,
    "the stepping foot moved toward where the person faces (a forward lunge); "
    "no other rule is applied to such a rep",
    (),
    check=lambda r, s: r.direction == "forward",
)
SPLIT_SQUAT_RULE = Rule(
    SPLIT_SQUAT,
    "the feet never came together: the hip dipped at least split_squat_min_dips "
    "times inside one split, or the split stayed open longer than max_rep_s",
    ("split_squat_min_dips", "max_rep_s"),
    scope="set",
)
HEEL_LANDING_RULE = Rule(
    HEEL_LANDING,
    "rear foot landing is 'heel': the toe was above the heel by at least "
    "heel_first_min foot lengths at touchdown or at the bottom",
    ("heel_first_min",),
    check=lambda r, s: r.rear_foot_landing == "heel",
)
REAR_HEEL_DOWN_RULE = Rule(
    REAR_HEEL_DOWN,
    "rear foot landing is 'flat': at the bottom the rear heel is raised by less "
    "than rear_heel_raise_min foot lengths (and not heel first)",
    ("rear_heel_raise_min", "heel_first_min"),
    check=lambda r, s: r.rear_foot_landing == "flat",
)
BALANCE_RULE = Rule(
    BALANCE,
    "the hip's sideways wobble at the bottom (std around its drift) is above "
    "sway_max leg lengths",
    ("sway_max",),
    check=lambda r, s: r.hip_sway_leg_lengths > s.sway_max,
)
TOO_DEEP_RULE = Rule(
    TOO_DEEP,
    "front knee angle at the bottom below front_knee_min_deg",
    ("front_knee_min_deg",),
    check=_too_deep,
)
TOO_SHALLOW_RULE = Rule(
    TOO_SHALLOW,
    "not too deep, and the front knee angle at the bottom above front_knee_max_deg "
    "or the back knee higher than back_knee_floor_max leg lengths above the floor",
    ("front_knee_max_deg", "back_knee_floor_max"),
    check=lambda r, s: (
        not _too_deep(r, s)
        and (
            r.front_knee_angle_deg > s.front_knee_max_deg
            or r.back_knee_to_floor > s.back_knee_floor_max
        )
    ),
)
TORSO_LEAN_RULE = Rule(
    TORSO_LEAN,
    "trunk leaning forward more than torso_lean_max_deg at the bottom",
    ("torso_lean_max_deg",),
    check=lambda r, s: r.torso_lean_deg > s.torso_lean_max_deg,
    live=True,
)
FRONT_HEEL_LIFT_RULE = Rule(
    FRONT_HEEL_LIFT,
    "front heel raised by more than front_heel_lift_max foot lengths at the bottom",
    ("front_heel_lift_max",),
    check=lambda r, s: r.front_heel_raise > s.front_heel_lift_max,
    live=True,
)
KNEE_PAST_TOES_RULE = Rule(
    KNEE_PAST_TOES,
    "front knee ahead of the toes by more than knee_past_toes_max foot lengths "
    "at the bottom",
    ("knee_past_toes_max",),
    check=lambda r, s: r.knee_past_toes_foot_lengths > s.knee_past_toes_max,
)
RUSHED_RULE = Rule(
    RUSHED,
    "the way down (step start to bottom) took less than min_descent_s",
    ("min_descent_s",),
    check=lambda r, s: r.descent_s < s.min_descent_s,
)
SHORT_STEP_RULE = Rule(
    SHORT_STEP,
    "step shorter than step_length_min leg lengths",
    ("step_length_min",),
    check=lambda r, s: r.step_length_leg_lengths < s.step_length_min,
)
LONG_STEP_RULE = Rule(
    LONG_STEP,
    "step longer than step_length_max leg lengths",
    ("step_length_max",),
    check=lambda r, s: r.step_length_leg_lengths > s.step_length_max,
)
HEAD_NECK_RULE = Rule(
    HEAD_NECK,
    "the ear-shoulder line is more than head_neck_max_deg off the trunk line",
    ("head_neck_max_deg",),
    check=lambda r, s: 180.0 - r.head_neck_deg > s.head_neck_max_deg,
)
KNEE_COLLAPSE_RULE = Rule(
    KNEE_COLLAPSE,
    "front or 3/4 view: the front knee's frontal-plane projection angle at the "
    "bottom is more than knee_valgus_max_deg inward",
    ("knee_valgus_max_deg",),
    check=lambda r, s: r.knee_valgus_deg > s.knee_valgus_max_deg,
)
HIPS_LEVEL_RULE = Rule(
    HIPS_LEVEL,
    "front or 3/4 view: the hip line tilts more than pelvic_tilt_max_deg from "
    "horizontal at the bottom",
    ("pelvic_tilt_max_deg",),
    check=lambda r, s: r.pelvic_tilt_deg > s.pelvic_tilt_max_deg,
)
FATIGUE_RULE = Rule(
    FATIGUE,
    "with 4 or more complete reps, the last third's depth is more than "
    "fatigue_depth_drop below the first third's, or their trunk lean more than "
    "fatigue_lean_rise_deg above it",
    ("fatigue_depth_drop", "fatigue_lean_rise_deg"),
    scope="set",
)
GOOD_REP_RULE = Rule(
    GOOD_REP,
    "a complete reverse-lunge rep that raised no other cue",
    (),
    check=lambda r, s: r.complete and not r.cues,
)

#: The form rules of one rep (a forward lunge gets only :data:`STEP_BACK_RULE`).
REP_RULES: tuple[Rule, ...] = (
    HEEL_LANDING_RULE,
    REAR_HEEL_DOWN_RULE,
    BALANCE_RULE,
    TOO_DEEP_RULE,
    TOO_SHALLOW_RULE,
    TORSO_LEAN_RULE,
    FRONT_HEEL_LIFT_RULE,
    KNEE_PAST_TOES_RULE,
    RUSHED_RULE,
    SHORT_STEP_RULE,
    LONG_STEP_RULE,
    HEAD_NECK_RULE,
    KNEE_COLLAPSE_RULE,
    HIPS_LEVEL_RULE,
)
LIVE_RULES: tuple[Rule, ...] = tuple(r for r in REP_RULES if r.live)

REP_COLUMNS: tuple[Column, ...] = (
    Column("index", "#"),
    Column("stepping_leg", "Leg"),
    Column("direction", "Step"),
    Column("complete", "Done"),
    Column("score", "Score"),
    Column("front_knee_angle_deg", "Front knee", "deg", 0),
    Column("back_knee_angle_deg", "Back knee", "deg", 0),
    Column("back_knee_to_floor", "To floor", "leg", 2),
    Column("torso_lean_deg", "Trunk", "deg", 0),
    Column("rear_foot_landing", "Rear foot"),
    Column("knee_past_toes", "Knee >toes"),
    Column("descent_s", "Descent", "s", 1),
    Column("bottom_s", "Bottom", "s", 1),
    Column("start_s", "Start", "s", 2, wide=True),
    Column("end_s", "End", "s", 2, wide=True),
    Column("depth", "Depth", "leg", 2, wide=True),
    Column("step_length_leg_lengths", "Step", "leg", 2, wide=True),
    Column("rear_heel_raise", "Rear heel", "foot", 2, wide=True),
    Column("hip_sway_leg_lengths", "Sway", "leg", 3, wide=True),
    Column("variant", "Variant", wide=True),
    Column("measured_in", "From", wide=True),
    Column("front_knee_angle_3d_deg", "Knee 3D", "deg", 0, wide=True),
    Column("knee_valgus_deg", "Valgus", "deg", 0, wide=True),
    Column("pelvic_tilt_deg", "Pelvis", "deg", 0, wide=True),
    Column("cues", "Cues", wide=True),
)

SPEC = ExerciseSpec(
    name="reverse-lunge",
    title="Reverse lunge",
    section=SECTION,
    checks=(
        "reps per leg, step direction, split squats, knee angles, depth, rear foot "
        "on the ball, front heel, knee travel, trunk, head, balance, tempo, "
        "step length, fatigue, symmetry"
    ),
    rules=(
        STEP_BACK_RULE,
        SPLIT_SQUAT_RULE,
        *REP_RULES,
        FATIGUE_RULE,
        GOOD_REP_RULE,
    ),
    rep_columns=REP_COLUMNS,
    plots=(
        PlotSpec(
            "Knee angles",
            (("left_knee_deg", "left knee"), ("right_knee_deg", "right knee")),
            "deg",
            (
                ("front knee min", "front_knee_min_deg"),
                ("front knee max", "front_knee_max_deg"),
            ),
        ),
        PlotSpec(
            "Trunk from vertical",
            (("trunk_lean_deg", "trunk lean"),),
            "deg",
            (("trunk max", "torso_lean_max_deg"),),
        ),
    ),
    valid_views=("side", "oblique"),
    view_notes={
        "side": ViewNote(
            "reps per leg, step direction, depth, knee and hip angles, rear foot "
            "on the ball, front heel, knee travel past the toes, trunk, tempo",
            "knees collapsing inward, hips level and a curtsy step (the "
            "frontal plane is edge-on)",
        ),
        "oblique": ViewNote(
            "reps per leg, step direction, depth and angles (in 3D), knees "
            "collapsing inward, hips level, curtsy step, trunk, tempo",
        ),
        "front": ViewNote(
            "reps, depth and angles from the 3D points, knees collapsing "
            "inward, hips level, curtsy step; the rear foot's landing, knee "
            "travel and trunk lean only from depth estimates, less precisely",
        ),
    },
    counts="reps",
)

__all__ = ["SECTION", "SPEC", "LungeRep", "LungeSettings"]
