"""Backward cycling and reverse rowing: their settings, cues and rules (each
rule's check next to it), per-cycle columns and plots.

The coaches (:mod:`formcoach.exercises.equipment`) measure and apply the
rules; a rule's check reads ``check(measures, settings)``: the pedalling or
rowing measures and the coach's own table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..results import Column, Cue, PlotSpec, Rule
from ..thresholds import SectionSettings
from .spec import ExerciseSpec

# -- settings -----------------------------------------------------------------


@dataclass(frozen=True)
class CycleSettings(SectionSettings):
    """``[exercises.backward_cycle]``."""

    knee_flexion_min_deg: float
    knee_flexion_max_deg: float
    cadence_cv_max: float
    pelvis_rocking_max: float
    trunk_lean_max_deg: float
    fatigue_rate_drop: float


@dataclass(frozen=True)
class RowSettings(SectionSettings):
    """``[exercises.reverse_row]``."""

    min_slide: float
    recovery_to_drive_min: float
    catch_knee_max_deg: float
    finish_lean_back_max_deg: float
    neck_max_deg: float
    arms_early_max_share: float
    fatigue_rate_drop: float


# -- cues and the rules that raise them ----------------------------------------

WRONG_DIRECTION = Cue(
    "machine.wrong_direction",
    "Pedal backward",
    "form",
    "The pedals turned forward; this workout turns them backward.",
    "Exercise definition",
)

WRONG_DIRECTION_RULE = Rule(
    WRONG_DIRECTION,
    "The foot goes round the crank forward (at least 3/4 of a turn, with the "
    "rider's facing from the toes and nose)",
    (),
    "live",
    check=lambda m, s: m.direction == "forward",
)

SADDLE_HIGH = Cue(
    "machine.saddle_high",
    "Saddle too high: lower it",
    "form",
    "At the bottom of the stroke the knee was nearly straight. About 25-35 "
    "degrees of knee bend there is the usual saddle-height guide.",
    "Bike-fit guideline (knee flexion 25-35 deg at bottom dead centre)",
)

SADDLE_HIGH_RULE = Rule(
    SADDLE_HIGH,
    "Median knee flexion at the bottom of the stroke below knee_flexion_min_deg",
    ("knee_flexion_min_deg",),
    "live",
    check=lambda m, s: (
        m.bottom_knee_flexion_deg is not None
        and m.bottom_knee_flexion_deg < s.knee_flexion_min_deg
    ),
)

SADDLE_LOW = Cue(
    "machine.saddle_low",
    "Saddle too low: raise it",
    "form",
    "At the bottom of the stroke the knee stayed bent more than about 35 degrees.",
    "Bike-fit guideline (knee flexion 25-35 deg at bottom dead centre)",
)

SADDLE_LOW_RULE = Rule(
    SADDLE_LOW,
    "Median knee flexion at the bottom of the stroke above knee_flexion_max_deg",
    ("knee_flexion_max_deg",),
    "live",
    check=lambda m, s: (
        m.bottom_knee_flexion_deg is not None
        and m.bottom_knee_flexion_deg > s.knee_flexion_max_deg
    ),
)

UNEVEN_CADENCE = Cue(
    "machine.uneven_cadence",
    "Keep the pedalling even",
    "advice",
    "The time per revolution varied a lot.",
    "Coaching guideline",
)

UNEVEN_CADENCE_RULE = Rule(
    UNEVEN_CADENCE,
    "Over at least 3 revolutions, their times vary (coefficient of variation) "
    "by more than cadence_cv_max",
    ("cadence_cv_max",),
    "live",
    check=lambda m, s: (m.cadence_cv or 0) > s.cadence_cv_max,
)

ROCKING = Cue(
    "machine.rocking",
    "Keep your hips still on the saddle",
    "form",
    "The pelvis rocked up and down with each stroke.",
    "Bike-fit guideline",
)

ROCKING_RULE = Rule(
    ROCKING,
    "The hips bob up and down (standard deviation of height) by more than "
    "pelvis_rocking_max leg lengths",
    ("pelvis_rocking_max",),
    "live",
    check=lambda m, s: (m.pelvis_rocking_leg_lengths or 0) > s.pelvis_rocking_max,
)

HUNCHED = Cue(
    "machine.hunched",
    "Chest up, brace your core",
    "form",
    "The trunk leaned far forward.",
    "Source material: engage your core",
)

HUNCHED_RULE = Rule(
    HUNCHED,
    "Median forward trunk lean above trunk_lean_max_deg",
    ("trunk_lean_max_deg",),
    "live",
    check=lambda m, s: (m.trunk_lean_deg or 0) > s.trunk_lean_max_deg,
)

RUSHED_RETURN = Cue(
    "machine.rushed_return",
    "Slow the return: control it",
    "advice",
    "The slow, controlled phase was not slower than the pull. The source "
    "material stresses eccentric control.",
    "Source material: eccentric control",
)

RUSHED_RETURN_RULE = Rule(
    RUSHED_RETURN,
    "Median recovery time over drive time below recovery_to_drive_min",
    ("recovery_to_drive_min",),
    "live",
    check=lambda m, s: (
        m.recovery_to_drive is not None
        and m.recovery_to_drive < s.recovery_to_drive_min
    ),
)

ARMS_EARLY = Cue(
    "machine.arms_early",
    "Legs first, then back, then arms",
    "form",
    "The arms pulled before the legs had pushed.",
    "Rowing technique: sequencing",
)

ARMS_EARLY_RULE = Rule(
    ARMS_EARLY,
    "In more than arms_early_max_share of the strokes the elbows reach 90 % of "
    "their bend before the knees reach 90 % of their extension",
    ("arms_early_max_share",),
    "live",
    check=lambda m, s: (m.arms_early_share or 0) > s.arms_early_max_share,
)

OVER_LEAN = Cue(
    "machine.over_lean",
    "Don't lean back so far",
    "form",
    "The trunk swung far back at the finish.",
    "Rowing technique",
)

OVER_LEAN_RULE = Rule(
    OVER_LEAN,
    "Median backward trunk lean at the finish above finish_lean_back_max_deg",
    ("finish_lean_back_max_deg",),
    "live",
    check=lambda m, s: (
        m.finish_lean_deg is not None
        and -m.finish_lean_deg > s.finish_lean_back_max_deg
    ),
)

SHORT_STROKE = Cue(
    "machine.short_stroke",
    "Use the full slide",
    "advice",
    "The knees did not bend much at the catch: a short stroke.",
    "Rowing technique: range of motion",
)

SHORT_STROKE_RULE = Rule(
    SHORT_STROKE,
    "Median knee angle at the catch above catch_knee_max_deg",
    ("catch_knee_max_deg",),
    "live",
    check=lambda m, s: (
        m.catch_knee_deg is not None and m.catch_knee_deg > s.catch_knee_max_deg
    ),
)

NECK = Cue(
    "machine.neck",
    "Keep your head neutral",
    "advice",
    "The head was tilted away from the line of the trunk.",
    "Coaching guideline",
)

NECK_RULE = Rule(
    NECK,
    "The hip-shoulder-ear angle is more than neck_max_deg off straight (median)",
    ("neck_max_deg",),
    "live",
    check=lambda m, s: m.neck_deg is not None and 180 - m.neck_deg > s.neck_max_deg,
)

FATIGUE = Cue(
    "machine.fatigue",
    "Rate is dropping: take a break",
    "safety",
    "The rate fell over the set.",
    "Source material: listen to your body",
)

FATIGUE_RULE = Rule(
    FATIGUE,
    "Over at least 9 revolutions or strokes, the mean cycle time of the last "
    "third is longer than the first third's by more than fatigue_rate_drop",
    ("fatigue_rate_drop",),
    "set",
    check=lambda m, s: m.fatigue is not None,
)

CYCLE_COLUMNS: tuple[Column, ...] = (
    Column("index", "Rev"),
    Column("start_s", "Start", "s", 1),
    Column("end_s", "End", "s", 1, wide=True),
    Column("duration_s", "Time", "s", 2),
    Column("bottom_knee_flexion_deg", "Knee bend", "deg", 0),
    Column("direction", "Direction", wide=True),
)
STROKE_COLUMNS: tuple[Column, ...] = (
    Column("index", "Stroke"),
    Column("start_s", "Start", "s", 1),
    Column("end_s", "End", "s", 1, wide=True),
    Column("duration_s", "Time", "s", 2),
    Column("drive_s", "Drive", "s", 2),
    Column("recovery_s", "Return", "s", 2),
    Column("recovery_to_drive", "Ratio", "", 1),
    Column("catch_knee_deg", "Knee", "deg", 0),
    Column("catch_lean_deg", "Catch lean", "deg", 0, wide=True),
    Column("finish_lean_deg", "Finish lean", "deg", 0),
    Column("arms_before_legs", "Arms early"),
    Column("back_before_legs", "Back early", wide=True),
)

BACKWARD_CYCLE = ExerciseSpec(
    name="backward-cycle",
    title="Backward cycling",
    section="exercises.backward_cycle",
    checks="pedalling direction, cadence (rpm), smoothness, knee bend at the bottom "
    "(saddle height), trunk, pelvis rocking, per-minute summary, fatigue",
    rules=(
        WRONG_DIRECTION_RULE,
        SADDLE_HIGH_RULE,
        SADDLE_LOW_RULE,
        UNEVEN_CADENCE_RULE,
        ROCKING_RULE,
        HUNCHED_RULE,
        FATIGUE_RULE,
    ),
    rep_columns=CYCLE_COLUMNS,
    plots=(
        PlotSpec(
            "Knees",
            (("left_knee_deg", "Left knee"), ("right_knee_deg", "Right knee")),
            "deg",
        ),
    ),
    valid_views=("side",),
    standing=False,
    counts="minutes",
)
REVERSE_ROW = ExerciseSpec(
    name="reverse-row",
    title="Reverse rowing",
    section="exercises.reverse_row",
    checks="strokes and rate, drive vs controlled return timing, legs-back-arms "
    "sequence, trunk at catch and finish, neck, range of motion, per-minute "
    "summary, fatigue",
    rules=(
        RUSHED_RETURN_RULE,
        ARMS_EARLY_RULE,
        OVER_LEAN_RULE,
        SHORT_STROKE_RULE,
        NECK_RULE,
        FATIGUE_RULE,
    ),
    rep_columns=STROKE_COLUMNS,
    plots=(
        PlotSpec(
            "Knees",
            (("left_knee_deg", "Left knee"), ("right_knee_deg", "Right knee")),
            "deg",
            (("Catch", "catch_knee_max_deg"),),
        ),
    ),
    valid_views=("side",),
    standing=False,
    counts="minutes",
)
