"""Does a workout need every frame? Compare analyses at every frame and at a rate.

For each shared clip, ``formcoach analyze --no-video`` runs twice with one
model (``analysis.workers=1``): the model on every frame, and on every k-th
frame (``[pose_rate]`` set to ``--rate``). Prints, per clip, whether the
counts, directions, legs and landings are the same, and how far the event
times (rep bottoms, foot contacts) moved, in frames of the original video.
The table in docs/performance.md ("Pose rate") comes from this script.

Usage::

    .venv/bin/python tools/eval_pose_rate.py [--rate 15] [--clips SUBSTRING ...]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from pathlib import Path

from formcoach.pipeline import analyze_video
from formcoach.settings import load_config

SHARED = Path(__file__).resolve().parents[2] / "shared" / "videos"

#: Shared clip -> (exercise, extra settings). See ../shared/videos/MANIFEST.md.
CLIPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rnhrn/banded_reverse_lunges_side.mp4": ("reverse-lunge", ()),
    "lunges/fitsolutions_musclewiki_kettlebell_reverse_lunge_real_side.mp4": (
        "reverse-lunge", ()),
    "lunges/loseweightkotlin_reverse_lunge_real_side_60fps.mp4": ("reverse-lunge", ()),
    "lunges/kinkatsu_reverse_lunge_rendered.mp4": ("reverse-lunge", ()),
    "lunges/kinkatsu_forward_lunge_rendered_CONTRAST.mp4": ("reverse-lunge", ()),
    "lunges/vcproj_forward_lunge_real_CONTRAST.mp4": ("reverse-lunge", ()),
    "lunges/nowva_split_squat_real_side.mp4": ("reverse-lunge", ()),
    "front/mewfit_joannasoh_curtsy_lunge_real_front_cfr25.mp4": ("reverse-lunge", ()),
    "front/mewfit_joannasoh_reverse_lunge_kneedrive_press_real_34front_cfr25.mp4": (
        "reverse-lunge", ()),
    "front/kinkatsu_curtsy_lunge_rendered.mp4": ("reverse-lunge", ()),
    "gait/walk_watcharapol_barefoot_side_LtoR.mp4": ("backward-walk", ()),
    "sports2d/demo.mp4": ("backward-walk", ("pose.num_poses=2",)),
    "mhuang/IMG_5396_treadmill_run_side.mp4": ("retro-run", ()),
    "derived/treadmill_run_side_time_reversed.mp4": ("retro-run", ()),
    "equipment/cyc_dataroots_trainer_side_faceL_fwd.mp4": ("backward-cycle", ()),
    "equipment/cyc_dataroots_trainer_side_faceL_REVERSED_bwd.mp4": (
        "backward-cycle", ()),
    "equipment/row_jakobkb_concept2_side_faceR_1stroke.mp4": ("reverse-row", ()),
}  # fmt: skip

#: What must not change, per row kind.
REP_KEYS = ("complete", "stepping_leg", "direction", "rear_foot_landing", "variant")
STEP_KEYS = ("foot", "landing", "direction")
COUNT_KEYS = (
    "rep_count", "partial_reps", "forward_lunges", "reps_left", "reps_right",
    "step_count", "direction", "revolutions", "direction_of_pedalling", "strokes",
)  # fmt: skip


def selected(
    substrings: list[str],
) -> Iterator[tuple[str, Path, str, tuple[str, ...]]]:
    """(name, path, exercise, settings) of each shared clip on hand whose name
    holds one of ``substrings`` (all of them when empty)."""
    for name, (exercise, settings) in CLIPS.items():
        if substrings and not any(c in name for c in substrings):
            continue
        clip = SHARED / name
        if clip.exists():
            yield name, clip, exercise, settings


def analyse(clip: Path, exercise: str, settings: list[str]) -> dict:
    config = load_config(overrides=["analysis.workers=1", *settings])
    with tempfile.TemporaryDirectory() as tmp:
        return analyze_video(clip, exercise, Path(tmp) / "o", config, write_video=False)


def events(report: dict) -> list[float]:
    """Rep bottoms or contact times, in seconds."""
    rows = report["reps"] or report["steps"]
    keys = ("bottom_s", "t_s", "catch_s", "start_s")
    return [
        next(r[k] for k in keys if r.get(k) is not None)
        for r in rows
        if any(r.get(k) is not None for k in keys)
    ]


def compare(full: dict, strided: dict) -> dict:
    fps = full["video"]["fps"] or 30.0
    counts = {
        k: (full["summary"].get(k), strided["summary"].get(k))
        for k in COUNT_KEYS
        if full["summary"].get(k) != strided["summary"].get(k)
    }
    same_rows = len(full["reps"]) == len(strided["reps"]) and len(full["steps"]) == len(
        strided["steps"]
    )
    labels = []
    for kind, keys in (("reps", REP_KEYS), ("steps", STEP_KEYS)):
        for a, b in zip(full[kind], strided[kind], strict=False):
            labels += [
                f"{kind[:-1]} {a.get('index', '')} {k}: {a.get(k)}->{b.get(k)}"
                for k in keys
                if a.get(k) != b.get(k)
            ]
    e_full, e_strided = events(full), events(strided)
    moved = (
        max(
            (abs(a - b) * fps for a, b in zip(e_full, e_strided, strict=True)),
            default=0,
        )
        if len(e_full) == len(e_strided)
        else None
    )
    return {
        "counts_changed": counts,
        "rows_same": same_rows,
        "labels_changed": labels,
        "max_event_shift_frames": None if moved is None else round(moved, 2),
        "cues_full": [c["code"] for c in full["summary"].get("top_cues", [])],
        "cues_strided": [c["code"] for c in strided["summary"].get("top_cues", [])],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--clips", nargs="*", default=[])
    args = parser.parse_args()
    print(
        "| clip | exercise | every k-th frame | counts | labels "
        "| max event shift (frames) | cues |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, clip, exercise, settings in selected(args.clips):
        key = exercise.replace("-", "_")
        full = analyse(clip, exercise, [*settings, f"pose_rate.{key}=0"])
        strided = analyse(clip, exercise, [*settings, f"pose_rate.{key}={args.rate}"])
        diff = compare(full, strided)
        counts = "same" if not diff["counts_changed"] else str(diff["counts_changed"])
        labels = (
            "same" if not diff["labels_changed"] else "; ".join(diff["labels_changed"])
        )
        cues = (
            "same"
            if diff["cues_full"] == diff["cues_strided"]
            else f"{diff['cues_full']} -> {diff['cues_strided']}"
        )
        print(
            f"| {name} | {exercise} | {strided.get('pose_every', 1)} | {counts} | "
            f"{labels} | {diff['max_event_shift_frames']} | {cues} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
