"""The catalog of workouts: what each one checks, declared as data.

Reports, exports, history, the plan and the pages read these declarations
(:class:`~formcoach.catalog.spec.ExerciseSpec`) without loading the pose model;
the coaches in :mod:`formcoach.exercises` implement them.
"""

from __future__ import annotations

from . import equipment, locomotion, reverse_lunge
from .spec import ExerciseSpec

#: Every workout by its CLI name.
SPECS: dict[str, ExerciseSpec] = {
    spec.name: spec
    for spec in (
        reverse_lunge.SPEC,
        locomotion.BACKWARD_WALK,
        locomotion.RETRO_RUN,
        locomotion.BAND_WALK,
        locomotion.BACKWARD_SHUFFLE,
        equipment.BACKWARD_CYCLE,
        equipment.REVERSE_ROW,
    )
}


def spec_for(name: str) -> ExerciseSpec | None:
    """The declaration of workout ``name``, or None if unknown."""
    return SPECS.get(name)


__all__ = ["SPECS", "ExerciseSpec", "spec_for"]
