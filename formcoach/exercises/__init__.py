"""Exercise registry: CLI name -> coach class.

Adding a workout means adding one module here with an
:class:`~formcoach.exercises.base.ExerciseCoach` subclass and one line below.
"""

from __future__ import annotations

from ..errors import InputError
from ..results import Cue, ExerciseResult, FrameFeedback
from ..settings import Config
from .auto import AutoCoach
from .base import ExerciseCoach
from .equipment import BackwardCycleCoach, ReverseRowCoach
from .locomotion import (
    BackwardShuffleCoach,
    BackwardWalkCoach,
    BandWalkCoach,
    RetroRunCoach,
)
from .reverse_lunge import ReverseLungeCoach

EXERCISES: dict[str, type[ExerciseCoach]] = {
    cls.name: cls
    for cls in (
        ReverseLungeCoach,
        BackwardWalkCoach,
        RetroRunCoach,
        BandWalkCoach,
        BackwardShuffleCoach,
        BackwardCycleCoach,
        ReverseRowCoach,
    )
}


def create_coach(name: str, config: Config) -> ExerciseCoach:
    """A new coach for exercise ``name``; ``"auto"`` recognises it live.

    Raises:
        InputError: ``name`` is not a known exercise (the message lists them).
    """
    if name == "auto":
        return AutoCoach(config, create_coach)
    try:
        cls = EXERCISES[name]
    except KeyError:
        known = ", ".join(EXERCISES)
        raise InputError(f"Unknown exercise '{name}'. Choose one of: {known}") from None
    return cls(config)


__all__ = [
    "EXERCISES",
    "Cue",
    "ExerciseCoach",
    "ExerciseResult",
    "FrameFeedback",
    "create_coach",
]
