"""Benchmark: `formcoach batch` on 2 cores vs `analyze` in a loop, same run.

    .venv/bin/python benchmarks/bench_batch.py [--no-video] [--cli-loop]
        [--workers N] [--no-loop] [--set KEY=VALUE ...] [VIDEO ...]

Defaults to the shared lunge clips. Prints one JSON line: seconds of video,
wall time of each way, and throughput as × real time. The loop calls
``analyze_video`` in this process (no start-up per video); ``--cli-loop``
also times ``formcoach analyze`` run once per video, as a shell loop would.
``--set`` overrides settings for every way (e.g. ``batch.max_parts=1``);
``--workers`` sizes the batch's cluster (2); ``--no-loop`` times the batch
alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from formcoach.batch import Job, run_batch
from formcoach.pipeline import analyze_video
from formcoach.settings import load_config
from formcoach.video import VideoInfo

SHARED = Path(__file__).resolve().parents[2] / "shared" / "videos"
DEFAULT = [
    SHARED / "rnhrn/banded_reverse_lunges_side.mp4",
    SHARED / "lunges/loseweightkotlin_reverse_lunge_real_side_60fps.mp4",
    SHARED / "lunges/fitsolutions_musclewiki_kettlebell_reverse_lunge_real_side.mp4",
    SHARED / "lunges/kinkatsu_reverse_lunge_rendered.mp4",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("videos", nargs="*")
    parser.add_argument("--no-video", action="store_true")
    parser.add_argument("--cli-loop", action="store_true")
    parser.add_argument("--no-loop", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], dest="overrides")
    args = parser.parse_args()
    # Timed runs pose every time: no results from the file.
    args.overrides.insert(0, "pose.cache.enabled=false")
    write_video = not args.no_video
    videos = [Path(v) for v in args.videos] or DEFAULT
    seconds = sum(VideoInfo.from_path(v).duration_s for v in videos)
    config = load_config(overrides=args.overrides)
    extra: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.cli_loop:
            t0 = time.perf_counter()
            for i, v in enumerate(videos):
                command = [sys.executable, "-m", "formcoach.cli", "analyze", str(v)]
                command += ["--exercise", "reverse-lunge"]
                command += ["--out", str(Path(tmp) / f"cli{i}")]
                command += [] if write_video else ["--no-video"]
                for override in args.overrides:
                    command += ["--set", override]
                subprocess.run(command, check=True, capture_output=True)
            extra["cli_loop_s"] = round(time.perf_counter() - t0, 1)
        if not args.no_loop:
            t0 = time.perf_counter()
            for i, v in enumerate(videos):
                analyze_video(
                    v,
                    "reverse-lunge",
                    Path(tmp) / f"loop{i}",
                    config,
                    write_video=write_video,
                )
            loop_s = time.perf_counter() - t0
            extra["analyze_loop_s"] = round(loop_s, 1)
            extra["analyze_loop_x_realtime"] = round(seconds / loop_s, 2)
        t0 = time.perf_counter()
        batch = run_batch(
            [Job(str(v), "reverse-lunge") for v in videos],
            Path(tmp) / "batch",
            config=config,
            workers=args.workers,
            save_history=False,
            write_video=write_video,
        )
        batch_s = time.perf_counter() - t0
    # Above 1: the batch was faster than that loop.
    for loop in ("analyze_loop", "cli_loop"):
        if f"{loop}_s" in extra:
            extra[f"batch_vs_{loop}"] = round(extra[f"{loop}_s"] / batch_s, 2)
    print(
        json.dumps(
            {
                "videos": len(videos),
                "video_s": round(seconds, 1),
                "workers": args.workers,
                "batch_s": round(batch_s, 1),
                "batch_x_realtime": round(seconds / batch_s, 2),
                "batch_per_video_wall_s": [r.get("wall_s") for r in batch.rows],
                "batch_parts": [r.get("parts") for r in batch.rows],
                **extra,
            }
        )
    )


if __name__ == "__main__":
    main()
