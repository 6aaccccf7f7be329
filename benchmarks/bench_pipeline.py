"""Benchmark: bare pose model vs the full FormCoach pipeline, in one run.

Machines here are noisy, so only ratios measured in the same run mean much.
Prints one JSON line with:

* ``decode_ms_per_frame``: PyAV decode + RGB conversion alone;
* ``model_ms_per_frame``: MediaPipe ``detect_for_video`` on frames already in
  memory (the bare model);
* ``rules_ms_per_frame``: offline smoothing + the exercise coach;
* ``pipeline_ms_per_frame``: decode + pose + smoothing + rules (no video out);
* ``pipeline_with_video_ms_per_frame``: everything, annotated H.264 included;
* ``pipeline_vs_model``: pipeline / model (target <= 1.15);
* ``estimator_no_choice_ms_per_frame`` / ``estimator_with_choice_ms_per_frame``:
  ``PoseEstimator.process`` without and with the person choice (scout runs,
  crop) on frames in memory, best of two each; ``person_choice_cost`` their
  ratio;
* ``realtime_factor`` / ``realtime_factor_with_video``: seconds of video
  analysed per second of wall time (targets >= 1.8 and >= 1.3 at 720p30).

Usage::

    .venv/bin/python benchmarks/bench_pipeline.py [--video PATH] [--exercise NAME]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import mediapipe as mp

from formcoach.exercises import create_coach
from formcoach.pipeline import analyze_video, run_coach
from formcoach.pose import PoseEstimator, PoseOptions
from formcoach.pose_pass import estimate_poses
from formcoach.settings import load_config
from formcoach.smoothing import smooth_offline
from formcoach.stage_settings import AnalysisSettings
from formcoach.video import VideoInfo, iter_frames

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = (
    REPO.parent / "shared" / "videos" / "rnhrn" / "banded_reverse_lunges_side.mp4"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--exercise", default="reverse-lunge")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="config override, as for formcoach analyze (e.g. pose.num_poses=1)",
    )
    args = parser.parse_args()
    if not args.video.is_file():
        raise SystemExit(
            f"{args.video} not found; pass --video PATH (a 720p clip is the reference)"
        )
    config = load_config(overrides=args.overrides)
    info = VideoInfo.from_path(args.video)

    t0 = time.perf_counter()
    frames = list(iter_frames(args.video))
    decode_s = time.perf_counter() - t0
    n = len(frames)

    # Bare model: the landmarker alone on frames already decoded.
    with PoseEstimator(PoseOptions.from_config(config)) as estimator:
        landmarker = estimator._landmarker
        images = [
            mp.Image(image_format=mp.ImageFormat.SRGB, data=f.image_rgb) for f in frames
        ]
        t0 = time.perf_counter()
        for i, image in enumerate(images):
            landmarker.detect_for_video(image, i * 33 + 1)
        model_s = time.perf_counter() - t0
    del images

    # The person choice (issue #15): PoseEstimator.process with and without
    # it, on the same frames, in this run (frames already decoded).
    choice_s: dict[bool, float] = {}
    for enabled in (False, True, False, True):
        options = dataclasses.replace(
            PoseOptions.from_config(config),
            people=dataclasses.replace(
                PoseOptions.from_config(config).people, enabled=enabled
            ),
        )
        with PoseEstimator(options) as estimator:
            t0 = time.perf_counter()
            for f in frames:
                estimator.process(f.image_rgb, f.timestamp_ms, f.index)
            spent = time.perf_counter() - t0
            choice = estimator.person_choice()
        choice_s[enabled] = min(choice_s.get(enabled, spent), spent)
    del frames

    t0 = time.perf_counter()
    track = estimate_poses(args.video, config, info=info)
    t1 = time.perf_counter()
    smoothed = smooth_offline(track.frames, config)
    run_coach(smoothed, create_coach(args.exercise, config))
    t2 = time.perf_counter()
    pipeline_s = t2 - t0
    # Smoothing + rules are short: the best of 5 repeats is less noisy.
    rules_s = t2 - t1
    for _ in range(4):
        r0 = time.perf_counter()
        run_coach(
            smooth_offline(track.frames, config), create_coach(args.exercise, config)
        )
        rules_s = min(rules_s, time.perf_counter() - r0)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        analyze_video(args.video, args.exercise, Path(tmp) / "out", config)
        with_video_s = time.perf_counter() - t0

    duration = info.duration_s or n / info.fps
    result = {
        "video": str(args.video.name),
        "resolution": f"{info.width}x{info.height}",
        "fps": round(info.fps, 2),
        "frames": n,
        "decode_ms_per_frame": round(1000 * decode_s / n, 2),
        "model_ms_per_frame": round(1000 * model_s / n, 2),
        "rules_ms_per_frame": round(1000 * rules_s / n, 3),
        "pipeline_ms_per_frame": round(1000 * pipeline_s / n, 2),
        "pipeline_with_video_ms_per_frame": round(1000 * with_video_s / n, 2),
        "pipeline_vs_model": round(pipeline_s / model_s, 3),
        "estimator_no_choice_ms_per_frame": round(1000 * choice_s[False] / n, 2),
        "estimator_with_choice_ms_per_frame": round(1000 * choice_s[True] / n, 2),
        "person_choice_cost": round(choice_s[True] / choice_s[False], 3),
        "person": choice.as_dict() if choice else None,
        "realtime_factor": round(duration / pipeline_s, 2),
        "realtime_factor_with_video": round(duration / with_video_s, 2),
        "num_poses": config.get("pose.num_poses"),
        "workers": AnalysisSettings.from_config(config).pose_workers(),
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "mediapipe": mp.__version__,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
