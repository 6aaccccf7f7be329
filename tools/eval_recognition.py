"""Evaluate recognition on cached pose tracks (tools/cache_poses.py).

Per clip: the share of windows labelled as the clip's class, and the segments.
Per session: sessions built by joining cached tracks end to end (re-timed),
scored by the share of time labelled right and the error of each boundary.

Usage:
    python tools/eval_recognition.py CACHE_DIR [--windows] [--set recognition.KEY=V ...]

The expected class of each clip comes from :data:`EXPECTED` (file-name
fragments of the shared clips, see ../shared/videos/MANIFEST.md).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cache_poses import load_track

from formcoach.pose import PoseFrame
from formcoach.recognition import (
    RecognitionSettings,
    Segment,
    label_windows,
    recognise,
    segments_from_windows,
)
from formcoach.settings import load_config
from formcoach.smoothing import smooth_offline

#: Cache-name fragment → expected label.
EXPECTED = {
    "banded_reverse_lunges": "reverse-lunge",
    "loseweightkotlin_reverse_lunge": "reverse-lunge",
    "fitsolutions_musclewiki_kettlebell": "reverse-lunge",
    "kinkatsu_reverse_lunge": "reverse-lunge",
    "kinkatsu_forward_lunge": "reverse-lunge",
    "vcproj_forward_lunge": "reverse-lunge",
    "nowva_split_squat": "reverse-lunge",
    "kinkatsu_curtsy_lunge": "reverse-lunge",
    "mewfit_joannasoh_curtsy": "reverse-lunge",
    "mewfit_joannasoh_reverse_lunge": "reverse-lunge",
    "IMG_5396_treadmill_run": "retro-run",
    "treadmill_run_side_time_reversed": "retro-run",
    "walk_watcharapol": "backward-walk",
    "sports2d__demo": "backward-walk",
    "mocap_walk": "backward-walk",
    "cyc_dataroots_trainer_side_faceL_fwd": "backward-cycle",
    "cyc_dataroots_trainer_side_faceL_REVERSED": "backward-cycle",
    "row_loop10s": "reverse-row",
    "squats_side": "rest/other",
    "squat_correct": "rest/other",
    "squat_incorrect": "rest/other",
}

#: Sessions: lists of cache-name fragments joined in this order.
SESSIONS = {
    "lunge-walk-squat-run": [
        "banded_reverse_lunges", "walk_watcharapol", "squats_side",
        "treadmill_run_side_time_reversed",
    ],
    "cycle-row-lunge": [
        "cyc_dataroots_trainer_side_faceL_REVERSED", "row_loop10s",
        "loseweightkotlin_reverse_lunge",
    ],
    "walk-lunge-run-squat-cycle": [
        "sports2d__demo", "fitsolutions_musclewiki_kettlebell",
        "IMG_5396_treadmill_run", "squats_side",
        "cyc_dataroots_trainer_side_faceL_fwd",
    ],
    "splitsquat-walk-curtsy": [
        "nowva_split_squat", "walk_watcharapol", "mewfit_joannasoh_curtsy",
    ],
}  # fmt: skip


def expected_label(name: str) -> str | None:
    """The expected class of a cached clip, by its name."""
    for fragment, label in EXPECTED.items():
        if fragment in name:
            return label
    return None


def retime(frames: list[PoseFrame], offset_ms: float, index0: int) -> list[PoseFrame]:
    """The frames shifted to start at ``offset_ms``, indices from ``index0``."""
    t0 = frames[0].timestamp_ms
    return [
        replace(f, timestamp_ms=f.timestamp_ms - t0 + offset_ms, frame_index=index0 + i)
        for i, f in enumerate(frames)
    ]


def decimate(frames: list[PoseFrame], fps: float) -> list[PoseFrame]:
    """Every k-th frame, so about ``fps`` frames a second remain (0: all)."""
    if fps <= 0 or len(frames) < 2:
        return frames
    dt = float(np.median(np.diff([f.timestamp_ms for f in frames]))) / 1000
    step = max(1, round(1 / (fps * dt)))
    return frames[::step]


def time_right(segments: list[Segment], truth: list[tuple[float, float, str]]) -> float:
    """Share of the truth's time whose segment label equals the true label."""
    total = right = 0.0
    for a, b, label in truth:
        total += b - a
        for seg in segments:
            lo, hi = max(a, seg.start_s), min(b, seg.end_s)
            if hi > lo and seg.exercise == label:
                right += hi - lo
    return right / total if total else 0.0


def boundary_errors(
    segments: list[Segment], truth: list[tuple[float, float, str]]
) -> list[float]:
    """For each true change of label, the distance to the nearest segment boundary."""
    found = [s.start_s for s in segments[1:]]
    errors = []
    for (_, b, la), (_, _, lb) in itertools.pairwise(truth):
        if la == lb:
            continue
        errors.append(min((abs(x - b) for x in found), default=float("inf")))
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path)
    parser.add_argument("--windows", action="store_true")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument(
        "--fps", type=float, default=0.0, help="keep about this many frames a second"
    )
    args = parser.parse_args(argv)
    config = load_config(overrides=args.overrides)
    settings = RecognitionSettings.from_config(config)
    tracks: dict[str, list[PoseFrame]] = {}
    print(f"{'clip':58s} {'expected':16s} {'windows right':>13s}  segments")
    for path in sorted(args.cache.glob("*.npz")):
        expected = expected_label(path.stem)
        if expected is None:
            continue
        raw = decimate(load_track(path), args.fps)
        tracks[path.stem] = raw
        frames = smooth_offline(raw, config)
        windows = label_windows(frames, settings)
        right = np.mean([w.label == expected for w in windows]) if windows else 0.0
        segs = recognise(frames, settings)
        seg_text = ", ".join(
            f"{s.exercise}[{s.start_s:.1f}-{s.end_s:.1f} {s.confidence:.2f}]"
            for s in segs
        )
        print(f"{path.stem[:58]:58s} {expected:16s} {right:13.0%}  {seg_text}")
        if args.windows:
            for w in windows:
                if w.label == expected:
                    continue
                print(
                    f"    {w.start_s:5.1f} {w.label:16s} {w.confidence:.2f} "
                    f"{' '.join(w.path)}"
                )
    print()
    print(f"{'session':30s} {'length':>7s} {'time right':>10s}  boundary errors (s)")
    for name, parts in SESSIONS.items():
        frames_all: list[PoseFrame] = []
        truth: list[tuple[float, float, str]] = []
        offset = 0.0
        missing = [p for p in parts if not any(p in k for k in tracks)]
        if missing:
            print(f"{name:30s} missing {missing}")
            continue
        for part in parts:
            key = next(k for k in tracks if part in k)
            raw = tracks[key]
            dt = float(np.median(np.diff([f.timestamp_ms for f in raw])))
            frames_all += retime(raw, offset, len(frames_all))
            end = frames_all[-1].timestamp_ms + dt
            truth.append((offset / 1000, end / 1000, expected_label(key) or "?"))
            offset = end
        frames = smooth_offline(frames_all, config)
        segs = recognise(frames, settings)
        rough = segments_from_windows(label_windows(frames, settings), settings)
        print(
            "    windows:",
            ", ".join(f"{s.exercise}[{s.start_s:.1f}-{s.end_s:.1f}]" for s in rough),
        )
        if args.windows:
            for w in label_windows(frames, settings):
                print(
                    f"    {w.start_s:5.1f} {w.label:16s} {w.confidence:.2f} "
                    f"{' '.join(w.path)}"
                )
        right = time_right(segs, truth)
        errs = boundary_errors(segs, truth)
        print(
            f"{name:30s} {offset / 1000:6.1f}s {right:10.0%}  "
            + " ".join(f"{e:.2f}" for e in errs)
        )
        print("    truth:", ", ".join(f"{x}[{a:.1f}-{b:.1f}]" for a, b, x in truth))
        print(
            "    found:",
            ", ".join(f"{s.exercise}[{s.start_s:.1f}-{s.end_s:.1f}]" for s in segs),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
