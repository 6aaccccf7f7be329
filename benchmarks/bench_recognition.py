"""Benchmark: what recognition adds per frame, next to the bare pose model, in one run.

Machines here are noisy (shared cores), so both numbers are measured in the
same run on the same clip. Prints one JSON line with:

* ``model_ms_per_frame``: MediaPipe ``detect_for_video`` on frames already in
  memory (the bare model, one thread);
* ``live_ms_per_frame``: :class:`LiveRecogniser.update` per frame (signals of
  the frame, plus a window every ``hop_s``), averaged over the clip;
* ``live_max_ms``: the slowest single update (a window frame);
* ``offline_ms_per_frame``: :func:`recognise` over the whole smoothed clip,
  divided by its frames (features, windows, smoothing, boundaries);
* ``budget_ms_per_frame``: 0.3, the target for both.

The clip is repeated ``--repeat`` times end to end for the recognition
timings so the windows are many and the numbers stable.

Usage::

    .venv/bin/python benchmarks/bench_recognition.py [--video PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import replace
from pathlib import Path

from formcoach.pose import PoseEstimator, PoseOptions
from formcoach.recognition import LiveRecogniser, RecognitionSettings, recognise
from formcoach.settings import load_config
from formcoach.smoothing import smooth_offline
from formcoach.video import iter_frames

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "videos" / "rnhrn" / "banded_reverse_lunges_side.mp4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEFAULT if DEFAULT.exists()
                        else REPO / "videos" / "sports2d_demo.mp4")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    config = load_config(overrides=["pose.cache.enabled=false"])  # model timed
    settings = RecognitionSettings.from_config(config)

    images = [(f.image_rgb, f.timestamp_ms) for f in iter_frames(args.video)]
    poses = []
    with PoseEstimator(PoseOptions.from_config(config)) as estimator:
        estimator.process(images[0][0], images[0][1] - 1000)  # start the graph
        started = time.perf_counter()
        for i, (image, ts) in enumerate(images):
            poses.append(estimator.process(image, ts, i))
        model_s = time.perf_counter() - started
    smoothed = smooth_offline(poses, config)
    span = smoothed[-1].timestamp_ms + 1000 / 30 - smoothed[0].timestamp_ms
    frames = [
        replace(
            f, timestamp_ms=f.timestamp_ms + k * span, frame_index=k * len(smoothed) + i
        )
        for k in range(args.repeat)
        for i, f in enumerate(smoothed)
    ]

    live = LiveRecogniser(settings)
    worst = 0.0
    started = time.perf_counter()
    for f in frames:
        t0 = time.perf_counter()
        live.update(f)
        worst = max(worst, time.perf_counter() - t0)
    live_s = time.perf_counter() - started

    started = time.perf_counter()
    segments = recognise(frames, settings)
    offline_s = time.perf_counter() - started

    print(json.dumps({
        "video": str(args.video),
        "frames_model": len(images),
        "frames_recognition": len(frames),
        "model_ms_per_frame": round(1000 * model_s / len(images), 3),
        "live_ms_per_frame": round(1000 * live_s / len(frames), 4),
        "live_max_ms": round(1000 * worst, 3),
        "offline_ms_per_frame": round(1000 * offline_s / len(frames), 4),
        "budget_ms_per_frame": 0.3,
        "segments": len(segments),
        "cpu": platform.processor() or platform.machine(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
