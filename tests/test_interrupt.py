"""Ctrl-C during an analysis leaves nothing half-written (issue #17)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "videos" / "sports2d_demo.mp4"


def _partial_files(out: Path) -> list[str]:
    return [p.name for p in out.iterdir()] if out.exists() else []


@pytest.mark.parametrize("video", [True, False], ids=["with-video", "no-video"])
def test_ctrl_c_leaves_no_outputs(tmp_path, video):
    out = tmp_path / "out"
    args = [
        sys.executable, "-c", "import sys, formcoach.cli as c; sys.exit(c.main())",
        "analyze", str(CLIP), "--exercise", "backward-walk", "--out", str(out),
        "--no-history", "--set", "analysis.workers=1",
    ] + ([] if video else ["--no-video"])  # fmt: skip
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        # As a user's terminal has it: a test run started in the background
        # (nohup, &) ignores SIGINT, and its children would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Interrupt once the analysis is writing (its temporary frames.csv exists).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(".frames.csv.partial" in n for n in _partial_files(out)):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the analysis ended before it could be interrupted"
    time.sleep(0.5)  # well inside the pass: frames coached (and drawn)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    # Nothing half-written: no report, no video, no temporary file; the
    # folder it created is gone.
    assert _partial_files(out) == []
    assert not out.exists()
    assert os.listdir(tmp_path) == []
