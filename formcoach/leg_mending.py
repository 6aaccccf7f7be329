"""Mending the pose model's leg mistakes before the landmarks are smoothed.

In a side view BlazePose loses track of which leg is which for a few frames
at a time, most often at the bottom of a lunge: it gives the near leg's
points the far leg's labels (a *swap*), or puts both legs' points somewhere
between the two (a *glitch*). The smoother filters each labelled point on its
own, so a swap or a glitch of one or two frames becomes a leg that drifts
half-way across for a tenth of a second, and a rep bottom taken on such a
frame gets the wrong front knee, step length and heel.

Two steps, on the raw frames of a window (see ``[smoothing]``):

1. **Swaps.** For each frame, keep the model's labels or swap the two leg
   chains (knee, ankle, heel, toe), choosing the sequence of choices that
   moves the legs least from frame to frame (Viterbi). Each frame kept
   against the model's labels costs ``leg_swap_cost`` leg lengths, so where
   the legs are close together (feet together, legs passing), where a swap
   costs next to nothing in movement, the model's labels stand.
2. **Glitches.** A leg is dropped from a frame, and the smoother bridges it
   like any short gap, when one of its points jumped off its path and back:
   it stands off the line between where that point was just before and just
   after (medians over ``leg_glitch_window_s`` on each side) by more than
   ``leg_glitch_leg_lengths`` plus ``leg_glitch_path_share`` of that line's
   length, and it got there, and left, in one jump. A point that stays put
   or moves on a straight path, fast or slow, stays close to that line; one
   on a curved path (a swinging foot) is allowed more the further it
   travels; one that turns quickly (a foot kicked back) moves off it only a
   little from frame to frame.

:class:`LegMender` mends a stream with a short look-ahead of its own
(twice ``leg_glitch_window_s``), block by block, keeping the decisions of the
frames it has given out. The one-pass analysis and the whole-clip smoothing
both mend through it, so they mend alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from . import body
from .landmarks import Landmark as L
from .pose import PoseFrame

#: The leg chains that get swapped or dropped: knee, ankle, heel, toe.
LEFT_CHAIN = (L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX)
RIGHT_CHAIN = (L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)
_CHAINS = np.array([LEFT_CHAIN, RIGHT_CHAIN])


def _swap_permutation() -> npt.NDArray[np.intp]:
    perm = np.arange(33)
    perm[list(LEFT_CHAIN)], perm[list(RIGHT_CHAIN)] = RIGHT_CHAIN, LEFT_CHAIN
    return perm


#: ``array[SWAP_LEGS]`` gives the left leg chain's points the right's labels.
SWAP_LEGS = _swap_permutation()


@dataclass(frozen=True)
class LegMendingSettings:
    """The leg-mending keys of ``[smoothing]``
    (:attr:`formcoach.smoothing.SmoothingSettings.legs`).

    Attributes:
        swap_cost: What keeping a frame's legs swapped costs, in leg lengths of
            movement (0 turns both steps off).
        glitch_window_s: Where a leg was just before and just after a frame:
            the median over this long on each side.
        glitch_leg_lengths: How far off that path a still point may stand.
        glitch_path_share: What a moving point may stand off its path
            besides, as a share of the path's length.
        max_gap_s: Glitches are dropped only in runs the smoother bridges.
    """

    swap_cost: float
    glitch_window_s: float
    glitch_leg_lengths: float
    glitch_path_share: float
    max_gap_s: float

    @property
    def enabled(self) -> bool:
        return self.swap_cost > 0


@dataclass(frozen=True)
class Mending:
    """What :func:`find_mending` decided for each frame of a window.

    Attributes:
        swapped: ``(n,)`` the frame's leg chains swap labels.
        dropped: ``(n, 2)`` the left / right chain (after the swap) is a
            glitch, to be bridged by the smoother.
    """

    swapped: npt.NDArray[np.bool_]
    dropped: npt.NDArray[np.bool_]

    @property
    def changes(self) -> bool:
        return bool(self.swapped.any() or self.dropped.any())


def find_mending(
    frames: Sequence[PoseFrame],
    settings: LegMendingSettings,
    *,
    fixed: int = 0,
) -> Mending:
    """Decide which frames' legs to swap and which to drop.

    Args:
        frames: Raw poses in time order; the first ``fixed`` are already
            mended (their decisions stand and they are not mended again).
        settings: The leg-mending settings.
        fixed: How many frames at the start are already mended.
    """
    n = len(frames)
    swapped = np.zeros(n, bool)
    dropped = np.zeros((n, 2), bool)
    if not settings.enabled or n - fixed < 1:
        return Mending(swapped, dropped)
    legs = np.stack([f.xy[_CHAINS] for f in frames]).astype(np.float64)  # (n,2,4,2)
    t_s = np.array([f.timestamp_ms for f in frames]) / 1000.0
    seen = np.isfinite(legs).all(axis=(1, 2, 3))
    scale = _leg_scale(frames, seen)
    if not np.isfinite(scale) or scale <= 0:
        return Mending(swapped, dropped)
    swapped = _swaps(legs, t_s, seen, scale, settings, fixed)
    legs[swapped] = legs[swapped][:, ::-1]
    dropped = _glitches(legs, t_s, seen, scale, settings, fixed)
    return Mending(swapped, dropped)


def mend(frame: PoseFrame, swapped: bool, dropped: npt.NDArray[np.bool_]) -> PoseFrame:
    """``frame`` with its legs swapped and its glitched chains made NaN."""
    if not swapped and not dropped.any():
        return frame
    xy, z, world = frame.xy, frame.z, frame.world_xyz
    vis, presence = frame.visibility, frame.presence
    if swapped:
        xy, z, world = xy[SWAP_LEGS], z[SWAP_LEGS], world[SWAP_LEGS]
        vis, presence = vis[SWAP_LEGS], presence[SWAP_LEGS]
    if dropped.any():
        gone = list(_CHAINS[dropped].ravel())
        xy, world = xy.copy(), world.copy()
        xy[gone] = np.nan
        world[gone] = np.nan
    return replace(
        frame, xy=xy, z=z, world_xyz=world, visibility=vis, presence=presence
    )


def mend_frames(
    frames: Sequence[PoseFrame], settings: LegMendingSettings, *, fixed: int = 0
) -> list[PoseFrame]:
    """The frames with their legs mended (the first ``fixed`` as they are)."""
    found = find_mending(frames, settings, fixed=fixed)
    if not found.changes:
        return list(frames)
    return [
        f if i < fixed else mend(f, bool(found.swapped[i]), found.dropped[i])
        for i, f in enumerate(frames)
    ]


class LegMender:
    """Mends a stream of raw poses block by block, with a short look-ahead.

    Each block of twice ``leg_glitch_window_s`` of frames is settled once as
    much has followed it, in a window that also holds as much of the settled
    frames before it; the same frames give the same decisions however they
    are pushed.

    Example:
        >>> mender = LegMender(settings, fps=30.0)  # doctest: +SKIP
        >>> for raw in poses:  # doctest: +SKIP
        ...     for frame in mender.push(raw):
        ...         smoother.push(frame)
        >>> for frame in mender.flush():  # doctest: +SKIP
        ...     smoother.push(frame)
    """

    def __init__(self, settings: LegMendingSettings, fps: float):
        self.settings = settings
        rate = fps if fps > 0 else 30.0
        self.lookahead = max(1, round(2 * settings.glitch_window_s * rate))
        self.history = self.lookahead
        # Settled once per block: each settling runs over the whole window.
        self.block = self.lookahead
        self._frames: list[PoseFrame] = []
        self._settled = 0  # how many of ``_frames`` are settled (given out)

    @classmethod
    def run(
        cls, frames: Sequence[PoseFrame], settings: LegMendingSettings, fps: float
    ) -> list[PoseFrame]:
        """All of ``frames`` mended, as a stream would mend them."""
        if not settings.enabled:
            return list(frames)
        mender = cls(settings, fps)
        out = [m for f in frames for m in mender.push(f)]
        return out + mender.flush()

    @property
    def latency_frames(self) -> int:
        """Most frames held back before one comes out."""
        return self.block + self.lookahead if self.settings.enabled else 0

    def push(self, frame: PoseFrame) -> list[PoseFrame]:
        """Add the next raw frame; the mended frames now settled, in order."""
        if not self.settings.enabled:
            return [frame]
        self._frames.append(frame)
        if len(self._frames) - self._settled < self.block + self.lookahead:
            return []
        return self._settle(self.block)

    def flush(self) -> list[PoseFrame]:
        """The stream ended: every frame still held, mended."""
        return self._settle(len(self._frames) - self._settled)

    def _settle(self, count: int) -> list[PoseFrame]:
        if count <= 0:
            return []
        start, stop = self._settled, self._settled + count
        window = mend_frames(self._frames, self.settings, fixed=start)
        self._frames[start:stop] = window[start:stop]
        self._settled = stop
        drop = max(0, stop - self.history)
        del self._frames[:drop]
        self._settled -= drop
        return window[start:stop]


def _leg_scale(frames: Sequence[PoseFrame], seen: npt.NDArray[np.bool_]) -> float:
    """The window's leg length in pixels: the median of the longer leg."""
    if not seen.any():
        return float("nan")
    xy = np.stack([frames[i].xy for i in np.flatnonzero(seen)])
    lengths = body.leg_length(xy, "longer")
    lengths = lengths[np.isfinite(lengths)]
    return float(np.median(lengths)) if len(lengths) else float("nan")


def _swaps(
    legs: npt.NDArray[np.float64],
    t_s: npt.NDArray[np.float64],
    seen: npt.NDArray[np.bool_],
    scale: float,
    settings: LegMendingSettings,
    fixed: int,
) -> npt.NDArray[np.bool_]:
    """Viterbi over the seen frames: state 0 the model's labels, 1 swapped."""
    swapped = np.zeros(len(legs), bool)
    idx = np.flatnonzero(seen)
    if len(idx) < 2:
        return swapped
    a = legs[idx]  # (m, 2, 4, 2)
    # From one seen frame to the next, both in the same state (the distances
    # are the same either way) or one swapped and the other not.
    same = np.linalg.norm(a[1:] - a[:-1], axis=-1).sum(axis=(1, 2)) / scale
    cross = np.linalg.norm(a[1:, ::-1] - a[:-1], axis=-1).sum(axis=(1, 2)) / scale
    # Across a gap the smoother does not bridge, the legs start afresh.
    apart = np.diff(t_s[idx]) > settings.max_gap_s
    same[apart] = cross[apart] = 0.0
    if (cross >= same).all():
        return swapped  # no swap moves the legs less: the model's labels
    # Viterbi on plain floats (a window is a few dozen frames).
    same_l, cross_l, is_fixed = same.tolist(), cross.tolist(), (idx < fixed).tolist()
    cost0, cost1 = 0.0, math.inf if is_fixed[0] else settings.swap_cost
    back: list[tuple[int, int]] = [(0, 1)]
    for k in range(1, len(idx)):
        s_k, c_k = same_l[k - 1], cross_l[k - 1]
        from0 = (0, cost0 + s_k) if cost0 + s_k <= cost1 + c_k else (1, cost1 + c_k)
        from1 = (0, cost0 + c_k) if cost0 + c_k <= cost1 + s_k else (1, cost1 + s_k)
        back.append((from0[0], from1[0]))
        cost0 = from0[1]
        cost1 = math.inf if is_fixed[k] else from1[1] + settings.swap_cost
    state = 0 if cost0 <= cost1 else 1
    for k in range(len(idx) - 1, -1, -1):
        swapped[idx[k]] = bool(state)
        state = back[k][state]
    return swapped


def _glitches(
    legs: npt.NDArray[np.float64],
    t_s: npt.NDArray[np.float64],
    seen: npt.NDArray[np.bool_],
    scale: float,
    settings: LegMendingSettings,
    fixed: int,
) -> npt.NDArray[np.bool_]:
    """Chains off the path between where they were before and after.

    Two passes: glitches often come two or three in a few frames, so the
    second pass takes its medians without those the first one found.
    """
    n = len(legs)
    dropped = np.zeros((n, 2), bool)
    for second in (False, True):
        found = np.zeros((n, 2), bool)
        for side in (0, 1):
            if second and not dropped[:, side].any():
                continue  # the first pass found none: the same frames, the same answer
            good = seen & ~dropped[:, side]
            found[:, side] = _off_path(legs[:, side], t_s, good, scale, settings, fixed)
        found[:fixed] = False
        dropped |= found
    # Only what the smoother bridges: a longer run is no short glitch.
    for side in (0, 1):
        _keep_long_runs(dropped[:, side], t_s, settings.max_gap_s)
    return dropped


def _off_path(
    chain: npt.NDArray[np.float64],
    t_s: npt.NDArray[np.float64],
    good: npt.NDArray[np.bool_],
    scale: float,
    settings: LegMendingSettings,
    fixed: int,
) -> npt.NDArray[np.bool_]:
    """``(n,)``: the good frames from ``fixed`` on where a point of ``chain``
    ``(n, 4, 2)`` jumped off its path.

    A point is off its path when it stands off the line between its medians
    before and after. A run of such frames is a glitch when its points jumped
    into it and out of it again: a quick turn (a foot kicked back and brought
    forward) leaves that line too, but a little from frame to frame.
    """
    half = settings.glitch_window_s
    still = settings.glitch_leg_lengths * scale
    share = settings.glitch_path_share
    off = np.zeros((len(chain), chain.shape[1]), bool)  # frame, point
    order = np.flatnonzero(good)  # runs are consecutive among the good frames
    # A glitch is jumped into and out of: only frames near such a jump can be.
    steps = _dist(chain[order[1:]], chain[order[:-1]]).max(axis=1)
    jumps = t_s[order[1:]][steps > still]
    if not len(jumps):
        return np.zeros(len(chain), bool)
    near_jump = np.abs(t_s[:, None] - jumps[None, :]).min(axis=1) <= settings.max_gap_s
    cand = np.flatnonzero(good & near_jump)
    cand = cand[cand >= fixed]
    g = np.flatnonzero(good)
    if len(cand) and len(g):
        # The good frames within ``half`` before and after each candidate.
        t_g, t_c = t_s[g], t_s[cand]
        b_lo = np.searchsorted(t_g, t_c - half, "left")
        b_hi = np.searchsorted(g, cand, "left")
        a_lo = np.searchsorted(g, cand, "right")
        a_hi = np.searchsorted(t_g, t_c + half, "right")
        ok = (b_hi - b_lo >= 2) & (a_hi - a_lo >= 2)  # two on each side, at least
        cand, b_lo, b_hi, a_lo, a_hi = (x[ok] for x in (cand, b_lo, b_hi, a_lo, a_hi))
        p0 = _median_of_runs(chain, g, b_lo, b_hi)  # (m, 4, 2)
        p1 = _median_of_runs(chain, g, a_lo, a_hi)
        off[cand] = _off_segment(chain[cand], p0, p1) > still + share * _dist(p0, p1)
    glitch = np.zeros(len(chain), bool)
    k = 0
    while k < len(order):
        if not off[order[k]].any():
            k += 1
            continue
        end = k
        while end + 1 < len(order) and off[order[end + 1]].any():
            end += 1
        if k > 0 and end + 1 < len(order):
            prev, nxt = chain[order[k - 1]], chain[order[end + 1]]
            entry = _dist(chain[order[k]], prev)
            leave = _dist(chain[order[end]], nxt)
            jumped = np.minimum(entry, leave) > still + share * _dist(prev, nxt)
            if (jumped & off[order[k : end + 1]].any(axis=0)).any():
                glitch[order[k : end + 1]] = True
        k = end + 1
    return glitch


def _median_of_runs(
    chain: npt.NDArray[np.float64],
    g: npt.NDArray[np.intp],
    lo: npt.NDArray[np.intp],
    hi: npt.NDArray[np.intp],
) -> npt.NDArray[np.float64]:
    """``(m, 4, 2)``: the median of ``chain[g[lo[j]:hi[j]]]`` for each ``j``."""
    width = int((hi - lo).max()) if len(lo) else 0
    stack = np.full((len(lo), width, *chain.shape[1:]), np.nan)
    for k in range(width):
        has = lo + k < hi
        stack[has, k] = chain[g[lo[has] + k]]
    # np.nanmedian goes through masked arrays for small ones: sort instead
    # (NaN sorts last) and average the middle one or two of each run.
    stack.sort(axis=1)
    count = (hi - lo)[:, None, None, None]
    upper = np.take_along_axis(stack, count // 2, axis=1)
    lower = np.take_along_axis(stack, (count - 1) // 2, axis=1)
    return ((upper + lower) / 2)[:, 0]


def _dist(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray:
    return np.linalg.norm(a - b, axis=-1)


def _off_segment(
    p: npt.NDArray[np.float64], a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Distance of each point of ``p`` from the segment ``a``-``b`` (last axis xy)."""
    ab = b - a
    length2 = (ab**2).sum(-1)
    u = np.where(length2 > 0, ((p - a) * ab).sum(-1) / np.maximum(length2, 1e-12), 0)
    u = np.clip(u, 0.0, 1.0)
    return np.linalg.norm(p - (a + u[..., None] * ab), axis=-1)


def _keep_long_runs(
    flags: npt.NDArray[np.bool_], t_s: npt.NDArray[np.float64], max_gap_s: float
) -> None:
    """Clear (in place) the runs of ``flags`` longer than a bridged gap."""
    i, n = 0, len(flags)
    while i < n:
        if not flags[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and flags[j + 1]:
            j += 1
        before = t_s[i - 1] if i > 0 else t_s[i]
        after = t_s[j + 1] if j + 1 < n else t_s[j]
        if after - before > max_gap_s or i == 0 or j == n - 1:
            flags[i : j + 1] = False
        i = j + 1
