"""`formcoach analyze` end to end: real model, real H.264, bad input, no clobbering."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from formcoach.cli import main
from formcoach.video import VideoInfo, iter_frames

from .conftest import BUNDLED_CLIP

FORMCOACH = [sys.executable, "-m", "formcoach.cli"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FORMCOACH, *args], capture_output=True, text=True, timeout=600, check=False
    )


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,pix_fmt,nb_read_frames,width,height",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["streams"][0]


@pytest.fixture(scope="module")
def bundled_analysis(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("analysis") / "demo"
    result = run_cli(
        "analyze", str(BUNDLED_CLIP), "--exercise", "backward-walk", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


def test_report_schema(bundled_analysis):
    report = json.loads((bundled_analysis / "report.json").read_text())
    info = VideoInfo.from_path(BUNDLED_CLIP)
    assert report["schema_version"] == 1
    assert report["exercise"] == "backward-walk"
    assert report["video"]["frames"] == 230
    assert report["video"]["width"] == info.width == 1768
    assert report["video"]["fps"] == pytest.approx(30, abs=0.1)
    assert report["view"] == "side"
    assert 0.5 < report["pose_coverage"] <= 1.0
    for key in ("summary", "reps", "steps", "warnings"):
        assert key in report
    for warning in report["warnings"]:
        assert set(warning) == {"code", "message", "t_s"}
    assert len(report["series"]["t_s"]) == 230


def test_annotated_video_is_h264_with_every_frame_and_plays(bundled_analysis):
    video = bundled_analysis / "annotated.mp4"
    probe = ffprobe(video)
    assert probe["codec_name"] == "h264"
    assert probe["pix_fmt"] == "yuv420p"
    assert int(probe["nb_read_frames"]) == 230
    decoded = list(iter_frames(video))  # decodes back
    assert len(decoded) == 230
    # Scaled down to video.max_short_side (720), the shape kept.
    assert decoded[0].image_rgb.shape == (720, 1280, 3)
    # Encoded as [video] says: superfast's motion search with the macroblock
    # tree turned back on (x264 writes its options into the stream).
    data = video.read_bytes()
    for option in (b"me=dia", b"subme=1", b"mbtree=1", b"rc_lookahead=10"):
        assert option in data
    # No temp files left beside the outputs.
    assert sorted(p.name for p in bundled_analysis.iterdir()) == [
        "annotated.mp4",
        "frames.csv",
        "report.json",
    ]


def test_frames_csv_has_every_frame_of_the_series(bundled_analysis):
    report = json.loads((bundled_analysis / "report.json").read_text())
    assert report["series_file"] == "frames.csv"
    with (bundled_analysis / "frames.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == report["video"]["frames"] == 230
    assert report["series_step"] == 1  # a short clip keeps every frame
    assert [float(r["t_s"]) for r in rows] == report["series"]["t_s"]
    knee = [
        None if r["left_knee_deg"] == "" else float(r["left_knee_deg"]) for r in rows
    ]
    assert knee == report["series"]["left_knee_deg"]


def test_existing_outputs_are_not_overwritten(bundled_analysis):
    before = (bundled_analysis / "report.json").read_bytes()
    result = run_cli(
        "analyze",
        str(BUNDLED_CLIP),
        "-e",
        "backward-walk",
        "--out",
        str(bundled_analysis),
        "--no-video",
    )
    assert result.returncode == 2
    assert "already has report.json" in result.stderr
    assert "--overwrite" in result.stderr
    assert (bundled_analysis / "report.json").read_bytes() == before


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make_input, message",
    [
        (lambda d: d / "missing.mp4", "Video not found"),
        (lambda d: _write(d / "empty.mp4", b""), "is empty (0 bytes)"),
        (
            lambda d: _write(d / "notes.mp4", b"just some text\n" * 50),
            "not a readable video",
        ),
        (
            lambda d: _write(d / "noise.mp4", bytes(range(256)) * 64),
            "not a readable video",
        ),
        (lambda d: d, "is a directory, not a video file"),
    ],
    ids=["missing", "zero-bytes", "text", "random-bytes", "directory"],
)
def test_bad_input_exit_2_clear_message_nothing_written(
    tmp_path, capsys, make_input, message
):
    source = make_input(tmp_path)
    out = tmp_path / "out"
    code = main(["analyze", str(source), "-e", "reverse-lunge", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.err
    assert captured.err.count("\n") == 1  # one line
    assert "Traceback" not in captured.err
    assert not out.exists()


def test_audio_only_file(tmp_path, capsys):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    audio = tmp_path / "tone.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=d=1",
            "-c:a",
            "aac",
            str(audio),
        ],
        check=True,
    )
    assert (
        main(
            ["analyze", str(audio), "-e", "reverse-lunge", "--out", str(tmp_path / "o")]
        )
        == 2
    )
    assert "has no video stream" in capsys.readouterr().err


def test_unknown_exercise_and_bad_override(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(BUNDLED_CLIP), "-e", "moonwalk", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    code = main(
        [
            "analyze",
            str(BUNDLED_CLIP),
            "-e",
            "reverse-lunge",
            "--out",
            str(tmp_path / "o"),
            "--set",
            "pose.nonsense=1",
        ]
    )
    assert code == 2
    assert "Unknown config key 'pose.nonsense'" in capsys.readouterr().err


def test_help_lists_every_exercise():
    result = run_cli("analyze", "--help")
    assert result.returncode == 0
    for name in (
        "reverse-lunge",
        "backward-walk",
        "retro-run",
        "band-walk",
        "backward-shuffle",
        "backward-cycle",
        "reverse-row",
    ):
        assert name in result.stdout


def test_lite_model_from_the_command_line(short_clip, tmp_path, capsys):
    out = tmp_path / "lite"
    args = ["analyze", str(short_clip), "-e", "backward-walk", "--no-video", "-q"]
    code = main([*args, "--no-history", "--out", str(out), "--set", "pose.model=lite"])
    assert code == 0, capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert report["config"]["pose"]["model"] == "lite"
    assert report["pose_coverage"] > 0  # the lite model found the walker
    code = main([*args, "--out", str(tmp_path / "x"), "--set", "pose.model=heavy"])
    assert code == 2
    assert 'pose.model must be "full" or "lite"' in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
