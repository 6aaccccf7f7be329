"""The offline analysis of one file, shared by the CLI, the app and batch runs.

Offline analysis runs in passes so every rule sees the best landmarks
available:

1. decode → pose model, one :class:`~formcoach.pose.PoseFrame` per frame
   (:mod:`formcoach.pose_pass`);
2. checks of the input (:mod:`formcoach.input_checks`), zero-phase smoothing
   of the whole clip (:mod:`formcoach.smoothing`), then the exercise coach
   over the smoothed frames in time order (the same coach the live page uses);
3. if an annotated video is wanted, decode again → draw → H.264 encode
   (:mod:`formcoach.render`).

The settings are read from the config once, up front
(:class:`~formcoach.stage_settings.PipelineSettings`). Live coaching uses
:class:`~formcoach.live_session.LiveSession` instead.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from . import input_checks
from .coaching import AUTO, coach_clip, coach_session, run_coach
from .exercises import create_coach
from .outputs import prepare_output_dir, write_json_atomic
from .pose_pass import PoseTrack, ProgressCallback, estimate_poses
from .render import key_frame_choices, render_video
from .report import build_report
from .results import InputWarning
from .settings import Config
from .stage_settings import PipelineSettings
from .video import VideoInfo

logger = logging.getLogger(__name__)

REPORT_NAME = "report.json"
VIDEO_NAME = "annotated.mp4"


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
    turn = settings.video.rotate_deg
    info = VideoInfo.from_path(video_path).turned(turn)
    names = [REPORT_NAME] + ([VIDEO_NAME] if write_video else [])
    names += [LANDMARKS_NAME] if save_landmarks else []
    out = Path(out_dir)
    created = not out.exists()
    prepare_output_dir(out, names, overwrite=overwrite)
    video_written = landmarks_written = False

    def poses(info: VideoInfo, turn: int) -> PoseTrack:
        return estimate_poses(
            video_path,
            settings,
            mirrored=mirrored,
            progress=progress,
            info=info,
            turn_deg=turn,
        )

    try:
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
        coverage = input_checks.coverage_of(track, settings.analysis)
        input_warnings += input_checks.analysis_warnings(track, coverage, settings)
        input_warnings += input_checks.tilt_warnings(
            track.frames,
            coach.standing if coach else True,
            settings.analysis,
            settings.video,
        )
        coached = (
            coach_session(track.frames, settings, config)
            if coach is None
            else coach_clip(track.frames, coach, settings)
        )
        smoothed, feedback, result = coached.frames, coached.feedback, coached.result
        report = build_report(
            info=info,
            exercise=AUTO if coach is None else exercise,
            config=config,
            frames=smoothed,
            feedback=feedback,
            result=result,
            view=coached.view,
            pose_coverage=coverage,
            warnings=[*input_warnings, *result.warnings],
            mirrored=mirrored,
            person=track.person.as_dict() if track.person else None,
        )
        if coach is None:
            # A whole session: one entry per bout (report.json version 2).
            report["schema_version"] = 2
            report["segments"] = coached.segments
        if save_landmarks:
            write_landmarks(
                out / LANDMARKS_NAME, track.frames, info.fps, overwrite=overwrite
            )
            landmarks_written = True
        # The video first: the report is the marker of a complete analysis.
        if write_video:
            _, report["key_frames"] = render_video(
                video_path,
                out / VIDEO_NAME,
                smoothed,
                feedback,
                info=info,
                title=coach.title if coach else "Whole session",
                video=settings.video,
                min_visibility=settings.analysis.min_visibility,
                overwrite=overwrite,
                progress=progress,
                key_frames=key_frame_choices(result, smoothed),
                turn_deg=turn,
            )
            video_written = True
        write_json_atomic(out / REPORT_NAME, report, overwrite=overwrite)
    except BaseException:
        # A failed analysis leaves no outputs: not even a finished video
        # without its report.
        if write_video and video_written:
            (out / VIDEO_NAME).unlink(missing_ok=True)
        if landmarks_written:
            (out / LANDMARKS_NAME).unlink(missing_ok=True)
        if created:
            _remove_if_empty(out)
        raise
    return report


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


__all__ = ["REPORT_NAME", "VIDEO_NAME", "analyze_video", "run_coach"]
