"""Reading video files.

Reading goes through PyAV (FFmpeg). Every frame comes out upright (the
container's rotation metadata is applied), as RGB, with its real presentation
time, so variable-frame-rate phone footage keeps its timing. Writing is
:mod:`formcoach.video_writer`; reading ahead in a thread, :mod:`formcoach.prefetch`.

Every problem a user can fix (missing file, not a video, disk full, ...) is
raised as :class:`~formcoach.errors.InputError` or
:class:`~formcoach.errors.OutputError` with one clear sentence.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import av
import av.error
import numpy as np

from formcoach.errors import InputError

logger = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = [
    "Frame",
    "VideoInfo",
    "frames_at",
    "iter_frames",
    "reason",
]

# Added to a timestamp that would not be later than the previous one, so that
# timestamps stay strictly increasing (1 µs: far below any real frame interval).
TIMESTAMP_NUDGE_MS = 0.001

# The average rate FFmpeg reports is frame count / stream duration, which is
# skewed for short clips with an edit list (30.13 instead of 29.97). When it is
# this close to the nominal rate, the clip is constant-rate: use the nominal one.
_NOMINAL_RATE_TOLERANCE = 0.02

# A seek lands this much before the frame wanted, so a key frame shown after
# frames it precedes in the file (B-frame reordering) is not landed on.
_SEEK_MARGIN_MS = 250.0

# Packets read past a frame's own before its place among the frames shown is
# settled: B-frame reordering puts a frame at most a few (16 in H.264) after
# the frames shown before it.
_REORDER_SLACK = 32

# FFmpeg happily opens these, but they are not videos: a still image (a PNG
# renamed to .mp4 is read by "png_pipe") or a text file shown as ANSI art.
_NOT_VIDEO_FORMATS = frozenset({"image2", "tty"})


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoInfo:
    """What FormCoach needs to know about a video before decoding it.

    Attributes:
        path: The file.
        width: Display width in pixels, after applying the rotation.
        height: Display height in pixels, after applying the rotation.
        fps: Frame rate. The nominal rate for constant-rate video (29.97 stays
            29.97); the measured average for variable-rate video; 0.0 if
            unknown.
        frame_count: Number of frames according to the container, else an
            estimate from duration × fps, else 0.
        duration_s: Duration of the video stream in seconds (0.0 if unknown).
        codec: FFmpeg codec name, e.g. ``"h264"``, ``"hevc"``, ``"vp9"``.
        rotation_deg: 0, 90, 180 or 270: how far the stored picture must be
            turned clockwise to be upright.
    """

    path: Path
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    codec: str
    rotation_deg: int

    @classmethod
    def from_path(cls, path: str | Path) -> VideoInfo:
        """Inspect a video file.

        Decodes the first frame, so a file that opens but cannot actually be
        decoded is rejected here rather than halfway through an analysis.

        Args:
            path: The video file.

        Returns:
            The video's properties.

        Raises:
            InputError: If the file is missing, empty, not a video, has no
                video stream, uses a codec that cannot be decoded, or has no
                decodable frame.
        """
        path = Path(path)
        container = _open_input(path)
        try:
            stream = _select_video_stream(path, container)
            first = _first_frame(path, container, stream)
            return _build_info(path, container, stream, first)
        except (av.error.FFmpegError, OSError) as exc:
            raise InputError(f"{path} is not a readable video file") from exc
        finally:
            container.close()

    @property
    def resolution_wh(self) -> tuple[int, int]:
        """Display size as ``(width, height)``."""
        return (self.width, self.height)

    def turned(self, turn_deg: int) -> VideoInfo:
        """The same video turned a further ``turn_deg`` clockwise (0/90/180/270).

        For files filmed sideways without rotation metadata.
        """
        if turn_deg % 90:
            raise ValueError(f"turn_deg must be a multiple of 90, got {turn_deg}")
        if turn_deg % 360 == 0:
            return self
        width, height = self.width, self.height
        if turn_deg % 180:
            width, height = height, width
        return replace(
            self,
            width=width,
            height=height,
            rotation_deg=(self.rotation_deg + turn_deg) % 360,
        )


@dataclass(frozen=True)
class Frame:
    """One decoded video frame.

    Attributes:
        index: 0-based position among the frames yielded (decode order; frames
            lost to corrupt data leave no hole in the numbering).
        timestamp_ms: Presentation time from the container, in ms, relative to
            the first frame (which is 0.0). Strictly increasing.
        image_rgb: ``(height, width, 3)`` uint8 RGB, upright, C-contiguous.
    """

    index: int
    timestamp_ms: float
    image_rgb: np.ndarray


def iter_frames(
    path: str | Path,
    *,
    start_index: int = 0,
    max_frames: int | None = None,
    on_gap: Callable[[float, float], None] | None = None,
    turn_deg: int = 0,
    seek: bool = False,
) -> Iterator[Frame]:
    """Decode the frames of a video, upright and in RGB.

    The file is checked when this function is called (not at the first
    ``next()``), like :meth:`VideoInfo.from_path`. Decoding is multi-threaded.
    Packets the decoder rejects (corrupt data in the middle of the file) are
    skipped with a warning, and each resulting hole in the timeline is
    reported through ``on_gap``. If the file breaks off (truncated download),
    the frames before the break are yielded, a warning is logged and
    ``on_gap`` gets the missing end (its end estimated from the duration the
    container announces).

    Timestamps come from the presentation timestamps (pts), not from
    ``index / fps``. A pts that is missing becomes previous + one frame
    interval; one that repeats or goes backwards becomes previous + 0.001 ms,
    so timestamps are always strictly increasing.

    Args:
        path: The video file.
        start_index: Skip the frames before this index. They are still
            decoded (so indices and timestamps are exactly those of a full
            pass) but not converted or yielded; parallel workers use it to
            start mid-file.
        max_frames: Stop before the frame with this index (``None``: all).
        on_gap: Called with ``(start_ms, end_ms)`` when frames were lost to
            corrupt data: the timestamps of the last good frame before the
            hole and of the first good one after it.
        turn_deg: Turn every frame this much further clockwise (0, 90, 180,
            270), on top of the file's rotation metadata.
        seek: Reach ``start_index`` by seeking instead of decoding every frame
            before it: the frames are numbered by the packets' times (read
            without decoding), and decoding starts at the key frame before
            it. On a sound file the indices and times are exactly those of a
            full pass; where the packets cannot number the frames (a pts
            missing or repeated, or the frame found is not the one the
            packets promised), the file is decoded from the start as without
            ``seek``. Frames lost to corrupt data *before* ``start_index``
            cannot be seen, so there the indices run ahead of a full pass's
            by as many (the pose stage joins its runs by time,
            :class:`~formcoach.pose_pass.Stitcher`).

    Returns:
        An iterator over the frames, in presentation order. Closing it early
        closes the file.

    Raises:
        InputError: If the file cannot be used as a video (see
            :meth:`VideoInfo.from_path`) or reading it fails.
        ValueError: If ``max_frames`` is negative.
    """
    if max_frames is not None and max_frames < 0:
        raise ValueError(f"max_frames must be >= 0, got {max_frames}")
    if start_index < 0:
        raise ValueError(f"start_index must be >= 0, got {start_index}")
    path = Path(path)
    # Not a generator itself, so a bad file raises here, at the call.
    info = VideoInfo.from_path(path).turned(turn_deg)
    return _iter_frames(path, info, max_frames, on_gap, start_index, seek)


def _iter_frames(
    path: Path,
    info: VideoInfo,
    max_frames: int | None,
    on_gap: Callable[[float, float], None] | None,
    start_index: int = 0,
    seek: bool = False,
) -> Iterator[Frame]:
    if max_frames == 0:
        return
    container = _open_input(path)
    try:
        stream = _select_video_stream(path, container)
        # Frame + slice threading: several cores decode while we convert.
        stream.thread_type = "AUTO"
        seeking = seek and start_index > 0
        plan = _plan_seek(container, stream, start_index) if seeking else None
        if seeking and plan is None:
            # The packets were read or a frame decoded: start again afresh.
            container.close()
            container = _open_input(path)
            stream = _select_video_stream(path, container)
            stream.thread_type = "AUTO"
        decoder = _FrameDecoder(path, info, stream, on_gap, start_index, plan)
        try:
            for frame in decoder.run(container):
                yield frame
                if max_frames is not None and frame.index + 1 >= max_frames:
                    return
        except _SeekMissed:  # raised before any frame was yielded
            container.close()
            yield from _iter_frames(path, info, max_frames, on_gap, start_index)
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(f"Reading {path} failed: {reason(exc)}") from exc
    finally:
        container.close()


def can_seek(path: str | Path, start_index: int) -> bool:
    """Whether the packets number the frames up to ``start_index``, so that
    ``iter_frames(seek=True)`` can seek there (see :func:`iter_frames`; the
    frame found is checked only when decoding).

    Reads the packets up to a little past ``start_index`` and decodes only
    the first. False for a video shorter than that or a file that cannot be
    read.
    """
    path = Path(path)
    try:
        container = _open_input(path)
    except InputError:
        return False
    try:
        stream = _select_video_stream(path, container)
        return _plan_seek(container, stream, start_index) is not None
    except (InputError, av.error.FFmpegError, OSError):
        return False
    finally:
        container.close()


class _SeekMissed(Exception):
    """The frame seeked for is not the one the packets promised."""


@dataclass(frozen=True)
class _SeekPlan:
    """Where a seeking :class:`_FrameDecoder` starts (see :func:`_plan_seek`).

    Attributes:
        first_pts: The first frame's pts (its time is 0).
        start_pts: The pts of frame ``start_index``.
        decode_order: The pts of the packets read, in the file's order, to
            count those the seek skips (for the truncation check).
    """

    first_pts: int
    start_pts: int
    decode_order: tuple[int, ...]


def _plan_seek(container: Any, stream: Any, start_index: int) -> _SeekPlan | None:
    """Number the frames up to ``start_index`` by their packets, then seek there.

    Reads the packets (without decoding them, but for the first frame) until
    ``_REORDER_SLACK`` past the frame wanted, so every packet shown before it
    has been read. None, with the file read in part, when the packets cannot
    number the frames or the video ends before ``start_index``.
    """
    order: list[int] = []
    shown: list[int] = []
    first = None
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.pts is None or packet.is_corrupt:
                return None
            order.append(packet.pts)
            if not packet.is_discard:
                shown.append(packet.pts)
            if first is None:
                try:
                    frames = stream.decode(packet)
                except av.error.FFmpegError:
                    return None
                first = frames[0] if frames else None
            if len(shown) > start_index + _REORDER_SLACK and first is not None:
                break
    except (av.error.InvalidDataError, av.error.EOFError):
        return None
    shown.sort()
    if (
        first is None
        or len(shown) <= start_index
        or first.pts != shown[0]
        or len(set(shown)) != len(shown)
        or stream.time_base is None
    ):
        return None
    start_pts = shown[start_index]
    margin = round(Fraction(_SEEK_MARGIN_MS) / 1000 / stream.time_base)
    target = max(shown[0], start_pts - margin)
    container.seek(target, stream=stream, backward=True, any_frame=False)
    return _SeekPlan(first.pts, start_pts, tuple(order))


class _FrameDecoder:
    """Decoding loop of :func:`iter_frames`: error skipping and gap tracking."""

    def __init__(
        self,
        path: Path,
        info: VideoInfo,
        stream: Any,
        on_gap: Callable[[float, float], None] | None,
        start_index: int = 0,
        seek: _SeekPlan | None = None,
    ) -> None:
        self.path = path
        self.start_index = start_index
        self.stream = stream
        self.on_gap = on_gap
        self.rot_k = -(info.rotation_deg // 90)  # np.rot90 turns anticlockwise
        self.frame_ms = 1000.0 / info.fps if info.fps > 0 else 1000.0 / 30.0
        self.duration_ms = info.duration_s * 1000.0
        # Frames listed in the container's index (0: no index).
        self.indexed_frames: int = stream.frames or 0
        self.time_base: Fraction | None = stream.time_base
        self.first_pts: int | None = None
        self.prev_ms: float | None = None
        self.index = 0
        # Packet pts not yet matched by a decoded frame: the decoder emits
        # frames in pts order, so any pts below an emitted frame's was lost.
        self.pending: list[int] = []
        self.errors_since_gap = 0
        # Seeking: frames before ``seek_pts`` are the key frame's lead-in.
        self.seek = seek
        self.seek_pts: int | None = None
        if seek is not None:
            self.first_pts, self.seek_pts = seek.first_pts, seek.start_pts
            self.index = start_index

    def run(self, container: Any) -> Iterator[Frame]:
        """Demux and decode everything, yielding converted frames."""
        packets = container.demux(self.stream)
        demuxed = 0
        # Packets before the first one read (a seek skipped them); None:
        # unknown, so the count cannot tell a truncated file.
        skipped: int | None = None if self.seek is not None else 0
        cut_short = False
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.error.InvalidDataError, av.error.EOFError) as exc:
                logger.debug("%s: demuxing stopped: %s", self.path, exc)
                cut_short = True
                break
            except (av.error.FFmpegError, OSError) as exc:
                raise InputError(f"Reading {self.path} failed: {reason(exc)}") from exc
            # Demux ends with an empty packet; we flush explicitly below.
            if packet.size == 0:
                continue
            if demuxed == 0 and self.seek is not None:
                order = self.seek.decode_order
                skipped = order.index(packet.pts) if packet.pts in order else None
            demuxed += 1
            if packet.pts is not None and not packet.is_discard:
                heapq.heappush(self.pending, packet.pts)
            yield from self._decode(packet)
        yield from self._decode(None)
        self._report_lost_tail()
        # A truncated MP4 still has the full index: it lists more frames
        # than the file actually holds, and demuxing just ends early.
        if cut_short or (
            skipped is not None and skipped + demuxed < self.indexed_frames
        ):
            self._report_truncated()

    def _decode(self, packet: Any) -> Iterator[Frame]:
        try:
            decoded = self.stream.decode(packet)
        except av.error.EOFError:
            return
        except av.error.FFmpegError as exc:
            # Corrupt packet: skip it, the decoder resyncs at the next one.
            self.errors_since_gap += 1
            logger.debug("%s: skipping undecodable packet: %s", self.path, exc)
            return
        for av_frame in decoded:
            frame = self._convert(av_frame)
            if frame is not None:
                yield frame

    def _convert(self, av_frame: Any) -> Frame | None:
        pts = av_frame.pts
        lost = 0
        if pts is not None:
            while self.pending and self.pending[0] < pts:
                heapq.heappop(self.pending)
                lost += 1
            if self.pending and self.pending[0] == pts:
                heapq.heappop(self.pending)
        if self.seek_pts is not None:
            if pts is not None and pts < self.seek_pts:
                self.errors_since_gap = 0  # the lead-in is not ours to report
                return None
            if pts != self.seek_pts:
                raise _SeekMissed
            self.seek_pts, lost = None, 0
        timestamp_ms = self._timestamp_ms(av_frame)
        if lost:
            self._report_gap(lost, timestamp_ms)
        if self.index < self.start_index:
            self.index += 1
            self.prev_ms = timestamp_ms
            return None  # decoded for its timing only: skip the conversion
        image = av_frame.to_ndarray(format="rgb24")
        if self.rot_k:
            image = np.rot90(image, self.rot_k)
        frame = Frame(self.index, timestamp_ms, np.ascontiguousarray(image))
        self.index += 1
        self.prev_ms = timestamp_ms
        return frame

    def _timestamp_ms(self, av_frame: Any) -> float:
        pts = av_frame.pts
        time_base = av_frame.time_base or self.time_base
        if pts is None or time_base is None:
            if self.prev_ms is None:
                return 0.0
            return self.prev_ms + self.frame_ms
        if self.first_pts is None:
            self.first_pts = pts
        timestamp_ms = float((pts - self.first_pts) * time_base * 1000)
        if self.prev_ms is not None and timestamp_ms <= self.prev_ms:
            logger.debug("%s: pts %s not increasing; nudging timestamp", self.path, pts)
            timestamp_ms = self.prev_ms + TIMESTAMP_NUDGE_MS
        return timestamp_ms

    def _report_gap(self, lost: int, next_ms: float) -> None:
        """Report ``lost`` frames missing just before ``next_ms``."""
        if not self.errors_since_gap:
            # Packets that never produce a picture without any decode error
            # are hidden frames (e.g. VP8 alt-ref), not damage.
            logger.debug("%s: %d packets produced no frame", self.path, lost)
            return
        # Each rejected packet accounts for (at least) one lost frame; errors
        # left over belong to holes the decoder has not reached yet.
        self.errors_since_gap = max(0, self.errors_since_gap - lost)
        if self.prev_ms is None:
            logger.warning(
                "%s: the first %d frame(s) are corrupt and were skipped",
                self.path.name,
                lost,
            )
            return
        self._gap(self.prev_ms, next_ms, lost)

    def _report_lost_tail(self) -> None:
        if not self.pending or not self.errors_since_gap or self.prev_ms is None:
            return
        last_pts = max(self.pending)
        end_ms = self.prev_ms + self.frame_ms
        if self.first_pts is not None and self.time_base is not None:
            end_ms = float((last_pts - self.first_pts) * self.time_base * 1000)
        self._gap(self.prev_ms, max(end_ms, self.prev_ms), len(self.pending))

    def _report_truncated(self) -> None:
        start_ms = self.prev_ms if self.prev_ms is not None else 0.0
        # The missing frames' timestamps are unknown: estimate the last one
        # from the duration the container announced.
        end_ms = max(start_ms + self.frame_ms, self.duration_ms - self.frame_ms)
        logger.warning(
            "%s breaks off after %.2f s (damaged or incomplete file); "
            "the rest of the video could not be read",
            self.path.name,
            start_ms / 1000.0,
        )
        if self.on_gap is not None:
            self.on_gap(start_ms, end_ms)

    def _gap(self, start_ms: float, end_ms: float, lost: int | None) -> None:
        count = f"{lost} frame(s)" if lost is not None else "frames"
        logger.warning(
            "%s: corrupt data, %s missing between %.0f ms and %.0f ms",
            self.path.name,
            count,
            start_ms,
            end_ms,
        )
        if self.on_gap is not None:
            self.on_gap(start_ms, end_ms)


def frames_at(path: str | Path, times_s: Sequence[float]) -> list[np.ndarray]:
    """The RGB frames shown at ``times_s`` (seconds from the first frame).

    Seeks to the key frame before each time and decodes from there, so
    picking a few frames out of an hour-long video stays quick. Meant for
    files FormCoach wrote (no rotation metadata is applied).

    Raises:
        InputError: The file cannot be read.
    """
    path = Path(path)
    container = _open_input(path)
    images: list[np.ndarray] = []
    try:
        stream = _select_video_stream(path, container)
        base = stream.time_base
        start = stream.start_time or 0
        for t_s in times_s:
            target = start + int(t_s / base) if base else start
            container.seek(target, stream=stream, backward=True, any_frame=False)
            found = None
            for av_frame in container.decode(stream):
                found = av_frame
                if av_frame.pts is not None and av_frame.pts >= target:
                    break
            if found is None:
                raise InputError(f"{path} has no frame at {t_s:.2f} s")
            images.append(found.to_ndarray(format="rgb24"))
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(f"Reading {path} failed: {reason(exc)}") from exc
    finally:
        container.close()
    return images


def _open_input(path: Path) -> Any:
    """Open ``path`` with PyAV, turning every failure into an InputError."""
    if not path.exists():
        raise InputError(f"Video not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a video file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {reason(exc)}") from exc
    if size == 0:
        raise InputError(f"{path} is empty (0 bytes)")
    try:
        return av.open(str(path), metadata_errors="replace")
    except FileNotFoundError as exc:  # deleted between the checks and here
        raise InputError(f"Video not found: {path}") from exc
    except PermissionError as exc:
        raise InputError(f"Cannot read {path}: permission denied") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(f"{path} is not a readable video file") from exc


def _select_video_stream(path: Path, container: Any) -> Any:
    """Return the first real video stream, or raise InputError."""
    fmt = container.format.name
    if fmt.endswith("_pipe"):  # png_pipe, jpeg_pipe, webp_pipe, ...
        kind = fmt.removesuffix("_pipe").upper()
        raise InputError(
            f"{path} is not a readable video file (it is a {kind} still image)"
        )
    if fmt in _NOT_VIDEO_FORMATS:
        raise InputError(f"{path} is not a readable video file")
    for stream in container.streams.video:
        # Cover art in audio files shows up as a one-picture video stream.
        if stream.disposition & av.stream.Disposition.attached_pic:
            continue
        if stream.codec_context is None:
            raise InputError(_undecodable(path, stream))
        return stream
    raise InputError(f"{path} has no video stream")


def _undecodable(path: Path, stream: Any) -> str:
    return (
        f"{path} uses a video codec FormCoach cannot decode "
        f"({_codec_label(stream)}). Convert it to H.264 MP4 first, e.g. "
        "ffmpeg -i INPUT -c:v libx264 OUTPUT.mp4"
    )


def _codec_label(stream: Any) -> str:
    for attr in ("codec_tag", "name"):
        try:
            value = getattr(stream, attr)
        except Exception:  # unknown codecs make some PyAV getters raise
            continue
        if value and str(value).strip("\x00 "):
            return str(value)
    return "unknown codec"


def _first_frame(path: Path, container: Any, stream: Any) -> Any:
    """Decode until the first frame comes out; skip corrupt packets."""
    try:
        for packet in container.demux(stream):
            try:
                frames = stream.decode(packet)
            except av.error.EOFError:
                break
            except av.error.DecoderNotFoundError as exc:
                raise InputError(_undecodable(path, stream)) from exc
            except av.error.FFmpegError:
                continue
            if frames:
                return frames[0]
    except (av.error.InvalidDataError, av.error.EOFError):
        pass  # damaged before any frame: reported as "no frames" below
    raise InputError(f"{path} contains no video frames")


def _build_info(path: Path, container: Any, stream: Any, first: Any) -> VideoInfo:
    rotation = _rotation_cw(first)
    width, height = first.width, first.height
    if rotation in (90, 270):
        width, height = height, width
    fps = _frame_rate(stream)
    duration_s = 0.0
    if stream.duration and stream.time_base:
        duration_s = float(stream.duration * stream.time_base)
    elif container.duration:
        duration_s = container.duration / av.time_base
    frame_count = stream.frames or 0
    if frame_count <= 0 and duration_s > 0 and fps > 0:
        frame_count = round(duration_s * fps)
    if fps <= 0 and frame_count > 0 and duration_s > 0:
        fps = frame_count / duration_s
    codec = stream.codec_context.codec
    return VideoInfo(
        path=path,
        width=width,
        height=height,
        fps=fps,
        frame_count=frame_count,
        duration_s=duration_s,
        codec=getattr(codec, "canonical_name", None) or codec.name,
        rotation_deg=rotation,
    )


def _rotation_cw(av_frame: Any) -> int:
    """Clockwise turn (0/90/180/270) that makes a decoded frame upright.

    ``VideoFrame.rotation`` is the anticlockwise angle of the display matrix
    (``av_display_rotation_get``); FFmpeg's own autorotate applies that angle
    anticlockwise, i.e. ``-angle`` clockwise. Flips are not handled.
    """
    try:
        angle = float(av_frame.rotation or 0)
    except (AttributeError, TypeError, ValueError):
        return 0
    if not math.isfinite(angle):
        return 0
    clockwise = (-angle) % 360
    snapped = round(clockwise / 90) % 4 * 90
    if abs(clockwise - snapped) > 1 and abs(clockwise - snapped) < 359:
        logger.warning(
            "Rotation of %.1f° is not a multiple of 90°; using %d°",
            clockwise,
            snapped,
        )
    return snapped


def _frame_rate(stream: Any) -> float:
    average = float(stream.average_rate) if stream.average_rate else 0.0
    nominal_rate = stream.guessed_rate or stream.base_rate
    nominal = float(nominal_rate) if nominal_rate else 0.0
    if average > 0 and nominal > 0:
        if abs(average - nominal) <= _NOMINAL_RATE_TOLERANCE * nominal:
            return nominal
        return average
    if average > 0:
        return average
    # Without an average, the nominal rate is only a guess; reject the
    # time-base-like values (e.g. 90000) FFmpeg can report for odd streams.
    return nominal if 0 < nominal <= 1000 else 0.0


def reason(exc: BaseException) -> str:
    """Short human-readable reason from an OSError / FFmpeg error."""
    reason = getattr(exc, "strerror", None)
    return str(reason or exc or type(exc).__name__)
