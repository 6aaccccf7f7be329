"""Degraded copies of real footage, made at test time in a temp folder.

Each maker takes the banded reverse-lunge clip (1280x720, 6.4 s, the man at
x 400-720) and writes a copy with one real-world problem. Nothing here is
committed: the source clip may not be redistributed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np

# The man stays within x 400-720 of the 1280-wide frame; right of 760 there is
# only the room (wall, door).
PERSON_WINDOW = "crop=560:720:280:0"
EMPTY_WINDOW = "crop=560:720:720:0"


def encode(src: Path, out: Path, *args: str) -> Path:
    """``ffmpeg -i src ARGS out`` as H.264 (yuv420p, quick preset)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(src), *args,
         "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    return out


def ffmpeg_filter(src: Path, out: Path, vf: str) -> Path:
    return encode(src, out, "-vf", vf)


def first_two_reps(src: Path, out: Path) -> Path:
    """The first 4.5 s: two complete reps and standing still after the second.

    The full clip ends in the middle of the third rep's return step, 1-2
    frames from where a rep counts as finished, so a re-encoded copy may
    count it either way; cases about something else start from this cut.
    """
    return encode(src, out, "-t", "4.5", "-crf", "16")


def no_person(src: Path, out: Path) -> Path:
    """The same room with no one in it (the part of the frame he never enters)."""
    return ffmpeg_filter(src, out, "crop=520:720:760:0")


def leave_and_return(src: Path, out: Path) -> Path:
    """He leaves at the bottom of his third rep, is gone 2 s, then is back for 4.5 s.

    Both cuts are away from the clip's end, where the third rep's return step
    is borderline (1-2 frames from counting as finished): he goes at 5.7 s,
    at the bottom of rep 3, and comes back for the first 4.5 s (two reps).
    """
    graph = (
        f"[0:v]split=3[x][y][z];[x]trim=0:5.7,{PERSON_WINDOW},setpts=PTS-STARTPTS[a];"
        f"[y]trim=0:2,{EMPTY_WINDOW},setpts=PTS-STARTPTS[b];"
        f"[z]trim=0:4.5,{PERSON_WINDOW},setpts=PTS-STARTPTS[c];"
        "[a][b][c]concat=n=3:v=1:a=0[v]"
    )
    return encode(src, out, "-filter_complex", graph, "-map", "[v]")


def upper_body(src: Path, out: Path) -> Path:
    """Only the top 400 rows: head to thighs, no knees or feet."""
    return ffmpeg_filter(src, out, "crop=1280:400:0:0")


def very_dark(src: Path, out: Path) -> Path:
    """A dim room: mean brightness about 36 of 255."""
    return ffmpeg_filter(src, out, "eq=brightness=-0.35:contrast=0.4")


def overexposed(src: Path, out: Path) -> Path:
    """Blown-out exposure: mean brightness about 246, the man washed out."""
    return ffmpeg_filter(src, out, "eq=brightness=0.5:contrast=0.8")


def portrait_phone(src: Path, out: Path) -> Path:
    """Stored on its side with rotation metadata, as phones record portrait.

    The picture is stored turned 90 deg anticlockwise and tagged to be shown
    turned 90 deg clockwise (ffmpeg 5.1 writes the tag ``rotate=270`` as that).
    """
    stored = out.with_name("stored_" + out.name)
    ffmpeg_filter(src, stored, "transpose=2")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(stored), "-c", "copy",
         "-metadata:s:v:0", "rotate=270", str(out)],
        check=True,
    )  # fmt: skip
    stored.unlink()
    return out


def sideways(src: Path, out: Path) -> Path:
    """Filmed with the phone on its side and no rotation metadata."""
    return ffmpeg_filter(src, out, "transpose=1")


def tilted(src: Path, out: Path, degrees: float = 35.0) -> Path:
    """The camera rolled by ``degrees``."""
    return ffmpeg_filter(src, out, f"rotate={degrees}*PI/180:fillcolor=black")


def backlit(src: Path, out: Path) -> Path:
    """A silhouette against a bright window.

    MediaPipe's person segmentation (the same pose model bundle) separates
    him from the room; the room is brightened towards white and he is
    darkened, as when the only light is behind the person.
    """
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from formcoach.pose import DEFAULT_MODEL_PATH
    from formcoach.video import VideoInfo, iter_frames
    from formcoach.video_writer import VideoWriter

    info = VideoInfo.from_path(src)
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(DEFAULT_MODEL_PATH)),
        running_mode=vision.RunningMode.VIDEO,
        output_segmentation_masks=True,
    )
    with (
        vision.PoseLandmarker.create_from_options(options) as model,
        VideoWriter(out, fps=info.fps, width=info.width, height=info.height) as writer,
    ):
        for frame in iter_frames(src):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.image_rgb)
            result = model.detect_for_video(image, int(frame.timestamp_ms))
            rgb = frame.image_rgb.astype(np.float32)
            window = np.minimum(255.0, rgb * 0.5 + 150.0)
            silhouette = rgb * 0.3
            if result.segmentation_masks:
                mask = result.segmentation_masks[0].numpy_view()[..., :1]
            else:
                mask = np.zeros((*rgb.shape[:2], 1), np.float32)
            mixed = mask * silhouette + (1.0 - mask) * window
            writer.write(mixed.astype(np.uint8), timestamp_ms=frame.timestamp_ms)
    return out


def corrupt_packets(clip: Path, victims: list[int], out: Path) -> list[float]:
    """Overwrite whole packets with random bytes; return their times in ms."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        packets = [
            (p.pos, p.size, float(p.pts * p.time_base * 1000))
            for p in container.demux(stream)
            if p.size
        ]
    data = bytearray(clip.read_bytes())
    rng = np.random.default_rng(1234)
    for k in victims:
        pos, size, _ = packets[k]
        data[pos : pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    out.write_bytes(bytes(data))
    return [packets[k][2] for k in victims]
