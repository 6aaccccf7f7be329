"""``formcoach analyze`` for landmark files: read, map, project, coach, report.

The landmark branch of :func:`formcoach.pipeline.analyze_video`: the file's
points become :class:`~formcoach.pose.PoseFrame` objects through the virtual
camera, and from there the pipeline's own smoothing, coach, warnings and
report code runs unchanged. The annotated video is the stick figure of
:mod:`.render`. Also here: :func:`save_landmarks`, the ``--save-landmarks``
TRC of a video analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..landmarks import Landmark
from ..pose import PoseFrame
from ..results import InputWarning
from ..settings import Config
from ..video import VideoInfo
from .bvh import read_bvh
from .motion import Motion
from .skeletons import to_blazepose
from .trc import read_trc, write_trc
from .virtual_camera import CameraSettings, VirtualCamera, place_camera, pose_frames

LANDMARKS_NAME = "landmarks.trc"


def load_motion(path: str | Path) -> Motion:
    """Read a ``.bvh`` or ``.trc`` file and map it onto BlazePose points.

    Raises:
        InputError: Missing, empty or malformed file, or a needed point is
            missing.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"No such file: {path}")
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    reader = read_bvh if path.suffix.lower() == ".bvh" else read_trc
    motion = reader(path)
    if motion.frame_count < 2:
        raise InputError(f"{path} has {motion.frame_count} frame(s): nothing to judge")
    return to_blazepose(motion)


def landmark_frames(
    path: str | Path, config: Config
) -> tuple[VideoInfo, list[PoseFrame], VirtualCamera, Motion]:
    """The file as the virtual camera sees it.

    Args:
        path: A ``.bvh`` or ``.trc`` file.
        config: Its ``[virtual_camera]`` table places the camera.

    Returns:
        A video-like description (size and rate of the virtual picture), one
        frame per motion frame, the camera and the mapped motion.
    """
    motion = load_motion(path)
    camera = place_camera(motion.xyz_m, CameraSettings.from_config(config))
    frames = pose_frames(motion, camera)
    w, h = camera.resolution_wh
    info = VideoInfo(
        path=Path(path),
        width=w,
        height=h,
        fps=motion.fps,
        frame_count=motion.frame_count,
        duration_s=motion.duration_s,
        codec=motion.source_format,
        rotation_deg=0,
    )
    return info, frames, camera, motion


def camera_note(camera: VirtualCamera, motion: Motion) -> InputWarning:
    """The report warning that says the pictures come from a virtual camera."""
    return InputWarning(
        "input.virtual_camera",
        f"Landmarks from a {motion.source_format.upper()} file, seen "
        f"through a virtual {camera.view} camera {camera.position_m[1]:.2f} m high "
        f"(static, {camera.resolution_wh[0]}x{camera.resolution_wh[1]}); no "
        "video was filmed.",
    )


def camera_info(camera: VirtualCamera) -> dict[str, Any]:
    """Where the virtual camera stood, for report.json's ``landmark_input``."""
    distance = float(np.linalg.norm(camera.position_m[[0, 2]]))
    return {
        "view": camera.view,
        "position_m": [round(float(v), 3) for v in camera.position_m],
        "focal_px": round(camera.focal_px, 1),
        "distance_from_origin_m": round(distance, 2),
    }


def analyze_landmarks(
    path: str | Path,
    exercise: str,
    out_dir: str | Path,
    config: Config,
    *,
    write_video: bool = True,
    overwrite: bool = False,
    save_landmarks_trc: bool = False,
    progress: Any = None,
) -> dict[str, Any]:
    """Analyse a ``.bvh`` or ``.trc`` file like a video (see the module doc).

    Args:
        path: The landmark file.
        exercise: An exercise name.
        out_dir: Folder for the outputs.
        config: The resolved configuration (``[virtual_camera]`` included).
        write_video: Also write the stick-figure ``annotated.mp4``.
        overwrite: Replace existing outputs.
        save_landmarks_trc: Also write the mapped BlazePose points as TRC.
        progress: Optional ``progress(stage, done, total)``.

    Returns:
        The report, as written to ``report.json``.

    Raises:
        InputError: Bad file, exercise or settings.
        OutputError: Outputs cannot be written.
    """
    from .. import input_checks, pipeline
    from ..coaching import coach_clip
    from ..exercises import create_coach
    from ..outputs import prepare_output_dir, write_json_atomic
    from ..pose_pass import PoseTrack
    from ..render import jpeg_thumbnail, key_frame_choices
    from ..report import build_report, series_of
    from ..stage_settings import PipelineSettings
    from .render import render_stick_figure

    coach = create_coach(exercise, config)
    settings = PipelineSettings.from_config(config)
    info, frames, camera, motion = landmark_frames(path, config)
    names = [pipeline.REPORT_NAME]
    names += [pipeline.VIDEO_NAME] if write_video else []
    names += [LANDMARKS_NAME] if save_landmarks_trc else []
    out = Path(out_dir)
    created = not out.exists()
    prepare_output_dir(out, names, overwrite=overwrite)
    written: list[Path] = []
    try:
        tally = input_checks.ClipTally.of_track(
            PoseTrack(info=info, frames=frames), settings.analysis
        )
        coverage = tally.coverage
        warnings = [camera_note(camera, motion), *motion.notes]
        warnings += input_checks.analysis_warnings(tally, settings, info.duration_s)
        coached = coach_clip(frames, coach, settings)
        smoothed, feedback, result = coached.frames, coached.feedback, coached.result
        report = build_report(
            info=info,
            exercise=exercise,
            config=config,
            series=series_of(smoothed, feedback, config),
            result=result,
            view=coached.view,
            pose_coverage=coverage,
            warnings=warnings + result.warnings,
        )
        report["landmark_input"] = {
            "format": motion.source_format,
            "derived_points": list(motion.derived_points),
            "camera": camera_info(camera),
        }
        if save_landmarks_trc:
            times = np.arange(motion.frame_count) / motion.fps
            write_trc(
                out / LANDMARKS_NAME,
                motion.names,
                motion.xyz_m,
                times,
                motion.fps,
                overwrite=overwrite,
            )
            written.append(out / LANDMARKS_NAME)
        if write_video:
            _, report["key_frames"] = render_stick_figure(
                out / pipeline.VIDEO_NAME,
                smoothed,
                feedback,
                camera=camera,
                fps=motion.fps,
                title=coach.title,
                min_visibility=settings.analysis.min_visibility,
                encoder=settings.video.encoder(),
                overwrite=overwrite,
                key_frames=key_frame_choices(result, smoothed),
                thumbnail=jpeg_thumbnail,
                progress=progress,
            )
            written.append(out / pipeline.VIDEO_NAME)
        write_json_atomic(out / pipeline.REPORT_NAME, report, overwrite=overwrite)
    except BaseException:
        for item in written:
            item.unlink(missing_ok=True)
        if created:
            try:
                out.rmdir()
            except OSError:
                pass
        raise
    return report


#: TRC axes from MediaPipe world axes (x right, y down, z away): y and z flip,
#: a half turn about x, so the TRC is right-handed with Y up.
_WORLD_TO_TRC = np.array([1.0, -1.0, -1.0])


def save_landmarks(
    path: str | Path,
    frames: Sequence[PoseFrame],
    fps: float,
    *,
    overwrite: bool = False,
) -> None:
    """Write a video's world landmarks as TRC (metres, Y up, BlazePose names).

    MediaPipe's world landmarks are centred between the hips in every frame,
    so the TRC shows the person moving in place (as on a treadmill): the
    travel across the picture is not in it. Frames without a person are
    written as empty (missing) values.

    Args:
        path: The ``.trc`` to write (atomically).
        frames: The pose model's frames.
        fps: The video's frame rate.
        overwrite: Replace an existing file.
    """
    xyz = np.stack([f.world_xyz for f in frames]).astype(np.float64)
    xyz = xyz * _WORLD_TO_TRC
    empty = np.array([f.is_empty() for f in frames], bool)
    xyz[empty] = np.nan
    times = np.array([f.timestamp_ms for f in frames]) / 1000.0
    write_trc(path, [m.name for m in Landmark], xyz, times, fps, overwrite=overwrite)
