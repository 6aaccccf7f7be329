"""Backward cycling and reverse rowing: their per-cycle columns and plots.

Their cues and rules are declared in :mod:`formcoach.exercises.equipment`
next to the checks.
"""

from __future__ import annotations

from ..results import Column, PlotSpec
from .spec import ExerciseSpec

CYCLE_COLUMNS: tuple[Column, ...] = (
    Column("index", "#"),
    Column("start_s", "Start", "s", 2),
    Column("duration_s", "Time", "s", 2),
    Column("bottom_knee_flexion_deg", "Knee flex", "deg", 0),
    Column("direction", "Way"),
    Column("end_s", "End", "s", 2, wide=True),
)
STROKE_COLUMNS: tuple[Column, ...] = (
    Column("index", "#"),
    Column("start_s", "Start", "s", 2),
    Column("drive_s", "Drive", "s", 2),
    Column("recovery_s", "Return", "s", 2),
    Column("recovery_to_drive", "Ratio", "", 1),
    Column("catch_knee_deg", "Catch knee", "deg", 0),
    Column("finish_lean_deg", "Layback", "deg", 0),
    Column("arms_before_legs", "Arms early"),
    Column("back_before_legs", "Back early"),
    Column("end_s", "End", "s", 2, wide=True),
    Column("duration_s", "Stroke", "s", 2, wide=True),
    Column("catch_lean_deg", "Catch lean", "deg", 0, wide=True),
)

BACKWARD_CYCLE = ExerciseSpec(
    name="backward-cycle",
    title="Backward cycling",
    section="exercises.backward_cycle",
    checks="pedalling direction, cadence (rpm), smoothness, knee bend at the bottom "
    "(saddle height), trunk, pelvis rocking, per-minute summary, fatigue",
    rules=(),
    rep_columns=CYCLE_COLUMNS,
    plots=(
        PlotSpec(
            "Knee angles",
            (("left_knee_deg", "left knee"), ("right_knee_deg", "right knee")),
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
    rules=(),
    rep_columns=STROKE_COLUMNS,
    plots=(
        PlotSpec(
            "Knee angles",
            (("left_knee_deg", "left knee"), ("right_knee_deg", "right knee")),
        ),
        PlotSpec(
            "Trunk from vertical",
            (("trunk_lean_deg", "trunk lean"),),
            "deg",
            (("layback max", "exercises.reverse_row.finish_lean_back_max_deg"),),
        ),
    ),
    valid_views=("side",),
    standing=False,
    counts="minutes",
)
