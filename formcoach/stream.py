"""One pass over a video: decode once, coach and draw while analysing.

::

    reader thread   decode → RGB                                 (prefetch)
    pose thread     the pose model on every k-th frame           (prefetch)
    this thread     look-ahead smoothing → coach → frames.csv row → draw
    writer thread   H.264 encode                                 (VideoWriter)

A frame waits only for the smoother's look-ahead (``smoothing.lookahead_s`` +
``smoothing.block_s``) before it is coached, drawn and encoded, so memory
does not grow with the video's length: whole-clip facts are counted as the
frames pass (:class:`~formcoach.input_checks.ClipTally`), and the per-frame
series goes to frames.csv, with an evenly thinned copy for report.json
(:class:`~formcoach.report.FrameSeries`).

Each workout says how many pose estimates a second it needs
(``[pose_rate]``): a lunge is slow, so the model looks at every second frame
of a 30 fps video and the frames between are interpolated before smoothing;
running contacts need every frame. ``docs/performance.md`` has the
measurements that every count, direction and landing stays the same.

Whole sessions (``--exercise auto``) need the whole recording before a bout's
coach is known, and still run in passes (:mod:`formcoach.pipeline`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import body, input_checks
from .annotate import FrameAnnotator
from .exercises import ExerciseCoach
from .pose import PoseFrame
from .pose_pass import Posed, ProgressCallback, iter_poses
from .report import FrameSeries
from .results import ExerciseResult
from .smoothing import LookaheadSmoother
from .stage_settings import PipelineSettings
from .thinned import Thinned
from .video import VideoInfo
from .video_writer import VideoWriter

#: Sink of frames.csv rows (see :data:`~formcoach.report.SERIES_COLUMNS`).
RowSink = Callable[[tuple[Any, ...]], None]


def model_stride(fps: float, rate_hz: float) -> int:
    """Run the model on every ``k``-th frame to get about ``rate_hz`` estimates/s.

    ``rate_hz`` 0 (or a video whose rate is unknown) means every frame.
    """
    if rate_hz <= 0 or fps <= 0:
        return 1
    return max(1, round(fps / rate_hz))


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
    """

    info: VideoInfo
    turn_deg: int
    stride: int
    tally: input_checks.ClipTally
    series: FrameSeries
    result: ExerciseResult
    view: str
    frames: list[PoseFrame] = field(default_factory=list)


class _Turned(Exception):
    """The person lies on their side: analyse again, turned by ``turn_deg``."""

    def __init__(self, turn_deg: int):
        super().__init__(turn_deg)
        self.turn_deg = turn_deg


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
) -> StreamedClip:
    """Analyse a video in one pass, drawing the annotated video as it goes.

    A clip filmed sideways without rotation metadata (the person lies on
    their side) is noticed after the first second or so with a person, or at
    the end, and analysed again upright (see ``video.auto_rotate``).

    Args:
        video_path: The workout video.
        make_coach: Makes a fresh coach (called again if the clip is turned).
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

    Raises:
        InputError: The video cannot be read, or the time limit was reached.
        OutputError: The video cannot be written.
    """
    auto = settings.video.auto_rotate and turn_deg == 0
    while True:
        try:
            return _one_pass(
                video_path,
                make_coach(),
                settings,
                rate_hz=rate_hz,
                turn_deg=turn_deg,
                mirrored=mirrored,
                video_target=video_target,
                overwrite=overwrite,
                rows=rows,
                progress=progress,
                keep_frames=keep_frames,
                max_series_points=max_series_points,
                detect_turn=auto,
            )
        except _Turned as turned:
            turn_deg, auto = turned.turn_deg, False


def _one_pass(
    video_path: str | Path,
    coach: ExerciseCoach,
    settings: PipelineSettings,
    *,
    rate_hz: float,
    turn_deg: int,
    mirrored: bool,
    video_target: Path | None,
    overwrite: bool,
    rows: RowSink | None,
    progress: ProgressCallback | None,
    keep_frames: bool,
    max_series_points: int,
    detect_turn: bool,
) -> StreamedClip:
    analysis = settings.analysis
    info = VideoInfo.from_path(video_path).turned(turn_deg)
    fps = info.fps or 30.0
    stride = model_stride(fps, rate_hz)
    smoothing = settings.smoothing
    smoother = LookaheadSmoother(
        smoothing,
        fps=fps,
        cutoff_hz=coach.smoothing_cutoff_hz,
        lookahead_s=smoothing.lookahead_s,
        block_s=smoothing.block_s,
        history_s=smoothing.history_s,
    )
    tally = input_checks.ClipTally(analysis)
    # Rows held back from frames.csv until the turn is settled: a turned clip
    # starts again, and its rows must not follow the sideways ones.
    held_rows: list[tuple[Any, ...]] | None = [] if detect_turn else None

    def sink(row: tuple[Any, ...]) -> None:
        if held_rows is not None:
            held_rows.append(row)
        elif rows is not None:
            rows(row)

    series = FrameSeries(analysis.min_visibility, max_series_points, sink)
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
    # The turn is judged once a second of poses (at least) has been seen.
    turn_check_posed = max(5, round(fps / stride))

    def check_turn(final: bool) -> None:
        nonlocal detect_turn, held_rows
        if not detect_turn:
            return
        if not final and tally.posed < turn_check_posed:
            return
        detect_turn = False
        turn = input_checks.auto_turn(tally.sample.items, analysis, settings.video)
        if turn:
            raise _Turned(turn)
        if rows is not None and held_rows:
            for row in held_rows:
                rows(row)
        held_rows = None

    def emit(smooth: PoseFrame) -> None:
        nonlocal writer
        item = waiting.popleft()
        feedback = coach.update(smooth)
        series.add(smooth, feedback)
        if not smooth.is_empty():
            views.add(smooth)
        if keep_frames:
            kept.append(smooth)
        if (
            annotator is not None
            and video_target is not None
            and item.image_rgb is not None
        ):
            if writer is None:
                writer = VideoWriter(
                    video_target,
                    fps=fps,
                    width=info.width,
                    height=info.height,
                    crf=settings.video.crf,
                    preset=settings.video.preset,
                    overwrite=overwrite,
                )
            # The decoder made this array for us alone: draw on it in place.
            annotator.annotate(item.image_rgb, smooth, feedback)
            writer.write(item.image_rgb, timestamp_ms=item.timestamp_ms)

    lanes = 1 if video_target is not None else max(1, analysis.pose_workers())
    posed = iter_poses(
        video_path,
        settings,
        info=info,
        turn_deg=turn_deg,
        mirrored=mirrored,
        stride=stride,
        lanes=lanes,
        keep_images=video_target is not None,
        on_gap=lambda a, b: gaps.add((a, b)),
        progress=progress,
    )
    try:
        for item in posed:
            tally.add(item.pose, estimated=item.estimated)
            if item.light is not None:
                tally.light.append(item.light)
            waiting.append(item)
            ready = smoother.push(item.pose)
            if ready:
                check_turn(final=False)
            for smooth in ready:
                emit(smooth)
        check_turn(final=True)
        for smooth in smoother.flush():
            emit(smooth)
        result = coach.finish()
        tally.gaps_ms = gaps
        if writer is not None:
            writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    view = body.clip_view(
        views.items,
        settings.view.side_max_width_ratio,
        settings.view.front_min_width_ratio,
    )
    return StreamedClip(
        info=info,
        turn_deg=turn_deg,
        stride=stride,
        tally=tally,
        series=series,
        result=result,
        view=view,
        frames=kept,
    )
