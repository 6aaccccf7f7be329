"""stderr during the pose pass: our messages reach it, MediaPipe's log lines do not.

``short_clip`` (conftest) is 2 s long: MediaPipe logs on its 2nd frame.
"""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import BUNDLED_CLIP

FORMCOACH = [sys.executable, "-m", "formcoach.cli"]
NATIVE_LOG_LINE = re.compile(r"^[IWEF]\d{4} ", re.MULTILINE)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FORMCOACH, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_time_limit_message_reaches_stderr_with_parallel_pose_runs(tmp_path):
    """Two pose runs in parallel threads must not leave stderr on /dev/null."""
    proc = run_cli(
        "analyze", str(BUNDLED_CLIP), "--exercise", "backward-walk",
        "--set", "analysis.workers=2", "--set", "analysis.min_segment_s=0.5",
        "--set", "analysis.max_seconds=0.01", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert proc.returncode == 2
    errors = [
        line for line in proc.stderr.splitlines() if line.startswith("formcoach:")
    ]
    assert len(errors) == 1, proc.stderr
    assert "analysis.max_seconds" in errors[0]


def test_readme_first_command_prints_no_native_log_lines(short_clip, tmp_path):
    proc = run_cli(
        "analyze", str(short_clip), "--exercise", "backward-walk",
        "--out", str(tmp_path / "demo"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not NATIVE_LOG_LINE.search(proc.stderr), proc.stderr


def test_python_logs_reach_stderr_during_parallel_pose_runs(short_clip, tmp_path):
    """Logging handlers made before the redirect still write to the terminal."""
    proc = run_cli(
        "-v", "analyze", str(short_clip), "--exercise", "backward-walk",
        "--set", "pose.num_poses=2", "--set", "analysis.workers=2",
        "--set", "analysis.min_segment_s=0.5", "--out", str(tmp_path / "demo"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Wrote " in proc.stderr  # the annotated video, after the pose pass
    assert not NATIVE_LOG_LINE.search(proc.stderr), proc.stderr
