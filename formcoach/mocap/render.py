"""The annotated video of landmark input: a stick figure from the virtual camera.

There is no source video, so each frame is a plain background with a floor
line, and the skeleton, angles, coach panel and cue are drawn by the same
:class:`~formcoach.annotate.FrameAnnotator` as on video. The output goes
through :class:`~formcoach.video_writer.VideoWriter` (H.264, atomic), so reports and
the app show it like any annotated video.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..annotate import FrameAnnotator
from ..exercises import FrameFeedback
from ..pose import PoseFrame
from ..video_writer import VideoWriter
from .virtual_camera import VirtualCamera

#: Background and floor colours (RGB).
BACKGROUND = (38, 42, 48)
FLOOR = (90, 96, 104)


def background(camera: VirtualCamera, floor_y_m: float = 0.0) -> np.ndarray:
    """A plain picture with the floor's horizon drawn (the camera is level)."""
    w, h = camera.resolution_wh
    image = np.empty((h, w, 3), np.uint8)
    image[:] = BACKGROUND
    # A far point on the floor straight ahead of the camera marks the horizon
    # of the floor plane; everything below it is floor.
    ahead = camera.position_m + 1000.0 * camera.rotation[2]
    ahead[1] = floor_y_m
    uv, depth = camera.project(ahead[None])
    if depth[0] > 0 and np.isfinite(uv).all():
        y = int(np.clip(round(float(uv[0, 1])), 0, h - 1))
        image[y:] = FLOOR
        cv2.line(image, (0, y), (w - 1, y), (120, 126, 134), 1, cv2.LINE_AA)
    return image


def render_stick_figure(
    target_path: str | Path,
    poses: Sequence[PoseFrame],
    feedback: Sequence[FrameFeedback],
    *,
    camera: VirtualCamera,
    fps: float,
    title: str,
    min_visibility: float,
    encoder: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    key_frames: dict[int, str] | None = None,
    thumbnail: Callable[[np.ndarray], str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Draw every frame and write them as H.264.

    Args:
        target_path: The ``.mp4`` to write.
        poses: Smoothed frames from the virtual camera.
        feedback: The coach's feedback per frame.
        camera: The camera the poses were projected with.
        fps: Frame rate of the motion.
        title: The coach's title for the panel.
        min_visibility: Points below it are not drawn.
        encoder: :class:`~formcoach.video_writer.VideoWriter` keywords
            (crf, preset, ...: ``VideoSettings.encoder()``); None: its own.
        overwrite: Replace an existing file.
        key_frames: ``{frame_index: label}`` to keep as thumbnails.
        thumbnail: Makes a thumbnail string from an image (the pipeline's).
        progress: ``progress("video", done, total)``.

    Returns:
        Frames written and the thumbnails ``[{label, frame, t_s, jpeg_base64}]``.
    """
    key_frames = key_frames or {}
    annotator = FrameAnnotator(title=title, min_visibility=min_visibility)
    plain = background(camera)
    w, h = camera.resolution_wh
    thumbnails: list[dict[str, Any]] = []
    written = 0
    with VideoWriter(
        target_path,
        fps=fps,
        width=w,
        height=h,
        overwrite=overwrite,
        **(encoder or {}),
    ) as writer:
        for pose, fb in zip(poses, feedback, strict=True):
            image = annotator.annotate(plain.copy(), pose, fb)
            writer.write(image, timestamp_ms=pose.timestamp_ms)
            if pose.frame_index in key_frames and thumbnail is not None:
                thumbnails.append(
                    {
                        "label": key_frames[pose.frame_index],
                        "frame": pose.frame_index,
                        "t_s": round(pose.timestamp_ms / 1000.0, 3),
                        "jpeg_base64": thumbnail(image),
                    }
                )
            written += 1
            if progress:
                progress("video", written, len(poses))
    return written, thumbnails
