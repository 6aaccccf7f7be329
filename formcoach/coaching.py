"""Coaching a clip: smoothing, the coach, and whole sessions of several workouts.

A clip of one workout is smoothed with its coach's cut-off and fed to that
coach (:func:`coach_clip`). A whole session (``--exercise auto``) is split
into bouts by :mod:`formcoach.recognition`, and each bout is coached by its
own coach (:func:`coach_session`); the report gets one ``segments`` entry per
bout (report.json schema version 2).

An edited video (two takes joined by a hard cut or a cross-fade, see
:mod:`formcoach.cuts`) is coached shot by shot: each shot is smoothed on its
own (a filter must not run across the jump) and fed to a fresh coach, and
the shots' results are joined (:func:`join_results`): reps on both sides
kept and renumbered, a rep the cut interrupted left partial, the summary
recomputed. A cross-fade's blended frames belong to neither shot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import body
from .cuts import Cut, split_at_cuts
from .exercises import ExerciseCoach, create_coach
from .pose import PoseFrame
from .recognition import REST, RecognitionSettings, recognise
from .results import (
    ExerciseResult,
    FrameFeedback,
    InputWarning,
    merge_top_cues,
    session_summary,
)
from .settings import Config
from .smoothing import SmoothingSettings, smooth_offline
from .stage_settings import PipelineSettings

#: The phase shown on the blended frames of a cross-fade.
CUT_PHASE = "cut"

#: The exercise name that asks for whole-session analysis.
AUTO = "auto"


def run_coach(
    frames: Sequence[PoseFrame], coach: ExerciseCoach
) -> tuple[list[FrameFeedback], ExerciseResult]:
    """Feed smoothed frames through a coach; per-frame feedback and the result."""
    feedback = [coach.update(f) for f in frames]
    return feedback, coach.finish()


@dataclass
class CoachedClip:
    """A clip's pose frames smoothed and coached.

    Attributes:
        frames: The smoothed frames.
        feedback: What the coach said on each frame.
        result: The set's result.
        view: The camera view of the whole clip.
    """

    frames: list[PoseFrame]
    feedback: list[FrameFeedback]
    result: ExerciseResult
    view: str


def coach_clip(
    frames: Sequence[PoseFrame],
    coach: ExerciseCoach,
    settings: PipelineSettings,
    cuts: Sequence[Cut] = (),
) -> CoachedClip:
    """Smooth a clip's poses with the coach's cut-off and run the coach over it.

    With ``cuts``, each shot is smoothed and coached on its own, by a fresh
    coach of the same workout, and the results joined (:func:`join_results`).
    The returned frames and feedback still have one entry per input frame
    (a cross-fade's blended frames unsmoothed, with the phase "cut").
    """
    shots = [s for s in split_at_cuts(frames, cuts, _frame_index) if s]
    if len(shots) <= 1 and len(cuts) == 0:
        smoothed = smooth_offline(
            frames,
            settings.smoothing,
            cutoff_hz=coach.smoothing_cutoff_hz,
            mend_legs=coach.mends_legs,
        )
        feedback, result = run_coach(smoothed, coach)
        return CoachedClip(smoothed, feedback, result, _view(smoothed, settings))
    by_index: dict[int, tuple[PoseFrame, FrameFeedback]] = {}
    results = []
    for k, shot in enumerate(shots):
        shot_coach = coach if k == 0 else create_coach(coach.name, coach.config)
        smoothed = smooth_offline(
            shot,
            settings.smoothing,
            cutoff_hz=shot_coach.smoothing_cutoff_hz,
            mend_legs=shot_coach.mends_legs,
        )
        feedback, result = run_coach(smoothed, shot_coach)
        by_index.update(
            (f.frame_index, (f, fb)) for f, fb in zip(smoothed, feedback, strict=True)
        )
        results.append(result)
    pairs = [
        by_index.get(f.frame_index, (f, FrameFeedback(phase=CUT_PHASE))) for f in frames
    ]
    out_frames = [f for f, _ in pairs]
    return CoachedClip(
        out_frames,
        [fb for _, fb in pairs],
        join_results(results, [_duration_s(s) for s in shots]),
        _view(out_frames, settings),
    )


def _frame_index(frame: PoseFrame) -> int:
    return frame.frame_index


def _duration_s(frames: Sequence[PoseFrame]) -> float:
    return (
        (frames[-1].timestamp_ms - frames[0].timestamp_ms) / 1000.0 if frames else 0.0
    )


def _view(frames: Sequence[PoseFrame], settings: PipelineSettings) -> str:
    return body.clip_view(
        [f for f in frames if not f.is_empty()],
        settings.view.side_max_width_ratio,
        settings.view.front_min_width_ratio,
    )


def smooth_shots(
    frames: Sequence[PoseFrame],
    cuts: Sequence[Cut],
    settings: SmoothingSettings,
    cutoff_hz: float | None = None,
) -> list[PoseFrame]:
    """:func:`smooth_offline` shot by shot (a cross-fade's frames left as they are).

    One entry per input frame, in order: the zero-phase filter must not run
    across a cut, where every landmark jumps.
    """
    if not cuts:
        return smooth_offline(frames, settings, cutoff_hz=cutoff_hz)
    smoothed = {
        f.frame_index: f
        for shot in split_at_cuts(frames, cuts, _frame_index)
        if shot
        for f in smooth_offline(shot, settings, cutoff_hz=cutoff_hz)
    }
    return [smoothed.get(f.frame_index, f) for f in frames]


#: Summary figures that are times (added up over the parts) or an end time
#: from the start of the video (the latest part's).
_ADDED_TIMES = ("interval_time_s",)
_END_TIMES = ("duration_s",)


def join_results(
    parts: Sequence[ExerciseResult], durations_s: Sequence[float] | None = None
) -> ExerciseResult:
    """One workout's results over consecutive parts of a recording, as one set.

    The parts are shots of an edited video (or any consecutive stretches)
    coached separately by coaches of the same workout. Reps and steps are
    kept in order and renumbered (``index``), warnings kept, and the summary
    recomputed:

    * counts (integers, and dicts of integers such as ``landings``) added;
    * ``score`` the mean score of the complete reps; ``top_cues`` merged;
    * ``interval_time_s`` added, ``duration_s`` the latest;
    * other numbers (cadence, shares, angles) the mean weighted by each
      part's duration (``durations_s``; equal weights without it), over the
      parts where they are known;
    * lists (``checks_not_measurable``) joined without repeats, flags true if
      any part's is;
    * anything else (text, nested figures) the value that holds for the
      longest time (the parts' ``durations_s`` added up per value; equal
      weights: the most common), the longest part's on a tie. A clip's few
      frames before an edit do not outvote the rest of it.

    Args:
        parts: The parts' results, in time order.
        durations_s: Each part's length, as weights.

    Returns:
        The joined result (a single part is returned as it is).
    """
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return ExerciseResult()
    weights = list(durations_s) if durations_s is not None else [1.0] * len(parts)
    reps = _renumbered([row for p in parts for row in p.reps])
    steps = _renumbered([row for p in parts for row in p.steps])
    summaries = [p.summary for p in parts]
    longest = int(np.argmax(weights))
    summary: dict[str, Any] = {}
    for key in dict.fromkeys(k for s in summaries for k in s):
        values = [(s.get(key), w) for s, w in zip(summaries, weights, strict=True)]
        summary[key] = _joined(key, values, longest, summaries)
    if "score" in summary:
        scores = [
            r["score"] for r in reps if r.get("complete") and r.get("score") is not None
        ]
        summary["score"] = round(float(np.mean(scores))) if scores else None
    return ExerciseResult(
        summary=summary,
        reps=reps,
        steps=steps,
        warnings=[w for p in parts for w in p.warnings],
    )


def _renumbered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows or not all(isinstance(r.get("index"), int) for r in rows):
        return rows
    first = rows[0]["index"]
    return [{**r, "index": first + k} for k, r in enumerate(rows)]


def _joined(
    key: str,
    values: list[tuple[Any, float]],
    longest: int,
    summaries: Sequence[Mapping[str, Any]],
) -> Any:
    """One summary figure over the parts (see :func:`join_results`)."""
    if key == "top_cues":
        return merge_top_cues(summaries)
    known = [(v, w) for v, w in values if v is not None]
    if not known:
        return None
    kinds = {type(v) for v, _ in known}
    if key in _END_TIMES:
        return max(v for v, _ in known)
    if kinds == {bool}:
        return any(v for v, _ in known)
    if kinds == {int} or key in _ADDED_TIMES:
        total = sum(v for v, _ in known)
        return round(total, 2) if isinstance(total, float) else total
    if kinds <= {int, float}:
        weight = sum(w for _, w in known)
        if weight <= 0:
            return known[-1][0]
        return round(sum(v * w for v, w in known) / weight, 3)
    if kinds == {list}:
        return list(dict.fromkeys(x for v, _ in known for x in v))
    if kinds == {dict} and all(
        isinstance(x, int) and not isinstance(x, bool)
        for v, _ in known
        for x in v.values()
    ):
        counts: Counter[str] = Counter()
        for v, _ in known:
            counts.update(v)
        return {k: counts[k] for k in dict.fromkeys(k for v, _ in known for k in v)}
    held: Counter[str] = Counter()
    for v, w in known:
        held[repr(v)] += w
    most = max(held.values())
    best = [r for r, n in held.items() if n == most]
    own = values[longest][0]
    if own is not None and repr(own) in best:
        return own
    return next(v for v, _ in known if repr(v) == best[0])


@dataclass
class CoachedSession(CoachedClip):
    """A whole session: its bouts, each coached by its own coach.

    Attributes:
        segments: report.json's ``segments``: ``{start_s, end_s, exercise,
            confidence, summary, reps, steps, warnings}`` per bout.
    """

    segments: list[dict[str, Any]] = field(default_factory=list)


def coach_session(
    frames: Sequence[PoseFrame],
    settings: PipelineSettings,
    config: Config,
    cuts: Sequence[Cut] = (),
) -> CoachedSession:
    """Recognise the workouts in a recording and coach each bout with its coach.

    Recognition runs on the whole recording smoothed at the default cut-off
    (shot by shot); a bout boundary near a cut in the video is put at the
    cut. Each bout's frames are then smoothed again with its own coach's
    cut-off and coached from scratch, as if it had been filmed alone (shot by
    shot if a cut falls inside it). Frames of rest or of anything else get a
    plain "rest / other" phase.
    """
    smoothed = smooth_shots(frames, cuts, settings.smoothing)
    bouts = recognise(
        smoothed,
        RecognitionSettings.from_config(config),
        cuts_s=[c.t_s for c in cuts],
    )
    feedback = [FrameFeedback(phase=REST) for _ in smoothed]
    segments: list[dict[str, Any]] = []
    warnings: list[InputWarning] = []
    index_of = {f.frame_index: i for i, f in enumerate(smoothed)}
    for bout in bouts:
        part = [
            f
            for f in frames
            if bout.start_s <= f.timestamp_ms / 1000.0 < bout.end_s
            or (f is frames[-1] and f.timestamp_ms / 1000.0 <= bout.end_s)
        ]
        entry: dict[str, Any] = {**bout.as_dict()}
        if bout.exercise == REST or not part:
            segments.append(entry)
            continue
        coach = create_coach(bout.exercise, config)
        first, last = part[0].frame_index, part[-1].frame_index
        inside = [c for c in cuts if c.end_index > first and c.start_index < last]
        coached = coach_clip(part, coach, settings, inside)
        for f, fb in zip(coached.frames, coached.feedback, strict=True):
            fb.phase = f"{coach.title}: {fb.phase}" if fb.phase else coach.title
            feedback[index_of[f.frame_index]] = fb
            smoothed[index_of[f.frame_index]] = f
        result = coached.result
        entry.update(
            title=coach.title,
            view=coached.view,
            **result.as_report(),
        )
        segments.append(entry)
        where = f"{coach.title} ({bout.start_s:.0f}-{bout.end_s:.0f} s)"
        warnings += [w.within(where) for w in result.warnings]
    summary = session_summary(segments)
    view = _view(smoothed, settings)
    return CoachedSession(
        frames=smoothed,
        feedback=feedback,
        result=ExerciseResult(summary=summary, warnings=warnings),
        view=view,
        segments=segments,
    )
