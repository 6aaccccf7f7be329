"""How repeatable is an analysis? The same clip, changed in ways no one sees.

For each shared clip (the list of ``tools/eval_pose_rate.py``), ``formcoach
analyze --no-video`` runs with one model on the clip and on two copies made
with ffmpeg at run time (never kept):

- ``trim1``: the first frame dropped, every other frame's pixels the same
  (lossless H.264); event times are compared one frame later.
- ``crf18``: re-encoded at CRF 18, as an upload or a re-export would be.

Prints, per clip and copy, what changed against the clip itself: counts,
labels, the largest event shift in frames and the top cues. With
``--settings``, each copy is analysed with those settings too (e.g.
``smoothing.leg_swap_cost=0`` for the analysis without leg mending). The
table in docs/performance.md ("Session 10") comes from this script.

Usage::

    .venv/bin/python tools/eval_repeatability.py [--clips SUBSTRING ...]
        [--settings KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_pose_rate import analyse, compare, selected

#: Copy name -> ffmpeg output options.
COPIES = {
    "trim1": [
        "-vf", "trim=start_frame=1,setpts=PTS-STARTPTS",
        "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast",
    ],
    "crf18": ["-c:v", "libx264", "-crf", "18", "-preset", "medium"],
}  # fmt: skip


def one_frame_later(report: dict) -> dict:
    """The event times of a clip that starts one frame late, on the clip's clock."""
    step = 1.0 / (report["video"]["fps"] or 30.0)
    for kind in ("reps", "steps"):
        for row in report[kind]:
            for key in ("bottom_s", "t_s", "catch_s", "start_s"):
                if row.get(key) is not None:
                    row[key] += step
    return report


def describe(diff: dict) -> str:
    parts = []
    if diff["counts_changed"]:
        parts.append(f"counts {diff['counts_changed']}")
    if diff["labels_changed"]:
        parts.append("; ".join(diff["labels_changed"]))
    if diff["cues_full"] != diff["cues_strided"]:
        parts.append(f"cues {diff['cues_full']} -> {diff['cues_strided']}")
    shift = diff["max_event_shift_frames"]
    return f"{'; '.join(parts) or 'same'} (events {shift})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="*", default=[])
    parser.add_argument("--settings", nargs="*", default=[])
    args = parser.parse_args()
    runs = {"as is": []} | ({"with settings": args.settings} if args.settings else {})
    header = " | ".join(f"{copy}, {run}" for run in runs for copy in COPIES)
    print(f"| clip | {header} |")
    print("|---|" + "---|" * (len(runs) * len(COPIES)))
    with tempfile.TemporaryDirectory() as tmp:
        for name, clip, exercise, settings in selected(args.clips):
            copies = {}
            for copy, options in COPIES.items():
                copies[copy] = Path(tmp) / f"{copy}{clip.suffix}"
                subprocess.run(
                    ["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-an",
                     *options, str(copies[copy])],
                    check=True,
                )  # fmt: skip
            cells = []
            for extra in runs.values():
                base = analyse(clip, exercise, [*settings, *extra])
                for copy, path in copies.items():
                    other = analyse(path, exercise, [*settings, *extra])
                    if copy == "trim1":
                        other = one_frame_later(other)
                    cells.append(describe(compare(base, other)))
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
