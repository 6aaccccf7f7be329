"""Shot changes in edited videos: hard cuts and cross-fades, from the decoded frames.

Uploads are often cut from longer videos: two takes joined by a cut or a
cross-fade, the person facing the other way after it. Pose tracking and the
coaches must start again at such an edit, so this module finds them, cheaply,
frame by frame in time order (:class:`ShotDetector`), or over a whole video
(:func:`detect_cuts`).

Each frame becomes a tiny grey thumbnail (``thumb_width_px`` x
``thumb_height_px``: a strided view of the picture shrunk with area
averaging). Two tests run on the thumbnails:

* **Hard cut** (Zhang, Kankanhalli & Smoliar 1993, "Automatic partitioning of
  full-motion video", the frame-difference test): consecutive thumbnails are
  decorrelated (``1 - correlation``, blind to brightness and contrast, so an
  exposure change is not a cut) by at least ``hard_cut_min_decorrelation``
  and ``hard_cut_ratio`` times the median of the last second (so a fast
  movement in a busy picture is not a cut), and the two frames after it
  stay away from every picture of the half second before it (a flash, a
  glitched frame or a flickering light is not a cut).
* **Cross-fade** (the dissolve model ``I(t) = (1 - a(t)) A + a(t) B`` of
  Lienhart 1999, "Comparison of automatic shot boundary detection
  algorithms"): over a run of ``fade_min_s`` to ``fade_max_s`` of frames,
  every frame in between is the blend of the run's first and last frame,
  its share of the last one growing in step with time. A person moving does
  not do that: a limb in mid-swing is at a third place, not a ghost at both
  ends. The test needs only the inner products of the recent thumbnails
  (a small Gram matrix updated with one row per frame).

A cross-fade is reported once it is over (a few frames late), with the
frames it spans; a hard cut when the frame after it is seen.

Example:
    >>> settings = CutSettings.from_config(config)  # doctest: +SKIP
    >>> detector = ShotDetector(settings, fps=30.0)  # doctest: +SKIP
    >>> for frame in iter_frames(path):  # doctest: +SKIP
    ...     cut = detector.update(frame.index, frame.image_rgb, frame.timestamp_ms)
    ...     if cut:
    ...         print(cut.kind, cut.start_index, cut.end_index)
    >>> cuts = detector.finish()  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from .config_values import flag, integer, number

if TYPE_CHECKING:
    from .settings import Config

T = TypeVar("T")


@dataclass(frozen=True)
class CutSettings:
    """The ``[cuts]`` table (no defaults here: see ``default.toml``).

    Attributes:
        enabled: Look for cuts at all (``cuts.enabled=false`` turns it off).
        thumb_width_px: Width of the thumbnail each frame is compared by.
        thumb_height_px: Its height.
        hard_cut_min_decorrelation: Smallest ``1 - correlation`` between two
            consecutive thumbnails that can be a hard cut (the correlation
            ignores brightness and contrast: a camera's exposure change or a
            flare is not a cut).
        hard_cut_ratio: ...and how many times the median of the last second
            it must be.
        flash_max_return: A "cut" whose next frame is back within this share
            of the change is a flash or a glitch, not a cut.
        fade_min_s: Shortest cross-fade looked for.
        fade_max_s: Longest cross-fade looked for.
        fade_min_change: Smallest RMS change between a fade's first and last
            frame.
        fade_max_residual: Largest mean share of the change an in-between
            frame may differ from the blend of the two ends.
        fade_max_share_error: Largest difference between a frame's blend
            share and its place in time (both 0 to 1).
        fade_min_decorrelation: Smallest ``1 - correlation`` between a
            fade's first and last frame: two shots, not one picture drifting
            (a slow camera move, a person moving in a still scene, a fade
            of brightness, which on a thumbnail also look like blends).
    """

    enabled: bool
    thumb_width_px: int
    thumb_height_px: int
    hard_cut_min_decorrelation: float
    hard_cut_ratio: float
    flash_max_return: float
    fade_min_s: float
    fade_max_s: float
    fade_min_change: float
    fade_max_residual: float
    fade_max_share_error: float
    fade_min_decorrelation: float

    @classmethod
    def from_config(cls, config: Config) -> CutSettings:
        """Read ``[cuts]``; an InputError names a missing or mistyped key."""
        return cls(
            enabled=flag(config, "cuts.enabled"),
            thumb_width_px=integer(config, "cuts.thumb_width_px"),
            thumb_height_px=integer(config, "cuts.thumb_height_px"),
            hard_cut_min_decorrelation=number(
                config, "cuts.hard_cut_min_decorrelation"
            ),
            hard_cut_ratio=number(config, "cuts.hard_cut_ratio"),
            flash_max_return=number(config, "cuts.flash_max_return"),
            fade_min_s=number(config, "cuts.fade_min_s"),
            fade_max_s=number(config, "cuts.fade_max_s"),
            fade_min_change=number(config, "cuts.fade_min_change"),
            fade_max_residual=number(config, "cuts.fade_max_residual"),
            fade_max_share_error=number(config, "cuts.fade_max_share_error"),
            fade_min_decorrelation=number(config, "cuts.fade_min_decorrelation"),
        )


@dataclass(frozen=True)
class Cut:
    """An edit in the video: where one shot ends and the next begins.

    Attributes:
        kind: ``"hard"`` (from one frame to the next) or ``"fade"``.
        start_index: The last frame of the old shot.
        end_index: The first frame of the new shot (``start_index + 1`` for a
            hard cut; the frames in between are blends of the two).
        start_ms: Time of ``start_index``.
        end_ms: Time of ``end_index``.
    """

    kind: Literal["hard", "fade"]
    start_index: int
    end_index: int
    start_ms: float
    end_ms: float

    @property
    def t_s(self) -> float:
        """The moment of the cut: the middle of the transition, in seconds."""
        return (self.start_ms + self.end_ms) / 2000.0

    def as_dict(self) -> dict[str, float | int | str]:
        """For report.json's ``cuts``."""
        return {
            "kind": self.kind,
            "t_s": round(self.t_s, 3),
            "start_frame": self.start_index,
            "end_frame": self.end_index,
            "start_s": round(self.start_ms / 1000.0, 3),
            "end_s": round(self.end_ms / 1000.0, 3),
        }


def thumbnail(
    image_rgb: npt.NDArray[np.uint8], width: int, height: int
) -> npt.NDArray[np.float32]:
    """A ``(height * width,)`` float32 grey thumbnail of an ``(H, W, 3)`` image.

    Every other pixel of a nearest-neighbour sample at twice the size is
    averaged (area): the cost hardly grows with the picture size, and the
    averaging keeps single-pixel noise out.
    """
    sample = cv2.resize(
        image_rgb, (2 * width, 2 * height), interpolation=cv2.INTER_NEAREST
    )
    grey = cv2.cvtColor(sample, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32).ravel()


class ShotDetector:
    """Finds hard cuts and cross-fades frame by frame, in time order.

    Feed every decoded frame to :meth:`update`; it returns a :class:`Cut` on
    the frame at which one is confirmed (a hard cut one frame after it, a
    cross-fade a few frames after it ends), else None. :meth:`finish`
    reports a fade still open at the end and returns every cut found.
    """

    def __init__(self, settings: CutSettings, fps: float):
        """Args: settings: ``[cuts]``; fps: the video's frame rate (for the lengths)."""
        self.settings = settings
        fps = fps if fps and math.isfinite(fps) and fps > 0 else 30.0
        self.fade_min = max(3, round(settings.fade_min_s * fps))
        self.fade_max = max(self.fade_min, round(settings.fade_max_s * fps))
        size = self.fade_max + 1
        self._size = size
        pixels = settings.thumb_width_px * settings.thumb_height_px
        # A ring of the last ``size`` thumbnails and their inner products
        # (slot-indexed); ``_count`` frames seen so far.
        self._ring = np.zeros((size, pixels), np.float32)
        self._gram = np.zeros((size, size))
        self._index = np.zeros(size, np.int64)
        self._ms = np.zeros(size)
        self._sum = np.zeros(size)
        self._count = 0
        self._pixels = pixels
        self._changes: deque[float] = deque(maxlen=max(5, round(fps)))
        self._pending_hard: list[tuple[int, float]] = []  # (frame count, jump)
        self._fade: tuple[int, int, float, float] | None = None
        self._last_end = -1  # no cut may start before the last one's end
        self._pairs: dict[int, tuple[np.ndarray, ...]] = {}
        self.cuts: list[Cut] = []

    def update(
        self,
        frame_index: int,
        image_rgb: npt.NDArray[np.uint8],
        timestamp_ms: float | None = None,
    ) -> Cut | None:
        """Take the next frame; a cut confirmed now, or None.

        Args:
            frame_index: The frame's index (increasing).
            image_rgb: ``(H, W, 3)`` uint8 picture (any size; RGB or BGR alike).
            timestamp_ms: Its time; ``frame_index`` stands in when omitted.
        """
        if not self.settings.enabled:
            return None
        s = self.settings
        thumb = thumbnail(image_rgb, s.thumb_width_px, s.thumb_height_px)
        ms = float(frame_index if timestamp_ms is None else timestamp_ms)
        self._push(thumb, frame_index, ms)
        if self._count < 2:
            return None
        change = self._decorrelation(1, 0)
        found = self._check_hard(change)
        # Windows ending every other frame are enough to see a fade of 4 or
        # more frames (their union spans it); this halves the cost.
        fade = self._check_fade() if self._count % 2 == 0 else self._close_fade()
        self._changes.append(change)
        if found is None:
            found = fade
        if found is not None:
            self.cuts.append(found)
            self._last_end = found.end_index
        return found

    def finish(self) -> list[Cut]:
        """Report a cross-fade still open at the end; every cut found."""
        if self._fade is not None:
            a, b, a_ms, b_ms = self._fade
            self._fade = None
            if a >= self._last_end:
                self.cuts.append(Cut("fade", a, b, a_ms, b_ms))
        return list(self.cuts)

    # -- internals ----------------------------------------------------------

    def _slot(self, back: int) -> int:
        """Ring slot of the frame ``back`` frames before the newest."""
        return (self._count - 1 - back) % self._size

    def _push(self, thumb: npt.NDArray[np.float32], index: int, ms: float) -> None:
        slot = self._count % self._size
        self._ring[slot] = thumb
        self._index[slot] = index
        self._ms[slot] = ms
        self._sum[slot] = float(thumb.sum(dtype=np.float64))
        self._count += 1
        filled = min(self._count, self._size)
        row = self._ring[:filled] @ thumb
        self._gram[slot, :filled] = row
        self._gram[:filled, slot] = row

    def _distance(self, back_a: int, back_b: int) -> float:
        """RMS difference of two recent thumbnails (0-255 levels)."""
        a, b = self._slot(back_a), self._slot(back_b)
        g = self._gram
        return _rms(g[a, a] - 2 * g[a, b] + g[b, b], self._pixels)

    def _decorrelation(self, back_a: int, back_b: int) -> float:
        """``1 - correlation`` of two recent thumbnails (0 same picture, 1 unrelated).

        A flat picture (a black frame) has no correlation: against it, any
        change of at least ``fade_min_change`` counts as unrelated.
        """
        a, b = self._slot(back_a), self._slot(back_b)
        g, total, n = self._gram, self._sum, self._pixels
        var_a = g[a, a] - total[a] ** 2 / n
        var_b = g[b, b] - total[b] ** 2 / n
        flat = n * 1.0  # under 1 grey level of spread
        if var_a < flat or var_b < flat:
            return float(
                self._distance(back_a, back_b) >= self.settings.fade_min_change
            )
        cov = g[a, b] - total[a] * total[b] / n
        return 1.0 - cov / math.sqrt(var_a * var_b)

    def _end_decorrelation(
        self, a: npt.NDArray[np.intp], e: int
    ) -> npt.NDArray[np.float64]:
        """:meth:`_decorrelation` of the slots ``a`` each with the slot ``e``."""
        g, total, n = self._gram, self._sum, self._pixels
        var_a = g[a, a] - total[a] ** 2 / n
        var_e = g[e, e] - total[e] ** 2 / n
        cov = g[a, e] - total[a] * total[e] / n
        flat = (var_a < n) | (var_e < n)  # under 1 grey level of spread
        with np.errstate(invalid="ignore", divide="ignore"):
            related = cov / np.sqrt(var_a * var_e)
        # Against a flat picture (a fade from black) the change counted already.
        return np.where(flat, 1.0, 1.0 - related)

    def _check_hard(self, change: float) -> Cut | None:
        """A jump is a cut once two more frames stay away from the old picture."""
        s = self.settings
        found = None
        keep = []
        for count, jump in self._pending_hard:
            after = self._count - count  # frames seen since the jump's frame
            # A flash, a glitched frame or a flickering light returns to a
            # picture seen shortly before the jump; a new shot does not.
            span = range(after + 1, min(after + 1 + self._size // 2, self._count))
            back = min(self._decorrelation(k, 0) for k in span)
            if back <= s.flash_max_return * jump:
                continue
            if after < 2:
                keep.append((count, jump))
                continue
            old, new = self._slot(after + 1), self._slot(after)
            found = Cut(
                "hard",
                int(self._index[old]),
                int(self._index[new]),
                float(self._ms[old]),
                float(self._ms[new]),
            )
            self._fade = None  # a fade cannot straddle a hard cut
        self._pending_hard = [] if found else keep
        # The median by sorting a short list: np.median costs more per call.
        ordered = sorted(self._changes)
        typical = ordered[len(ordered) // 2] if ordered else 0.0
        if (
            len(self._changes) >= 2
            and change >= s.hard_cut_min_decorrelation
            and change >= s.hard_cut_ratio * typical
        ):
            self._pending_hard.append((self._count, change))
        return found

    def _fade_pairs(self, n: int) -> tuple[np.ndarray, ...]:
        """Candidate windows ending at the newest frame, with ``n`` frames held.

        Returns the age (frames back from the newest) of each window's first
        frame ``(runs,)``; the ages of the frames strictly inside it
        ``(runs, longest - 1)``, padded with 0; the pads' mask; and each inner
        frame's expected share of the newest frame (its place in time).
        """
        if n not in self._pairs:
            lengths = np.arange(self.fade_min, min(self.fade_max, n - 1) + 1)
            steps = np.arange(1, int(lengths[-1]))
            inside = steps[None, :] < lengths[:, None]
            ages = np.where(inside, lengths[:, None] - steps[None, :], 0)
            expected = steps[None, :] / lengths[:, None]
            self._pairs[n] = (lengths, ages, inside, expected)
        return self._pairs[n]

    def _check_fade(self) -> Cut | None:
        """Extend, start or close a cross-fade ending at the newest frame."""
        s = self.settings
        n = min(self._count, self._size)
        if n - 1 < self.fade_min:
            return None
        age_a, age_m, inside, expected = self._fade_pairs(n)
        newest = self._count - 1
        e = newest % self._size
        a = (newest - age_a) % self._size
        g = self._gram
        dd = g[e, e] - 2 * g[a, e] + g[a, a]
        change = np.sqrt(np.maximum(dd, 0.0) / self._pixels)
        candidate = change >= s.fade_min_change
        if not candidate.any() and self._fade is None:
            return None
        m = (newest - age_m) % self._size
        ac = a[:, None]
        gae = g[ac, e]
        xd = g[m, e] - g[m, ac] - gae + g[ac, ac]
        xx = g[m, m] - 2 * g[m, ac] + g[ac, ac]
        with np.errstate(invalid="ignore", divide="ignore"):
            share = xd / dd[:, None]
            residual = np.maximum(xx - xd * share, 0.0) / dd[:, None]
        mean_residual = (residual * inside).sum(1) / inside.sum(1)
        worst = (np.abs(share - expected) * inside).max(1)
        start_index = self._index[a]
        ok = (
            candidate
            & (mean_residual <= s.fade_max_residual)
            & (worst <= s.fade_max_share_error)
            & (start_index >= self._last_end)
        )
        if ok.any():
            ok &= self._end_decorrelation(a, e) >= s.fade_min_decorrelation
        if ok.any():
            k = int(np.argmin(np.where(ok, mean_residual, np.inf)))
            slot = int(a[k])
            window = (
                int(self._index[slot]),
                int(self._index[e]),
                float(self._ms[slot]),
                float(self._ms[e]),
            )
            if self._fade is not None and window[0] <= self._fade[1]:
                # Overlapping windows of one fade: keep their union.
                head = self._fade if self._fade[0] <= window[0] else window
                window = (head[0], window[1], head[2], window[3])
            self._fade = window
            return None
        return self._close_fade()

    def _close_fade(self) -> Cut | None:
        """The open cross-fade once no blend window has ended for 3 frames."""
        newest = self._index[self._slot(0)]
        if self._fade is not None and newest > self._fade[1] + 2:
            a0, b0, a_ms, b_ms = self._fade
            self._fade = None
            return Cut("fade", a0, b0, a_ms, b_ms)
        return None


def _rms(sum_sq: float, size: int) -> float:
    return math.sqrt(max(float(sum_sq), 0.0) / size)


def detect_cuts(
    frames: Iterable[tuple[int, npt.NDArray[np.uint8], float]],
    settings: CutSettings,
    fps: float,
) -> list[Cut]:
    """Every cut in a sequence of ``(frame_index, image_rgb, timestamp_ms)``."""
    detector = ShotDetector(settings, fps)
    for index, image, ms in frames:
        detector.update(index, image, ms)
    return detector.finish()


def detect_cuts_in_video(path: str | Path, settings: CutSettings) -> list[Cut]:
    """Every cut in a video file (decodes it once)."""
    from .video import VideoInfo, iter_frames

    info = VideoInfo.from_path(path)
    return detect_cuts(
        ((f.index, f.image_rgb, f.timestamp_ms) for f in iter_frames(path)),
        settings,
        info.fps,
    )


def split_at_cuts(
    items: Sequence[T], cuts: Sequence[Cut], index_of: Callable[[T], int]
) -> list[list[T]]:
    """``items`` (in frame order) split into shots; a fade's blended frames dropped.

    ``index_of(item)`` gives an item's frame index. Items before a cut's
    ``start_index`` (inclusive) go to the shot before it, items from its
    ``end_index`` on to the one after; a cross-fade's in-between frames
    belong to neither.
    """
    shots: list[list[T]] = [[]]
    ordered = sorted(cuts, key=lambda c: c.start_index)
    k = 0
    for item in items:
        i = index_of(item)
        while k < len(ordered) and i >= ordered[k].end_index:
            shots.append([])
            k += 1
        if k < len(ordered) and ordered[k].start_index < i < ordered[k].end_index:
            continue  # a blend of two shots
        shots[-1].append(item)
    return shots
