"""The analysis pipeline shared by the CLI, the app and the tests.

Offline analysis of a file runs in two passes so every rule sees the best
landmarks available:

1. decode (reader thread) → pose model (main thread), one :class:`PoseFrame`
   per frame;
2. zero-phase smoothing of the whole clip, then the exercise coach over the
   smoothed frames in time order (the same coach the live page uses);
3. if an annotated video is wanted, decode again (reader thread) → draw →
   H.264 encode (writer thread).

Live coaching uses :class:`LiveSession` instead: causal smoothing and the same
coach, one frame at a time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import body, orientation
from .annotate import FrameAnnotator
from .errors import InputError
from .exercises import ExerciseCoach, ExerciseResult, FrameFeedback, create_coach
from .filters import OneEuroFilter, butterworth_filter, interpolate_gaps
from .lighting import LightSample, lighting_warnings, measure_light
from .outputs import prepare_output_dir, write_json_atomic
from .pose import DEFAULT_MODEL_PATH, PoseEstimator, PoseFrame, PoseOptions
from .report import build_report
from .settings import Config
from .video import VideoInfo, VideoWriter, iter_frames, prefetch

logger = logging.getLogger(__name__)

REPORT_NAME = "report.json"
VIDEO_NAME = "annotated.mp4"

#: ``progress(stage, done, total)``; total may be 0 when unknown.
ProgressCallback = Callable[[str, int, int], None]


def pose_options(config: Config) -> PoseOptions:
    """The ``[pose]`` config table as :class:`PoseOptions`."""
    model = config.get("pose.model_path")
    return PoseOptions(
        model_path=Path(model) if model else DEFAULT_MODEL_PATH,
        num_poses=int(config.get("pose.num_poses")),
        min_detection_confidence=float(config.get("pose.min_detection_confidence")),
        min_presence_confidence=float(config.get("pose.min_presence_confidence")),
        min_tracking_confidence=float(config.get("pose.min_tracking_confidence")),
    )


@dataclass
class PoseTrack:
    """Pose estimates of a whole clip.

    Attributes:
        info: The video's properties.
        frames: One :class:`PoseFrame` per decoded frame, in order.
        gaps_ms: ``(start_ms, end_ms)`` spans where corrupt data was skipped.
        light: Brightness of about 5 frames a second, in frame order.
    """

    info: VideoInfo
    frames: list[PoseFrame]
    gaps_ms: list[tuple[float, float]] = field(default_factory=list)
    light: list[LightSample] = field(default_factory=list)


def _segments(
    n_frames: int, workers: int, min_frames: int
) -> list[tuple[int, int | None]]:
    """Split ``n_frames`` into up to ``workers`` runs of at least ``min_frames``."""
    count = max(1, min(workers, n_frames // max(min_frames, 1)))
    bounds = [round(k * n_frames / count) for k in range(count + 1)]
    # The last run goes to the real end: frame counts in headers are estimates.
    return [(bounds[k], bounds[k + 1] if k < count - 1 else None) for k in range(count)]


def analysis_workers(config: Config) -> int:
    """Pose workers for offline analysis (``analysis.workers``, 0 = one per core)."""
    workers = int(config.get("analysis.workers"))
    return workers if workers > 0 else max(1, min(os.cpu_count() or 1, 4))


def estimate_poses(
    video_path: str | Path,
    config: Config,
    *,
    mirrored: bool = False,
    progress: ProgressCallback | None = None,
    info: VideoInfo | None = None,
    workers: int | None = None,
    turn_deg: int = 0,
) -> PoseTrack:
    """Run the pose model over every frame of a video (pass 1).

    ``progress`` is always called from the caller's thread. ``turn_deg``
    turns every frame further clockwise (see :func:`~formcoach.video.iter_frames`).

    The model uses one core. With several workers the video is cut into
    consecutive runs, each analysed by its own :class:`PoseEstimator` in its
    own thread (MediaPipe releases the GIL), and the results are joined in
    frame order. Each run after the first starts ``warmup`` frames early and
    drops them, so its tracker has locked on by its first kept frame.

    Raises:
        InputError: The video cannot be read.
    """
    info = info or VideoInfo.from_path(video_path).turned(turn_deg)
    workers = workers if workers is not None else analysis_workers(config)
    warmup = round(float(config.get("analysis.segment_warmup_s")) * (info.fps or 30))
    min_frames = round(float(config.get("analysis.min_segment_s")) * (info.fps or 30))
    segments = _segments(info.frame_count, workers, min_frames)
    gaps: set[tuple[float, float]] = set()
    results: list[list[PoseFrame]] = [[] for _ in segments]
    light: list[list[LightSample]] = [[] for _ in segments]
    # Light changes slowly: about 5 samples a second is plenty, and keeps the
    # numpy work (under the GIL) off most frames.
    light_every = max(1, round((info.fps or 30) / 5))
    min_vis = float(config.get("analysis.min_visibility"))
    errors: list[BaseException] = []
    done = 0
    lock = threading.Lock()
    options = pose_options(config)

    limit_s = float(config.get("analysis.max_seconds"))
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
    )


def smooth_offline(
    frames: Sequence[PoseFrame], config: Config, *, cutoff_hz: float | None = None
) -> list[PoseFrame]:
    """Zero-phase Butterworth smoothing of a whole clip, bridging short gaps.

    Frames without a person inside a short gap get interpolated landmarks and
    visibilities, so a one-frame dropout does not break a rep; longer gaps
    stay empty.
    """
    if not frames:
        return []
    t_s = np.array([f.timestamp_ms for f in frames]) / 1000.0
    empty = np.array([f.is_empty() for f in frames])
    xy = np.stack([f.xy for f in frames]).astype(np.float64)
    world = np.stack([f.world_xyz for f in frames]).astype(np.float64)
    vis = np.stack([f.visibility for f in frames]).astype(np.float64)
    vis[empty] = np.nan
    kwargs = {
        "cutoff_hz": cutoff_hz
        if cutoff_hz is not None
        else float(config.get("smoothing.butterworth_cutoff_hz")),
        "order": int(config.get("smoothing.butterworth_order")),
        "max_gap_s": float(config.get("smoothing.max_gap_s")),
    }
    xy_s = butterworth_filter(xy, t_s, **kwargs)
    world_s = butterworth_filter(world, t_s, **kwargs)
    vis_s = interpolate_gaps(vis, t_s, kwargs["max_gap_s"])
    out = []
    for i, f in enumerate(frames):
        if np.isnan(vis_s[i]).all():
            out.append(f)
            continue
        out.append(
            replace(
                f,
                xy=xy_s[i].astype(np.float32),
                world_xyz=world_s[i].astype(np.float32),
                visibility=np.nan_to_num(vis_s[i]).astype(np.float32),
                presence=f.presence
                if not empty[i]
                else np.nan_to_num(vis_s[i]).astype(np.float32),
            )
        )
    return out


class LiveSmoother:
    """Causal One Euro smoothing of a live stream, frame by frame."""

    def __init__(self, config: Config):
        kwargs = {
            "min_cutoff_hz": float(config.get("smoothing.one_euro_min_cutoff_hz")),
            "beta": float(config.get("smoothing.one_euro_beta")),
            "d_cutoff_hz": float(config.get("smoothing.one_euro_d_cutoff_hz")),
            "max_gap_s": float(config.get("smoothing.max_gap_s")),
        }
        self._xy = OneEuroFilter(**kwargs)
        self._world = OneEuroFilter(**kwargs)

    def __call__(self, frame: PoseFrame) -> PoseFrame:
        """The smoothed frame (empty frames pass through)."""
        if frame.is_empty():
            return frame
        t = frame.timestamp_ms / 1000.0
        return replace(
            frame,
            xy=self._xy(frame.xy, t).astype(np.float32),
            world_xyz=self._world(frame.world_xyz, t).astype(np.float32),
        )


class LiveSession:
    """Live coaching of one stream: pose model, causal smoothing, coach, overlay.

    One per user stream (the model tracks one person over time). Nothing here
    touches Streamlit; the app calls :meth:`process` from its frame callback
    and hands the returned feedback to the page through a queue.

    Example:
        >>> with LiveSession("reverse-lunge", load_config()) as live:  # doctest: +SKIP
        ...     image, feedback = live.process(frame_rgb, timestamp_ms)
    """

    def __init__(self, exercise: str, config: Config, *, mirrored: bool = False):
        self.coach = create_coach(exercise, config)
        self.smoother = LiveSmoother(config)
        self.annotator = FrameAnnotator(
            title=self.coach.title,
            min_visibility=float(config.get("analysis.min_visibility")),
        )
        self.estimator = PoseEstimator(pose_options(config), mirrored=mirrored)
        self.frames = 0
        self.last_pose: PoseFrame | None = None

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the model."""
        self.estimator.close()

    def process(
        self, image_rgb: np.ndarray, timestamp_ms: float
    ) -> tuple[np.ndarray, FrameFeedback]:
        """Coach one frame; returns the annotated copy and the feedback."""
        pose = self.smoother(self.estimator.process(image_rgb, timestamp_ms))
        feedback = self.coach.update(pose)
        self.frames += 1
        self.last_pose = pose
        return self.annotator.annotate(image_rgb.copy(), pose, feedback), feedback

    def finish(self) -> ExerciseResult:
        """End the set: the coach's summary, reps and warnings."""
        return self.coach.finish()


def run_coach(
    frames: Sequence[PoseFrame], coach: ExerciseCoach
) -> tuple[list[FrameFeedback], ExerciseResult]:
    """Feed smoothed frames through a coach; per-frame feedback and the result."""
    feedback = [coach.update(f) for f in frames]
    return feedback, coach.finish()


def pose_coverage(frames: Sequence[PoseFrame], min_visibility: float) -> float:
    """Fraction of frames with a confident full-body pose."""
    if not frames:
        return 0.0
    return sum(body.is_full_body(f, min_visibility) for f in frames) / len(frames)


def render_video(
    video_path: str | Path,
    target_path: str | Path,
    poses: Sequence[PoseFrame],
    feedback: Sequence[FrameFeedback],
    *,
    info: VideoInfo,
    title: str,
    config: Config,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    key_frames: dict[int, str] | None = None,
    turn_deg: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Decode the video again and write it annotated as H.264 (pass 3).

    Args:
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
    annotator = FrameAnnotator(
        title=title, min_visibility=float(config.get("analysis.min_visibility"))
    )
    by_index = {p.frame_index: (p, fb) for p, fb in zip(poses, feedback, strict=True)}
    written = 0
    with VideoWriter(
        target_path,
        fps=info.fps,
        width=info.width,
        height=info.height,
        crf=int(config.get("video.crf")),
        preset=str(config.get("video.preset")),
        overwrite=overwrite,
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


def key_frame_choices(
    result: ExerciseResult, frames: Sequence[PoseFrame]
) -> dict[int, str]:
    """Frames worth a thumbnail: the best and worst complete rep at the bottom."""
    reps = [
        r for r in result.reps if r.get("complete") and r.get("bottom_s") is not None
    ]
    if not reps or not frames:
        return {}
    times = np.array([f.timestamp_ms / 1000.0 for f in frames])

    def index_at(t_s: float) -> int:
        return int(frames[int(np.argmin(np.abs(times - t_s)))].frame_index)

    best = max(reps, key=lambda r: (r["score"], -r["index"]))
    worst = min(reps, key=lambda r: (r["score"], r["index"]))
    choices = {
        index_at(
            best["bottom_s"]
        ): f"Best rep (#{best['index']}, score {best['score']})"
    }
    if worst is not best:
        choices[index_at(worst["bottom_s"])] = (
            f"Weakest rep (#{worst['index']}, score {worst['score']})"
        )
    return choices


def coverage_of(track: PoseTrack, config: Config) -> float:
    """Pose coverage of a clip with the configured visibility."""
    min_vis = float(config.get("analysis.full_body_min_visibility"))
    return pose_coverage(track.frames, min_vis)


def configured_turn(config: Config) -> int:
    """``video.rotate_deg``, checked."""
    turn = config.get("video.rotate_deg")
    if turn not in (0, 90, 180, 270):
        raise InputError(f"video.rotate_deg must be 0, 90, 180 or 270, not {turn!r}")
    return int(turn)


def auto_turn(track: PoseTrack, config: Config) -> int:
    """The clockwise quarter turn that makes a sideways clip upright, or 0."""
    if not config.get("video.auto_rotate"):
        return 0
    return orientation.upright_turn_deg(
        track.frames,
        float(config.get("analysis.min_visibility")),
        float(config.get("video.sideways_min_deg")),
    )


def tilt_warnings(
    track: PoseTrack, coach: ExerciseCoach, config: Config
) -> list[dict[str, Any]]:
    """A warning when a standing workout was filmed with the camera tilted."""
    if not coach.standing:
        return []
    tilt = orientation.camera_tilt_deg(
        track.frames, float(config.get("analysis.min_visibility"))
    )
    if tilt is None or abs(tilt) < float(config.get("video.tilt_warn_deg")):
        return []
    return [
        {
            "code": "camera.tilted",
            "message": f"The camera seems tilted by about {abs(tilt):.0f} deg: "
            "standing legs lean in the picture. Lean, depth and landing checks "
            "assume a level camera, so level it (or prop the phone upright) "
            "and film again.",
            "t_s": None,
        }
    ]


def person_lost_spans(
    frames: Sequence[PoseFrame], min_s: float
) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` spans of at least ``min_s`` with no one in view.

    Only between frames with a person: a clip with no one at all is
    ``pose.no_person``.
    """
    spans: list[tuple[float, float]] = []
    seen = [not f.is_empty() for f in frames]
    if not any(seen):
        return spans
    times = [f.timestamp_ms / 1000.0 for f in frames]
    start: int | None = None
    for i, present in enumerate([*seen, True]):  # a sentinel closes a last run
        if not present and start is None:
            start = i
        elif present and start is not None:
            t0, t1 = times[start], times[min(i, len(times) - 1)]
            if t1 - t0 >= min_s:
                spans.append((round(t0, 3), round(t1, 3)))
            start = None
    return spans


def analysis_warnings(
    track: PoseTrack, coverage: float, config: Config
) -> list[dict[str, Any]]:
    """Warnings about the input itself (coverage, lost data)."""
    warnings: list[dict[str, Any]] = []
    if track.frames and all(f.is_empty() for f in track.frames):
        warnings.append(
            {
                "code": "pose.no_person",
                "message": "No person was found in the video. Film the whole body, "
                "in good light, from the side.",
                "t_s": None,
            }
        )
    elif coverage < float(config.get("analysis.min_pose_coverage")):
        warnings.append(
            {
                "code": "pose.low_coverage",
                "message": f"The full body (shoulders to feet) was seen in only "
                f"{coverage:.0%} of frames; results may be incomplete. Keep the "
                "whole body, feet included, in the picture.",
                "t_s": None,
            }
        )
    duration = track.info.duration_s or (
        track.frames[-1].timestamp_ms / 1000.0 if track.frames else 0.0
    )
    if duration < float(config.get("analysis.min_duration_s")):
        warnings.append(
            {
                "code": "video.too_short",
                "message": f"The video is only {duration:.1f} s long: too short for "
                "reps or steps. Film the whole set.",
                "t_s": None,
            }
        )
    posed = [f for f in track.frames if not f.is_empty()]
    min_vis = float(config.get("analysis.min_visibility"))
    if posed:
        feet_seen = sum(body.feet_visible(f, min_vis) for f in posed) / len(posed)
        if feet_seen < float(config.get("analysis.min_feet_share")):
            warnings.append(
                {
                    "code": "pose.feet_not_visible",
                    "message": f"The feet were visible in only {feet_seen:.0%} of "
                    "frames, so foot landings cannot be judged. Keep the feet in "
                    "the picture.",
                    "t_s": None,
                }
            )
    warnings += lighting_warnings(track.light, config)
    for t0, t1 in person_lost_spans(
        track.frames, float(config.get("analysis.person_lost_min_s"))
    ):
        warnings.append(
            {
                "code": "pose.person_lost",
                "message": f"No one was in view from {t0:.1f} to {t1:.1f} s, so "
                "nothing was measured there. Stay in the picture for the whole set.",
                "t_s": t0,
            }
        )
    for start_ms, end_ms in track.gaps_ms:
        warnings.append(
            {
                "code": "video.corrupt_section",
                "message": f"Part of the video could not be decoded (about "
                f"{start_ms / 1000:.1f}-{end_ms / 1000:.1f} s) and was skipped.",
                "t_s": round(start_ms / 1000.0, 3),
            }
        )
    return warnings


def analyze_video(
    video_path: str | Path,
    exercise: str,
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
        exercise: An exercise name from :data:`~formcoach.exercises.EXERCISES`.
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
    coach = create_coach(exercise, config)
    turn = configured_turn(config)
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
            config,
            mirrored=mirrored,
            progress=progress,
            info=info,
            turn_deg=turn,
        )

    try:
        track = poses(info, turn)
        input_warnings: list[dict[str, Any]] = []
        detected = auto_turn(track, config) if turn == 0 else 0
        if detected:
            # Filmed sideways without rotation metadata: analyse it upright.
            turn, info = detected, info.turned(detected)
            track = poses(info, turn)
            input_warnings.append(
                {
                    "code": "camera.rotated",
                    "message": "The person appeared to lie on their side: the video "
                    "was filmed sideways with no rotation data, so it was turned "
                    f"{turn} deg clockwise and analysed upright. To choose the turn "
                    "yourself, set video.rotate_deg.",
                    "t_s": None,
                }
            )
        coverage = coverage_of(track, config)
        input_warnings += analysis_warnings(track, coverage, config)
        input_warnings += tilt_warnings(track, coach, config)
        smoothed = smooth_offline(
            track.frames, config, cutoff_hz=coach.smoothing_cutoff_hz
        )
        feedback, result = run_coach(smoothed, coach)
        posed = [f for f in smoothed if not f.is_empty()]
        view = body.clip_view(
            posed,
            float(config.get("view.side_max_width_ratio")),
            float(config.get("view.front_min_width_ratio")),
        )
        report = build_report(
            info=info,
            exercise=exercise,
            config=config,
            frames=smoothed,
            feedback=feedback,
            result=result,
            view=view,
            pose_coverage=coverage,
            warnings=input_warnings + result.warnings,
            mirrored=mirrored,
        )
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
                title=coach.title,
                config=config,
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


__all__ = [
    "REPORT_NAME",
    "VIDEO_NAME",
    "LiveSession",
    "LiveSmoother",
    "PoseTrack",
    "analyze_video",
    "estimate_poses",
    "render_video",
    "run_coach",
    "smooth_offline",
]
