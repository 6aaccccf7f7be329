"""Batch analysis on a real Dask LocalCluster with two worker processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time

import pytest

from formcoach.batch import collect_jobs, run_batch
from formcoach.errors import InputError
from formcoach.pipeline import analyze_video
from formcoach.settings import load_config

from .conftest import shared_clip

pytestmark = [pytest.mark.slow, pytest.mark.shared]

CLIPS = [
    "rnhrn/banded_reverse_lunges_side.mp4",
    "lunges/fitsolutions_musclewiki_kettlebell_reverse_lunge_real_side.mp4",
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("library")
    (folder / "clients" / "anna").mkdir(parents=True)
    for i, clip in enumerate(CLIPS):
        shutil.copy(shared_clip(clip), folder / "clients" / "anna" / f"set{i}.mp4")
    (folder / "notes.mp4").write_text("not a video")
    (folder / "empty.mov").write_bytes(b"")
    (folder / "readme.txt").write_text("ignored: not a video extension")
    return folder


def comparable(report: dict) -> dict:
    return {k: report[k] for k in ("summary", "reps", "steps", "view", "pose_coverage")}


def test_batch_accounts_for_every_video_and_matches_analyze(library, tmp_path):
    out = tmp_path / "batch"
    jobs = collect_jobs([str(library)], "reverse-lunge")
    assert len(jobs) == 4
    result = run_batch(jobs, out, workers=2, write_video=False, save_history=False)
    by_name = {os.path.basename(r["path"]): r for r in result.rows}
    assert set(by_name) == {"set0.mp4", "set1.mp4", "notes.mp4", "empty.mov"}
    assert by_name["set0.mp4"]["status"] == "done" and by_name["set0.mp4"]["reps"] == 2
    assert by_name["set1.mp4"]["status"] == "done" and by_name["set1.mp4"]["reps"] == 2
    assert "not a readable video file" in by_name["notes.mp4"]["error"]
    assert "is empty (0 bytes)" in by_name["empty.mov"]["error"]
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["done"], summary["failed"], summary["skipped"]) == (2, 2, 0)
    assert len((out / "summary.csv").read_text().splitlines()) == 1 + 4
    # The same outputs as `formcoach analyze` run alone (one model per video).
    row = by_name["set0.mp4"]
    alone = analyze_video(
        row["path"],
        "reverse-lunge",
        tmp_path / "alone",
        load_config(overrides=["analysis.workers=1"]),
        write_video=False,
    )
    batch_report = json.loads((out / row["id"] / "report.json").read_text())
    assert comparable(batch_report) == comparable(alone)
    # A rerun skips the finished videos and redoes the failed ones.
    again = run_batch(jobs, out, workers=2, write_video=False, save_history=False)
    statuses = sorted(r["status"] for r in again.rows)
    assert statuses == ["failed", "failed", "skipped", "skipped"]


def test_a_killed_worker_does_not_lose_a_video(library, tmp_path):
    jobs = collect_jobs([str(library / "clients")], "reverse-lunge")
    killed: list[int] = []

    def kill_one_worker_soon(client):
        def killer():
            time.sleep(3.0)  # both workers are busy on a video by now
            pids = client.run(os.getpid)
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

        threading.Thread(target=killer, daemon=True).start()

    result = run_batch(
        jobs,
        tmp_path / "out",
        workers=2,
        write_video=False,
        save_history=False,
        on_cluster=kill_one_worker_soon,
    )
    assert killed
    assert len(result.rows) == len(jobs) == 2
    for row in result.rows:
        assert row["status"] == "done" or (row["status"] == "failed" and row["error"])
    assert result.count("done") == 2  # retried on the restarted worker


def test_manifest_input(library, tmp_path):
    manifest = library / "manifest.csv"
    manifest.write_text(
        "path,exercise,person,date\n"
        "clients/anna/set0.mp4,reverse-lunge,anna,2026-11-20\n"
    )
    jobs = collect_jobs([str(manifest)], "from-manifest")
    assert [(j.exercise, j.person, j.date) for j in jobs] == [
        ("reverse-lunge", "anna", "2026-11-20")
    ]
    manifest.write_text("path,exercise\nclients/anna/set0.mp4,moonwalk\n")
    with pytest.raises(InputError, match="unknown exercise 'moonwalk'"):
        collect_jobs([str(manifest)], "from-manifest")


def test_cli_batch_records_failures_and_never_stops(tmp_path, capsys):
    from formcoach.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.mp4").write_bytes(b"\x00" * 1000)
    code = main(
        [
            "batch",
            str(folder),
            "-e",
            "reverse-lunge",
            "--out",
            str(tmp_path / "o"),
            "--workers",
            "1",
            "--no-video",
            "--no-history",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "0 done, 0 skipped, 1 failed" in out
    assert "not a readable video file" in (tmp_path / "o" / "summary.csv").read_text()
    assert (
        main(
            [
                "batch",
                str(tmp_path / "nothing-here"),
                "-e",
                "reverse-lunge",
                "--out",
                str(tmp_path / "o2"),
            ]
        )
        == 2
    )


def test_cli_batch_takes_preset_config_and_set_like_analyze(tmp_path, capsys):
    """The client resolves the config once; workers get it whole."""
    from formcoach.cli import main

    from .conftest import BUNDLED_CLIP

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(BUNDLED_CLIP, folder / "walk.mp4")
    user = tmp_path / "mine.toml"
    user.write_text("[video]\ncrf = 30\n")
    args = ["batch", str(folder), "-e", "backward-walk", "--workers", "1",
            "--no-video", "--no-history", "--preset", "rehab", "--config",
            str(user), "--set", "pose.num_poses=2"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "o")]) == 0
    (report_path,) = (tmp_path / "o").glob("walk-*/report.json")
    report = json.loads(report_path.read_text())
    assert report["preset"] == "rehab"
    assert report["config"]["pose"]["num_poses"] == 2
    assert report["config"]["video"]["crf"] == 30
    assert report["config"]["analysis"]["workers"] == 1  # one video per core
    capsys.readouterr()
    # A bad setting fails before any cluster starts, with one line.
    assert main([*args[:-1], "pose.num_poses=many", "--out", str(tmp_path / "p")]) == 2
    assert not (tmp_path / "p").exists()


def test_a_lone_video_takes_every_worker(tmp_path):
    """One video and two workers: the video gets two pose lanes, not one."""
    from .conftest import BUNDLED_CLIP

    jobs = collect_jobs([str(BUNDLED_CLIP)], "backward-walk")
    result = run_batch(
        jobs, tmp_path / "o", workers=2, write_video=False, save_history=False
    )
    (row,) = result.rows
    assert row["status"] == "done", row
    report = json.loads((tmp_path / "o" / row["id"] / "report.json").read_text())
    assert report["config"]["analysis"]["workers"] == 2


@pytest.fixture(scope="module")
def long_and_short(tmp_path_factory):
    """A 16-s video and a 6-s one: the long one is more than its fair share."""
    from .degrade import encode
    from .test_pose_parts import SPLIT_SQUAT

    folder = tmp_path_factory.mktemp("long_and_short")
    long_clip = encode(SPLIT_SQUAT, folder / "long.mp4", "-t", "16", "-an")
    return long_clip, shared_clip(CLIPS[0])


def test_a_long_video_beside_a_short_one_is_posed_in_parts(long_and_short, tmp_path):
    """The long video is posed in two parts on both workers and coached as they
    come: the report and every frame's row are those `analyze` gives with two
    pose lanes cut at the same frame, and no part file is left behind."""
    long_clip, short = long_and_short
    config = load_config(overrides=["batch.part_s=2", "batch.max_parts=2"])
    jobs = collect_jobs([str(long_clip), str(short)], "reverse-lunge")
    out = tmp_path / "out"
    result = run_batch(
        jobs, out, config=config, workers=2, write_video=False, save_history=False
    )
    rows = {os.path.basename(r["path"]): r for r in result.rows}
    assert rows["long.mp4"]["status"] == "done", rows
    assert rows["long.mp4"]["parts"] == 2
    assert rows[short.name]["status"] == "done" and rows[short.name]["parts"] == 1
    assert not (out / ".parts").exists()
    alone = analyze_video(
        long_clip,
        "reverse-lunge",
        tmp_path / "alone",
        load_config(overrides=["analysis.workers=2"]),
        write_video=False,
    )
    batch_dir = out / rows["long.mp4"]["id"]
    assert comparable(json.loads((batch_dir / "report.json").read_text())) == (
        comparable(alone)
    )
    assert (batch_dir / "frames.csv").read_text() == (
        tmp_path / "alone" / "frames.csv"
    ).read_text()


def test_a_part_that_fails_fails_its_video_with_the_reason(long_and_short, tmp_path):
    long_clip, short = long_and_short
    config = load_config(
        overrides=["batch.part_s=2", "batch.max_parts=2", "analysis.max_seconds=1"]
    )
    jobs = collect_jobs([str(long_clip), str(short)], "reverse-lunge")
    out = tmp_path / "out"
    result = run_batch(
        jobs, out, config=config, workers=2, write_video=False, save_history=False
    )
    rows = {os.path.basename(r["path"]): r for r in result.rows}
    assert rows["long.mp4"]["status"] == "failed"
    assert rows["long.mp4"]["parts"] == 2
    assert "analysis.max_seconds" in rows["long.mp4"]["error"]
    assert not (out / ".parts").exists()
    assert not (out / rows["long.mp4"]["id"] / "report.json").exists()
