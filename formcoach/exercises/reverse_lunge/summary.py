"""The reverse-lunge set: counts, score, fatigue, symmetry and consistency."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from ...catalog import reverse_lunge as spec
from ...catalog.reverse_lunge import LungeRep, LungeSettings
from ...results import Cue, ExerciseResult, InputWarning, report_row, rounded, top_cues


def summarise(
    reps: list[LungeRep], split_squat_dips: int, view: str, s: LungeSettings
) -> ExerciseResult:
    """The set's result from its reps.

    Args:
        reps: Every rep recorded, in order (complete, partial and forward).
        split_squat_dips: Up-down cycles seen inside never-closing splits.
        view: The camera view of the set.
        s: The lunge settings.
    """
    warnings: list[InputWarning] = []
    complete = [r for r in reps if r.complete]
    forward = [r for r in reps if r.direction == "forward" and r.end_s is not None]
    partial = [r for r in reps if not r.complete and r not in forward]
    summary: dict[str, Any] = {
        "rep_count": len(complete),
        "partial_reps": len(partial),
        "forward_lunges": len(forward),
        "reps_left": sum(r.stepping_leg == "left" for r in complete),
        "reps_right": sum(r.stepping_leg == "right" for r in complete),
        "reps_unknown_leg": sum(r.stepping_leg == "unknown" for r in complete),
        "split_squat_reps": split_squat_dips,
        "movement": "reverse lunge" if complete else "none detected",
        "score": round(float(np.mean([r.score for r in complete])))
        if complete
        else None,
    }
    if split_squat_dips and not complete:
        summary["movement"] = "split squat"
        warnings.append(
            InputWarning(
                "lunge.split_squat",
                f"This looks like a split squat ({split_squat_dips} reps): the feet "
                "never came together, so no reverse-lunge reps were counted.",
            )
        )
    elif forward and not complete:
        summary["movement"] = "forward lunge"
    # Side views cannot see the frontal plane; front and 3/4 views are
    # measured in 3D (split, depth and angles in the body's own axes).
    summary["checks_not_measurable"] = (
        ["hips_level", "knee_collapse", "curtsy"] if view == "side" else []
    )
    measured = sorted({r.measured_in for r in reps})
    summary["measured_in"] = (
        None if not measured else measured[0] if len(measured) == 1 else "mixed"
    )
    fatigue = fatigue_message(complete, s)
    if fatigue:
        summary["fatigue"] = fatigue
        # spec.FATIGUE_RULE
        warnings.append(InputWarning(spec.FATIGUE.code, fatigue))
    summary["symmetry"] = symmetry(complete, s)
    summary["consistency"] = consistency(complete)
    by_code = {c.code: c for c in spec.SPEC.cues}
    counts: Counter[Cue] = Counter(
        by_code[c["code"]] for r in reps for c in r.cues if c["code"] in by_code
    )
    summary["top_cues"] = top_cues(counts)
    return ExerciseResult(
        summary=summary, reps=[report_row(r) for r in reps], warnings=warnings
    )


def fatigue_message(reps: list[LungeRep], s: LungeSettings) -> str | None:
    """:data:`~formcoach.catalog.reverse_lunge.FATIGUE_RULE`: form decaying.

    Compares the first and last third (at least two reps each) of 4 or more
    complete reps: depth falling by ``fatigue_depth_drop`` or trunk lean
    growing by ``fatigue_lean_rise_deg``.
    """
    if len(reps) < 4:
        return None
    k = max(2, len(reps) // 3)
    first, last = reps[:k], reps[-k:]
    d0 = np.nanmean([r.depth for r in first])
    d1 = np.nanmean([r.depth for r in last])
    l0 = np.nanmean([r.torso_lean_deg for r in first])
    l1 = np.nanmean([r.torso_lean_deg for r in last])
    if d0 > 0 and (d0 - d1) / d0 > s.fatigue_depth_drop:
        return f"Depth fell by {(d0 - d1) / d0:.0%} over the set: rest before the next."
    if l1 - l0 > s.fatigue_lean_rise_deg:
        return f"Trunk lean grew by {l1 - l0:.0f} degrees over the set."
    return None


def consistency(reps: list[LungeRep]) -> dict[str, Any] | None:
    """Spread of the main measures over the set's complete reps."""
    if len(reps) < 2:
        return None

    def spread(key: str) -> float | None:
        values = [getattr(r, key) for r in reps]
        values = [v for v in values if v is not None and math.isfinite(v)]
        return rounded(float(np.std(values)), 2) if len(values) >= 2 else None

    return {
        "front_knee_angle_sd_deg": spread("front_knee_angle_deg"),
        "depth_sd_leg_lengths": spread("depth"),
        "descent_sd_s": spread("descent_s"),
        "torso_lean_sd_deg": spread("torso_lean_deg"),
    }


def symmetry(reps: list[LungeRep], s: LungeSettings) -> dict[str, Any] | None:
    """Front knee angle, left leg stepping against right (needs both)."""
    sides = {
        side: [
            r.front_knee_angle_deg
            for r in reps
            if r.stepping_leg == side and math.isfinite(r.front_knee_angle_deg)
        ]
        for side in ("left", "right")
    }
    if not sides["left"] or not sides["right"]:
        return None
    diff = float(np.mean(sides["left"]) - np.mean(sides["right"]))
    return {
        "front_knee_diff_deg": round(diff, 1),
        "asymmetric": abs(diff) > s.symmetry_max_deg,
    }
