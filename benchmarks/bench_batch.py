"""Benchmark: `formcoach batch` on 2 cores vs `analyze` in a loop, same run.

    .venv/bin/python benchmarks/bench_batch.py [--no-video] [VIDEO ...]

Defaults to the shared lunge clips. Prints one JSON line: seconds of video,
wall time of each way, and throughput as × real time.
"""

from __future__ import annotations

import json
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
    args = [a for a in sys.argv[1:] if a != "--no-video"]
    write_video = "--no-video" not in sys.argv[1:]
    videos = [Path(v) for v in args] or DEFAULT
    seconds = sum(VideoInfo.from_path(v).duration_s for v in videos)
    config = load_config()
    with tempfile.TemporaryDirectory() as tmp:
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
        t0 = time.perf_counter()
        batch = run_batch(
            [Job(str(v), "reverse-lunge") for v in videos],
            Path(tmp) / "batch",
            workers=2,
            save_history=False,
            write_video=write_video,
        )
        batch_s = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "videos": len(videos),
                "video_s": round(seconds, 1),
                "analyze_loop_s": round(loop_s, 1),
                "batch_s": round(batch_s, 1),
                "analyze_loop_x_realtime": round(seconds / loop_s, 2),
                "batch_x_realtime": round(seconds / batch_s, 2),
                "batch_vs_loop": round(loop_s / batch_s, 2),
                "batch_per_video_wall_s": [r.get("wall_s") for r in batch.rows],
            }
        )
    )


if __name__ == "__main__":
    main()
