"""Run the pose model once over video clips and cache the raw pose tracks.

Recognition (formcoach.recognition) is tuned and evaluated on the cached
tracks, so the pose model runs once per clip however often the features change.
The cache holds derived landmarks of clips that may not be redistributable:
keep it OUTSIDE the repository.

Usage:
    python tools/cache_poses.py OUT_DIR CLIP [CLIP ...] [--root DIR]
        [--set pose.num_poses=2] [--force]

Each CLIP becomes ``OUT_DIR/<path relative to --root, / -> __>.npz`` with the
arrays ``xy (n,33,2)``, ``z (n,33)``, ``world_xyz (n,33,3)``,
``visibility (n,33)``, ``presence (n,33)``, ``timestamp_ms (n,)``,
``frame_index (n,)``, ``resolution_wh (2,)`` and ``fps``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from formcoach.pose import PoseFrame
from formcoach.pose_pass import estimate_poses
from formcoach.settings import load_config


def cache_name(clip: Path, root: Path | None) -> str:
    """File name of a clip's cache entry."""
    rel = clip.resolve()
    if root is not None:
        try:
            rel = clip.resolve().relative_to(root.resolve())
        except ValueError:
            pass
    return str(rel).strip("/").replace("/", "__").rsplit(".", 1)[0] + ".npz"


def save_track(path: Path, frames: list[PoseFrame], fps: float) -> None:
    """Write frames as one ``.npz``."""
    np.savez_compressed(
        path,
        xy=np.stack([f.xy for f in frames]),
        z=np.stack([f.z for f in frames]),
        world_xyz=np.stack([f.world_xyz for f in frames]),
        visibility=np.stack([f.visibility for f in frames]),
        presence=np.stack([f.presence for f in frames]),
        timestamp_ms=np.array([f.timestamp_ms for f in frames], np.float64),
        frame_index=np.array([f.frame_index for f in frames], np.int64),
        resolution_wh=np.array(frames[0].resolution_wh if frames else (0, 0)),
        fps=np.float64(fps),
    )


def load_track(path: str | Path) -> list[PoseFrame]:
    """Frames back from a ``.npz`` written by :func:`save_track`."""
    d = np.load(path)
    wh = tuple(int(v) for v in d["resolution_wh"])
    return [
        PoseFrame(
            frame_index=int(d["frame_index"][i]),
            timestamp_ms=float(d["timestamp_ms"][i]),
            resolution_wh=wh,  # type: ignore[arg-type]
            xy=d["xy"][i],
            z=d["z"][i],
            world_xyz=d["world_xyz"][i],
            visibility=d["visibility"][i],
            presence=d["presence"][i],
        )
        for i in range(len(d["timestamp_ms"]))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    config = load_config(overrides=args.overrides)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for clip in args.clips:
        target = args.out_dir / cache_name(clip, args.root)
        if target.exists() and not args.force:
            print(f"cached  {target.name}")
            continue
        started = time.perf_counter()
        track = estimate_poses(clip, config, workers=args.workers)
        save_track(target, track.frames, track.info.fps)
        took = time.perf_counter() - started
        print(
            f"wrote   {target.name}: {len(track.frames)} frames in {took:.1f} s "
            f"({1000 * took / max(1, len(track.frames)):.1f} ms/frame)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
