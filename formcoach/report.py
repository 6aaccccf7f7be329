"""``report.json``: the one record of an analysis (schema version 1).

Exports (PDF, HTML, CSV) and history are built from this file alone, so it
carries everything they need: the video's properties, the settings used, the
coach's summary, reps, steps and warnings, and a per-frame time series of the
main angles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from . import body
from .pose import PoseFrame
from .results import ExerciseResult, FrameFeedback, InputWarning, rounded
from .settings import Config
from .thinned import Thinned
from .video import VideoInfo

SCHEMA_VERSION = 1


def _version() -> str:
    try:
        return version("formcoach")
    except PackageNotFoundError:
        return "unknown"


#: The per-frame series: report.json's ``series`` lists and frames.csv's columns.
SERIES_COLUMNS = (
    "t_s",
    "left_knee_deg",
    "right_knee_deg",
    "left_hip_deg",
    "right_hip_deg",
    "trunk_lean_deg",
    "phase",
    "cue",
)


def series_row(
    frame: PoseFrame, feedback: FrameFeedback, min_visibility: float
) -> tuple[Any, ...]:
    """One frame's values, in :data:`SERIES_COLUMNS` order."""
    if frame.is_empty():
        angles = {k: float("nan") for k in body.JOINT_ANGLES}
        lean = float("nan")
    else:
        angles = body.joint_angles(frame, min_visibility)
        lean = body.trunk_lean_deg(frame)
    return (
        round(frame.timestamp_ms / 1000.0, 3),
        *(rounded(angles[name], 1) for name in body.JOINT_ANGLES),
        rounded(lean, 1),
        feedback.phase or None,
        feedback.cue.code if feedback.cue else None,
    )


class FrameSeries:
    """The per-frame series of a clip, gathered frame by frame.

    Every row goes to ``sink`` (frames.csv) when one is given; report.json
    keeps the rows evenly thinned to at most about ``max_points`` (every
    ``step``-th frame), so an hour-long clip gives a report as small as a
    few minutes' one. Short clips keep every frame (``step`` 1).
    """

    def __init__(
        self,
        min_visibility: float,
        max_points: int,
        sink: Callable[[tuple[Any, ...]], None] | None = None,
    ):
        self.min_visibility = min_visibility
        self.sink = sink
        self.count = 0
        self._kept = Thinned[tuple[Any, ...]](max_points)

    @classmethod
    def of(
        cls,
        frames: Sequence[PoseFrame],
        feedback: Sequence[FrameFeedback],
        min_visibility: float,
        max_points: int,
        sink: Callable[[tuple[Any, ...]], None] | None = None,
    ) -> FrameSeries:
        """The series of a clip held in memory, frame by frame."""
        series = cls(min_visibility, max_points, sink)
        for frame, fb in zip(frames, feedback, strict=True):
            series.add(frame, fb)
        return series

    def add(self, frame: PoseFrame, feedback: FrameFeedback) -> None:
        """The next frame (in time order) and what the coach said on it."""
        row = series_row(frame, feedback, self.min_visibility)
        if self.sink is not None:
            self.sink(row)
        self._kept.add(row)
        self.count += 1

    @property
    def step(self) -> int:
        """report.json keeps every ``step``-th frame."""
        return self._kept.step

    def as_dict(self) -> dict[str, list[Any]]:
        """The kept rows as report.json's parallel lists."""
        rows = self._kept.items
        return {key: [row[k] for row in rows] for k, key in enumerate(SERIES_COLUMNS)}


def build_report(
    *,
    info: VideoInfo,
    exercise: str,
    config: Config,
    series: FrameSeries,
    result: ExerciseResult,
    view: str,
    pose_coverage: float,
    warnings: Sequence[InputWarning | dict[str, Any]],
    mirrored: bool = False,
    series_file: str | None = None,
    person: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the report dict (see ``docs/report-schema.md``).

    Args:
        series: The clip's per-frame series (``video.frames`` is its count).
        series_file: The file beside report.json with every frame's row
            (frames.csv), when one was written.
        person: Who was coached and why
            (:meth:`~formcoach.people.PersonChoice.as_dict`).
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "formcoach_version": _version(),
        "video": {
            "path": str(info.path),
            "fps": rounded(info.fps, 3),
            "frames": series.count,
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
        "series": series.as_dict(),
        "series_step": series.step,
        "series_file": series_file,
        "key_frames": [],
        "config": config.as_dict(),
    }


def series_of(
    frames: Sequence[PoseFrame], feedback: Sequence[FrameFeedback], config: Config
) -> FrameSeries:
    """The series of a whole clip held in memory (every frame kept)."""
    min_visibility = float(config.get("analysis.min_visibility"))
    return FrameSeries.of(frames, feedback, min_visibility, max(2, len(frames)))
