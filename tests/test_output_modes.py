"""Every output gets the same umask-respecting mode (report, video, exports)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

FORMCOACH = [sys.executable, "-m", "formcoach.cli"]


def run_with_umask(umask: int, *args: str) -> None:
    subprocess.run(
        [*FORMCOACH, *args],
        capture_output=True,
        timeout=600,
        check=True,
        preexec_fn=lambda: os.umask(umask),
    )


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_all_outputs_of_an_analysis_share_the_umask_mode(
    short_clip, tmp_path, umask, mode
):
    out = tmp_path / "out"
    run_with_umask(
        umask, "analyze", str(short_clip), "--exercise", "backward-walk",
        "--out", str(out),
    )  # fmt: skip
    report = out / "report.json"
    for fmt in ("pdf", "html", "csv"):
        run_with_umask(umask, "export", str(report), "--format", fmt)
    files = sorted(p for p in out.iterdir() if p.is_file())
    names = {p.name for p in files}
    assert {"report.json", "annotated.mp4", "report.pdf", "report.html"} <= names
    assert {"report.csv", "report.frames.csv"} <= names
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert modes == {name: oct(mode) for name in modes}


def test_atomic_path_uses_the_umask(tmp_path):
    from formcoach.outputs import write_bytes_atomic

    old = os.umask(0o027)
    try:
        write_bytes_atomic(tmp_path / "x.txt", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.txt").stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]  # no temp file left
