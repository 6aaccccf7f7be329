"""Benchmark: ``formcoach analyze`` with the file of pose results off, cold and warm.

Each way runs as a user runs it, a whole command in a new process
(``--no-video --no-history``), in one data folder of its own:

* ``off``: ``--set pose.cache.enabled=false``, the model on every frame;
* ``cold``: the file on but empty (what the first analysis of a video pays
  for filing its results);
* ``warm``: the same command again (every result from the file);
* ``warm_other_rules``: again, with a rule threshold changed (the pose
  settings are the same, so the results still come from the file).

The ways alternate within each round, so a noisy machine slows them alike;
the ratios to ``off`` are per round. Each report's ``frames.csv`` and the
summary are compared with the ``off`` run's: they must be the same.

    python benchmarks/bench_pose_cache.py [--video CLIP] [--exercise NAME] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = (
    REPO.parent / "shared" / "videos" / "rnhrn" / "banded_reverse_lunges_side.mp4"
)
OTHER_RULES = "exercises.reverse_lunge.close_settle_max=0.12"


def analyse(
    video: Path, exercise: str, out: Path, home: Path, sets: list[str]
) -> float:
    """Wall time of one ``formcoach analyze`` command in a new process."""
    command = [
        sys.executable, "-m", "formcoach.cli", "analyze", str(video),
        "--exercise", exercise, "--out", str(out), "--quiet", "--no-video",
        "--no-history", *[a for s in sets for a in ("--set", s)],
    ]  # fmt: skip
    env = {**os.environ, "FORMCOACH_HOME": str(home)}
    t0 = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def outcome(out: Path) -> tuple[str, str]:
    """What must not change: the per-frame series and the summary."""
    report = json.loads((out / "report.json").read_text())
    return (out / "frames.csv").read_text(), json.dumps(report["summary"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--exercise", default="reverse-lunge")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            home = Path(tmp) / f"home{r}"  # an empty file each round
            ways = [
                ("off", ["pose.cache.enabled=false"]),
                ("cold", []),
                ("warm", []),
                ("warm_other_rules", [OTHER_RULES]),
            ]
            if r % 2:  # alternate: "off" after the cache's runs every other round
                ways = ways[1:] + ways[:1]
            outs: dict[str, Path] = {}
            for name, sets in ways:
                outs[name] = Path(tmp) / f"{name}{r}"
                spent = analyse(args.video, args.exercise, outs[name], home, sets)
                times.setdefault(name, []).append(spent)
            want = outcome(outs["off"])
            same = {n: outcome(outs[n]) == want for n in ("cold", "warm")}
            line = {k: round(v[-1], 2) for k, v in times.items()}
            print(json.dumps({"round": r, **line, "same_as_off": same}))
    off = times["off"]
    print(json.dumps({
        "video": args.video.name,
        "median_s": {k: round(statistics.median(v), 2) for k, v in times.items()},
        "ratio_to_off_per_round_median": {
            k: round(statistics.median(t / o for t, o in zip(v, off, strict=True)), 3)
            for k, v in times.items() if k != "off"
        },
    }))  # fmt: skip


if __name__ == "__main__":
    main()
