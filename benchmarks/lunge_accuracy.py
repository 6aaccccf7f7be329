"""Run the reverse-lunge coach on every shared clip and print a markdown table.

Compares what the coach reports with the hand labels in ../shared/labels.
Each clip is analysed as ``formcoach analyze`` does (one pass, the workout's
pose rate, leg mending, levelling, cuts). Used to write docs/accuracy.md::

    .venv/bin/python benchmarks/lunge_accuracy.py > /tmp/table.md
"""

from __future__ import annotations

import json
from pathlib import Path

from formcoach.exercises import create_coach
from formcoach.pipeline import pose_rate_hz
from formcoach.settings import load_config
from formcoach.stage_settings import PipelineSettings
from formcoach.stream import stream_video

SHARED = Path(__file__).resolve().parents[2] / "shared"

CLIPS = [
    "rnhrn/banded_reverse_lunges_side",
    "lunges/loseweightkotlin_reverse_lunge_real_side_60fps",
    "lunges/fitsolutions_musclewiki_kettlebell_reverse_lunge_real_side",
    "lunges/kinkatsu_reverse_lunge_rendered",
    "lunges/kinkatsu_forward_lunge_rendered_CONTRAST",
    "lunges/vcproj_forward_lunge_real_CONTRAST",
    "lunges/nowva_split_squat_real_side",
    "vengaza/squats_side",
    "kaiakol/squat_correct_007",
    "kaiakol/squat_correct_010",
    "kaiakol/squat_incorrect_002",
    "kaiakol/squat_incorrect_004",
    "sports2d/demo",
    "mhuang/IMG_5396_treadmill_run_side",
    "derived/treadmill_run_side_time_reversed",
]


def expected(labels: dict) -> str:
    exercise = labels.get("exercise", "")
    if "squat" in exercise and "lunge" not in exercise and "SPLIT" not in exercise:
        return f"0 (squats: {labels.get('complete_reps', '?')})"
    if "complete_reps" in labels:
        return f"{labels['complete_reps']} + {labels.get('partial_reps', 0)} partial"
    if "complete_forward_lunges" in labels:
        return f"0 (forward: {labels['complete_forward_lunges']})"
    if "split_squat_reps" in labels:
        return f"0 (split squat: {labels['split_squat_reps']} + 1 partial)"
    return "0 (not a lunge)"


def main() -> None:
    config = load_config()
    print(
        "| clip | labels: reps | coach: reps + partial | forward | movement | "
        "bottoms (s) | leg | rear foot | front knee (deg) | torso (deg) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for clip in CLIPS:
        video = SHARED / "videos" / f"{clip}.mp4"
        label_path = SHARED / "labels" / f"{clip}.json"
        labels = json.loads(label_path.read_text()) if label_path.exists() else {}
        coach = create_coach("reverse-lunge", config)
        result = stream_video(
            video,
            lambda: create_coach("reverse-lunge", config),
            PipelineSettings.of(config),
            rate_hz=pose_rate_hz(config, coach),
        ).result
        s = result.summary
        reps = [r for r in result.reps if r["direction"] != "forward"]
        print(
            f"| {clip} | {expected(labels)} | {s['rep_count']} + {s['partial_reps']} | "
            f"{s['forward_lunges']} | {s['movement']} | "
            + ", ".join(str(r["bottom_s"]) for r in reps) + " | "
            + ", ".join(r["stepping_leg"] for r in reps) + " | "
            + ", ".join(r["rear_foot_landing"] for r in reps) + " | "
            + ", ".join(f"{r['front_knee_angle_deg']:.0f}" for r in reps) + " | "
            + ", ".join(f"{r['torso_lean_deg']:.0f}" for r in reps) + " |"
        )  # fmt: skip


if __name__ == "__main__":
    main()
