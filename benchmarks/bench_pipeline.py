"""Benchmark: bare pose model vs the full FormCoach pipeline, in one run.

Machines here are noisy, so only ratios measured in the same run mean much.
Prints one JSON line with:

* ``decode_ms_per_frame``: PyAV decode + RGB conversion alone;
* ``model_ms_per_frame``: MediaPipe ``detect_for_video`` on frames already in
  memory (the bare model, as Google built it);
* ``model_without_mask_ms_per_frame``: the same without the segmentation mask
  (``pose.skip_mask``, what the pipeline runs: the same landmarks);
* ``rules_ms_per_frame``: offline smoothing + the exercise coach;
* ``pipeline_ms_per_frame``: ``formcoach analyze --no-video`` (decode + pose
  + smoothing + rules + report), start-up included;
* ``pipeline_with_video_ms_per_frame``: ``formcoach analyze``, annotated H.264
  included;
* ``model_load_ms``: loading the pose model (a fixed cost per analysis);
* ``pipeline_vs_model``: pipeline / model (target <= 1.15);
  ``pipeline_vs_model_without_mask`` against the model it runs;
* ``estimator_no_choice_ms_per_frame`` / ``estimator_with_choice_ms_per_frame``:
  ``PoseEstimator.process`` without and with the person choice (scout runs,
  crop) on frames in memory, best of two each; ``person_choice_cost`` their
  ratio;
* with ``--world-cost``, what the world landmarks (3D, metres) cost beyond
  the picture's points, in ms/frame: ``world_convert_ms_per_frame`` (reading
  them from the model's result), ``world_smooth_ms_per_frame`` (filtering
  them) and ``world_rules_ms_per_frame`` (the coach's 3D measures: the same
  poses with their world points removed, the coach's no-3D path), and
  ``world_vs_model``, their sum over the bare model;
* ``realtime_factor`` / ``realtime_factor_with_video``: seconds of video
  analysed per second of wall time (targets >= 1.8 and >= 1.5 at 720p30);
* ``annotated_video_mb``: the size of the annotated video (the encoder's
  settings trade its CPU time against it);
* ``cli_s``, ``cli_realtime_factor`` / ``cli_realtime_factor_with_video``:
  the same for a whole ``formcoach analyze`` command in a new process, which
  adds the fixed costs of a one-shot analysis (interpreter, imports, model
  loads); ``cli_startup_s`` is ``cli_s`` minus the in-process analysis;
* ``cli_again_s`` / ``cli_again_realtime_factor``: the command without the
  video on a clip analysed before with the same pose settings, every pose
  result from the file of results (a fresh file, filled by one untimed run);
  the other runs here keep the file off and pose every frame.

Usage::

    .venv/bin/python benchmarks/bench_pipeline.py [--video PATH] [--exercise NAME]
        [--cut-s 5] [--set KEY=VALUE] [--person-cost] [--world-cost]

It uses only APIs every revision since issue #9 has, so
``benchmarks/compare_revisions.py`` can run it against older code.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mediapipe as mp
import numpy as np

from formcoach.exercises import create_coach
from formcoach.pipeline import analyze_video, run_coach
from formcoach.pose import PoseEstimator, PoseFrame, PoseOptions
from formcoach.settings import load_config
from formcoach.smoothing import smooth_offline
from formcoach.stage_settings import AnalysisSettings
from formcoach.video import VideoInfo, iter_frames

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = (
    REPO.parent / "shared" / "videos" / "rnhrn" / "banded_reverse_lunges_side.mp4"
)


def cut_clip(video: Path, seconds: float, folder: Path) -> Path:
    """The first ``seconds`` of ``video`` (stream copy: no re-encoding)."""
    target = folder / f"{video.stem}_first{seconds:g}s{video.suffix}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(video), "-t", f"{seconds}",
         "-c", "copy", "-an", str(target)],
        check=True,
    )  # fmt: skip
    return target


def analyse_s(
    video: Path, exercise: str, config, *, write_video: bool
) -> tuple[float, int]:
    """Wall time of ``analyze_video`` (what ``formcoach analyze`` runs), and
    the size of the annotated video it wrote (bytes; 0 without one)."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        analyze_video(
            video, exercise, Path(tmp) / "out", config, write_video=write_video
        )
        seconds = time.perf_counter() - t0
        annotated = Path(tmp) / "out" / "annotated.mp4"
        return seconds, annotated.stat().st_size if annotated.exists() else 0


def cli_s(
    video: Path,
    exercise: str,
    overrides: list[str],
    *,
    write_video: bool,
    env: dict[str, str] | None = None,
) -> float:
    """Wall time of a whole ``formcoach analyze`` command, in a new process.

    What a user waits for: the interpreter's start, the imports and the model
    loads included (the fixed costs of a one-shot analysis).
    """
    sets = [arg for override in overrides for arg in ("--set", override)]
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-m", "formcoach.cli", "analyze", str(video),
            "--exercise", exercise, "--out", str(Path(tmp) / "out"),
            "--quiet", "--no-history", *sets,
        ]  # fmt: skip
        if not write_video:
            command.append("--no-video")
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        return time.perf_counter() - t0


def cli_again_s(video: Path, exercise: str, overrides: list[str]) -> float:
    """Wall time of ``formcoach analyze`` (no video) on a video analysed before.

    The same pose settings, so every pose result comes from the file of
    results (as when a user re-runs a clip with another workout, preset or
    output). The file is a fresh one in a temporary folder, filled by one
    untimed run.
    """
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "FORMCOACH_CACHE": cache}
        again = [*overrides, "pose.cache.enabled=true"]
        cli_s(video, exercise, again, write_video=False, env=env)
        return cli_s(video, exercise, again, write_video=False, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--exercise", default="reverse-lunge")
    parser.add_argument(
        "--cut-s",
        type=float,
        default=0.0,
        help="analyse only the first CUT_S seconds (a short upload)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="config override, as for formcoach analyze (e.g. pose.num_poses=1)",
    )
    parser.add_argument(
        "--person-cost",
        action="store_true",
        help="also time the pose model with and without the person choice",
    )
    parser.add_argument(
        "--world-cost",
        action="store_true",
        help="also time what the world (3D) landmarks cost: reading, smoothing, rules",
    )
    args = parser.parse_args()
    if not args.video.is_file():
        raise SystemExit(
            f"{args.video} not found; pass --video PATH (a 720p clip is the reference)"
        )
    with tempfile.TemporaryDirectory() as cut_dir:
        video = (
            cut_clip(args.video, args.cut_s, Path(cut_dir))
            if args.cut_s
            else args.video
        )
        line = measure(
            video,
            args.exercise,
            # Timed runs pose every time: no results from the file.
            ["pose.cache.enabled=false", *args.overrides],
            args.person_cost,
            args.world_cost,
        )
        print(json.dumps(line))


def _person_choice_cost(config, frames) -> dict:
    """``PoseEstimator.process`` with and without the person choice (best of 2)."""
    n = len(frames)
    choice_s: dict[bool, float] = {}
    choice = None
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
    return {
        "estimator_no_choice_ms_per_frame": round(1000 * choice_s[False] / n, 2),
        "estimator_with_choice_ms_per_frame": round(1000 * choice_s[True] / n, 2),
        "person_choice_cost": round(choice_s[True] / choice_s[False], 3),
        "person": choice.as_dict() if choice else None,
    }


def _best_s(work, repeats: int = 5) -> float:
    """The best wall time of ``repeats`` calls of ``work()``."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t0)
    return best


def _world_cost(results, frames, poses, exercise: str, config) -> dict:
    """ms/frame the world landmarks add: reading, smoothing and the rules.

    Each is timed with and without them on the same frames (best of 5): the
    model's results with ``pose_world_landmarks`` emptied, and the poses with
    their world points set missing (the coach's path for a source without 3D).
    """
    n = len(frames)

    def convert(keep_world: bool):
        for result, f in zip(results, frames, strict=True):
            if not keep_world:
                result = dataclasses.replace(result, pose_world_landmarks=[])
            PoseFrame.from_mediapipe(
                result, frame_index=f.index, timestamp_ms=f.timestamp_ms,
                resolution_wh=(f.image_rgb.shape[1], f.image_rgb.shape[0]),
            )  # fmt: skip

    flat = [dataclasses.replace(p, world_xyz=p.world_xyz * np.nan) for p in poses]
    smoothed = {
        True: smooth_offline(poses, config),
        False: smooth_offline(flat, config),
    }
    out = {}
    for name, work in (
        ("convert", convert),
        ("smooth", lambda keep: smooth_offline(poses if keep else flat, config)),
        (
            "rules",
            lambda keep: run_coach(smoothed[keep], create_coach(exercise, config)),
        ),
    ):
        with_world = _best_s(lambda w=work: w(True))
        without = _best_s(lambda w=work: w(False))
        out[f"world_{name}_ms_per_frame"] = round(1000 * (with_world - without) / n, 3)
    return out


def measure(
    video: Path,
    exercise: str,
    overrides: list[str],
    person_cost: bool = False,
    world_cost: bool = False,
) -> dict:
    """Every figure of one run, as a dict."""
    config = load_config(overrides=overrides)
    info = VideoInfo.from_path(video)

    t0 = time.perf_counter()
    frames = list(iter_frames(video))
    decode_s = time.perf_counter() - t0
    n = len(frames)

    # Bare model: the landmarker alone on frames already decoded, as Google
    # built it and without the mask nobody uses (pose.skip_mask), in turn.
    images = [
        mp.Image(image_format=mp.ImageFormat.SRGB, data=f.image_rgb) for f in frames
    ]
    bare_s: dict[bool, float] = {}
    # An older checkout (compare_revisions.py) has no pose.skip_mask.
    trims = hasattr(PoseOptions, "skip_mask")
    for skip_mask in (False, True) if trims else (False,):
        t0 = time.perf_counter()
        options = PoseOptions.from_config(config)
        if trims:
            options = dataclasses.replace(options, skip_mask=skip_mask)
        with PoseEstimator(options) as estimator:
            load_s = time.perf_counter() - t0
            landmarker = estimator._landmarker.graph  # MediaPipe's own
            t0 = time.perf_counter()
            results = [
                landmarker.detect_for_video(image, i * 33 + 1)
                for i, image in enumerate(images)
            ]
            bare_s[skip_mask] = time.perf_counter() - t0
    model_s = bare_s[False]
    trimmed_model_s = bare_s.get(True, math.nan)
    # The clip's poses for the rules (a fresh model: timestamps start again).
    with PoseEstimator(PoseOptions.from_config(config)) as estimator:
        poses = [
            estimator.process(f.image_rgb, f.timestamp_ms, f.index) for f in frames
        ]
    del images

    # The person choice (issue #15): PoseEstimator.process with and without
    # it, on the same frames, in this run (frames already decoded).
    person: dict = {}
    if person_cost:
        person = _person_choice_cost(config, frames)
    world: dict = {}
    if world_cost:
        world = _world_cost(results, frames, poses, exercise, config)
        world["world_vs_model"] = round(sum(world.values()) * n / 1000 / model_s, 4)
    del frames, results

    # Smoothing + rules, on the clip's poses: the best of 5 repeats.
    def smooth_and_coach() -> object:
        coach = create_coach(exercise, config)
        return run_coach(
            smooth_offline(poses, config, mend_legs=coach.mends_legs), coach
        )

    rules_s = _best_s(smooth_and_coach)

    pipeline_s, _ = analyse_s(video, exercise, config, write_video=False)
    with_video_s, video_bytes = analyse_s(video, exercise, config, write_video=True)
    command_s = cli_s(video, exercise, overrides, write_video=False)
    command_with_video_s = cli_s(video, exercise, overrides, write_video=True)
    command_again_s = cli_again_s(video, exercise, overrides)

    duration = info.duration_s or n / info.fps
    return {
        "video": str(video.name),
        "resolution": f"{info.width}x{info.height}",
        "fps": round(info.fps, 2),
        "frames": n,
        "decode_ms_per_frame": round(1000 * decode_s / n, 2),
        "model_load_ms": round(1000 * load_s, 1),
        "model_ms_per_frame": round(1000 * model_s / n, 2),
        "model_without_mask_ms_per_frame": round(1000 * trimmed_model_s / n, 2),
        "rules_ms_per_frame": round(1000 * rules_s / n, 3),
        "pipeline_ms_per_frame": round(1000 * pipeline_s / n, 2),
        "pipeline_with_video_ms_per_frame": round(1000 * with_video_s / n, 2),
        "pipeline_vs_model": round(pipeline_s / model_s, 3),
        "pipeline_vs_model_without_mask": round(pipeline_s / trimmed_model_s, 3),
        **person,
        **world,
        "realtime_factor": round(duration / pipeline_s, 2),
        "realtime_factor_with_video": round(duration / with_video_s, 2),
        "annotated_video_mb": round(video_bytes / 1e6, 3),
        "cli_s": round(command_s, 2),
        "cli_startup_s": round(command_s - pipeline_s, 2),
        "cli_realtime_factor": round(duration / command_s, 2),
        "cli_realtime_factor_with_video": round(duration / command_with_video_s, 2),
        "cli_again_s": round(command_again_s, 2),
        "cli_again_realtime_factor": round(duration / command_again_s, 2),
        "num_poses": config.get("pose.num_poses"),
        "workers": AnalysisSettings.from_config(config).pose_workers(),
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "mediapipe": mp.__version__,
    }


if __name__ == "__main__":
    main()
