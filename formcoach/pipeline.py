"""The offline analysis of one file, shared by the CLI, the app and batch runs.

One workout is analysed in one pass (:mod:`formcoach.stream`): decode → pose
model (on every frame, or every k-th where ``[pose_rate]`` says) → zero-phase
smoothing over a sliding window → the exercise coach (the same coach the live
page uses) → frames.csv row → draw → H.264 encode, in bounded memory.

A whole session (``--exercise auto``) needs the whole recording before it
knows which coach a bout needs, so it runs in passes:

1. decode → pose model on every frame (:mod:`formcoach.pose_pass`);
2. checks of the input (:mod:`formcoach.input_checks`), recognition of the
   bouts and coaching of each (:func:`~formcoach.coaching.coach_session`);
3. if an annotated video is wanted, decode again → draw → H.264 encode
   (:mod:`formcoach.render`).

The settings are read from the config once, up front
(:class:`~formcoach.stage_settings.PipelineSettings`). Live coaching uses
:class:`~formcoach.live_session.LiveSession` instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import input_checks, level
from .coaching import AUTO, coach_session, run_coach
from .config_values import number
from .exercises import ExerciseCoach, create_coach
from .outputs import CsvStream, prepare_output_dir, write_json_atomic
from .pose import PoseFrame
from .pose_pass import (
    PoseSource,
    PoseTrack,
    ProgressCallback,
    estimate_poses,
    iter_poses,
)
from .render import key_frame_times, render_video, thumbnails_from_video
from .report import SERIES_COLUMNS, FrameSeries, build_report
from .results import InputWarning
from .settings import Config
from .stage_settings import PipelineSettings
from .stream import stream_video
from .video import VideoInfo

logger = logging.getLogger(__name__)

REPORT_NAME = "report.json"
VIDEO_NAME = "annotated.mp4"
#: Every frame's series row (report.json keeps a thinned copy).
FRAMES_NAME = "frames.csv"


def analyze_video(
    video_path: str | Path,
    exercise: str | None,
    out_dir: str | Path,
    config: Config,
    *,
    write_video: bool = True,
    overwrite: bool = False,
    mirrored: bool = False,
    progress: ProgressCallback | None = None,
    save_landmarks: bool = False,
    pose_source: PoseSource = iter_poses,
) -> dict[str, Any]:
    """Analyse one video and write ``report.json`` (and ``annotated.mp4``).

    A ``.bvh`` or ``.trc`` file is analysed through a virtual camera instead
    (:func:`formcoach.mocap.analyze.analyze_landmarks`).

    Every check that can fail on bad input runs before any output is made, and
    outputs are written atomically, so a failure leaves ``out_dir`` as it was.

    Args:
        video_path: The workout video.
        exercise: An exercise name from :data:`~formcoach.exercises.EXERCISES`,
            or ``"auto"`` (or None) to find the workouts in a whole session
            and coach each bout (:func:`~formcoach.coaching.coach_session`).
        out_dir: Folder for the outputs (created if needed).
        config: The resolved configuration.
        write_video: Also write the annotated H.264 video.
        overwrite: Replace existing outputs in ``out_dir``.
        mirrored: The video is a mirror view (selfie camera).
        progress: Optional progress callback.
        save_landmarks: Also write the world landmarks as ``landmarks.trc``.
        pose_source: Where one workout's poses come from (see
            :func:`~formcoach.stream.stream_video`); a whole session always
            runs the pose models here.

    Returns:
        The report (as written to ``report.json``).

    Raises:
        InputError: Bad video, exercise name or config.
        OutputError: The outputs cannot be written.
    """
    from .mocap import is_landmark_file
    from .mocap.analyze import LANDMARKS_NAME, analyze_landmarks
    from .mocap.analyze import save_landmarks as write_landmarks

    if is_landmark_file(video_path):
        return analyze_landmarks(
            video_path,
            exercise,
            out_dir,
            config,
            write_video=write_video,
            overwrite=overwrite,
            save_landmarks_trc=save_landmarks,
            progress=progress,
        )
    auto = exercise in (None, "", AUTO)
    coach = None if auto else create_coach(exercise, config)
    settings = PipelineSettings.from_config(config)
    names = [REPORT_NAME, FRAMES_NAME] + ([VIDEO_NAME] if write_video else [])
    names += [LANDMARKS_NAME] if save_landmarks else []
    out = Path(out_dir)
    created = not out.exists()
    prepare_output_dir(out, names, overwrite=overwrite)
    before = _stamps(out, names)
    frames_csv = CsvStream(out / FRAMES_NAME, SERIES_COLUMNS, overwrite=overwrite)
    job = _Job(
        video_path=Path(video_path),
        out=out,
        config=config,
        settings=settings,
        write_video=write_video,
        overwrite=overwrite,
        mirrored=mirrored,
        progress=progress,
        rows=frames_csv,
        save_landmarks=save_landmarks,
        pose_source=pose_source,
    )
    try:
        if coach is None:
            report, frames = _analyze_session(job)
        else:
            report, frames = _analyze_workout(job, coach)
        if save_landmarks:
            write_landmarks(
                out / LANDMARKS_NAME, frames, report["video"]["fps"] or 30.0,
                overwrite=overwrite,
            )  # fmt: skip
        frames_csv.commit()
        # The report last: it is the marker of a complete analysis.
        write_json_atomic(out / REPORT_NAME, report, overwrite=overwrite)
    except BaseException:
        # A failed (or interrupted) analysis leaves no outputs: not even a
        # finished video without its report.
        frames_csv.discard()
        now = _stamps(out, names)
        for name, stamp in now.items():
            if stamp != before.get(name):
                (out / name).unlink(missing_ok=True)
        if created:
            _remove_if_empty(out)
        raise
    return report


@dataclass(frozen=True)
class _Job:
    """What every analysis of a video file needs to know."""

    video_path: Path
    out: Path
    config: Config
    settings: PipelineSettings
    write_video: bool
    overwrite: bool
    mirrored: bool
    progress: ProgressCallback | None
    rows: CsvStream
    save_landmarks: bool
    pose_source: PoseSource


def pose_rate_hz(config: Config, coach: ExerciseCoach) -> float:
    """Pose estimates per second ``coach``'s workout needs (``[pose_rate]``)."""
    return number(config, f"pose_rate.{coach.section.rsplit('.', 1)[-1]}")


def _analyze_workout(
    job: _Job, coach: ExerciseCoach
) -> tuple[dict[str, Any], list[PoseFrame]]:
    """One workout: one pass (:func:`~formcoach.stream.stream_video`)."""
    settings, config = job.settings, job.config
    turn = settings.video.rotate_deg
    video_target = job.out / VIDEO_NAME if job.write_video else None
    streamed = stream_video(
        job.video_path,
        lambda: create_coach(coach.name, config),
        settings,
        rate_hz=pose_rate_hz(config, coach),
        turn_deg=turn,
        mirrored=job.mirrored,
        video_target=video_target,
        overwrite=job.overwrite,
        rows=job.rows,
        progress=job.progress,
        keep_frames=job.save_landmarks,
        max_series_points=settings.analysis.series_max_points,
        pose_source=job.pose_source,
    )
    tally, result = streamed.tally, streamed.result
    warnings: list[InputWarning] = []
    if streamed.turn_deg != turn:
        warnings.append(input_checks.rotated_warning(streamed.turn_deg))
    warnings += input_checks.analysis_warnings(
        tally, settings, streamed.info.duration_s
    )
    if not (settings.level.enabled and coach.standing):
        warnings += input_checks.tilt_warnings(
            tally.sample.items, coach.standing, settings.analysis, settings.video
        )
    elif streamed.measured_roll is None:
        # The picture could not be levelled: say so when the legs lean.
        warnings += input_checks.tilt_warnings(
            tally.sample.items, True, settings.analysis, settings.video, levelling=True
        )
    report = build_report(
        info=streamed.info,
        exercise=coach.name,
        config=config,
        series=streamed.series,
        result=result,
        view=streamed.view,
        pose_coverage=tally.coverage,
        warnings=[*warnings, *result.warnings],
        mirrored=job.mirrored,
        series_file=FRAMES_NAME,
        person=streamed.person.as_dict() if streamed.person else None,
    )
    report["pose_every"] = streamed.stride
    report["cuts"] = [cut.as_dict() for cut in streamed.cuts]
    _camera_fields(report, streamed.measured_roll, streamed.applied_roll)
    if video_target is not None:
        report["key_frames"] = thumbnails_from_video(
            video_target, key_frame_times(result), streamed.info.fps or 30.0
        )
    return report, streamed.frames


def _analyze_session(job: _Job) -> tuple[dict[str, Any], list[PoseFrame]]:
    """A whole session: pose pass, recognition and coaching, then the video."""
    settings, config = job.settings, job.config
    turn = settings.video.rotate_deg
    info = VideoInfo.from_path(job.video_path).turned(turn)

    def poses(info: VideoInfo, turn: int) -> PoseTrack:
        return estimate_poses(
            job.video_path,
            settings,
            mirrored=job.mirrored,
            progress=job.progress,
            info=info,
            turn_deg=turn,
        )

    track = poses(info, turn)
    input_warnings: list[InputWarning] = []
    detected = (
        input_checks.auto_turn(track.frames, settings.analysis, settings.video)
        if turn == 0
        else 0
    )
    if detected:
        # Filmed sideways without rotation metadata: analyse it upright.
        turn, info = detected, info.turned(detected)
        track = poses(info, turn)
        input_warnings.append(input_checks.rotated_warning(turn))
    # A rolled camera (a phone leaning on a wall) is levelled here.
    track, roll, levelled, tilted = input_checks.level_clip(track, True, settings)
    tally = input_checks.ClipTally.of_track(track, settings.analysis)
    input_warnings += input_checks.analysis_warnings(tally, settings, info.duration_s)
    input_warnings += tilted
    coached = coach_session(track.frames, settings, config, track.cuts)
    smoothed, feedback, result = coached.frames, coached.feedback, coached.result
    series = FrameSeries.of(
        smoothed,
        feedback,
        settings.analysis.min_visibility,
        settings.analysis.series_max_points,
        job.rows.write,
    )
    report = build_report(
        info=info,
        exercise=AUTO,
        config=config,
        series=series,
        result=result,
        view=coached.view,
        pose_coverage=tally.coverage,
        warnings=[*input_warnings, *result.warnings],
        mirrored=job.mirrored,
        series_file=FRAMES_NAME,
        person=track.person.as_dict() if track.person else None,
    )
    _camera_fields(report, roll, levelled)
    # A whole session: one entry per bout (report.json version 2).
    report["schema_version"] = 2
    report["segments"] = coached.segments
    # Edits in the video: tracking and coaching started again at each.
    report["cuts"] = [cut.as_dict() for cut in track.cuts]
    if job.write_video:
        render_video(
            job.video_path,
            job.out / VIDEO_NAME,
            # Drawn on the real (rolled) frames.
            [level.unlevel(f, levelled, (info.width, info.height)) for f in smoothed],
            feedback,
            info=info,
            title="Whole session",
            video=settings.video,
            min_visibility=settings.analysis.min_visibility,
            overwrite=job.overwrite,
            progress=job.progress,
            turn_deg=turn,
        )
        report["key_frames"] = thumbnails_from_video(
            job.out / VIDEO_NAME, key_frame_times(result), info.fps or 30.0
        )
    return report, track.frames


def _camera_fields(
    report: dict[str, Any], measured: level.Roll | None, applied: level.Roll | None
) -> None:
    """report.json's ``video.roll_deg`` and ``video.levelled``."""
    report["video"]["roll_deg"] = measured.angle_deg if measured else None
    report["video"]["levelled"] = applied is not None


def _stamps(out: Path, names: list[str]) -> dict[str, tuple[int, int]]:
    """``(inode, mtime)`` of the outputs that exist: tells ours from older ones."""
    stamps = {}
    for name in names:
        try:
            st = (out / name).stat()
        except OSError:
            continue
        stamps[name] = (st.st_ino, st.st_mtime_ns)
    return stamps


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


__all__ = ["FRAMES_NAME", "REPORT_NAME", "VIDEO_NAME", "analyze_video", "run_coach"]
