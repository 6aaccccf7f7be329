"""Whole-session analysis end to end: one video, two workouts, each coached.

A session is built at test time from two shared clips (scaled and padded to
one size and frame rate, then concatenated) and analysed the way a user
would: ``formcoach analyze SESSION --out DIR`` with no ``--exercise``.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from formcoach.cli import main
from formcoach.history import History

from .conftest import shared_clip

pytestmark = [pytest.mark.shared, pytest.mark.slow]

PARTS = [
    ("rnhrn/banded_reverse_lunges_side.mp4", 6.3),
    ("derived/treadmill_run_side_time_reversed.mp4", 6.5),
]


@pytest.fixture(scope="module")
def session_video(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("session")
    listing = tmp / "parts.txt"
    lines = []
    for k, (clip, seconds) in enumerate(PARTS):
        part = tmp / f"part{k}.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(shared_clip(clip)), "-t",
             str(seconds), "-an", "-vf",
             "scale=960:540:force_original_aspect_ratio=decrease,"
             "pad=960:540:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30",
             "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
             "-pix_fmt", "yuv420p", str(part)],
            check=True,
        )  # fmt: skip
        lines.append(f"file '{part}'\n")
    listing.write_text("".join(lines))
    session = tmp / "session.mp4"  # its parts stay next to it: part0.mp4, ...
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i",
         str(listing), "-c", "copy", str(session)],
        check=True,
    )  # fmt: skip
    return session


def test_a_session_is_split_and_each_part_coached(session_video, tmp_path):
    out = tmp_path / "out"
    assert main(["analyze", str(session_video), "--out", str(out), "--no-video",
                 "--quiet", "--report", "html,csv"]) == 0  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    assert report["schema_version"] == 2
    assert report["exercise"] == "auto"
    coached = [s for s in report["segments"] if "summary" in s]
    assert [s["exercise"] for s in coached] == ["reverse-lunge", "retro-run"]
    lunge, run = coached
    # The boundary falls near the cut at 6.3 s.
    assert abs(lunge["end_s"] - 6.3) <= 1.0
    # The banded clip alone: 2 complete reps and 1 partial (the clip ends
    # before the third return); here the next clip's first frames may close
    # the third rep, so the reps seen are the same three.
    s = lunge["summary"]
    assert s["rep_count"] >= 2
    assert s["rep_count"] + s["partial_reps"] == 3
    assert s["forward_lunges"] == 0
    assert run["summary"]["direction_of_travel"] == "backward"
    # The join is a hard cut in the picture: the boundary is put there, and
    # the lunge rep the cut interrupts stays partial.
    assert [c["kind"] for c in report["cuts"]] == ["hard"]
    assert abs(report["cuts"][0]["t_s"] - 6.3) <= 0.1
    assert abs(lunge["end_s"] - report["cuts"][0]["t_s"]) <= 0.1
    assert (s["rep_count"], s["partial_reps"]) == (2, 1)
    assert run["summary"]["step_count"] >= 10
    # The reports show the timeline.
    html = (out / "report.html").read_text()
    assert "Timeline" in html and "retro-run" in html
    rows = list(csv.DictReader((out / "report.csv").open()))
    assert [r["exercise"] for r in rows if r["exercise"] != "rest/other"] == [
        "reverse-lunge",
        "retro-run",
    ]
    # The history has one row per bout, under its own exercise.
    sessions = History().sessions()
    assert {s.exercise for s in sessions} >= {"reverse-lunge", "retro-run"}
    assert {s.segment for s in sessions} >= {0}


def test_live_auto_names_each_workout_as_it_comes(session_video):
    """The live "Auto" choice: recognise, coach, switch when the workout changes."""
    from formcoach.live_session import LiveSession
    from formcoach.settings import load_config
    from formcoach.video import iter_frames

    named: list[str] = []
    with LiveSession("auto", load_config()) as live:
        for frame in iter_frames(session_video):
            _, feedback = live.process(frame.image_rgb, frame.timestamp_ms)
            title = feedback.phase.split(":")[0]
            if not named or named[-1] != title:
                named.append(title)
        result = live.finish()
    workouts = [n for n in named if n in ("Reverse lunge", "Retro running")]
    assert workouts == ["Reverse lunge", "Retro running"], named
    segments = result.summary["segments"]
    coached = [s for s in segments if "summary" in s]
    assert [s["exercise"] for s in coached] == ["reverse-lunge", "retro-run"]
    assert coached[0]["summary"]["rep_count"] >= 1
    # The run's bout starts within a second of the change at 6.3 s (the wait
    # for its name is replayed into its coach).
    assert abs(coached[1]["start_s"] - 6.3) <= 1.0


def test_each_segment_counts_as_its_clip_alone(session_video, tmp_path):
    """Every bout's counts equal the single-exercise analysis of its clip."""
    out = tmp_path / "session"
    assert main(["analyze", str(session_video), "--out", str(out), "--no-video",
                 "--quiet", "--no-history"]) == 0  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    coached = [s for s in report["segments"] if "summary" in s]
    keys = {
        "reverse-lunge": ("rep_count", "partial_reps", "forward_lunges"),
        "retro-run": ("step_count", "direction_of_travel"),
    }
    for k, segment in enumerate(coached):
        alone = tmp_path / f"alone{k}"
        part = session_video.parent / f"part{k}.mp4"
        exercise = segment["exercise"]
        args = ["analyze", str(part), "--exercise", exercise, "--out", str(alone),
                "--no-video", "--quiet", "--no-history"]  # fmt: skip
        assert main(args) == 0
        single = json.loads((alone / "report.json").read_text())["summary"]
        assert {key: segment["summary"][key] for key in keys[exercise]} == {
            key: single[key] for key in keys[exercise]
        }, exercise
