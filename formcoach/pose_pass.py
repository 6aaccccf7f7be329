"""Pass 1 of an offline analysis: the pose model over every frame of a file.

Decode (reader thread) → pose model → one :class:`~formcoach.pose.PoseFrame`
per frame, plus a brightness sample about 5 times a second. With several
workers the video is cut into consecutive runs analysed in parallel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .lighting import LightSample, measure_light
from .people import PersonChoice
from .pose import PoseEstimator, PoseFrame
from .prefetch import prefetch
from .stage_settings import PipelineSettings
from .video import VideoInfo, iter_frames

if TYPE_CHECKING:
    from .settings import Config

#: ``progress(stage, done, total)``; total may be 0 when unknown.
ProgressCallback = Callable[[str, int, int], None]


@dataclass
class PoseTrack:
    """Pose estimates of a whole clip.

    Attributes:
        info: The video's properties.
        frames: One :class:`PoseFrame` per decoded frame, in order.
        gaps_ms: ``(start_ms, end_ms)`` spans where corrupt data was skipped.
        light: Brightness of about 5 frames a second, in frame order.
        person: Who was coached and why (None when the choice is off).
    """

    info: VideoInfo
    frames: list[PoseFrame]
    gaps_ms: list[tuple[float, float]] = field(default_factory=list)
    light: list[LightSample] = field(default_factory=list)
    person: PersonChoice | None = None


def _segments(
    n_frames: int, workers: int, min_frames: int
) -> list[tuple[int, int | None]]:
    """Split ``n_frames`` into up to ``workers`` runs of at least ``min_frames``."""
    count = max(1, min(workers, n_frames // max(min_frames, 1)))
    bounds = [round(k * n_frames / count) for k in range(count + 1)]
    # The last run goes to the real end: frame counts in headers are estimates.
    return [(bounds[k], bounds[k + 1] if k < count - 1 else None) for k in range(count)]


def estimate_poses(
    video_path: str | Path,
    settings: PipelineSettings | Config,
    *,
    mirrored: bool = False,
    progress: ProgressCallback | None = None,
    info: VideoInfo | None = None,
    workers: int | None = None,
    turn_deg: int = 0,
) -> PoseTrack:
    """Run the pose model over every frame of a video (pass 1).

    ``settings`` gives the pose model and ``[analysis]`` settings (a config is
    read into :class:`PipelineSettings`). ``progress`` is always called from
    the caller's thread. ``turn_deg`` turns every frame further clockwise
    (see :func:`~formcoach.video.iter_frames`).

    The model uses one core. With several workers the video is cut into
    consecutive runs, each analysed by its own :class:`PoseEstimator` in its
    own thread (MediaPipe releases the GIL), and the results are joined in
    frame order. Each run after the first starts ``warmup`` frames early and
    drops them, so its tracker has locked on by its first kept frame.

    Raises:
        InputError: The video cannot be read.
    """
    settings = PipelineSettings.of(settings)
    analysis = settings.analysis
    info = info or VideoInfo.from_path(video_path).turned(turn_deg)
    workers = workers if workers is not None else analysis.pose_workers()
    warmup = round(analysis.segment_warmup_s * (info.fps or 30))
    min_frames = round(analysis.min_segment_s * (info.fps or 30))
    segments = _segments(info.frame_count, workers, min_frames)
    gaps: set[tuple[float, float]] = set()
    results: list[list[PoseFrame]] = [[] for _ in segments]
    light: list[list[LightSample]] = [[] for _ in segments]
    choices: list[PersonChoice | None] = [None for _ in segments]
    # Light changes slowly: about 5 samples a second is plenty, and keeps the
    # numpy work (under the GIL) off most frames.
    light_every = max(1, round((info.fps or 30) / 5))
    min_vis = analysis.min_visibility
    errors: list[BaseException] = []
    done = 0
    lock = threading.Lock()
    options = settings.pose

    limit_s = analysis.max_seconds
    started = time.monotonic()

    def work(k: int, start: int, stop: int | None) -> None:
        nonlocal done
        first = max(0, start - warmup) if k else 0
        try:
            with PoseEstimator(options, mirrored=mirrored) as estimator:
                source = iter_frames(
                    video_path,
                    start_index=first,
                    max_frames=stop,
                    on_gap=lambda a, b: gaps.add((a, b)),
                    turn_deg=turn_deg,
                )
                for frame in prefetch(source, maxsize=8):
                    if limit_s > 0 and time.monotonic() - started > limit_s:
                        raise InputError(
                            f"The analysis was stopped after {limit_s:.0f} s "
                            "(analysis.max_seconds): the video is too long for "
                            "this limit. Trim it, or raise the limit in Settings."
                        )
                    pose = estimator.process(
                        frame.image_rgb, frame.timestamp_ms, frame.index
                    )
                    if frame.index < start:
                        continue  # warm-up frame of a later run
                    results[k].append(pose)
                    if frame.index % light_every == 0:
                        light[k].append(
                            measure_light(
                                frame.image_rgb, pose, frame.timestamp_ms, min_vis
                            )
                        )
                    with lock:
                        done += 1
                    if progress and len(segments) == 1:
                        progress("pose", done, info.frame_count)
                choices[k] = estimator.person_choice()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    if len(segments) == 1:
        work(0, 0, None)
    else:
        threads = [
            threading.Thread(target=work, args=(k, a, b), daemon=True)
            for k, (a, b) in enumerate(segments)
        ]
        for thread in threads:
            thread.start()
        # Progress is reported from the caller's thread (a UI may only be
        # updated from there), while the workers run.
        while any(thread.is_alive() for thread in threads):
            threads[0].join(timeout=0.2)
            for thread in threads[1:]:
                thread.join(timeout=0.0)
            if progress:
                with lock:
                    count = done
                progress("pose", count, info.frame_count)
    if errors:
        raise errors[0]
    frames = [pose for run in results for pose in run]
    return PoseTrack(
        info=info,
        frames=frames,
        gaps_ms=sorted(gaps),
        light=[sample for run in light for sample in run],
        person=None
        if any(c is None for c in choices)
        else PersonChoice.merge([c for c in choices if c is not None]),
    )
