"""Benchmark: hours of video in flat memory (issue #17).

Loops a clip (stream copy, no re-encoding) to each length asked for, runs
``formcoach analyze`` on it in a fresh process, and prints one JSON line per
length: wall time, × real time, peak memory (max RSS) and the size of
report.json and frames.csv.

Usage::

    .venv/bin/python benchmarks/bench_long.py [--video PATH] [--minutes 1 10 60]
        [--exercise reverse-lunge] [--with-video] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = (
    REPO.parent / "shared" / "videos" / "rnhrn" / "banded_reverse_lunges_side.mp4"
)

# Runs in the child: the analysis, then its own peak memory.
CHILD = """
import json, resource, sys
from pathlib import Path
from formcoach.pipeline import analyze_video
from formcoach.settings import load_config
video, exercise, out, write_video = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
# No time limit here: a loaded machine may take more than the default hour.
# Timed: the model poses every frame (no results from the file).
config = load_config(
    overrides=["analysis.max_seconds=0", "pose.cache.enabled=false", *sys.argv[5:]]
)
analyze_video(video, exercise, out, config, write_video=write_video == "1")
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"max_rss_mb": peak_kb / 1024}))
"""


def loop_clip(video: Path, minutes: float, folder: Path) -> Path:
    """``video`` repeated to ``minutes`` (stream copy)."""
    target = folder / f"{video.stem}_{minutes:g}min{video.suffix}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(video),
         "-t", f"{minutes * 60}", "-c", "copy", "-an", str(target)],
        check=True,
    )  # fmt: skip
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10, 60])
    parser.add_argument("--exercise", default="reverse-lunge")
    parser.add_argument("--with-video", action="store_true")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            clip = loop_clip(args.video, minutes, Path(tmp))
            out = Path(tmp) / f"out{minutes:g}"
            t0 = time.perf_counter()
            child = subprocess.run(
                [sys.executable, "-c", CHILD, str(clip), args.exercise, str(out),
                 "1" if args.with_video else "0", *args.overrides],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            wall = time.perf_counter() - t0
            peak = json.loads(child.stdout.strip().splitlines()[-1])["max_rss_mb"]
            frames = out / "frames.csv"
            report = json.loads((out / "report.json").read_text())
            print(
                json.dumps(
                    {
                        "minutes": minutes,
                        "settings": args.overrides,
                        "with_video": args.with_video,
                        "wall_s": round(wall, 1),
                        "realtime_factor": round(minutes * 60 / wall, 2),
                        "max_rss_mb": round(peak, 1),
                        "report_mb": round(
                            (out / "report.json").stat().st_size / 1e6, 3
                        ),
                        "frames_csv_mb": round(frames.stat().st_size / 1e6, 2)
                        if frames.exists()
                        else None,
                        # A looped clip jumps at every join; a join taken
                        # for an edit starts the pose model over.
                        "cuts": len(report.get("cuts", [])),
                        "reps": report["summary"].get("rep_count"),
                    }
                ),
                flush=True,
            )
            clip.unlink()


if __name__ == "__main__":
    main()
