"""Is the picture lit well enough to trust the pose? Dark, overexposed, backlit.

The pose model keeps finding a person in poor light long after its landmarks
stop being reliable (a dark clip still gave two reps, plus a phantom forward
lunge), so the report says when the light was poor rather than staying
silent. Brightness is the mean luma (BT.601, 0-255) of a coarse grid of
pixels, about 160 samples across (0.1-0.2 ms a frame); offline analysis
samples about 5 frames a second, live coaching every frame. The warnings a
report gives about the light are in :mod:`formcoach.input_checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .config_values import number
from .pose import PoseFrame

if TYPE_CHECKING:
    from .settings import Config

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_GRID_SAMPLES = 160  # pixels sampled across the width


@dataclass(frozen=True)
class LightingSettings:
    """The ``[lighting]`` table (brightness as luma 0-255).

    Attributes:
        min_share: A warning needs its condition in this share of the samples.
        dark_luma: Frames darker than this are too dark.
        overexposed_luma: Frames at least this bright may be overexposed...
        washed_out_contrast: ...when the person's box has at most this contrast.
        backlit_background_luma: A background at least this bright...
        backlit_ratio: ...with the person at most this fraction of it is backlit.
    """

    min_share: float
    dark_luma: float
    overexposed_luma: float
    washed_out_contrast: float
    backlit_background_luma: float
    backlit_ratio: float

    @classmethod
    def from_config(cls, config: Config) -> LightingSettings:
        """Read ``[lighting]``; an InputError names a missing or mistyped key."""
        return cls(
            min_share=number(config, "lighting.min_share"),
            dark_luma=number(config, "lighting.dark_luma"),
            overexposed_luma=number(config, "lighting.overexposed_luma"),
            washed_out_contrast=number(config, "lighting.washed_out_contrast"),
            backlit_background_luma=number(config, "lighting.backlit_background_luma"),
            backlit_ratio=number(config, "lighting.backlit_ratio"),
        )

    @classmethod
    def of(cls, settings: LightingSettings | Config) -> LightingSettings:
        """``settings`` itself, or built from a config."""
        return settings if isinstance(settings, cls) else cls.from_config(settings)


@dataclass(frozen=True)
class LightSample:
    """Brightness of one frame.

    Attributes:
        t_ms: Timestamp of the frame.
        frame_luma: Mean luma of the whole frame (0-255).
        person_luma: Mean luma inside the person's box; NaN without a person.
        background_luma: Mean luma outside it; NaN without a person.
        person_contrast: Standard deviation of luma inside the person's box;
            NaN without a person.
    """

    t_ms: float
    frame_luma: float
    person_luma: float = float("nan")
    background_luma: float = float("nan")
    person_contrast: float = float("nan")

    @property
    def has_person(self) -> bool:
        """Whether the person's box and the background were both measured."""
        return np.isfinite(self.person_luma) and np.isfinite(self.background_luma)

    def is_backlit(self, background_min: float, ratio_max: float) -> bool:
        """A bright background with the person much darker than it.

        Args:
            background_min: The background is at least this bright (0-255).
            ratio_max: The person's box is at most this fraction of it.
        """
        return (
            self.has_person
            and self.background_luma >= background_min
            and self.person_luma <= ratio_max * max(self.background_luma, 1.0)
        )


def luma_grid(image_rgb: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.float32], int]:
    """Luma of a coarse pixel grid, and the grid's step in pixels."""
    step = max(1, image_rgb.shape[1] // _GRID_SAMPLES)
    return image_rgb[::step, ::step].astype(np.float32) @ _LUMA, step


def measure_light(
    image_rgb: npt.NDArray[np.uint8],
    pose: PoseFrame | None,
    t_ms: float,
    min_visibility: float = 0.5,
) -> LightSample:
    """Brightness of a frame overall and, with a person, inside vs outside them."""
    grid, step = luma_grid(image_rgb)
    frame_luma = float(grid.mean())
    if pose is None or pose.is_empty():
        return LightSample(t_ms, frame_luma)
    seen = pose.visibility >= min_visibility
    points = pose.xy[seen & np.isfinite(pose.xy).all(axis=1)]
    if len(points) < 4:
        return LightSample(t_ms, frame_luma)
    h, w = grid.shape
    x0, y0 = np.floor(points.min(axis=0) / step).astype(int)
    x1, y1 = np.ceil(points.max(axis=0) / step).astype(int) + 1
    x0, x1 = int(np.clip(x0, 0, w)), int(np.clip(x1, 0, w))
    y0, y1 = int(np.clip(y0, 0, h)), int(np.clip(y1, 0, h))
    inside = np.zeros(grid.shape, dtype=bool)
    inside[y0:y1, x0:x1] = True
    if not inside.any() or inside.all():
        return LightSample(t_ms, frame_luma)
    return LightSample(
        t_ms,
        frame_luma,
        person_luma=float(grid[inside].mean()),
        background_luma=float(grid[~inside].mean()),
        person_contrast=float(grid[inside].std()),
    )
