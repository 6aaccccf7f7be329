"""Backward locomotion: backward walking, retro running, band walks, shuffles.

Their step columns and plots; their cues and rules are declared in
:mod:`formcoach.exercises.locomotion` next to the gait checks.
"""

from __future__ import annotations

from ..results import Column, PlotSpec
from .spec import ExerciseSpec

STEP_COLUMNS: tuple[Column, ...] = (
    Column("t_s", "Time", "s", 2),
    Column("frame", "Frame", wide=True),
    Column("foot", "Foot"),
    Column("landing", "Landing"),
    Column("pitch", "Pitch", "foot", 2),
    Column("step_length_leg_lengths", "Step", "leg", 2),
)


def _plots(section: str) -> tuple[PlotSpec, ...]:
    return (
        PlotSpec(
            "Knee angles",
            (("left_knee_deg", "left knee"), ("right_knee_deg", "right knee")),
        ),
        PlotSpec(
            "Trunk from vertical",
            (("trunk_lean_deg", "trunk lean"),),
            "deg",
            (
                ("trunk max", f"{section}.trunk_lean_max_deg"),
                ("trunk min", f"{section}.trunk_lean_min_deg"),
            ),
        ),
    )


def _spec(name: str, title: str, section: str, checks: str) -> ExerciseSpec:
    return ExerciseSpec(
        name=name,
        title=title,
        section=section,
        checks=checks,
        rules=(),
        step_columns=STEP_COLUMNS,
        plots=_plots(section),
        valid_views=("side", "oblique"),
        counts="minutes",
    )


BACKWARD_WALK = _spec(
    "backward-walk",
    "Backward walking",
    "exercises.backward_walk",
    "steps, cadence, direction, ball-of-foot landings, step length, trunk, "
    "looking back, arm swing, rhythm, clear space, fatigue, support",
)
RETRO_RUN = _spec(
    "retro-run",
    "Retro running",
    "exercises.retro_run",
    "steps, cadence, direction, forefoot landings, forward trunk lean, rhythm, "
    "clear space, fatigue; time on a treadmill",
)
BAND_WALK = _spec(
    "band-walk",
    "Backward band walk",
    "exercises.band_walk",
    "steps, direction, athletic stance (soft knees, hips back), trunk, "
    "ball-of-foot landings, feet kept apart, clear space, fatigue",
)
BACKWARD_SHUFFLE = _spec(
    "backward-shuffle",
    "Backward shuffle",
    "exercises.backward_shuffle",
    "shuffles per 30 s, direction, low centre of mass, feet not crossing, "
    "ball-of-foot landings, clear space, fatigue",
)
