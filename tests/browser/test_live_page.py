"""Live coaching end to end: fake camera → WebRTC → pose model → live panel.

Runs the server and Chromium inside a network namespace with only loopback
(``unshare -n``), so nothing can leave the machine; needs root, as in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from ..conftest import shared_clip
from .conftest import CHROMIUM, REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def run_live(
    tmp_path, *args: str, timeout: int = 400, clips: tuple[str, ...] = ()
) -> dict:
    """Run tests/browser/live_session.py in a loopback-only namespace.

    The fake camera plays ``clips`` one after the other (default: the banded
    lunge clip), looping.
    """
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a loopback-only network namespace")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    paths = [shared_clip(c) for c in clips or ("rnhrn/banded_reverse_lunges_side.mp4",)]
    y4m = tmp_path / "camera.y4m"
    inputs = [arg for path in paths for arg in ("-i", str(path))]
    scaled = "".join(
        f"[{k}:v]scale=640:360:force_original_aspect_ratio=decrease,"
        f"pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30[v{k}];"
        for k in range(len(paths))
    )
    joined = "".join(f"[v{k}]" for k in range(len(paths)))
    subprocess.run(
        ["ffmpeg", "-v", "error", *inputs, "-filter_complex",
         f"{scaled}{joined}concat=n={len(paths)}:v=1:a=0[out]", "-map", "[out]",
         "-pix_fmt", "yuv420p", str(y4m)],
        check=True,
    )  # fmt: skip
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, str(REPO / "tests/browser/live_session.py"),
         "--y4m", str(y4m), "--out", str(tmp_path / "live"), *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1])


def test_live_reps_are_counted_from_a_fake_camera(tmp_path):
    result = run_live(tmp_path, "--reps", "2")
    assert result["ok"], json.dumps(result, indent=1)
    assert result["reps"] >= 2  # two complete reverse lunges in one pass of the clip
    assert result["video_playing"]
    assert result.get("fps", 0) > 0
    assert "Traceback" not in result["panel"]
    assert (tmp_path / "live" / "live.png").stat().st_size > 10_000  # a real screenshot


def test_live_auto_names_each_workout_as_it_comes(tmp_path):
    """Auto on the live page: a camera playing lunges then a backward run.

    The run clip plays twice (13 s of running): a new workout is named about
    5 s in (a 3-s window, then 2 s held), and one 6.5-s pass of it left a
    slow machine's compressed stream too little time (docs/performance.md,
    session 13).
    """
    run = "derived/treadmill_run_side_time_reversed.mp4"
    result = run_live(
        tmp_path, "--auto", "Reverse lunge", "Retro running", "--timeout", "150",
        clips=("rnhrn/banded_reverse_lunges_side.mp4", run, run),
    )  # fmt: skip
    assert result["ok"], json.dumps(result, indent=1)
    assert "Traceback" not in result["panel"]


def test_two_live_sessions_are_independent(tmp_path):
    """Two browser contexts coach at once, each with its own model and counter.

    The frame-rate figure (>= 15 fps each on 2 cores) is measured by
    benchmarks/bench_live_sessions.py, not asserted here: timing asserts flake
    on a shared CI machine.
    """
    result = run_live(tmp_path, "--sessions", "2", "--measure-s", "15")
    assert result["ok"], json.dumps({k: v for k, v in result.items() if k != "panel"})
    # B started from zero while A had already counted its reps.
    assert result["reps_a_before_b"] >= 2
    assert result["reps_b_at_start"] == 0
    samples = result["samples"]
    assert all(s["fps_a"] and s["fps_b"] for s in samples[-5:])  # both streams alive
    assert samples[-1]["reps_b"] > 0
    # A's counter is its own. The samples go with a failure: in one CI run of
    # session 8 the two were equal at the end, and whether A was reset when B
    # started or only lost reps under load could not be told afterwards.
    assert samples[-1]["reps_a"] > samples[-1]["reps_b"], json.dumps(samples)
    # Stopping A saved A's set; B kept counting afterwards.
    assert "Set summary" in result["a_summary_text"]
    assert result["b_kept_counting"]
    assert result["video_playing"]
    sets = result["live_sets"]
    assert len(sets) == 2, sets  # one history row per session
    assert all(s["rep_count"] >= 2 for s in sets)
    print("two sessions: fps min", result["fps_a_min"], result["fps_b_min"])
