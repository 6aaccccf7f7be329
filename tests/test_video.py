"""Tests for formcoach.video: reading, rotation, timing, errors, writing.

Inputs are generated in ``tmp_path`` with the ffmpeg command-line tool (or
with VideoWriter itself); real footage is read from ``../shared/videos`` and
those tests are skipped where it is absent. ffmpeg/ffprobe also serve as the
ground truth for rotation and timestamps.
"""

from __future__ import annotations

import errno
import io
import itertools
import json
import logging
import os
import shlex
import shutil
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest

from formcoach.errors import InputError, OutputError
from formcoach.prefetch import Stretches, prefetch
from formcoach.video import Frame, VideoInfo, can_seek, iter_frames
from formcoach.video_writer import VideoWriter

from .degrade import corrupt_packets

SHARED_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "videos"
LUNGES = SHARED_VIDEOS / "rnhrn" / "banded_reverse_lunges_side.mp4"
SPORTS2D = SHARED_VIDEOS / "sports2d" / "demo.mp4"

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed (apt-get install ffmpeg)",
)


def _shared(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real footage not available: {path} (see shared/videos)")
    return path


# -- helpers ------------------------------------------------------------------


def _ffmpeg(*args: str | Path) -> None:
    """Run ffmpeg; ``str`` arguments are split like a shell would."""
    argv: list[str] = []
    for arg in args:
        argv += [str(arg)] if isinstance(arg, Path) else shlex.split(arg)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *argv],
        check=True,
        capture_output=True,
    )


def _ffprobe(path: Path, entries: str) -> dict[str, Any]:
    argv = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-of", "json"]
    result = subprocess.run(
        [*argv, "-show_entries", entries, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def _ffprobe_pts_ms(path: Path) -> list[float]:
    """Frame presentation times per ffprobe, relative to the first, in ms."""
    frames = _ffprobe(path, "frame=pts_time")["frames"]
    times = sorted(float(f["pts_time"]) for f in frames)
    return [(t - times[0]) * 1000.0 for t in times]


def _ffmpeg_autorotated_frame(path: Path) -> np.ndarray:
    """First frame as decoded (and autorotated) by the ffmpeg CLI.

    PPM output carries its own size, so the upright dimensions come from
    ffmpeg too, not from the code under test.
    """
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-frames:v", "1"]
    ppm = subprocess.run(
        [*argv, "-f", "image2pipe", "-c:v", "ppm", "-"],
        check=True,
        capture_output=True,
    ).stdout
    magic, size, maxval, pixels = ppm.split(b"\n", 3)
    assert magic == b"P6" and maxval == b"255"
    width, height = map(int, size.split())
    return np.frombuffer(pixels, np.uint8).reshape(height, width, 3)


def _testsrc(
    path: Path, *, size: str = "160x120", seconds: float = 1, extra: str = ""
) -> Path:
    """H.264 clip of ffmpeg's test pattern at 10 fps."""
    _ffmpeg(
        f"-f lavfi -t {seconds} -i testsrc=size={size}:rate=10",
        extra,
        "-c:v libx264 -pix_fmt yuv420p",
        path,
    )
    return path


def _marker_image(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Asymmetric picture: red square top-left, green bar along the top."""
    image = np.full((height, width, 3), 40, np.uint8)
    image[:, :, 2] = (np.arange(width) * 200 // max(width - 1, 1)).astype(np.uint8)
    image[: height // 8, width // 3 :] = (0, 220, 0)
    image[: height // 4, : width // 4] = (255, 0, 0)
    image[height // 2 :, width // 2 :, 0] = (seed * 37) % 256
    return image


def _write_clip(
    path: Path, frames: int = 10, width: int = 64, height: int = 48, fps: float = 10.0
) -> Path:
    with VideoWriter(path, fps=fps, width=width, height=height) as writer:
        for i in range(frames):
            writer.write(_marker_image(width, height, seed=i))
    return path


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# -- VideoInfo and iter_frames on real footage -----------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("clip", "size", "fps", "frames", "codec"),
    [
        (LUNGES, (1280, 720), 29.97, 191, "h264"),
        (SPORTS2D, (1768, 994), 30.0, 230, "vp9"),
    ],
    ids=["rnhrn-h264", "sports2d-vp9"],
)
def test_info_real_footage(
    clip: Path, size: tuple[int, int], fps: float, frames: int, codec: str
) -> None:
    info = VideoInfo.from_path(_shared(clip))
    assert info.path == clip
    assert info.resolution_wh == size
    assert (info.width, info.height) == size
    assert isinstance(info.fps, float)
    assert info.fps == pytest.approx(fps, abs=0.005)
    assert info.frame_count == frames
    assert info.duration_s == pytest.approx(frames / fps, rel=0.02)
    assert info.codec == codec
    assert info.rotation_deg == 0


@pytest.mark.shared
@needs_ffmpeg
@pytest.mark.parametrize("clip", [LUNGES, SPORTS2D], ids=["rnhrn", "sports2d"])
def test_iter_frames_real_footage_follows_pts(clip: Path) -> None:
    info = VideoInfo.from_path(_shared(clip))
    frames = list(iter_frames(clip))

    assert len(frames) == info.frame_count
    assert [f.index for f in frames] == list(range(len(frames)))
    first = frames[0].image_rgb
    assert first.shape == (info.height, info.width, 3)
    assert first.dtype == np.uint8
    assert first.flags.c_contiguous
    stamps = [f.timestamp_ms for f in frames]
    assert stamps[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(stamps))
    # Real presentation times (the lunge clip's 2nd frame comes after
    # 21.6 ms, not 33.4 ms), exactly as ffprobe reports them.
    assert stamps == pytest.approx(_ffprobe_pts_ms(clip), abs=0.01)


@pytest.mark.shared
def test_max_frames_stops_early() -> None:
    frames = list(iter_frames(_shared(LUNGES), max_frames=3))
    assert [f.index for f in frames] == [0, 1, 2]
    assert list(iter_frames(LUNGES, max_frames=0)) == []
    with pytest.raises(ValueError, match="max_frames"):
        iter_frames(LUNGES, max_frames=-1)


# -- rotation ---------------------------------------------------------------


@needs_ffmpeg
@pytest.mark.parametrize("rotate_tag", [0, 90, 180, 270])
def test_rotation_matches_ffmpeg_autorotate(tmp_path: Path, rotate_tag: int) -> None:
    # An asymmetric picture, stored upright, then only the metadata changes.
    stored = _write_clip(tmp_path / "stored.mp4", frames=3, width=64, height=48)
    rotated = tmp_path / "rotated.mp4"
    _ffmpeg("-i", stored, f"-c copy -metadata:s:v:0 rotate={rotate_tag}", rotated)
    side_data = _ffprobe(rotated, "stream_side_data=rotation")["streams"][0]
    # ffprobe prints the display matrix angle anticlockwise; we store the
    # clockwise turn. (ffmpeg 5.1 turns "rotate=90" into a 90° anticlockwise
    # matrix, hence the ground truth below instead of trusting the tag.)
    ccw = int(side_data.get("side_data_list", [{}])[0].get("rotation", 0))
    truth = _ffmpeg_autorotated_frame(rotated).astype(int)

    info = VideoInfo.from_path(rotated)
    frame = next(iter(iter_frames(rotated)))

    assert info.rotation_deg == (-ccw) % 360
    assert info.resolution_wh == (truth.shape[1], truth.shape[0])
    if rotate_tag in (90, 270):
        assert info.resolution_wh == (48, 64)
    image = frame.image_rgb
    assert image.shape == truth.shape
    assert image.flags.c_contiguous
    error = np.abs(image.astype(int) - truth).mean()
    assert error < 4, f"differs from ffmpeg's autorotated frame by {error:.1f}"
    # Every other orientation of the same pixels must be clearly worse.
    stored_pixels = next(iter(iter_frames(stored))).image_rgb
    for k in range(4):
        candidate = np.rot90(stored_pixels, k)
        if candidate.shape == truth.shape and not np.array_equal(candidate, image):
            assert np.abs(candidate.astype(int) - truth).mean() > 4 * error + 10


# -- timing -----------------------------------------------------------------


@needs_ffmpeg
def test_variable_frame_rate_timestamps_follow_pts(tmp_path: Path) -> None:
    # 10 frames 100 ms apart, then 10 frames 250 ms apart.
    clip = _testsrc(
        tmp_path / "vfr.mp4",
        seconds=2,
        extra="-vf \"settb=1/1000,setpts='if(lt(N,10),N*0.1,1+(N-10)*0.25)/TB'\" "
        "-fps_mode passthrough -enc_time_base 1:1000",
    )
    expected = [i * 100.0 for i in range(10)] + [1000.0 + i * 250 for i in range(10)]
    assert _ffprobe_pts_ms(clip) == pytest.approx(expected)

    frames = list(iter_frames(clip))

    assert [f.timestamp_ms for f in frames] == pytest.approx(expected, abs=0.01)
    fps = VideoInfo.from_path(clip).fps
    assert isinstance(fps, float)
    by_index = [i * 1000.0 / fps for i in range(len(frames))]
    assert frames[-1].timestamp_ms != pytest.approx(by_index[-1], abs=100)


@needs_ffmpeg
def test_repeated_pts_are_nudged_to_stay_increasing(tmp_path: Path) -> None:
    source = tmp_path / "source.mkv"
    _ffmpeg("-f lavfi -t 1 -i testsrc=size=64x48:rate=10 -c:v mjpeg", source)
    clip = tmp_path / "dup_pts.mkv"
    # Every timestamp twice: 0, 0, 100, 100, ... (Matroska allows it).
    _ffmpeg("-i", source, "-c copy -bsf:v setts=ts=floor(N/2)*100", clip)

    stamps = [f.timestamp_ms for f in iter_frames(clip)]

    assert len(stamps) == 10
    assert stamps[0::2] == pytest.approx([0, 100, 200, 300, 400])
    assert stamps[1::2] == pytest.approx([0.001, 100.001, 200.001, 300.001, 400.001])


# -- seeking ------------------------------------------------------------------

REPO_VIDEOS = Path(__file__).resolve().parents[1] / "videos"


def _b_frames(tmp: Path) -> Path:
    """B-frames (shown before frames decoded earlier) and a key frame every 12."""
    _ffmpeg(
        "-i", REPO_VIDEOS / "nowva_split_squat.mp4", "-t 4 -vf scale=320:-2",
        "-c:v libx264 -bf 3 -g 12 -pix_fmt yuv420p", tmp / "bframes.mp4",
    )  # fmt: skip
    return tmp / "bframes.mp4"


def _portrait(tmp: Path) -> Path:
    """Stored on its side with a rotation tag, as phones record portrait."""
    stored = _testsrc(tmp / "stored.mp4", size="160x96", seconds=3, extra="-g 7")
    _ffmpeg("-i", stored, "-c copy -metadata:s:v:0 rotate=270", tmp / "portrait.mp4")
    return tmp / "portrait.mp4"


def _vfr(tmp: Path) -> Path:
    """10 frames 100 ms apart, then 10 frames 250 ms apart."""
    return _testsrc(
        tmp / "vfr.mp4",
        seconds=2,
        extra="-vf \"settb=1/1000,setpts='if(lt(N,10),N*0.1,1+(N-10)*0.25)/TB'\" "
        "-fps_mode passthrough -enc_time_base 1:1000 -g 4",
    )


SEEKABLE = [
    pytest.param(lambda tmp: REPO_VIDEOS / "nowva_split_squat.mp4", id="h264"),
    pytest.param(lambda tmp: REPO_VIDEOS / "sports2d_demo.mp4", id="vp9"),
    pytest.param(_b_frames, id="b-frames"),
    pytest.param(_portrait, id="rotation-tag"),
    pytest.param(_vfr, id="variable-rate"),
]


@needs_ffmpeg
@pytest.mark.parametrize("make", SEEKABLE)
def test_a_start_reached_by_seeking_gives_what_a_full_pass_gives(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    """``seek=True``: the same frames, indices, times and pictures as
    decoding every frame before ``start_index``."""
    clip = make(tmp_path)
    frames = list(iter_frames(clip, max_frames=120))
    n = len(frames)
    for start in sorted({1, n // 3, n // 2 + 1, n - 2}):
        assert can_seek(clip, start)
        want = list(iter_frames(clip, start_index=start, max_frames=n))
        got = list(iter_frames(clip, start_index=start, max_frames=n, seek=True))
        assert [(f.index, f.timestamp_ms) for f in got] == [
            (f.index, f.timestamp_ms) for f in want
        ], start
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a.image_rgb, b.image_rgb)


@needs_ffmpeg
def test_seeking_where_packets_cannot_number_the_frames_decodes_from_the_start(
    tmp_path: Path,
) -> None:
    """Repeated pts (times nudged by a full pass): the frames of a full pass."""
    source = tmp_path / "source.mkv"
    _ffmpeg("-f lavfi -t 1 -i testsrc=size=64x48:rate=10 -c:v mjpeg", source)
    clip = tmp_path / "dup_pts.mkv"
    _ffmpeg("-i", source, "-c copy -bsf:v setts=ts=floor(N/2)*100", clip)
    want = [(f.index, f.timestamp_ms) for f in iter_frames(clip, start_index=5)]
    got = [
        (f.index, f.timestamp_ms) for f in iter_frames(clip, start_index=5, seek=True)
    ]
    assert got == want and len(got) == 5
    assert not can_seek(clip, 5)
    assert can_seek(source, 5) and not can_seek(source, 10)  # past the end
    assert not can_seek(tmp_path / "missing.mp4", 5)


@needs_ffmpeg
def test_seeking_past_corrupt_packets_numbers_by_the_packets(tmp_path: Path) -> None:
    """Frames lost before the start cannot be seen by a seek: the indices run
    ahead of a full pass's by as many (the pose stage joins runs by time);
    the times and pictures are the same, and losses after the start are
    reported as a full pass reports them."""
    clip = _testsrc(tmp_path / "clean.mp4", size="320x240", seconds=3, extra="-g 5")
    damaged = tmp_path / "damaged.mp4"
    corrupt_packets(clip, [6, 7, 21, 22], damaged)
    full = list(iter_frames(damaged))
    start = next(f.index for f in full if f.timestamp_ms >= 1500)
    want = full[start:]
    gaps: list[tuple[float, float]] = []
    got = list(
        iter_frames(
            damaged,
            start_index=start + 2,
            seek=True,
            on_gap=lambda a, b: gaps.append((a, b)),
        )
    )
    assert [f.timestamp_ms for f in got] == [f.timestamp_ms for f in want]
    assert [f.index for f in got] == [f.index + 2 for f in want]
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a.image_rgb, b.image_rgb)
    assert gaps == [(2000.0, 2300.0)]  # packets 21-22 (2100, 2200 ms) only
    # Seeking to a frame that was lost: not the frame the packets promised,
    # so decoded from the start, numbered as a full pass numbers them.
    lost_ms = min(set(np.arange(0, 3000, 100.0)) - {f.timestamp_ms for f in full})
    k = round(lost_ms / 100)  # its number among the packets (10 fps)
    lost_at = [(f.index, f.timestamp_ms) for f in iter_frames(damaged, start_index=k)]
    seeking = iter_frames(damaged, start_index=k, seek=True)
    assert [(f.index, f.timestamp_ms) for f in seeking] == lost_at
    assert lost_at[0][0] == k and lost_at[0][1] > lost_ms


# -- damaged input ----------------------------------------------------------


@needs_ffmpeg
def test_corrupt_packets_are_skipped_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A keyframe every 5 frames, so the decoder recovers quickly.
    clip = _testsrc(tmp_path / "clean.mp4", size="320x240", seconds=3, extra="-g 5")
    damaged = tmp_path / "damaged.mp4"
    lost_ms = corrupt_packets(clip, [11, 12, 13], damaged)
    gaps: list[tuple[float, float]] = []

    with caplog.at_level(logging.WARNING, logger="formcoach.video"):
        frames = list(iter_frames(damaged, on_gap=lambda a, b: gaps.append((a, b))))

    stamps = [f.timestamp_ms for f in frames]
    assert 20 <= len(frames) < 30
    assert all(b > a for a, b in itertools.pairwise(stamps))
    assert not set(lost_ms) & set(stamps)
    for missing in set(np.arange(0, 3000, 100.0)) - set(stamps):
        assert any(start < missing < end for start, end in gaps), (missing, gaps)
    for start, end in gaps:  # gaps are bounded by frames we did yield
        assert start in stamps and end in stamps
    assert "missing between" in caplog.text


@needs_ffmpeg
@pytest.mark.parametrize("seek", [False, True], ids=["full-pass", "seeking"])
def test_truncated_file_yields_what_is_there(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, seek: bool
) -> None:
    clip = _testsrc(
        tmp_path / "whole.mp4",
        size="320x240",
        seconds=3,
        extra="-g 5 -movflags +faststart",
    )
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])
    full = list(iter_frames(cut))
    start = len(full) // 2 if seek else 0
    caplog.clear()
    gaps: list[tuple[float, float]] = []

    with caplog.at_level(logging.WARNING, logger="formcoach.video"):
        frames = list(
            iter_frames(
                cut,
                start_index=start,
                seek=seek,
                on_gap=lambda a, b: gaps.append((a, b)),
            )
        )

    assert 1 <= len(full) < 30
    assert [f.timestamp_ms for f in frames] == [f.timestamp_ms for f in full[start:]]
    assert len(gaps) == 1
    assert gaps[0][0] == frames[-1].timestamp_ms
    assert gaps[0][1] == pytest.approx(2900, abs=1)
    assert "breaks off" in caplog.text


# -- bad input: one clear sentence naming the file ---------------------------


def _make_random(tmp: Path) -> Path:
    path = tmp / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).bytes(50_000))
    return path


def _make_text(tmp: Path) -> Path:
    path = tmp / "notes.mp4"
    path.write_text("this is not a video\n" * 20)
    return path


def _make_png(tmp: Path) -> Path:
    png = tmp / "picture.png"
    _ffmpeg("-f lavfi -i testsrc=size=64x48 -frames:v 1", png)
    return png.rename(tmp / "picture.mp4")


def _make_audio_only(tmp: Path) -> Path:
    path = tmp / "voice.mp4"
    _ffmpeg("-f lavfi -i sine=duration=1 -c:a aac", path)
    return path


def _make_audio_with_cover(tmp: Path) -> Path:
    # Cover art is stored as a one-picture "video" stream; it is not a video.
    cover = tmp / "cover.png"
    _ffmpeg("-f lavfi -i testsrc=size=64x48 -frames:v 1", cover)
    path = tmp / "song.m4a"
    _ffmpeg(
        "-f lavfi -i sine=duration=1 -i",
        cover,
        "-map 0 -map 1 -c:a aac -c:v png -disposition:v:0 attached_pic",
        path,
    )
    return path


def _make_unknown_codec(tmp: Path) -> Path:
    clip = _testsrc(tmp / "base.mp4", size="64x48")
    data = bytearray(clip.read_bytes())
    entry = data.index(b"avc1", data.index(b"stsd"))  # the sample description
    data[entry : entry + 4] = b"zzzz"
    path = tmp / "strange_codec.mp4"
    path.write_bytes(bytes(data))
    return path


def _make_no_frames(tmp: Path) -> Path:
    clip = _testsrc(tmp / "base.mp4", size="64x48")
    data = bytearray(clip.read_bytes())
    start = data.index(b"mdat") - 4
    (size,) = struct.unpack(">I", data[start : start + 4])
    data[start + 8 : start + size] = bytes(size - 8)  # all samples zeroed
    path = tmp / "blank.mp4"
    path.write_bytes(bytes(data))
    return path


def _make_dir(tmp: Path) -> Path:
    path = tmp / "clips.mp4"
    path.mkdir()
    return path


def _make_empty(tmp: Path) -> Path:
    path = tmp / "empty.mp4"
    path.touch()
    return path


BAD_INPUTS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("missing", lambda tmp: tmp / "nowhere.mp4", r"^Video not found: .*nowhere\.mp4$"),
    ("directory", _make_dir, r"clips\.mp4 is a directory, not a video file$"),
    ("empty", _make_empty, r"empty\.mp4 is empty \(0 bytes\)$"),
    ("random-bytes", _make_random, r"noise\.mp4 is not a readable video file$"),
    ("text", _make_text, r"notes\.mp4 is not a readable video file$"),
    (
        "png-renamed",
        _make_png,
        r"picture\.mp4 is not a readable video file \(it is a PNG still image\)$",
    ),
    ("audio-only", _make_audio_only, r"voice\.mp4 has no video stream$"),
    ("audio-with-cover", _make_audio_with_cover, r"song\.m4a has no video stream$"),
    (
        "unknown-codec",
        _make_unknown_codec,
        r"strange_codec\.mp4 uses a video codec FormCoach cannot decode \(.+\)\. "
        r"Convert it to H\.264 MP4 first, e\.g\. ffmpeg -i INPUT -c:v libx264 "
        r"OUTPUT\.mp4$",
    ),
    ("no-frames", _make_no_frames, r"blank\.mp4 contains no video frames$"),
]


@needs_ffmpeg
@pytest.mark.parametrize(
    ("make", "message"),
    [pytest.param(make, msg, id=name) for name, make, msg in BAD_INPUTS],
)
@pytest.mark.parametrize("reader", ["VideoInfo.from_path", "iter_frames"])
def test_bad_input_gives_one_clear_sentence(
    tmp_path: Path, make: Callable[[Path], Path], message: str, reader: str
) -> None:
    path = make(tmp_path)
    read = VideoInfo.from_path if reader == "VideoInfo.from_path" else iter_frames

    # iter_frames checks at the call, before the first next().
    with pytest.raises(InputError, match=message) as caught:
        read(path)

    text = str(caught.value)
    assert path.name in text
    assert "\n" not in text and "Traceback" not in text and "Errno" not in text


# -- VideoWriter -------------------------------------------------------------


@needs_ffmpeg
@pytest.mark.parametrize(
    ("width", "height", "encoded"),
    [(64, 48, (64, 48)), (65, 49, (66, 50)), (63, 48, (64, 48))],
    ids=["even", "odd-both", "odd-width"],
)
def test_writer_round_trip(
    tmp_path: Path, width: int, height: int, encoded: tuple[int, int]
) -> None:
    out = tmp_path / "annotated.mp4"
    images = [_marker_image(width, height, seed=i) for i in range(12)]

    with VideoWriter(out, fps=29.97, width=width, height=height) as writer:
        for image in images:
            writer.write(image)
        assert not out.exists()  # only appears once complete
    assert writer.frames_written == 12

    probe = _ffprobe(out, "stream=codec_name,pix_fmt,nb_frames,width,height")
    stream = probe["streams"][0]
    assert stream["codec_name"] == "h264"
    assert stream["pix_fmt"] == "yuv420p"
    assert int(stream["nb_frames"]) == 12
    assert (stream["width"], stream["height"]) == encoded
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "not +faststart"
    assert _listing(tmp_path) == ["annotated.mp4"]  # no temp file left

    frames = list(iter_frames(out))
    assert len(frames) == 12
    assert VideoInfo.from_path(out).fps == pytest.approx(29.97, abs=0.001)
    assert [f.timestamp_ms for f in frames] == pytest.approx(
        [i * 1000 / 29.97 for i in range(12)], abs=0.05
    )
    for frame, image in zip(frames, images, strict=True):
        decoded = frame.image_rgb[:height, :width].astype(int)
        assert np.abs(decoded - image).mean() < 6
    # Padding repeats the edge, it does not add a black line.
    assert frames[0].image_rgb[-1, -1].astype(int) == pytest.approx(
        images[0][-1, -1].astype(int), abs=25
    )


@needs_ffmpeg
@pytest.mark.parametrize(
    ("size", "encoded", "interpolation"),
    [
        ((192, 108), (128, 72), cv2.INTER_LINEAR),
        ((177, 99), (128, 72), cv2.INTER_LINEAR),
        ((108, 192), (72, 128), cv2.INTER_LINEAR),
        ((384, 216), (128, 72), cv2.INTER_AREA),
        ((96, 54), (96, 54), None),
    ],
    ids=["16:9", "odd-shape", "portrait", "to-a-third", "already-small"],
)
def test_writer_scales_big_pictures_down(
    tmp_path: Path,
    size: tuple[int, int],
    encoded: tuple[int, int],
    interpolation: int | None,
) -> None:
    """video.max_short_side: a bigger picture is encoded smaller (its shorter
    side 72 here), its shape and colours kept; a smaller one is left alone.
    Down to half size it is scaled bilinearly, further by area averaging."""
    width, height = size
    out = tmp_path / "annotated.mp4"
    images = [_marker_image(width, height, seed=i) for i in range(6)]
    with VideoWriter(
        out, fps=25, width=width, height=height, max_short_side=72
    ) as writer:
        for image in images:
            writer.write(image)
    stream = _ffprobe(out, "stream=width,height")["streams"][0]
    assert (stream["width"], stream["height"]) == encoded
    decoded = next(iter_frames(out)).image_rgb.astype(int)
    expected = (
        images[0]
        if interpolation is None
        else cv2.resize(images[0], encoded, interpolation=interpolation)
    )
    assert np.abs(decoded - expected).mean() < 6


def test_writer_colours_survive_the_round_trip(tmp_path: Path) -> None:
    """Flat colours come back within 2 levels (the YUV conversion is tagged,
    so a decoder converts back with the same matrix)."""
    out = tmp_path / "colours.mp4"
    colours = [(255, 0, 0), (0, 200, 50), (30, 60, 220), (128, 128, 128)]
    image = np.zeros((64, 64, 3), np.uint8)
    for k, colour in enumerate(colours):
        image[16 * k : 16 * (k + 1)] = colour
    with VideoWriter(out, fps=25, width=64, height=64) as writer:
        for _ in range(3):
            writer.write(image)
    decoded = next(iter_frames(out)).image_rgb.astype(int)
    for k, colour in enumerate(colours):
        assert np.abs(decoded[16 * k + 8, 32] - np.array(colour)).max() <= 2


@needs_ffmpeg
@pytest.mark.parametrize(
    ("x264_params", "expected", "unexpected"),
    [
        ("", [b"mbtree=0"], [b"mbtree=1", b"rc_lookahead=10"]),
        ("mbtree=1:rc-lookahead=10", [b"mbtree=1", b"rc_lookahead=10"], [b"mbtree=0"]),
    ],
    ids=["preset-alone", "with-options"],
)
def test_writer_passes_the_x264_options_on(
    tmp_path: Path, x264_params: str, expected: list[bytes], unexpected: list[bytes]
) -> None:
    """x264 writes the options it encoded with into the stream (an SEI
    message): superfast alone turns the macroblock tree off, the options
    given on top turn it back on."""
    out = tmp_path / "options.mp4"
    with VideoWriter(
        out, fps=25, width=64, height=48, preset="superfast", x264_params=x264_params
    ) as writer:
        for i in range(3):
            writer.write(_marker_image(64, 48, seed=i))
    data = out.read_bytes()
    assert b"x264 - core" in data
    for option in expected:
        assert option in data
    for option in unexpected:
        assert option not in data


def test_writer_keeps_given_timestamps(tmp_path: Path) -> None:
    out = tmp_path / "vfr.mp4"
    stamps = [500.0, 540.0, 580.0, 700.0, 1013.3, 1046.6]

    with VideoWriter(out, fps=25, width=32, height=32) as writer:
        for i, ms in enumerate(stamps):
            writer.write(_marker_image(32, 32, seed=i), timestamp_ms=ms)

    decoded = [f.timestamp_ms for f in iter_frames(out)]
    # Relative to the first frame written; 1/90000 s resolution.
    assert decoded == pytest.approx([ms - stamps[0] for ms in stamps], abs=0.02)


def test_writer_copies_the_image(tmp_path: Path) -> None:
    out = tmp_path / "copy.mp4"
    image = np.zeros((32, 32, 3), np.uint8)
    with VideoWriter(out, fps=10, width=32, height=32) as writer:
        for value in (0, 250):
            image[:] = value  # reuse the same buffer, as a drawing loop would
            writer.write(image)
    means = [f.image_rgb.mean() for f in iter_frames(out)]
    assert means[0] < 20 and means[1] > 230


def test_writer_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "report.mp4"
    out.write_bytes(b"precious")

    with pytest.raises(OutputError, match=r"^Output file already exists: .*report"):
        VideoWriter(out, fps=10, width=32, height=32)

    assert out.read_bytes() == b"precious"
    assert _listing(tmp_path) == ["report.mp4"]
    with VideoWriter(out, fps=10, width=32, height=32, overwrite=True) as writer:
        writer.write(_marker_image(32, 32))
    assert len(list(iter_frames(out))) == 1


def test_writer_refuses_if_target_appears_meanwhile(tmp_path: Path) -> None:
    out = tmp_path / "race.mp4"
    with pytest.raises(OutputError, match="already exists"):
        with VideoWriter(out, fps=10, width=32, height=32) as writer:
            writer.write(_marker_image(32, 32))
            out.write_bytes(b"someone else")
    assert out.read_bytes() == b"someone else"
    assert _listing(tmp_path) == ["race.mp4"]


def test_writer_exception_in_block_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "annotated.mp4"
    with pytest.raises(KeyError, match="boom"):
        with VideoWriter(out, fps=10, width=32, height=32) as writer:
            for _ in range(5):
                writer.write(_marker_image(32, 32))
            assert any(".annotated.mp4.partial-" in n for n in _listing(tmp_path))
            raise KeyError("boom")
    assert _listing(tmp_path) == []


def test_writer_without_frames_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"No frames were written to .*none\.mp4"):
        with VideoWriter(tmp_path / "none.mp4", fps=10, width=32, height=32):
            pass
    assert _listing(tmp_path) == []


def test_writer_rejects_wrong_image(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "x.mp4", fps=10, width=32, height=32) as writer:
        with pytest.raises(ValueError, match="shape"):
            writer.write(np.zeros((32, 33, 3), np.uint8))
        with pytest.raises(ValueError, match="uint8"):
            writer.write(np.zeros((32, 32, 3), np.float32))
        writer.write(np.zeros((32, 32, 3), np.uint8))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fps": 0}, "fps"),
        ({"fps": float("nan")}, "fps"),
        ({"width": 0}, "width"),
        ({"crf": 60}, "crf"),
        ({"preset": "quick"}, "preset"),
        ({"x264_params": "mbtree"}, "x264_params"),
        ({"x264_params": "mbtree=1:"}, "x264_params"),
    ],
)
def test_writer_rejects_bad_arguments(
    tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {"fps": 10, "width": 32, "height": 32} | kwargs
    with pytest.raises(ValueError, match=message):
        VideoWriter(tmp_path / "x.mp4", **args)
    assert _listing(tmp_path) == []


def test_writer_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "notadir").write_text("")
    target = tmp_path / "notadir" / "out.mp4"
    with pytest.raises(OutputError, match=r"^Cannot write .*out\.mp4: Not a directory"):
        VideoWriter(target, fps=10, width=32, height=32)


def test_writer_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "out.mp4"
    with pytest.raises(OutputError, match=r"out\.mp4: the folder .*nope does not"):
        VideoWriter(target, fps=10, width=32, height=32)


def test_writer_read_only_folder(tmp_path: Path) -> None:
    # Tests may run as root, which ignores chmod; sysfs refuses even root.
    target = Path("/sys/formcoach-test-output.mp4")
    if not Path("/sys").is_dir() or _can_create(target):
        pytest.skip("no truly read-only folder available here")
    with pytest.raises(OutputError, match=r"^Cannot write .*formcoach-test-output"):
        VideoWriter(target, fps=10, width=32, height=32)
    assert not target.exists()


def _can_create(path: Path) -> bool:
    try:
        path.touch(exist_ok=False)
    except OSError:
        return False
    path.unlink()
    return True


def test_writer_disk_full_at_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk_open(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(av, "open", full_disk_open)
    with pytest.raises(OutputError, match=r"out\.mp4: No space left on device$"):
        VideoWriter(tmp_path / "out.mp4", fps=10, width=32, height=32)
    assert _listing(tmp_path) == []


class _DiskFillsUp(io.RawIOBase):
    """File wrapper that fails with ENOSPC once ``limit`` bytes are written."""

    def __init__(self, path: str, limit: int) -> None:
        self._file = open(path, "w+b")  # closed in close()
        self._limit = limit
        self._written = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._written += len(data)
        if self._written > self._limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._file.write(data)

    def readinto(self, buffer: Any) -> int:
        return self._file.readinto(buffer)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()


def test_writer_disk_full_while_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = av.open
    opened: list[_DiskFillsUp] = []

    def small_disk_open(file: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(_DiskFillsUp(file, limit=30_000))
        return real_open(opened[-1], *args, **kwargs)

    monkeypatch.setattr(av, "open", small_disk_open)
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, (96, 128, 3), dtype=np.uint8) for _ in range(4)]

    with pytest.raises(OutputError, match=r"full\.mp4: No space left on device$"):
        with VideoWriter(tmp_path / "full.mp4", fps=10, width=128, height=96) as w:
            for i in range(200):  # the error surfaces in write() or close()
                w.write(noise[i % 4])

    for wrapper in opened:
        wrapper.close()
    assert _listing(tmp_path) == []


# -- prefetch ------------------------------------------------------------------


def test_prefetch_yields_everything_in_order() -> None:
    assert list(prefetch(range(100), maxsize=3)) == list(range(100))
    assert list(prefetch([])) == []


def test_prefetch_reraises_producer_error() -> None:
    def numbers() -> Iterator[int]:
        yield 1
        yield 2
        raise InputError("clip.mp4 is not a readable video file")

    got: list[int] = []
    with pytest.raises(InputError, match=r"clip\.mp4"):
        for item in prefetch(numbers(), maxsize=1):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_early_close_stops_producer_quickly() -> None:
    closed = threading.Event()
    produced: list[int] = []

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                produced.append(n)
                yield n
                n += 1
        finally:
            closed.set()

    stream = prefetch(endless(), maxsize=2)
    assert [next(stream), next(stream)] == [0, 1]
    time.sleep(0.2)  # let the producer fill the queue and block on it
    started = time.monotonic()
    stream.close()  # type: ignore[attr-defined]

    assert time.monotonic() - started < 2.0
    assert closed.is_set(), "source iterator was not closed"
    count = len(produced)
    time.sleep(0.3)
    assert len(produced) == count, "producer kept running"


def _zeros_until_closed(closed: threading.Event) -> Iterator[int]:
    """Zeros forever; ``closed`` is set when the generator is closed."""
    try:
        yield from iter(int, 1)
    finally:
        closed.set()


def test_prefetch_consumer_exception_stops_producer() -> None:
    closed = threading.Event()
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="consumer"):
        for _ in prefetch(_zeros_until_closed(closed), maxsize=1):
            raise RuntimeError("consumer failed")
    assert time.monotonic() - started < 2.0
    assert closed.wait(2.0)


def test_stretches_lose_no_item_between_stretches() -> None:
    stretches = Stretches(iter(range(10)))
    assert list(stretches.until(lambda n: n >= 3)) == [0, 1, 2]
    assert list(stretches.until(lambda n: n >= 3)) == []  # 3 still ends it
    for n in stretches.until(lambda n: n >= 8):  # left early, after 5
        if n == 5:
            break
    assert list(stretches.until(lambda n: False)) == [6, 7, 8, 9]
    assert list(stretches.until(lambda n: False)) == []


def test_stretches_close_what_they_read() -> None:
    closed = threading.Event()
    stretches = Stretches(_zeros_until_closed(closed))
    assert list(stretches.until(lambda n: True)) == []
    stretches.close()
    assert closed.is_set()


def test_prefetch_with_iter_frames(tmp_path: Path) -> None:
    clip = _write_clip(tmp_path / "clip.mp4", frames=8)
    frames = list(prefetch(iter_frames(clip), maxsize=2))
    assert [f.index for f in frames] == list(range(8))
    assert all(isinstance(f, Frame) for f in frames)
    first = next(iter(prefetch(iter_frames(clip))))  # early stop: no hang
    assert first.index == 0
