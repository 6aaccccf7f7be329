"""Following the two feet of a lunging person by continuity, not by label.

In a side view the pose model swaps the labels of the legs for a few frames
at a time. The two leg chains (knee, ankle, heel, toe) are therefore followed
as two *tracks*: each frame, the chains are assigned to the tracks in the
order that moves them least.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from ... import body
from ...filters import median_of
from ...landmarks import Landmark as L
from ...pose import PoseFrame

#: Leg chains per model label: knee, ankle, heel, toe.
CHAINS = {
    "left": (L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    "right": (L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
}
KNEE, ANKLE, HEEL, TOE = range(4)


class FootTracks:
    """The two leg chains followed over time, and the leg length in pixels.

    Attributes:
        tracks: ``(2, 4, 2)`` pixel positions (track, chain point, xy), or
            None before the first frame or after :meth:`reset`.
        labels: The model label of each track on the last frame.
    """

    def __init__(self) -> None:
        self.tracks: np.ndarray | None = None
        self._last: list[list[list[float]]] | None = None  # tracks, as floats
        self.labels: tuple[str, str] = ("left", "right")
        self._legs: deque[float] = deque(maxlen=90)
        self._leg_median = math.nan
        self._leg_updates = 0
        # Each track's lowest foot point, recent frames: its floor level.
        self._floors: deque[np.ndarray] = deque(maxlen=30)

    def reset(self) -> None:
        """Forget positions and leg length (the person left the picture)."""
        self.tracks = self._last = None
        self._legs.clear()
        self._leg_median = math.nan
        self._floors.clear()

    def floor_levels(self) -> np.ndarray:
        """``(2,)``: where each track's foot met the floor lately (picture y).

        The lowest point of each foot over about the last second. In a side
        view the far foot's floor shows higher in the picture than the near
        foot's, so each foot is judged against its own floor.
        """
        if not self._floors:
            return np.full(2, np.nan)
        return np.nanmax(np.stack(self._floors), axis=0)

    def assign(self, frame: PoseFrame) -> np.ndarray:
        """Assign this frame's chains to the tracks; returns ``(2, 4, 2)``."""
        # Plain floats: a frame's few points cost less than numpy's calls.
        xy = frame.xy.tolist()
        chains = [[xy[i] for i in CHAINS[side]] for side in ("left", "right")]
        last = self._last
        if last is None or any(math.isnan(v) for leg in last for p in leg for v in p):
            self.labels = ("left", "right")
            self._floors.clear()
        else:
            same = _summed_distance(last, chains)
            swap = _summed_distance(last, chains[::-1])
            if swap < same:
                chains = chains[::-1]
                self.labels = ("right", "left")
            else:
                self.labels = ("left", "right")
        self._last = chains
        self.tracks = np.array(chains, dtype=np.float64)
        self._floors.append(
            np.array([_max_or_nan(leg[HEEL][1], leg[TOE][1]) for leg in chains])
        )
        return self.tracks

    @property
    def leg(self) -> float:
        """Leg length in pixels: the median of the last 3 s or so of frames."""
        return self._leg_median

    def measure_leg(self, frame: PoseFrame) -> float:
        """Take this frame's leg length into the running median; returns it."""
        value = float(body.leg_length(frame.xy, "longer"))
        if math.isfinite(value):
            self._legs.append(value)
            self._leg_updates += 1
            # The median is refreshed every few frames: it moves slowly.
            if self._leg_updates % 5 == 1 or math.isnan(self._leg_median):
                self._leg_median = median_of(self._legs)
        return self._leg_median

    @staticmethod
    def feet(tracks: np.ndarray) -> np.ndarray:
        """``(2, 2)``: each track's foot position (ankle, heel and toe mean)."""
        if tracks.dtype != np.float64:
            return tracks[:, [ANKLE, HEEL, TOE]].mean(axis=1)
        # The same sums as numpy's mean, on plain floats (cheaper for 6 values).
        return np.array(
            [
                [(leg[ANKLE][k] + leg[HEEL][k] + leg[TOE][k]) / 3.0 for k in (0, 1)]
                for leg in tracks.tolist()
            ]
        )


def _summed_distance(
    tracks: list[list[list[float]]], chains: list[list[list[float]]]
) -> float:
    """The 8 point distances summed, a missing one as 0: ``np.nansum`` of
    :func:`geometry.distance`, in numpy's pairwise order for 8 values."""
    d = []
    for track, chain in zip(tracks, chains, strict=True):
        for (tx, ty), (cx, cy) in zip(track, chain, strict=True):
            dx, dy = tx - cx, ty - cy  # geometry.distance_of_points, inlined
            dist = math.sqrt(dx * dx + dy * dy)
            d.append(0.0 if math.isnan(dist) else dist)
    return ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]))


def _max_or_nan(a: float, b: float) -> float:
    """``np.max`` of two: NaN when either is."""
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)
