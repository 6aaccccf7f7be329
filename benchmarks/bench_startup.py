"""How soon a one-shot ``formcoach analyze`` poses its first frame, and ends.

A whole command's time on a short clip swings by half a second from run to
run on these machines, which hides changes to its start (imports, the model's
load). The time from starting the process to the first pose varies less, so
this script measures both, in fresh processes, and can alternate two
checkouts (old, new, old, new, ...) on the same clip:

* ``first_pose_s``: from starting the process to the first frame posed;
* ``total_s``: from starting the process to its end;
* ``cpu_s``: the CPU time of the process (children included) for the whole run.

Usage::

    .venv/bin/python benchmarks/bench_startup.py [--rounds 8] [--cut-s 5]
        [--video PATH] [--with-video] [--old CHECKOUT]

Prints one JSON line per run, then the median and range per checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from bench_pipeline import DEFAULT_VIDEO, cut_clip

REPO = Path(__file__).resolve().parents[1]

# Run in the child: the CLI as a user runs it, with the time of the first
# pose noted (wall clock, so the parent can set it against its start).
CHILD = textwrap.dedent(
    """
    import json, sys, threading, time
    from formcoach import pose
    from formcoach.cli import main

    first = []
    lock = threading.Lock()
    process = pose.PoseEstimator.process

    def noted(self, *args, **kwargs):
        result = process(self, *args, **kwargs)
        with lock:
            if not first:
                first.append(time.time())
        return result

    pose.PoseEstimator.process = noted
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        if exc.code:
            raise
    import formcoach

    print(json.dumps({
        "first_pose_at": first[0] if first else None,
        "formcoach": formcoach.__file__,
    }))
    """
)


def run_once(code: Path, video: Path, with_video: bool) -> dict:
    """One ``formcoach analyze`` of ``video`` with ``code`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-c", CHILD, "analyze", str(video),
            "--exercise", "reverse-lunge", "--out", str(Path(tmp) / "out"),
            "--quiet", "--no-history", "--set", "pose.cache.enabled=false",
        ]  # fmt: skip
        if not with_video:
            command.append("--no-video")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        # Not run from a checkout: ``python -c`` puts its folder before PYTHONPATH.
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp)
        ended = time.time()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{code}: the analysis failed:\n{proc.stderr[-2000:]}")
    said = json.loads(proc.stdout.strip().splitlines()[-1])
    if not Path(said["formcoach"]).resolve().is_relative_to(code.resolve()):
        raise SystemExit(f"{code} was not the code run: {said['formcoach']}")
    first_at = said["first_pose_at"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "code": str(code),
        "first_pose_s": round(first_at - started, 3) if first_at else None,
        "total_s": round(ended - started, 3),
        "cpu_s": round(cpu, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument(
        "--cut-s", type=float, default=5.0, help="its first CUT_S seconds (0: all)"
    )
    parser.add_argument(
        "--with-video", action="store_true", help="write the annotated video too"
    )
    parser.add_argument("--old", type=Path, help="another checkout, run in turn")
    args = parser.parse_args()
    if not args.video.exists():
        raise SystemExit(f"{args.video} not found; pass --video PATH")
    checkouts = [args.old, REPO] if args.old else [REPO]
    runs: dict[str, list[dict]] = {str(code): [] for code in checkouts}
    with tempfile.TemporaryDirectory() as cut_dir:
        video = args.video
        if args.cut_s:
            video = cut_clip(args.video, args.cut_s, Path(cut_dir))
        for _ in range(args.rounds):
            for code in checkouts:
                line = run_once(code, video, args.with_video)
                runs[str(code)].append(line)
                print(json.dumps(line), flush=True)
    for code, lines in runs.items():
        summary = {}
        for key in ("first_pose_s", "total_s", "cpu_s"):
            values = [line[key] for line in lines]
            summary[key] = {
                "median": round(statistics.median(values), 3),
                "range": [min(values), max(values)],
            }
        print(f"{code}: {len(lines)} runs: {json.dumps(summary)}")


if __name__ == "__main__":
    main()
