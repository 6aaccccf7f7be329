"""``report.json``: the one record of an analysis (schema version 1).

Exports (PDF, HTML, CSV) and history are built from this file alone, so it
carries everything they need: the video's properties, the settings used, the
coach's summary, reps, steps and warnings, and a per-frame time series of the
main angles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from . import body
from .pose import PoseFrame
from .results import ExerciseResult, FrameFeedback, InputWarning, rounded
from .settings import Config
from .video import VideoInfo

SCHEMA_VERSION = 1


def _version() -> str:
    try:
        return version("formcoach")
    except PackageNotFoundError:
        return "unknown"


def time_series(
    frames: Sequence[PoseFrame],
    feedback: Sequence[FrameFeedback],
    min_visibility: float,
) -> dict[str, list[Any]]:
    """Per-frame angles, phase and cue codes, as parallel lists."""
    series: dict[str, list[Any]] = {
        "t_s": [],
        "left_knee_deg": [],
        "right_knee_deg": [],
        "left_hip_deg": [],
        "right_hip_deg": [],
        "trunk_lean_deg": [],
        "phase": [],
        "cue": [],
    }
    for frame, fb in zip(frames, feedback, strict=True):
        series["t_s"].append(round(frame.timestamp_ms / 1000.0, 3))
        if frame.is_empty():
            angles = {k: float("nan") for k in body.JOINT_ANGLES}
            lean = float("nan")
        else:
            angles = body.joint_angles(frame, min_visibility)
            lean = body.trunk_lean_deg(frame)
        for name, value in angles.items():
            series[f"{name}_deg"].append(rounded(value, 1))
        series["trunk_lean_deg"].append(rounded(lean, 1))
        series["phase"].append(fb.phase or None)
        series["cue"].append(fb.cue.code if fb.cue else None)
    return series


def build_report(
    *,
    info: VideoInfo,
    exercise: str,
    config: Config,
    frames: Sequence[PoseFrame],
    feedback: Sequence[FrameFeedback],
    result: ExerciseResult,
    view: str,
    pose_coverage: float,
    warnings: Sequence[InputWarning | dict[str, Any]],
    mirrored: bool = False,
    person: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the report dict (see ``docs/report-schema.md``).

    ``person`` says who was coached and why
    (:meth:`~formcoach.people.PersonChoice.as_dict`).
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "formcoach_version": _version(),
        "video": {
            "path": str(info.path),
            "fps": rounded(info.fps, 3),
            "frames": len(frames),
            "duration_s": rounded(info.duration_s, 3),
            "width": info.width,
            "height": info.height,
            "codec": info.codec,
            "rotation_deg": info.rotation_deg,
            "mirrored": mirrored,
        },
        "exercise": exercise,
        "preset": config.preset or "standard",
        "view": view,
        "pose_coverage": rounded(pose_coverage, 3),
        "person": person,
        "summary": result.summary,
        "reps": result.reps,
        "steps": result.steps,
        "warnings": [
            w.as_dict() if isinstance(w, InputWarning) else w for w in warnings
        ],
        "series": time_series(
            frames, feedback, float(config.get("analysis.min_visibility"))
        ),
        "key_frames": [],
        "config": config.as_dict(),
    }
