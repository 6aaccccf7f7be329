"""Pass 3 of an offline analysis: the annotated video, thumbnails, key frames.

Decode again (reader thread) → draw the pose and the coach's feedback →
H.264 encode (writer thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .annotate import FrameAnnotator
from .pose import PoseFrame
from .pose_pass import ProgressCallback
from .prefetch import prefetch
from .results import ExerciseResult, FrameFeedback
from .stage_settings import VideoSettings
from .video import VideoInfo, frames_at, iter_frames
from .video_writer import VideoWriter


def render_video(
    video_path: str | Path,
    target_path: str | Path,
    poses: Sequence[PoseFrame],
    feedback: Sequence[FrameFeedback],
    *,
    info: VideoInfo,
    title: str,
    video: VideoSettings,
    min_visibility: float,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    key_frames: dict[int, str] | None = None,
    turn_deg: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Decode the video again and write it annotated as H.264 (pass 3).

    Args:
        video: Encoder settings (``crf``, ``preset``, ...).
        min_visibility: Landmarks below this are not drawn.
        key_frames: ``{frame_index: label}`` of annotated frames to keep as
            small JPEG thumbnails for reports (e.g. the best and worst rep at
            the bottom).

    Returns:
        The number of frames written (every decoded frame is written, with
        or without a pose) and the thumbnails as
        ``[{label, frame, t_s, jpeg_base64}]``.
    """
    key_frames = key_frames or {}
    thumbnails: list[dict[str, Any]] = []
    annotator = FrameAnnotator(title=title, min_visibility=min_visibility)
    by_index = {p.frame_index: (p, fb) for p, fb in zip(poses, feedback, strict=True)}
    written = 0
    with VideoWriter(
        target_path,
        fps=info.fps,
        width=info.width,
        height=info.height,
        overwrite=overwrite,
        **video.encoder(),
    ) as writer:
        frames = iter_frames(video_path, turn_deg=turn_deg)
        for frame in prefetch(frames, maxsize=8):
            image = frame.image_rgb.copy()
            if frame.index in by_index:
                pose, fb = by_index[frame.index]
                annotator.annotate(image, pose, fb)
            writer.write(image, timestamp_ms=frame.timestamp_ms)
            if frame.index in key_frames:
                thumbnails.append(
                    {
                        "label": key_frames[frame.index],
                        "frame": frame.index,
                        "t_s": round(frame.timestamp_ms / 1000.0, 3),
                        "jpeg_base64": jpeg_thumbnail(image),
                    }
                )
            written += 1
            if progress:
                progress("video", written, info.frame_count)
    return written, thumbnails


def jpeg_thumbnail(image_rgb: np.ndarray, max_side: int = 480) -> str:
    """A base64 JPEG of ``image_rgb``, at most ``max_side`` pixels wide or high."""
    import base64

    import cv2

    scale = max_side / max(image_rgb.shape[:2])
    if scale < 1:
        image_rgb = cv2.resize(
            image_rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
        )
    ok, data = cv2.imencode(
        ".jpg", image_rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 80]
    )
    return base64.b64encode(data.tobytes()).decode() if ok else ""


def key_frame_times(result: ExerciseResult) -> dict[float, str]:
    """Moments worth a thumbnail: the best and worst complete rep at the bottom.

    Returns:
        ``{time_s: label}``.
    """
    reps = [
        r for r in result.reps if r.get("complete") and r.get("bottom_s") is not None
    ]
    if not reps:
        return {}
    best = max(reps, key=lambda r: (r["score"], -r["index"]))
    worst = min(reps, key=lambda r: (r["score"], r["index"]))
    choices = {best["bottom_s"]: f"Best rep (#{best['index']}, score {best['score']})"}
    if worst is not best:
        choices[worst["bottom_s"]] = (
            f"Weakest rep (#{worst['index']}, score {worst['score']})"
        )
    return choices


def key_frame_choices(
    result: ExerciseResult, frames: Sequence[PoseFrame]
) -> dict[int, str]:
    """:func:`key_frame_times` as ``{frame_index: label}`` of ``frames``."""
    if not frames:
        return {}
    times = np.array([f.timestamp_ms / 1000.0 for f in frames])
    return {
        int(frames[int(np.argmin(np.abs(times - t_s)))].frame_index): label
        for t_s, label in key_frame_times(result).items()
    }


def thumbnails_from_video(
    video_path: str | Path, moments: dict[float, str], fps: float
) -> list[dict[str, Any]]:
    """Thumbnails of a written (annotated) video at ``{time_s: label}``.

    Returns:
        ``[{label, frame, t_s, jpeg_base64}]`` as report.json's ``key_frames``
        (``frame`` is the time times the frame rate, rounded).
    """
    times = sorted(moments)
    images = frames_at(video_path, times)
    return [
        {
            "label": moments[t_s],
            "frame": round(t_s * fps),
            "t_s": round(t_s, 3),
            "jpeg_base64": jpeg_thumbnail(image),
        }
        for t_s, image in zip(times, images, strict=True)
    ]
