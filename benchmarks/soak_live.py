"""Soak test of the live path: loop a clip through LiveSession for N minutes
of video time, sampling memory (RSS), per-frame latency and the rep counter.

    .venv/bin/python benchmarks/soak_live.py [--minutes 20] [--video PATH]

Prints one JSON line per sampled minute and a final summary line.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

from formcoach.live_session import LiveSession
from formcoach.settings import load_config
from formcoach.video import iter_frames

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared/videos/rnhrn/banded_reverse_lunges_side.mp4"
)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--video", type=Path, default=DEFAULT)
    parser.add_argument("--width", type=int, default=640)
    args = parser.parse_args()
    import cv2

    frames = []
    for f in iter_frames(args.video):
        h = round(f.image_rgb.shape[0] * args.width / f.image_rgb.shape[1])
        frames.append((f.timestamp_ms, cv2.resize(f.image_rgb, (args.width, h))))
    clip_ms = frames[-1][0] + (frames[-1][0] - frames[-2][0])
    total_ms = args.minutes * 60_000
    samples = []
    with LiveSession("reverse-lunge", load_config()) as live:
        t_video, loop, latencies = 0.0, 0, []
        next_sample = 0.0
        started = time.perf_counter()
        while t_video < total_ms:
            for ts, image in frames:
                t_video = loop * clip_ms + ts
                if t_video >= total_ms:
                    break
                t0 = time.perf_counter()
                _, feedback = live.process(image, t_video)
                latencies.append((time.perf_counter() - t0) * 1000)
                if t_video >= next_sample:
                    row = {
                        "video_min": round(t_video / 60_000, 2),
                        "rss_mb": round(rss_mb(), 1),
                        "latency_ms_p50": round(float(np.median(latencies)), 1),
                        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1),
                        "counter": feedback.counter,
                        "loops": loop,
                    }
                    samples.append(row)
                    print(json.dumps(row), flush=True)
                    latencies = []
                    next_sample += 60_000
            loop += 1
        result = live.finish()
    wall = time.perf_counter() - started
    rss = [s["rss_mb"] for s in samples]
    print(
        json.dumps(
            {
                "minutes": args.minutes,
                "loops": loop,
                "wall_s": round(wall, 1),
                "rss_first_mb": rss[1] if len(rss) > 1 else rss[0],
                "rss_last_mb": rss[-1],
                "rep_count": result.summary["rep_count"],
                "reps_per_loop": round(result.summary["rep_count"] / max(loop, 1), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
