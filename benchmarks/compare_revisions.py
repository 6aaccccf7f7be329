"""Benchmark two revisions of FormCoach alternately, in one session.

Machines here are noisy and their speed drifts, so old and new code are run
in turn (old, new, old, new, ...), each run in a fresh process with its
checkout first on ``PYTHONPATH``, on the same clips. Prints every JSON line,
then a Markdown table of the medians per revision and clip.

Usage::

    git worktree add /tmp/old <commit>
    .venv/bin/python benchmarks/compare_revisions.py --old /tmp/old \\
        [--rounds 3] [--cut-s 5] [--video PATH] [--exercise NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks" / "bench_pipeline.py"
FIELDS = (
    "model_ms_per_frame",
    "model_without_mask_ms_per_frame",
    "pipeline_ms_per_frame",
    "pipeline_vs_model",
    "realtime_factor",
    "pipeline_with_video_ms_per_frame",
    "realtime_factor_with_video",
    "annotated_video_mb",
    "cli_realtime_factor",
    "cli_realtime_factor_with_video",
    "cli_startup_s",
    "cli_again_realtime_factor",
    "rules_ms_per_frame",
    "model_load_ms",
)


def run(checkout: Path, extra: list[str]) -> dict:
    """One bench_pipeline run with ``checkout``'s formcoach package."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, str(BENCH), *extra],
        env=env,
        cwd=checkout,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the old checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cut-s", type=float, default=5.0)
    parser.add_argument("--video", type=Path, default=None)
    parser.add_argument("--exercise", default=None, help="as for bench_pipeline")
    args = parser.parse_args()
    common = ["--video", str(args.video)] if args.video else []
    if args.exercise:
        common += ["--exercise", args.exercise]
    clips = {
        "full clip": common,
        f"first {args.cut_s:g} s": [*common, "--cut-s", str(args.cut_s)],
    }
    results: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.rounds):
        for clip, extra in clips.items():
            for name, checkout in (("old", args.old), ("new", REPO)):
                line = run(checkout.resolve(), extra)
                line.update(revision=name, clip=clip)
                print(json.dumps(line), flush=True)
                results.setdefault((clip, name), []).append(line)
    print()
    print("| clip | code | " + " | ".join(FIELDS) + " |")
    print("|---|---|" + "---|" * len(FIELDS))
    for (clip, name), lines in results.items():
        cells = [
            f"{statistics.median(line[f] for line in lines if f in line):g}"
            if any(line.get(f) is not None for line in lines)
            else "-"
            for f in FIELDS
        ]
        print(f"| {clip} | {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
