"""Benchmark: what the shot-change check (formcoach.cuts) costs per frame.

Frames are decoded into memory first; then :meth:`ShotDetector.update` runs
over them, timed with the thread's CPU clock (the machines here are shared,
and wall time counts other people's work). The clip is scaled to each size
asked for (default 1280x720) and repeated ``--repeat`` times. Prints one JSON
line per size: median and 95th percentile ms per frame, and the budget
(0.5 ms at 720p).

Usage::

    .venv/bin/python benchmarks/bench_cuts.py [--video PATH] [--sizes 1280x720]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from formcoach.cuts import CutSettings, ShotDetector
from formcoach.settings import load_config
from formcoach.video import iter_frames

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Time the detector on a clip at each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=str(REPO / "videos" / "sports2d_demo.mp4"))
    parser.add_argument("--sizes", default="1280x720")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = CutSettings.from_config(load_config())
    images = [f.image_rgb for f in iter_frames(args.video)]
    for size in args.sizes.split(","):
        w, h = (int(v) for v in size.split("x"))
        frames = [cv2.resize(im, (w, h)) for im in images]
        detector = ShotDetector(settings, 30.0)
        times = []
        k = 0
        for _ in range(args.repeat):
            for image in frames:
                t0 = time.thread_time()
                detector.update(k, image, k * 33.3)
                times.append(time.thread_time() - t0)
                k += 1
        ms = np.array(times) * 1000
        print(json.dumps({
            "size": size, "frames": len(ms),
            "median_ms_per_frame": round(float(np.median(ms)), 3),
            "mean_ms_per_frame": round(float(ms.mean()), 3),
            "p95_ms": round(float(np.percentile(ms, 95)), 3),
            "cuts_found": len(detector.finish()),
            "budget_ms_per_frame_720p": 0.5,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
