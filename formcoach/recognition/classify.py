"""The decision procedure: one window's features → a workout label and a confidence.

A hand-written tree of threshold tests on :class:`WindowFeatures` (every
threshold is in ``[recognition]`` of the config, with where its number comes
from). The confidence of a label is that of its least certain test: a test
whose feature is ``confidence_margin`` (a fraction of the threshold) or more
past its threshold is certain (1.0); one right at its threshold is a coin toss
(0.5).

::

    legs seen in < min_coverage of the window ........... rest/other
    seated low (the hip never high above the feet):
        ankles slide to and from the hip, knees open .... reverse-row
        else ............................................ rest/other
    on a saddle (thighs never upright, knees never straight)
    and the ankles go round a closed path:
        moving .......................................... backward-cycle
        else ............................................ rest/other
    standing:
        ankles barely move relative to the hip .......... rest/other
        hip drops and rises with the feet split
        (or one thigh forward, the other down) .......... reverse-lunge
        hip drops and rises, feet and thighs alike ...... rest/other (squat)
        feet pass each other in a rhythm of steps:
            knees stay bent (athletic stance):
                quick steps ............................. backward-shuffle
                slower steps ............................ band-walk
            knees straighten in each stride:
                quick steps ............................. retro-run
                slower steps ............................ backward-walk
        else ............................................ rest/other
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .features import WindowFeatures
from .settings import RecognitionSettings

REVERSE_LUNGE = "reverse-lunge"
BACKWARD_WALK = "backward-walk"
RETRO_RUN = "retro-run"
BAND_WALK = "band-walk"
BACKWARD_SHUFFLE = "backward-shuffle"
BACKWARD_CYCLE = "backward-cycle"
REVERSE_ROW = "reverse-row"
REST = "rest/other"

#: Every label, the seven workouts first.
LABELS = (
    REVERSE_LUNGE,
    BACKWARD_WALK,
    RETRO_RUN,
    BAND_WALK,
    BACKWARD_SHUFFLE,
    BACKWARD_CYCLE,
    REVERSE_ROW,
    REST,
)


@dataclass(frozen=True)
class Decision:
    """A window's label, its confidence and the tests that led to it."""

    label: str
    confidence: float
    path: tuple[str, ...]


class _Tests:
    """Threshold tests that remember how sure each one was."""

    def __init__(self, margin: float):
        self.margin = margin
        self.sureness: list[float] = []
        self.path: list[str] = []

    def above(self, name: str, value: float, threshold: float) -> bool:
        """``value >= threshold``; NaN is "no"."""
        if value is None or math.isnan(value):
            self.path.append(f"{name}=nan")
            self.sureness.append(0.5)
            return False
        result = value >= threshold
        scale = max(abs(threshold) * self.margin, 1e-9)
        self.sureness.append(0.5 + 0.5 * min(1.0, abs(value - threshold) / scale))
        self.path.append(f"{name}={value:.3g}{'>=' if result else '<'}{threshold:.3g}")
        return result

    def decide(self, label: str) -> Decision:
        return Decision(label, min(self.sureness, default=1.0), tuple(self.path))


def classify_window(f: WindowFeatures, s: RecognitionSettings) -> Decision:
    """The label of one window (see the module docstring for the tree)."""
    t = _Tests(s.confidence_margin)
    if not t.above("coverage", f.coverage, s.min_coverage):
        return t.decide(REST)
    if not t.above("hip_high", f.hip_high, s.seated_low_hip_max):
        # Seated low, the hip level with the feet: a rowing seat (or the floor).
        if t.above("ankle_slide", f.ankle_slide, s.row_slide_min) and t.above(
            "knee_range_deg", f.knee_range_deg, s.row_knee_range_min_deg
        ):
            return t.decide(REVERSE_ROW)
        return t.decide(REST)
    if (
        t.above("thigh_upright_deg", f.thigh_upright_deg, s.seated_thigh_min_deg)
        and not t.above("knee_straight_deg", f.knee_straight_deg, s.seated_knee_max_deg)
        and t.above("ankle_roundness", f.ankle_roundness, s.cycle_roundness_min)
    ):
        # Seated on a saddle: thighs never upright, knees never straight, and
        # the feet go round.
        if t.above("ankle_speed", f.ankle_speed, s.cycle_min_ankle_speed):
            return t.decide(BACKWARD_CYCLE)
        return t.decide(REST)
    if not t.above("ankle_speed", f.ankle_speed, s.still_ankle_speed_max):
        return t.decide(REST)
    if t.above("hip_drop", f.hip_drop, s.lunge_hip_drop_min):
        if t.above("split_at_bottom", f.split_at_bottom, s.lunge_split_min) or t.above(
            "thigh_spread_at_bottom",
            f.thigh_spread_at_bottom,
            s.lunge_thigh_spread_min_deg,
        ):
            return t.decide(REVERSE_LUNGE)
        return t.decide(REST)
    if not (
        t.above("steps", float(f.steps), s.gait_min_steps)
        and t.above("split_high", f.split_high, s.gait_split_min)
        and t.above("cadence_spm", f.cadence_spm, s.gait_cadence_min_spm)
    ):
        return t.decide(REST)
    if not t.above("knee_straight_deg", f.knee_straight_deg, s.bent_knee_max_deg):
        if t.above("cadence_spm", f.cadence_spm, s.shuffle_cadence_min_spm):
            return t.decide(BACKWARD_SHUFFLE)
        return t.decide(BAND_WALK)
    if t.above("cadence_spm", f.cadence_spm, s.run_cadence_min_spm):
        return t.decide(RETRO_RUN)
    return t.decide(BACKWARD_WALK)
