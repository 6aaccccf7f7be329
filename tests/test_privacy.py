"""Privacy and limits: offline analysis, deleting all data, the time limit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from formcoach.cli import main
from formcoach.history import History
from formcoach.paths import data_dir

from .conftest import BUNDLED_CLIP, REPO


@pytest.mark.slow
def test_analysis_runs_with_no_network_at_all(tmp_path):
    """Inside a network namespace with no usable interface (not even loopback
    up), so any attempt to reach the network would fail: analysis completes."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a network namespace")
    out = tmp_path / "out"
    env = {**os.environ, "FORMCOACH_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [
            "unshare",
            "-n",
            sys.executable,
            "-m",
            "formcoach.cli",
            "analyze",
            str(BUNDLED_CLIP),
            "-e",
            "backward-walk",
            "--out",
            str(out),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "report.json").exists() and (out / "annotated.mp4").exists()


def test_forget_deletes_everything_and_asks_first(capsys):
    home = data_dir()
    History().save({"schema_version": 1, "exercise": "reverse-lunge", "summary": {}})
    (home / "settings.toml").write_text("[app]\nmax_upload_mb = 10\n")
    (home / "sessions" / "1").mkdir(parents=True)
    (home / "sessions" / "1" / "annotated.mp4").write_bytes(b"video")
    assert main(["forget"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert (home / "settings.toml").exists()  # nothing deleted without --yes
    assert main(["forget", "--yes"]) == 0
    assert list(home.iterdir()) == []


def test_analysis_time_limit(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "analyze",
            str(BUNDLED_CLIP),
            "-e",
            "backward-walk",
            "--out",
            str(out),
            "--set",
            "analysis.max_seconds=0.001",
            "--no-history",
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "stopped after" in err and "analysis.max_seconds" in err
    assert not out.exists()
