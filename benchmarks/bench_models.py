"""Benchmark: BlazePose *lite* against *full* on the shared clips, in one run.

For every shared clip with hand labels, both bundled models (``pose.model``)
go through the same pose pass (:func:`~formcoach.pose_pass.estimate_poses`),
smoothing and the coach for the clip's exercise. Prints a markdown table:

* what the coach reports with each model: the count (reps + partial,
  forward lunges and split-squat cycles; steps; revolutions; strokes), the
  direction / movement and the landing types;
* event times: the lunge bottoms, gait contacts, pedal revolutions and
  rowing strokes of one model matched to the other's, the largest shift in
  frames (``n/a`` when the counts differ);
* knee angles: per frame, both knees in the picture after smoothing,
  lite minus full, median and 95th percentile of the absolute difference
  (left/right paired the way that fits best, because the model swaps the
  legs' labels in side views, more often in one model than the other); for
  lunges also the largest difference of a rep's front-knee angle;
* the bare model (``detect_for_video`` on frames already decoded, full and
  lite alternated twice on the same frames) in ms per frame.

Then one JSON line per clip on stderr for anyone who wants the raw numbers.
Used to write the "Lite vs full" section of docs/performance.md::

    .venv/bin/python benchmarks/bench_models.py [--mirrored] > /tmp/models.md
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mediapipe as mp
import numpy as np

from formcoach.body import joint_angles
from formcoach.exercises import create_coach
from formcoach.pipeline import run_coach
from formcoach.pose import PoseEstimator, PoseOptions
from formcoach.pose_pass import estimate_poses
from formcoach.settings import load_config
from formcoach.smoothing import smooth_offline
from formcoach.video import iter_frames

SHARED = Path(__file__).resolve().parents[2] / "shared"
MODELS = ("full", "lite")

#: (clip, coach, extra overrides), the coach each clip is judged with in
#: tests/ and docs/accuracy.md.
CLIPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("rnhrn/banded_reverse_lunges_side", "reverse-lunge", ()),
    ("lunges/loseweightkotlin_reverse_lunge_real_side_60fps", "reverse-lunge", ()),
    ("lunges/fitsolutions_musclewiki_kettlebell_reverse_lunge_real_side",
     "reverse-lunge", ()),
    ("lunges/kinkatsu_reverse_lunge_rendered", "reverse-lunge", ()),
    ("lunges/kinkatsu_forward_lunge_rendered_CONTRAST", "reverse-lunge", ()),
    ("lunges/vcproj_forward_lunge_real_CONTRAST", "reverse-lunge", ()),
    ("lunges/nowva_split_squat_real_side", "reverse-lunge", ()),
    ("front/mewfit_joannasoh_curtsy_lunge_real_front_cfr25", "reverse-lunge", ()),
    ("front/mewfit_joannasoh_reverse_lunge_kneedrive_press_real_34front_cfr25",
     "reverse-lunge", ()),
    ("front/kinkatsu_curtsy_lunge_rendered", "reverse-lunge", ()),
    ("vengaza/squats_side", "reverse-lunge", ()),
    ("mhuang/IMG_5396_treadmill_run_side", "retro-run", ()),
    ("derived/treadmill_run_side_time_reversed", "retro-run", ()),
    ("sports2d/demo", "backward-walk", ("pose.num_poses=2",)),
    ("gait/walk_watcharapol_barefoot_side_LtoR", "backward-walk", ()),
    ("equipment/cyc_dataroots_trainer_side_faceL_fwd", "backward-cycle", ()),
    ("equipment/cyc_dataroots_trainer_side_faceL_REVERSED_bwd", "backward-cycle", ()),
    ("equipment/row_jakobkb_concept2_side_faceR_1stroke", "reverse-row", ()),
]  # fmt: skip

#: Side views whose mirror image (``--mirrored``) faces the other way.
MIRRORED = [c for c in CLIPS if c[0].startswith(("rnhrn/", "lunges/", "equipment/cyc"))]

#: Frames per clip for the bare-model timing (each model runs twice on them).
TIMING_FRAMES = 60


@dataclass
class Outcome:
    """What one model gave on one clip."""

    count: str
    direction: str
    landings: str
    events: list[int]
    knees: np.ndarray  # (n_frames, 2): left, right knee in degrees
    front_knees: list[float] = field(default_factory=list)
    found_share: float = 0.0
    pass_ms: float = 0.0


def _outcome(coach_name: str, video: Path, overrides: tuple[str, ...], model: str):
    config = load_config(
        overrides=[f"pose.model={model}", "pose.cache.enabled=false", *overrides]
    )
    min_vis = float(config.get("analysis.min_visibility"))
    t0 = time.perf_counter()
    track = estimate_poses(video, config)
    pass_s = time.perf_counter() - t0
    coach = create_coach(coach_name, config)
    smoothed = smooth_offline(
        track.frames,
        config,
        cutoff_hz=coach.smoothing_cutoff_hz,
        mend_legs=coach.mends_legs,
    )
    result = run_coach(smoothed, coach)[1]
    fps = track.info.fps or 30.0
    s = result.summary
    if coach_name == "reverse-lunge":
        count = (
            f"{s['rep_count']}+{s['partial_reps']}, fwd {s['forward_lunges']}, "
            f"split {s['split_squat_reps']}"
        )
        direction = s["movement"]
        reps = [r for r in result.reps if r.get("bottom_s") is not None]
        landings = " ".join(str(r["rear_foot_landing"]) for r in reps)
        events = [round(r["bottom_s"] * fps) for r in reps]
        front = [float(r["front_knee_angle_deg"]) for r in reps
                 if r.get("front_knee_angle_deg") is not None]  # fmt: skip
    elif coach_name in ("retro-run", "backward-walk"):
        count = str(s["step_count"])
        direction = s["direction_of_travel"]
        landings = " ".join(f"{k[0]}{v}" for k, v in s["landings"].items() if v)
        events = [int(st["frame"]) for st in result.steps]
        front = []
    elif coach_name == "backward-cycle":
        count = str(s["revolutions"])
        direction = s["direction"]
        landings = "-"
        events = [round(r["start_s"] * fps) for r in result.reps]
        front = []
    else:  # reverse-row
        count = str(s["strokes"])
        direction = s.get("phase") or "-"
        landings = "-"
        events = [round(r["start_s"] * fps) for r in result.reps]
        front = []
    knees = np.array(
        [[(a := joint_angles(f, min_vis))["left_knee"], a["right_knee"]]
         for f in smoothed]
    )  # fmt: skip
    found = np.mean([not f.is_empty() for f in track.frames]) if track.frames else 0
    return Outcome(
        count=count,
        direction=direction,
        landings=landings or "-",
        events=events,
        knees=knees,
        front_knees=front,
        found_share=float(found),
        pass_ms=1000 * pass_s / max(len(track.frames), 1),
    )


def _knee_diff(full: np.ndarray, lite: np.ndarray) -> np.ndarray:
    """Per-frame mean |lite - full| of the two knees, legs paired the best way."""
    n = min(len(full), len(lite))
    full, lite = full[:n], lite[:n]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a knee unseen in both
        same = np.nanmean(np.abs(lite - full), axis=1)
        swapped = np.nanmean(np.abs(lite[:, ::-1] - full), axis=1)
    diff = np.fmin(same, swapped)
    return diff[np.isfinite(diff)]


def _bare_model_ms(
    video: Path, overrides: tuple[str, ...], rounds: int = 2
) -> dict[str, float]:
    """ms/frame of ``detect_for_video`` alone, the best of ``rounds`` runs each.

    Full and lite alternate on the same frames; other load on the machine
    only adds time, so the fastest run is the nearest to the model's cost.
    """
    frames = list(iter_frames(video, max_frames=TIMING_FRAMES))
    images = [
        mp.Image(image_format=mp.ImageFormat.SRGB, data=f.image_rgb) for f in frames
    ]
    times: dict[str, list[float]] = {m: [] for m in MODELS}
    for model in MODELS * rounds:
        config = load_config(
            overrides=[f"pose.model={model}", "pose.cache.enabled=false", *overrides]
        )
        with PoseEstimator(PoseOptions.from_config(config)) as estimator:
            landmarker = estimator._landmarker.graph  # MediaPipe's own
            t0 = time.perf_counter()
            for i, image in enumerate(images):
                landmarker.detect_for_video(image, i * 33 + 1)
            times[model].append(time.perf_counter() - t0)
    return {m: 1000 * min(t) / len(images) for m, t in times.items()}


def _events_shift(a: list[int], b: list[int]) -> str:
    if len(a) != len(b):
        return "n/a"
    if not a:
        return "-"
    return str(max(abs(x - y) for x, y in zip(sorted(a), sorted(b), strict=True)))


def _pair(full: Any, lite: Any) -> str:
    return f"{full}" if full == lite else f"**{full} / {lite}**"


def _mirror(video: Path, folder: Path) -> Path:
    target = folder / f"{video.stem}_hflip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf", "hflip",
         "-c:v", "libx264", "-crf", "18", "-preset", "veryfast", "-an", str(target)],
        check=True,
    )  # fmt: skip
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mirrored", action="store_true", help="also the mirrored side views"
    )
    parser.add_argument("--only", help="only clips whose name contains this")
    parser.add_argument(
        "--rounds", type=int, default=2, help="timing runs of each model per clip"
    )
    parser.add_argument(
        "--timing-only",
        action="store_true",
        help="only the bare-model timing (one JSON line per clip)",
    )
    args = parser.parse_args()
    if not (SHARED / "videos").is_dir():
        raise SystemExit(f"{SHARED / 'videos'} not found: the shared clips are needed")
    if args.mirrored and not shutil.which("ffmpeg"):
        raise SystemExit("--mirrored needs ffmpeg")
    jobs = [(clip, coach, extra, False) for clip, coach, extra in CLIPS]
    if args.mirrored:
        jobs += [(clip, coach, extra, True) for clip, coach, extra in MIRRORED]
    if args.only:
        jobs = [j for j in jobs if args.only in j[0]]
    if args.timing_only:
        for clip, _, extra, _ in jobs:
            ms = _bare_model_ms(SHARED / "videos" / f"{clip}.mp4", extra, args.rounds)
            print(json.dumps({"clip": clip, "model_ms": ms}), flush=True)
        return
    print(
        "| clip | coach | count (full / lite) | direction | landings | "
        "events: max shift (frames) | knee angle abs diff, median / p95 (deg) | "
        "rep front knee max diff (deg) | frames with a pose, full / lite | "
        "bare model ms/frame, full / lite |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for clip, coach, extra, mirrored in jobs:
            video = SHARED / "videos" / f"{clip}.mp4"
            if not video.is_file():
                print(f"skipped {clip}: not found", file=sys.stderr)
                continue
            if mirrored:
                video = _mirror(video, Path(tmp))
            full, lite = (_outcome(coach, video, extra, m) for m in MODELS)
            knee = _knee_diff(full.knees, lite.knees)
            front = (
                f"{max(abs(a - b) for a, b in zip(full.front_knees, lite.front_knees, strict=True)):.1f}"  # noqa: E501
                if full.front_knees and len(full.front_knees) == len(lite.front_knees)
                else "-"
            )
            ms = _bare_model_ms(video, extra, args.rounds)
            name = clip + (" (mirrored)" if mirrored else "")
            label = coach + "".join(f" {o}" for o in extra)
            print(
                f"| {name} | {label} | {_pair(full.count, lite.count)} | "
                f"{_pair(full.direction, lite.direction)} | "
                f"{_pair(full.landings, lite.landings)} | "
                f"{_events_shift(full.events, lite.events)} | "
                + (f"{np.median(knee):.1f} / {np.percentile(knee, 95):.1f}"
                   if len(knee) else "-")
                + f" | {front} | {full.found_share:.0%} / {lite.found_share:.0%} | "
                f"{ms['full']:.1f} / {ms['lite']:.1f} |",
                flush=True,
            )  # fmt: skip
            raw = {
                "clip": name,
                "coach": label,
                **{
                    f"{m}_{k}": getattr(o, k)
                    for m, o in (("full", full), ("lite", lite))
                    for k in (
                        "count",
                        "direction",
                        "landings",
                        "events",
                        "front_knees",
                        "found_share",
                        "pass_ms",
                    )
                },
                "knee_diff_median": float(np.median(knee)) if len(knee) else None,
                "knee_diff_p95": float(np.percentile(knee, 95)) if len(knee) else None,
                "model_ms": ms,
            }
            print(json.dumps(raw), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
