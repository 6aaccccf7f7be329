"""Thresholds of the recognition layer, read from ``[recognition]`` in the config."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..errors import InputError


@dataclass(frozen=True)
class RecognitionSettings:
    """Every number the recognition layer uses (no defaults here: see ``default.toml``).

    Window and segmentation:
        window_s: Length of the sliding window features are computed over.
        hop_s: Time between window starts.
        min_coverage: Fraction of a window's frames that must show the legs;
            below it the window is ``rest/other``.
        min_segment_s: Shortest bout that becomes a segment.
        max_pause_s: Longest pause (``rest/other``) inside a bout of one
            exercise that does not split it.
        switch_penalty: Cost of changing label between windows, in units of
            −log(probability), for the offline smoothing.
        cut_speed_min: Hip speed in the picture (picture leg lengths per
            second) above which a boundary snaps to the frame: a cut.
        confidence_margin: How far past a threshold (as a fraction of it) a
            feature must be for full confidence in that decision.
    Decision procedure (see docs/recognition.md):
        seated_low_hip_max, seated_thigh_min_deg, seated_knee_max_deg,
        cycle_roundness_min, cycle_min_ankle_speed,
        row_slide_min, row_knee_range_min_deg, still_ankle_speed_max,
        lunge_hip_drop_min, lunge_split_min, lunge_thigh_spread_min_deg,
        step_prominence, gait_min_steps,
        gait_split_min, gait_cadence_min_spm, bent_knee_max_deg,
        shuffle_cadence_min_spm, run_cadence_min_spm.
    Live:
        live_switch_s: How long a new label must hold before the live label
            switches to it.
        live_min_confidence: Mean confidence it needs over that time.
    """

    window_s: float
    hop_s: float
    min_coverage: float
    min_segment_s: float
    max_pause_s: float
    switch_penalty: float
    confidence_margin: float
    cut_speed_min: float
    seated_low_hip_max: float
    seated_thigh_min_deg: float
    seated_knee_max_deg: float
    cycle_roundness_min: float
    cycle_min_ankle_speed: float
    row_slide_min: float
    row_knee_range_min_deg: float
    still_ankle_speed_max: float
    lunge_hip_drop_min: float
    lunge_split_min: float
    lunge_thigh_spread_min_deg: float
    step_prominence: float
    gait_min_steps: float
    gait_split_min: float
    gait_cadence_min_spm: float
    bent_knee_max_deg: float
    shuffle_cadence_min_spm: float
    run_cadence_min_spm: float
    live_switch_s: float
    live_min_confidence: float

    @classmethod
    def from_config(cls, config: Any) -> RecognitionSettings:
        """Read every field from ``[recognition]`` of a config.

        Raises:
            InputError: The table or one of its keys is missing, or a value is
                not a number.
        """
        try:
            section = config.section("recognition")
        except KeyError:
            raise InputError(
                "The config has no [recognition] table "
                "(see formcoach/config/default.toml)"
            ) from None
        values: dict[str, float] = {}
        for f in dataclasses.fields(cls):
            if f.name not in section:
                raise InputError(
                    f"Missing config key recognition.{f.name} "
                    "(see formcoach/config/default.toml)"
                )
            value = section[f.name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(
                    f"recognition.{f.name} must be a number, not {value!r}"
                )
            values[f.name] = float(value)
        return cls(**values)
