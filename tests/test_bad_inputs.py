"""The bad-input corpus through the CLI: every case ends in a clear message
(exit 2) or a completed report with a specific warning; never a traceback,
never a hang, never a half-written output. Inputs are generated here."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from formcoach.cli import main

from .conftest import BUNDLED_CLIP, shared_clip

pytestmark = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="needs ffmpeg")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def make_testsrc(path: Path, *, size="320x240", rate=30, seconds=2.0, extra=()) -> Path:
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={size}:rate={rate}",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        *extra,
        str(path),
    )
    return path


def analyze(capsys, video: Path, out: Path, *more: str) -> tuple[int, str, dict | None]:
    code = main(
        [
            "analyze",
            str(video),
            "-e",
            "backward-walk",
            "--out",
            str(out),
            "--no-history",
            "-q",
            *more,
        ]
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err
    report = json.loads((out / "report.json").read_text()) if code == 0 else None
    if code != 0:
        # Nothing half-written: no outputs and no temp files.
        leftovers = [p.name for p in out.iterdir()] if out.exists() else []
        assert leftovers == [], leftovers
    return code, err, report


def warning_codes(report: dict) -> set[str]:
    return {w["code"] for w in report["warnings"]}


# -- files that are not usable videos: exit 2 and one clear line --------------


def _still(codec: str):
    """A maker of one still image (``png`` or ``mjpeg``) saved as ``path``."""

    def make(path: Path) -> Path:
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1",
               "-f", "image2", "-c:v", codec, str(path))  # fmt: skip
        return path

    return make


def _truncated(path: Path) -> Path:
    data = BUNDLED_CLIP.read_bytes()
    path.write_bytes(data[: len(data) // 10])
    return path


def _audio(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(path))
    return path


def _no_frames(path: Path) -> Path:
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x64",
        "-frames:v",
        "0",
        "-c:v",
        "libx264",
        str(path),
    )
    return path


def _unknown_codec(path: Path) -> Path:
    """A real H.264 MP4 whose codec tag is changed to one no decoder knows."""
    make_testsrc(path, seconds=1.0)
    data = path.read_bytes()
    assert b"avc1" in data
    path.write_bytes(data.replace(b"avc1", b"xvq1"))
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "Video not found"),  # missing
        (lambda p: (p.write_bytes(b""), p)[1], "is empty (0 bytes)"),
        (
            lambda p: (p.write_bytes(bytes(range(256)) * 200), p)[1],
            "is not a readable video",
        ),
        (
            lambda p: (p.write_text("to do: lunges\n" * 99), p)[1],
            "is not a readable video",
        ),
        (_still("png"), "still image"),
        (_still("mjpeg"), "still image"),
        (_audio, "has no video stream"),
        # ffmpeg writes no stream at all when asked for zero frames.
        (_no_frames, "has no video stream"),
        (_unknown_codec, "uses a video codec FormCoach cannot decode"),
        (_truncated, "Sports2D"),  # placeholder replaced below
    ],
    ids=[
        "missing",
        "zero-bytes",
        "random-bytes",
        "text",
        "png",
        "jpeg",
        "audio-only",
        "no-frames",
        "unsupported-codec",
        "truncated-10pct",
    ],
)
def test_unusable_files(tmp_path, capsys, make, message):
    video = make(tmp_path / "input.mp4")
    code, err, report = analyze(capsys, video, tmp_path / "out")
    if message == "Sports2D":
        # The first 10 % of an MP4 whose index is at the front: the frames that
        # are there are analysed and the missing end is reported.
        assert code == 0 or "not a readable video" in err
        if code == 0:
            assert "video.corrupt_section" in warning_codes(report)
        return
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


# -- odd but usable videos: a report, with a warning where one is due ----------


@pytest.mark.parametrize(
    "kwargs, expected_warning",
    [
        ({"seconds": 0.5}, "video.too_short"),
        ({"seconds": 1 / 30}, "video.too_short"),  # one frame
        ({"size": "64x64"}, "pose.no_person"),  # tiny, and nobody in it
        ({"size": "3840x2160", "seconds": 0.4}, "pose.no_person"),  # 4K
        ({"rate": 120}, "pose.no_person"),
        ({"rate": 60}, "pose.no_person"),
        ({"extra": ("-pix_fmt", "yuv420p10le")}, "pose.no_person"),  # 10-bit
    ],
    ids=["short", "one-frame", "tiny", "4k", "120fps", "60fps", "10-bit"],
)
def test_odd_videos_give_a_report_with_a_warning(
    tmp_path, capsys, kwargs, expected_warning
):
    extra = kwargs.pop("extra", ())
    if extra:
        video = tmp_path / "in.mp4"
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=30",
            "-t",
            "2",
            "-c:v",
            "libx264",
            *extra,
            str(video),
        )
    else:
        video = make_testsrc(tmp_path / "in.mp4", **kwargs)
    code, err, report = analyze(capsys, video, tmp_path / "out")
    assert code == 0, err
    assert expected_warning in warning_codes(report)
    assert (tmp_path / "out" / "annotated.mp4").stat().st_size > 0


def corrupt_middle(path: Path) -> Path:
    """The bundled clip with 200 kB in the middle of the file zeroed."""
    data = bytearray(BUNDLED_CLIP.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 200_000] = bytes(200_000)
    path.write_bytes(bytes(data))
    return path


def test_corrupt_middle_is_analysed_around_the_gap(tmp_path, capsys):
    video = corrupt_middle(tmp_path / "corrupt.mp4")
    code, err, report = analyze(capsys, video, tmp_path / "out", "--no-video")
    assert code == 0, err
    assert "video.corrupt_section" in warning_codes(report)
    assert report["video"]["frames"] > 100  # the rest was analysed


@pytest.mark.parametrize(
    "name",
    [
        "my lunges.mp4",
        "rückwärts läufer ✓.mp4",
        "a;b&c$(x)'q\".mp4",
        "-starts-with-dash.mp4",
    ],
)
def test_awkward_file_names(tmp_path, capsys, name):
    video = make_testsrc(tmp_path / "plain.mp4", seconds=1.2)
    weird = tmp_path / name
    video.rename(weird)
    code, err, report = analyze(capsys, weird, tmp_path / "out")
    assert code == 0, err
    assert report["video"]["path"].endswith(name)


def test_relative_path_with_dotdot(tmp_path, capsys, monkeypatch):
    (tmp_path / "videos").mkdir()
    (tmp_path / "work").mkdir()
    make_testsrc(tmp_path / "videos" / "clip.mp4", seconds=1.2)
    monkeypatch.chdir(tmp_path / "work")
    code, err, _ = analyze(capsys, Path("../videos/clip.mp4"), Path("../out"))
    assert code == 0, err
    assert (tmp_path / "out" / "report.json").exists()


def test_output_folder_that_cannot_be_written(tmp_path, capsys):
    video = make_testsrc(tmp_path / "in.mp4", seconds=1.2)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, err, _ = analyze(capsys, video, blocker / "out")
    assert code == 2 and "Cannot write" in err


def test_disk_full_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    video = make_testsrc(tmp_path / "in.mp4", seconds=1.2)
    out = tmp_path / "out"
    import formcoach.outputs as outputs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", full)  # fails while writing report.json
    code, err, _ = analyze(capsys, video, out)  # also checks nothing is left in out
    assert code == 2
    assert "disk is full" in err and "Nothing was left half-written" in err


@pytest.mark.shared
@pytest.mark.slow
def test_feet_out_of_frame_says_landing_cannot_be_judged(tmp_path, capsys):
    clip = shared_clip("rnhrn/banded_reverse_lunges_side.mp4")
    cropped = tmp_path / "no_feet.mp4"
    ffmpeg(
        "-i",
        str(clip),
        "-vf",
        "crop=1280:560:0:0",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(cropped),
    )
    code, err, report = analyze(capsys, cropped, tmp_path / "out", "--no-video")
    assert code == 0, err
    assert "pose.feet_not_visible" in warning_codes(report)
