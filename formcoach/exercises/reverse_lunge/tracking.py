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

from ... import body, geometry
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
        self.labels: tuple[str, str] = ("left", "right")
        self._legs: deque[float] = deque(maxlen=90)
        self._leg_median = math.nan
        self._leg_updates = 0
        # Each track's lowest foot point, recent frames: its floor level.
        self._floors: deque[np.ndarray] = deque(maxlen=30)

    def reset(self) -> None:
        """Forget positions and leg length (the person left the picture)."""
        self.tracks = None
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
        chains = np.stack([frame.xy[list(CHAINS[s])] for s in ("left", "right")])
        if self.tracks is None or np.isnan(self.tracks).any():
            self.tracks = chains.astype(np.float64)
            self.labels = ("left", "right")
            self._floors.clear()
            self._floors.append(np.max(self.tracks[:, [HEEL, TOE], 1], axis=1))
            return self.tracks
        same = np.nansum(geometry.distance(self.tracks, chains))
        swap = np.nansum(geometry.distance(self.tracks, chains[::-1]))
        if swap < same:
            chains = chains[::-1]
            self.labels = ("right", "left")
        else:
            self.labels = ("left", "right")
        self.tracks = chains.astype(np.float64)
        self._floors.append(np.max(self.tracks[:, [HEEL, TOE], 1], axis=1))
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
                self._leg_median = float(np.median(self._legs))
        return self._leg_median

    @staticmethod
    def feet(tracks: np.ndarray) -> np.ndarray:
        """``(2, 2)``: each track's foot position (ankle, heel and toe mean)."""
        return tracks[:, [ANKLE, HEEL, TOE]].mean(axis=1)
