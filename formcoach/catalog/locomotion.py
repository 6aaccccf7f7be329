"""Backward locomotion: backward walking, retro running, band walks, shuffles.

Their step columns and plots; their cues and rules are declared in
:mod:`formcoach.exercises.locomotion` next to the gait checks.
"""

from __future__ import annotations

from ..results import Column, Cue, PlotSpec, Rule
from .spec import ExerciseSpec, ViewNote

KNEE_SERIES = (("left_knee_deg", "Left knee"), ("right_knee_deg", "Right knee"))


TRUNK_SERIES = (("trunk_lean_deg", "Trunk"),)


# -- cues and the rules that raise them (the checks live in the coach) ---------

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
)

TOO_FAST = Cue(
    "gait.too_fast",
    "Start slow: shorter, slower steps",
    "advice",
    "Your cadence is above this preset's ceiling. Start slow and build up.",
    "Source material: start slow",
)

TOO_FAST_RULE = Rule(
    TOO_FAST, "Cadence above cadence_max_spm", ("cadence_max_spm",), "live"
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
)

GOOD = Cue("gait.good", "Good steps!", "good", "Landings and posture look right.", "")

GOOD_RULE = Rule(GOOD, "No other rule fired over a set of at least 4 steps", (), "set")

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
