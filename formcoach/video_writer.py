"""Writing H.264 video files, atomically.

Writing produces H.264/yuv420p MP4 files with the index at the front
(``+faststart``) so browsers can play them while they download. Files appear
atomically: a half-written video never shows up under its final name.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import re
import threading
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import av.error
import cv2
import numpy as np

from formcoach.errors import OutputError
from formcoach.outputs import create_temp_file
from formcoach.video import reason

logger = logging.getLogger(__name__)

_X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast",
    "medium", "slow", "slower", "veryslow", "placebo",
)  # fmt: skip
# x264's own option syntax (``name=value`` pairs joined by ``:``).
_X264_PARAM = re.compile(r"[a-z0-9][a-z0-9_-]*=[^:=]+")
# Down to half size, bilinear's 2x2 taps still reach every source pixel: on
# the 1080p kettlebell clip scaled to 720p, bilinear and OpenCV's area average
# were 45.8 dB (PSNR) apart, closer than the encoder's own error (about 42
# dB), for 1.6 ms of CPU a frame instead of 7.5. Smaller pictures are
# area-averaged, where bilinear would skip pixels (docs/performance.md).
_BILINEAR_MIN_FACTOR = 0.5
_WRITER_TIME_BASE = Fraction(1, 90_000)  # the usual MPEG clock; finer than 1 ms
_WRITER_QUEUE_SIZE = 8
_POLL_S = 0.1

_STOP = object()
# FFmpeg's AVColorSpace / AVColorPrimaries / AVColorTransferCharacteristic /
# AVColorRange values.
_BT709 = 1
_BT601_MATRIX = 6  # AVCOL_SPC_SMPTE170M
_LIMITED_RANGE = 1  # AVCOL_RANGE_MPEG


def check_encoder(preset: str, x264_params: str) -> None:
    """Check an x264 preset and options before any file is made.

    libx264 would only fail at the first frame, with a vague error (and it
    skips an option it does not know, with a warning in the log).

    Raises:
        ValueError: If the preset is not x264's or the options are not
            ``name=value`` pairs joined by ``:``.
    """
    if preset not in _X264_PRESETS:
        raise ValueError(f"preset must be one of {_X264_PRESETS}, got {preset!r}")
    if x264_params and not all(
        _X264_PARAM.fullmatch(item) for item in x264_params.split(":")
    ):
        raise ValueError(
            "x264_params must be name=value pairs joined by ':' (e.g. "
            f"'mbtree=1:rc-lookahead=10'), got {x264_params!r}"
        )


class VideoWriter:
    """Write RGB frames to a browser-playable H.264 MP4, atomically.

    The video is written to a hidden temporary file next to ``path``
    (``.<name>.partial-<random>``) and renamed onto ``path`` only when
    :meth:`close` succeeds, so ``path`` either does not exist or is complete.
    On an error (or an exception inside the ``with`` block) the temporary
    file is removed and nothing is left behind.

    Encoding runs in a background thread fed through a bounded queue; an
    error in that thread is raised by the next :meth:`write` or by
    :meth:`close`.

    yuv420p needs even dimensions: an odd width or height is padded by one
    pixel at the right/bottom edge (repeating the edge pixels), so no content
    is lost and pixel coordinates are unchanged.

    Example::

        with VideoWriter("out.mp4", fps=info.fps, width=info.width,
                         height=info.height) as writer:
            for frame in iter_frames(path):
                writer.write(frame.image_rgb, frame.timestamp_ms)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float,
        width: int,
        height: int,
        crf: int = 23,
        preset: str = "veryfast",
        overwrite: bool = False,
        max_short_side: int = 0,
        x264_params: str = "",
    ) -> None:
        """Create the temporary file and set up the encoder.

        Args:
            path: Final output file (``.mp4``).
            fps: Frame rate; sets the timing of frames written without a
                timestamp.
            width: Width of the images that will be written.
            height: Height of the images that will be written.
            crf: x264 quality (0-51, lower is better; 23 is the default).
            preset: x264 speed/size trade-off (``"ultrafast"`` ...
                ``"veryslow"``).
            overwrite: Replace ``path`` if it already exists.
            max_short_side: Scale bigger pictures down so their shorter side
                is this long, keeping their shape (0: never). Encoding a
                1080p frame costs about twice a 720p one.
            x264_params: x264 options on top of the preset, as
                ``"name=value:name=value"`` (``""``: the preset alone).

        Raises:
            OutputError: If ``path`` exists (and ``overwrite`` is false) or
                cannot be written.
            ValueError: If an argument is out of range.
        """
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps}")
        if width < 1 or height < 1:
            raise ValueError(f"width and height must be >= 1, got {width}x{height}")
        if not 0 <= crf <= 51:
            raise ValueError(f"crf must be between 0 and 51, got {crf}")
        if max_short_side < 0:
            raise ValueError(f"max_short_side must be >= 0, got {max_short_side}")
        check_encoder(preset, x264_params)
        self.path = Path(path)
        self.fps = float(fps)
        self.width = width
        self.height = height
        self.overwrite = overwrite
        # Size actually encoded: scaled down to max_short_side, rounded up to
        # even numbers for yuv420p.
        self._scaled: tuple[int, int] | None = None
        self._interpolation = cv2.INTER_AREA
        if 0 < max_short_side < min(width, height):
            factor = max_short_side / min(width, height)
            # The long side even, so a 16:9 picture stays exactly 16:9.
            long_side = max(2, 2 * round(max(width, height) * factor / 2))
            self._scaled = (
                (long_side, max_short_side)
                if width >= height
                else (max_short_side, long_side)
            )
            if factor >= _BILINEAR_MIN_FACTOR:
                self._interpolation = cv2.INTER_LINEAR
        out_w, out_h = self._scaled or (width, height)
        self.encoded_width = out_w + out_w % 2
        self.encoded_height = out_h + out_h % 2
        self._frames_written = 0
        self._first_ms: float | None = None
        self._last_pts = -1
        self._last_ms: float | None = None
        self._closed = False
        self._error: BaseException | None = None
        self._abort = threading.Event()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=_WRITER_QUEUE_SIZE)

        if self.path.is_dir():
            raise OutputError(f"Cannot write {self.path}: it is a directory")
        self._check_not_exists()
        parent = self.path.parent
        if not parent.exists():
            raise OutputError(
                f"Cannot write {self.path}: the folder {parent} does not exist"
            )
        self._tmp_path = self._create_temp_file()
        try:
            self._container, self._stream = self._open_encoder(crf, preset, x264_params)
        except BaseException as exc:
            self._remove_temp()
            if isinstance(exc, av.error.FFmpegError | OSError):
                raise self._output_error(exc) from exc
            raise
        self._thread = threading.Thread(
            target=self._encode_loop, name="formcoach-video-writer", daemon=True
        )
        self._thread.start()

    @property
    def frames_written(self) -> int:
        """Number of frames accepted by :meth:`write` so far."""
        return self._frames_written

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, image_rgb: np.ndarray, timestamp_ms: float | None = None) -> None:
        """Queue one frame for encoding.

        The image is copied, so the caller may reuse its buffer right away.

        Args:
            image_rgb: ``(height, width, 3)`` uint8 RGB image.
            timestamp_ms: Presentation time in ms. Keeps the timing of
                variable-frame-rate input; times are taken relative to the
                first frame written. ``None``: previous + 1/fps. A time that
                is not after the previous one is moved just after it.

        Raises:
            OutputError: If encoding or writing failed (e.g. disk full).
            ValueError: If the image has the wrong shape or dtype.
            RuntimeError: If the writer is already closed.
        """
        if self._closed:
            raise RuntimeError("VideoWriter is closed")
        self._raise_pending_error()
        expected = (self.height, self.width, 3)
        if image_rgb.shape != expected or image_rgb.dtype != np.uint8:
            raise ValueError(
                f"expected a uint8 image of shape {expected}, got "
                f"{image_rgb.dtype} {image_rgb.shape}"
            )
        if self._scaled is not None:
            image_rgb = cv2.resize(
                image_rgb, self._scaled, interpolation=self._interpolation
            )
        pad_h = self.encoded_height - image_rgb.shape[0]
        pad_w = self.encoded_width - image_rgb.shape[1]
        if pad_h or pad_w:
            image_rgb = np.pad(image_rgb, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
        # The planar YUV copy here: OpenCV converts in about 1 ms a 720p
        # frame where FFmpeg's swscale (VideoFrame.reformat) took 6-9 ms.
        yuv = cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2YUV_I420)
        self._put((yuv, self._next_pts(timestamp_ms)))
        self._frames_written += 1

    def close(self) -> None:
        """Finish encoding and move the video to its final path.

        Raises:
            OutputError: If encoding/writing failed, no frame was written, or
                ``path`` appeared in the meantime (and ``overwrite`` is
                false). The temporary file is removed in every case.
        """
        if self._closed:
            return
        self._closed = True
        self._stop_worker()
        try:
            if self._error is None:
                for packet in self._stream.encode(None):  # flush the encoder
                    self._container.mux(packet)
        except (av.error.FFmpegError, OSError) as exc:
            self._error = self._output_error(exc)
        try:
            self._container.close()
        except (av.error.FFmpegError, OSError) as exc:
            if self._error is None:
                self._error = self._output_error(exc)
        if self._error is None and self._frames_written == 0:
            self._error = OutputError(f"No frames were written to {self.path}")
        if self._error is None and not self.overwrite and self.path.exists():
            self._error = OutputError(
                f"Output file already exists: {self.path} (it appeared while "
                "the video was being written; it was not overwritten)"
            )
        if self._error is None:
            try:
                os.replace(self._tmp_path, self.path)
            except OSError as exc:
                self._error = self._output_error(exc)
        if self._error is not None:
            self._remove_temp()
            raise self._error
        logger.info("Wrote %d frames to %s", self._frames_written, self.path)

    def abort(self) -> None:
        """Stop without producing ``path``; remove the temporary file."""
        if self._closed:
            return
        self._closed = True
        self._abort.set()
        self._stop_worker()
        try:
            self._container.close()
        except Exception as exc:  # the file is discarded anyway
            logger.debug("Closing aborted video %s: %s", self._tmp_path, exc)
        self._remove_temp()

    # -- internals --------------------------------------------------------

    def _check_not_exists(self) -> None:
        if self.path.exists() and not self.overwrite:
            raise OutputError(
                f"Output file already exists: {self.path} (FormCoach does not "
                "overwrite files unless asked to)"
            )

    def _create_temp_file(self) -> Path:
        try:
            return create_temp_file(self.path)  # umask-respecting, like outputs'
        except OSError as exc:
            raise self._output_error(exc) from exc

    def _open_encoder(self, crf: int, preset: str, x264_params: str) -> tuple[Any, Any]:
        container = av.open(
            str(self._tmp_path),
            mode="w",
            format="mp4",  # the temp name has no .mp4 extension
            options={"movflags": "+faststart"},
        )
        try:
            rate = Fraction(self.fps).limit_denominator(100_000)
            options = {"crf": str(crf), "preset": preset}
            if x264_params:
                options["x264-params"] = x264_params
            stream = container.add_stream("libx264", rate=rate, options=options)
            stream.width = self.encoded_width
            stream.height = self.encoded_height
            stream.pix_fmt = "yuv420p"
            stream.time_base = _WRITER_TIME_BASE
            stream.codec_context.time_base = _WRITER_TIME_BASE
            # Tag the conversion write() makes (OpenCV's RGB -> I420 is the
            # BT.601 matrix, limited range) so players show the colours we
            # computed rather than guessing. Primaries and transfer stay
            # BT.709 (those of sRGB pictures).
            stream.codec_context.colorspace = _BT601_MATRIX
            stream.codec_context.color_primaries = _BT709
            stream.codec_context.color_trc = _BT709
            stream.codec_context.color_range = _LIMITED_RANGE
        except BaseException:
            container.close()
            raise
        return container, stream

    def _next_pts(self, timestamp_ms: float | None) -> int:
        if timestamp_ms is None or not math.isfinite(timestamp_ms):
            if self._last_ms is None:
                timestamp_ms = 0.0
            else:
                timestamp_ms = self._last_ms + 1000.0 / self.fps
        if self._first_ms is None:
            self._first_ms = timestamp_ms
        self._last_ms = timestamp_ms
        ticks_per_ms = _WRITER_TIME_BASE.denominator / 1000
        pts = round((timestamp_ms - self._first_ms) * ticks_per_ms)
        # The encoder rejects repeated or decreasing timestamps.
        pts = max(pts, self._last_pts + 1)
        self._last_pts = pts
        return pts

    def _put(self, item: Any) -> None:
        while True:
            self._raise_pending_error()
            try:
                self._queue.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise OutputError(
                        f"Cannot write {self.path}: the encoder stopped"
                    ) from None

    def _raise_pending_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _encode_loop(self) -> None:
        # Keeps draining the queue after an error, so write() never blocks.
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if self._error is not None or self._abort.is_set():
                continue
            yuv, pts = item
            try:
                frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                frame.pts = pts
                frame.time_base = _WRITER_TIME_BASE
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
            except (av.error.FFmpegError, OSError) as exc:
                self._error = self._output_error(exc)
            except BaseException as exc:  # a bug: hand it over unchanged
                self._error = exc

    def _stop_worker(self) -> None:
        while self._thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=_POLL_S)
                break
            except queue.Full:
                continue
        self._thread.join()

    def _output_error(self, exc: BaseException) -> OutputError:
        error = OutputError(f"Cannot write {self.path}: {reason(exc)}")
        error.__cause__ = exc
        return error

    def _remove_temp(self) -> None:
        try:
            os.unlink(self._tmp_path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning(
                "Could not remove temporary file %s: %s", self._tmp_path, exc
            )
