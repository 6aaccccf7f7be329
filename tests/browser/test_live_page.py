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


def test_live_reps_are_counted_from_a_fake_camera(tmp_path):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a loopback-only network namespace")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    clip = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    y4m = tmp_path / "camera.y4m"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clip), "-vf",
         "scale=640:360,pad=640:480:0:60,fps=30", "-pix_fmt", "yuv420p", str(y4m)],
        check=True,
    )  # fmt: skip
    out = tmp_path / "live"
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, str(REPO / "tests/browser/live_session.py"),
         "--y4m", str(y4m), "--out", str(out), "--reps", "2"],
        capture_output=True, text=True, timeout=400, check=False,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr:\n{proc.stderr[-3000:]}"
    result = json.loads(lines[-1])
    assert result["ok"], json.dumps(result, indent=1)
    assert result["reps"] >= 2  # two complete reverse lunges in one pass of the clip
    assert result["video_playing"]
    assert result.get("fps", 0) > 0
    assert "Traceback" not in result["panel"]
    assert (out / "live.png").stat().st_size > 10_000  # a real screenshot was taken
