"""One pass over a video: decode once, coach and draw while analysing.

::

    reader threads  decode → RGB                                 (prefetch)
    pose threads    the pose models (and the cut check)          (iter_poses)
    this thread     level → look-ahead smoothing → coach → frames.csv row → draw
    picture thread  decode again the frames posed ahead          (_Pictures)
    writer thread   H.264 encode                                 (VideoWriter)

The video is cut into runs, one per pose model (a core each): the first run
is drawn as it is posed, with the pictures its reader decoded; the later
runs are posed ahead, only their poses wait, and their pictures are decoded
a second time when their turn to be drawn comes, from the key frame before
them (decoding costs about a tenth of the pose model).

A frame waits only for the smoother's look-ahead (``smoothing.lookahead_s`` +
``smoothing.block_s``) before it is coached, drawn and encoded, so memory
does not grow with the video's length: whole-clip facts are counted as the
frames pass (:class:`~formcoach.input_checks.ClipTally`), and the per-frame
series goes to frames.csv, with an evenly thinned copy for report.json
(:class:`~formcoach.report.FrameSeries`).

Each workout says how many pose estimates a second it needs
(``[pose_rate]``); the model then looks at every k-th frame and the frames
between are interpolated before smoothing. Measured on the shared clips,
no workout kept every result the same at 15 Hz (``docs/performance.md``,
"Pose rate"), so by default every frame is posed.

A cut in an edited video starts a fresh coach and smoother (the takes'
results are joined); a rolled camera is levelled before smoothing and the
pose turned back for drawing.

Whole sessions (``--exercise auto``) need the whole recording before a bout's
coach is known, and still run in passes (:mod:`formcoach.pipeline`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from . import body, input_checks, level
from .annotate import FrameAnnotator
from .coaching import CUT_PHASE, join_results
from .cuts import Cut
from .exercises import ExerciseCoach
from .people import PersonChoice
from .pose import PoseFrame
from .pose_pass import Posed, PoseSource, ProgressCallback, iter_poses
from .prefetch import Stretches, prefetch
from .report import FrameSeries
from .results import ExerciseResult, FrameFeedback
from .smoothing import LookaheadSmoother
from .stage_settings import PipelineSettings
from .thinned import Thinned
from .video import Frame, VideoInfo, iter_frames
from .video_writer import VideoWriter


class RowSink(Protocol):
    """Where frames.csv rows go (:class:`~formcoach.outputs.CsvStream`)."""

    def write(self, row: Sequence[Any]) -> None:
        """Append one row (see :data:`~formcoach.report.SERIES_COLUMNS`)."""

    def restart(self) -> None:
        """Drop the rows so far: the analysis starts again."""


def model_stride(fps: float, rate_hz: float) -> int:
    """Run the model on every ``k``-th frame: at least ``rate_hz`` estimates/s.

    Never fewer than the workout needs, give or take 1 % (29.97 fps at 15 Hz
    is every other frame; 25 fps at 15 Hz is every frame, since every other
    one would be 12.5). ``rate_hz`` 0 (or a video whose rate is unknown)
    means every frame.
    """
    if rate_hz <= 0 or fps <= 0:
        return 1
    return max(1, math.floor(fps / rate_hz * 1.01))


@dataclass
class StreamedClip:
    """What one pass over a video found.

    Attributes:
        info: The video as analysed (turned upright if it had to be).
        turn_deg: The clockwise turn applied on top of the file's metadata.
        stride: The model looked at every ``stride``-th frame.
        tally: Whole-clip facts for the input checks.
        series: The per-frame series.
        result: The coach's result.
        view: The camera view of the whole clip.
        frames: Every smoothed pose frame, only when asked for
            (``keep_frames``, to save the landmarks).
        measured_roll: The camera's roll (None: unknown or not a standing
            workout).
        applied_roll: The roll that was undone (None: none was).
        cuts: The edits found (each shot was coached on its own).
        person: Who was coached and why (None when the choice is off).
    """

    info: VideoInfo
    turn_deg: int
    stride: int
    tally: input_checks.ClipTally
    series: FrameSeries
    result: ExerciseResult
    view: str
    frames: list[PoseFrame] = field(default_factory=list)
    measured_roll: level.Roll | None = None
    applied_roll: level.Roll | None = None
    cuts: list[Cut] = field(default_factory=list)
    person: PersonChoice | None = None


def stream_video(
    video_path: str | Path,
    make_coach: Callable[[], ExerciseCoach],
    settings: PipelineSettings,
    *,
    rate_hz: float,
    turn_deg: int = 0,
    mirrored: bool = False,
    video_target: Path | None = None,
    overwrite: bool = False,
    rows: RowSink | None = None,
    progress: ProgressCallback | None = None,
    keep_frames: bool = False,
    max_series_points: int = 3000,
    pose_source: PoseSource = iter_poses,
) -> StreamedClip:
    """Analyse a video in one pass, drawing the annotated video as it goes.

    Before the first frame is coached (after the smoother's look-ahead, or a
    little longer until a person has been seen for a second), two things are
    settled on the frames so far: a clip filmed sideways without rotation
    metadata (the person lies on their side, ``video.auto_rotate``) and a
    rolled camera (:mod:`formcoach.level`, standing workouts). If the person
    only shows up later, both are judged on the whole clip at the end, and
    the clip is analysed again turned or levelled when it must be.

    Args:
        video_path: The workout video.
        make_coach: Makes a fresh coach (called again for a second pass).
        settings: The pipeline settings.
        rate_hz: Pose estimates per second the workout needs (0: every frame).
        turn_deg: Turn every frame this much further clockwise.
        mirrored: The frames are mirror views.
        video_target: Write the annotated H.264 video here (None: no video).
        overwrite: Replace an existing video.
        rows: Gets every frame's series row (frames.csv), in order.
        progress: ``progress(stage, done, total)``, from this thread.
        keep_frames: Keep every smoothed pose frame (to save the landmarks).
        max_series_points: report.json's series keeps about this many frames.
        pose_source: Gives every frame's raw pose: the pose models here
            (:func:`~formcoach.pose_pass.iter_poses`), or poses made in parts
            by a batch's workers (:class:`~formcoach.pose_parts.PartsSource`).

    Raises:
        InputError: The video cannot be read, or the time limit was reached.
        OutputError: The video cannot be written.
    """
    standing = make_coach().standing
    plan = _Plan(
        turn_deg=turn_deg,
        detect_turn=settings.video.auto_rotate and turn_deg == 0,
        detect_roll=settings.level.enabled and standing,
    )
    while True:
        try:
            return _one_pass(
                video_path,
                make_coach,
                settings,
                plan,
                rate_hz=rate_hz,
                mirrored=mirrored,
                video_target=video_target,
                overwrite=overwrite,
                rows=rows,
                progress=progress,
                keep_frames=keep_frames,
                max_series_points=max_series_points,
                pose_source=pose_source,
            )
        except _Again as again:
            plan = again.plan
            if rows is not None:
                rows.restart()


@dataclass(frozen=True)
class _Plan:
    """How to read the frames: the turn, and the roll to undo once known."""

    turn_deg: int
    detect_turn: bool
    detect_roll: bool
    roll: level.Roll | None = None
    measured_roll: level.Roll | None = None


class _Again(Exception):
    """The clip turned out sideways or rolled: analyse it again with ``plan``."""

    def __init__(self, plan: _Plan):
        super().__init__(plan)
        self.plan = plan


def _one_pass(
    video_path: str | Path,
    make_coach: Callable[[], ExerciseCoach],
    settings: PipelineSettings,
    plan: _Plan,
    *,
    rate_hz: float,
    mirrored: bool,
    video_target: Path | None,
    overwrite: bool,
    rows: RowSink | None,
    progress: ProgressCallback | None,
    keep_frames: bool,
    max_series_points: int,
    pose_source: PoseSource,
) -> StreamedClip:
    analysis = settings.analysis
    info = VideoInfo.from_path(video_path).turned(plan.turn_deg)
    fps = info.fps or 30.0
    coach = make_coach()
    stride = model_stride(fps, rate_hz)

    def new_smoother() -> LookaheadSmoother:
        smoothing = settings.smoothing
        return LookaheadSmoother(
            smoothing,
            fps=fps,
            cutoff_hz=coach.smoothing_cutoff_hz,
            mend_legs=coach.mends_legs,
            lookahead_s=smoothing.lookahead_s,
            block_s=smoothing.block_s,
            history_s=smoothing.history_s,
            stride=stride,
        )

    smoother = new_smoother()
    # An edited video is coached shot by shot (formcoach/cuts.py), then joined.
    shots: list[ExerciseResult] = []
    shot_lengths: list[float] = []
    shot_start_s = 0.0
    cuts: list[Cut] = []
    tally = input_checks.ClipTally(analysis)
    series = FrameSeries(
        analysis.min_visibility, max_series_points, rows.write if rows else None
    )
    views: Thinned[PoseFrame] = Thinned(1500)
    kept: list[PoseFrame] = []
    waiting: deque[Posed] = deque()
    annotator = (
        FrameAnnotator(title=coach.title, min_visibility=analysis.min_visibility)
        if video_target is not None
        else None
    )
    writer: VideoWriter | None = None
    gaps: set[tuple[float, float]] = set()
    # Frames wait in ``prelude`` (pictures too) until the turn and the roll
    # are settled: a second of a person, or at most a few seconds.
    prelude: list[Posed] | None = [] if plan.detect_turn or plan.detect_roll else None
    settle_posed = max(5, round(fps / stride))
    max_prelude = 3 * smoother.latency_frames
    applied = plan.roll
    measured = plan.measured_roll
    # What to judge again on the whole clip at the end: the turn when no one
    # was seen early on, the roll when it could not be measured early on.
    recheck = _Plan(turn_deg=plan.turn_deg, detect_turn=False, detect_roll=False)

    def settle(final: bool) -> None:
        nonlocal prelude, applied, measured, recheck
        assert prelude is not None
        waited = len(prelude) >= smoother.latency_frames
        if not final and not (waited and tally.posed >= settle_posed):
            if len(prelude) < max_prelude:
                return
        sample = [p.pose for p in prelude if not p.pose.is_empty()]
        undecided = len(sample) < settle_posed
        if plan.detect_turn and not undecided:
            turn = input_checks.auto_turn(sample, analysis, settings.video)
            if turn:
                raise _Again(replace(plan, turn_deg=turn, detect_turn=False))
        if plan.detect_roll and not undecided:
            measured, applied = level.clip_roll(
                sample, settings.level, analysis.min_visibility
            )
        recheck = replace(
            plan,
            detect_turn=plan.detect_turn and undecided,
            detect_roll=plan.detect_roll and measured is None,
        )
        held, prelude = prelude, None
        for item in held:
            push(item)

    def push(item: Posed) -> None:
        if item.cut is not None:
            next_shot(item)
        pose = level.level(item.pose, applied)
        waiting.append(item)
        for smooth in smoother.push(pose):
            emit(smooth)

    def next_shot(item: Posed) -> None:
        """A cut: the last shot's frames out, its result kept, a fresh coach."""
        nonlocal coach, smoother, shot_start_s
        cut = item.cut
        assert cut is not None
        for smooth in smoother.flush():
            # A cross-fade's blends belong to neither shot.
            emit(smooth, blend=cut.start_index < smooth.frame_index < cut.end_index)
        shots.append(coach.finish())
        shot_lengths.append(item.timestamp_ms / 1000.0 - shot_start_s)
        shot_start_s = item.timestamp_ms / 1000.0
        cuts.append(cut)
        coach, smoother = make_coach(), new_smoother()

    def emit(smooth: PoseFrame, *, blend: bool = False) -> None:
        nonlocal writer
        item = waiting.popleft()
        feedback = FrameFeedback(phase=CUT_PHASE) if blend else coach.update(smooth)
        series.add(smooth, feedback)
        if not smooth.is_empty():
            views.add(smooth)
        if keep_frames:
            kept.append(smooth)
        if annotator is None or video_target is None:
            return
        if writer is None:
            writer = VideoWriter(
                video_target,
                fps=fps,
                width=info.width,
                height=info.height,
                overwrite=overwrite,
                **settings.video.encoder(),
            )
        image = item.image_rgb
        if image is None and pictures is not None:
            image = pictures.get(item.frame_index, item.timestamp_ms)  # posed ahead
        if image is None:
            return
        # Drawn on the real (rolled) picture; the decoder made this array for
        # us alone, so draw on it in place.
        drawn = level.unlevel(smooth, applied, (info.width, info.height))
        annotator.annotate(image, drawn, feedback)
        writer.write(image, timestamp_ms=item.timestamp_ms)

    lanes = max(1, analysis.pose_workers())
    pictures = (
        _Pictures(video_path, plan.turn_deg) if video_target is not None else None
    )
    people: list[PersonChoice] = []
    posed = pose_source(
        video_path,
        settings,
        info=info,
        turn_deg=plan.turn_deg,
        mirrored=mirrored,
        stride=stride,
        lanes=lanes,
        keep_images=video_target is not None,
        on_gap=lambda a, b: gaps.add((a, b)),
        progress=progress,
        people=people,
    )
    try:
        for item in posed:
            tally.add(item.pose, estimated=item.estimated)
            if item.light is not None:
                tally.light.append(item.light)
            if prelude is None:
                push(item)
                continue
            prelude.append(item)
            settle(final=False)
        if prelude is not None:
            settle(final=True)
        _judge_at_the_end(tally, recheck, settings)
        for smooth in smoother.flush():
            emit(smooth)
        shots.append(coach.finish())
        shot_lengths.append(tally.last_s - shot_start_s)
        result = join_results(shots, shot_lengths)
        tally.gaps_ms = gaps
        if writer is not None:
            writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        if pictures is not None:
            pictures.close()
    view = body.clip_view(
        views.items,
        settings.view.side_max_width_ratio,
        settings.view.front_min_width_ratio,
    )
    return StreamedClip(
        info=info,
        turn_deg=plan.turn_deg,
        stride=stride,
        tally=tally,
        series=series,
        result=result,
        view=view,
        frames=kept,
        measured_roll=measured,
        applied_roll=applied,
        cuts=cuts,
        person=PersonChoice.merge(people) if people else None,
    )


class _Pictures:
    """The pictures of frames posed ahead without them, decoded again in order.

    Asked for frames in rising order. Decoding seeks to the first one asked
    for (:func:`~formcoach.video.iter_frames` with ``seek``) and runs a few
    frames ahead in its own thread; each picture is matched to its frame by
    time, as on a damaged file the pose stage's numbers and the packets' may
    differ. Should a frame's time be passed without it, the rest are decoded
    again without seeking.
    """

    def __init__(self, video_path: str | Path, turn_deg: int):
        self._path = video_path
        self._turn_deg = turn_deg
        self._frames: Stretches[Frame] | None = None
        self._seek = True

    def get(self, index: int, timestamp_ms: float) -> Any:
        """The picture of frame ``index`` shown at ``timestamp_ms`` (None when
        the video does not give it)."""
        if self._frames is None:
            self._decode_from(index)
        image = self._find(timestamp_ms)
        if image is None and self._seek:
            self.close()
            self._seek = False
            self._decode_from(index)
            image = self._find(timestamp_ms)
        return image

    def _decode_from(self, index: int) -> None:
        frames = iter_frames(
            self._path, start_index=index, turn_deg=self._turn_deg, seek=self._seek
        )
        self._frames = Stretches(prefetch(frames, maxsize=4))

    def _find(self, timestamp_ms: float) -> Any:
        assert self._frames is not None
        frames = self._frames.until(lambda frame: frame.timestamp_ms > timestamp_ms)
        for frame in frames:
            if frame.timestamp_ms == timestamp_ms:
                return frame.image_rgb
        return None

    def close(self) -> None:
        """Stop decoding (and close the file)."""
        frames, self._frames = self._frames, None
        if frames is not None:
            frames.close()


def _judge_at_the_end(
    tally: input_checks.ClipTally, plan: _Plan, settings: PipelineSettings
) -> None:
    """Judge on the whole clip what could not be judged early on.

    ``plan.detect_turn``: no one was seen early on; ``plan.detect_roll``: the
    roll could not be measured early on (no standing frames yet).

    Raises:
        _Again: The clip must be analysed again, turned or levelled.
    """
    sample = tally.sample.items
    min_visibility = settings.analysis.min_visibility
    if plan.detect_turn:
        turn = input_checks.auto_turn(sample, settings.analysis, settings.video)
        if turn:
            raise _Again(replace(plan, turn_deg=turn, detect_turn=False))
    if plan.detect_roll:
        measured, roll = level.clip_roll(sample, settings.level, min_visibility)
        if roll is not None:
            raise _Again(
                replace(
                    plan,
                    detect_turn=False,
                    detect_roll=False,
                    roll=roll,
                    measured_roll=measured,
                )
            )
