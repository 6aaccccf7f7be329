"""Shared fixtures: paths to the real footage and a builder for synthetic poses."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from formcoach.landmarks import NUM_LANDMARKS
from formcoach.pose import PoseFrame

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_VIDEOS = SHARED / "videos"
SHARED_LABELS = SHARED / "labels"
BUNDLED_CLIP = REPO / "videos" / "sports2d_demo.mp4"


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory):
    """Tests never write to the real user's settings, history or pose cache.

    One file of pose results serves the whole run, its subprocesses and the
    tests that give themselves a data folder of their own: a result read from
    it is the model's own, bit for bit (tests/test_pose_cache.py).
    """
    import os

    home = tmp_path_factory.mktemp("formcoach-home")
    cache = tmp_path_factory.mktemp("formcoach-cache")
    old = {k: os.environ.get(k) for k in ("FORMCOACH_HOME", "FORMCOACH_CACHE")}
    os.environ["FORMCOACH_HOME"] = str(home)
    os.environ["FORMCOACH_CACHE"] = str(cache)
    yield home
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def shared_clip(relative: str) -> Path:
    """Path of a clip in ../shared/videos, or skip the test with the reason."""
    path = SHARED_VIDEOS / relative
    if not path.is_file():
        pytest.skip(f"real footage not available: {path} (../shared is absent)")
    return path


def shared_label(relative: str) -> dict:
    """Hand labels for a shared clip (``lunges/x.json``), or skip."""
    path = SHARED_LABELS / relative
    if not path.is_file():
        pytest.skip(f"hand labels not available: {path} (../shared is absent)")
    return json.loads(path.read_text())


def make_pose_frame(
    points: dict[int, tuple[float, float]] | None = None,
    *,
    frame_index: int = 0,
    timestamp_ms: float = 0.0,
    resolution_wh: tuple[int, int] = (1280, 720),
    visibility: float = 0.99,
) -> PoseFrame:
    """A PoseFrame with the given pixel points; the others NaN and unseen."""
    xy = np.full((NUM_LANDMARKS, 2), np.nan, np.float32)
    vis = np.zeros(NUM_LANDMARKS, np.float32)
    for index, (x, y) in (points or {}).items():
        xy[index] = (x, y)
        vis[index] = visibility
    return PoseFrame(
        frame_index=frame_index,
        timestamp_ms=timestamp_ms,
        resolution_wh=resolution_wh,
        xy=xy,
        z=np.zeros(NUM_LANDMARKS, np.float32),
        world_xyz=np.zeros((NUM_LANDMARKS, 3), np.float32),
        visibility=vis,
        presence=vis.copy(),
    )


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory) -> Path:
    """The first 2 s of the bundled clip, for quick end-to-end runs."""
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    out = tmp_path_factory.mktemp("short-clip") / "short.mp4"
    cut = [
        "ffmpeg", "-v", "error", "-i", str(BUNDLED_CLIP), "-t", "2", "-an",
        "-c:v", "libx264", "-preset", "ultrafast", str(out),
    ]  # fmt: skip
    subprocess.run(cut, check=True)
    return out
