"""Frame rate of one and of two simultaneous live sessions on this machine.

Each run starts a real Streamlit server and Debian's Chromium (fake camera:
the banded reverse-lunge clip at 640x480, 30 fps) inside a loopback-only
network namespace, via ``tests/browser/live_session.py``. Session A starts,
counts 2 reps (its frame rate alone is read then), session B joins in a
second browser context, and both frame rates are read from their panels once
a second for ``--measure-s``. Browsers and server share the same cores, as
in the test.

    sudo python benchmarks/bench_live_sessions.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared/videos/rnhrn/banded_reverse_lunges_side.mp4"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--measure-s", type=float, default=30.0)
    parser.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        help="Chromium's nice level (10: browsers yield the CPU to the server)",
    )
    args = parser.parse_args()
    if not CLIP.exists():
        sys.exit(f"needs {CLIP}")
    with tempfile.TemporaryDirectory() as tmp:
        y4m = Path(tmp) / "camera.y4m"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(CLIP), "-vf",
             "scale=640:360,pad=640:480:0:60,fps=30", "-pix_fmt", "yuv420p", str(y4m)],
            check=True,
        )  # fmt: skip
        rows = []
        for run in range(args.runs):
            proc = subprocess.run(
                ["unshare", "-n", sys.executable,
                 str(REPO / "tests/browser/live_session.py"), "--y4m", str(y4m),
                 "--out", f"{tmp}/run{run}", "--sessions", "2",
                 "--measure-s", str(args.measure_s),
                 "--browser-nice", str(args.browser_nice)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            if not lines:
                sys.exit(f"run {run + 1} gave no result:\n{proc.stderr[-2000:]}")
            result = json.loads(lines[-1])
            a = [s["fps_a"] for s in result["samples"] if s["fps_a"]]
            b = [s["fps_b"] for s in result["samples"] if s["fps_b"]]
            rows.append((result["fps"], statistics.median(a), min(a),
                         statistics.median(b), min(b)))  # fmt: skip
    print("| run | one session fps | two: A median / min | two: B median / min |")
    print("|---|---|---|---|")
    for i, (alone, am, amin, bm, bmin) in enumerate(rows, 1):
        print(f"| {i} | {alone} | {am:.0f} / {amin} | {bm:.0f} / {bmin} |")


if __name__ == "__main__":
    main()
