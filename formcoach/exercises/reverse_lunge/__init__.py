"""Reverse-lunge coach: reps, stepping leg, direction, knee angles, rear-foot
landing, posture, tempo, fatigue and symmetry.

One module per concern: :mod:`.tracking` follows the feet, :mod:`.measures`
takes the bottom-of-rep measures and the rear-foot landing, :mod:`.coach` is
the rep state machine that applies the rules, :mod:`.summary` judges the set.
The cues, rules, columns and settings are declared in
:mod:`formcoach.catalog.reverse_lunge`.

The person's anatomical side of the stepping leg is reported only when the
model's labels agree on at least ``exercises.reverse_lunge.side_agreement_min``
of the bottom frames; otherwise it is "unknown".
"""

from .coach import ReverseLungeCoach

__all__ = ["ReverseLungeCoach"]
