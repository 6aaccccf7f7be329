"""Is the picture lit well enough to trust the pose? Dark, overexposed, backlit.

The pose model keeps finding a person in poor light long after its landmarks
stop being reliable (a dark clip still gave two reps, plus a phantom forward
lunge), so the report says when the light was poor rather than staying
silent. Brightness is the mean luma (BT.601, 0-255) of a coarse grid of
pixels, about 160 samples across (0.1-0.2 ms a frame); offline analysis
samples about 5 frames a second, live coaching every frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .pose import PoseFrame
from .settings import Config

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_GRID_SAMPLES = 160  # pixels sampled across the width


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


def lighting_warnings(
    samples: list[LightSample], config: Config
) -> list[dict[str, Any]]:
    """Report warnings when the light was poor for much of the clip.

    Args:
        samples: :class:`LightSample` of frames spread over the clip.
        config: ``[lighting]`` thresholds.

    Returns:
        ``video.too_dark``, ``video.overexposed`` and/or ``video.backlit``.
    """
    if not samples:
        return []
    share = float(config.get("lighting.min_share"))
    frame = np.array([s.frame_luma for s in samples])
    warnings: list[dict[str, Any]] = []
    dark = frame < float(config.get("lighting.dark_luma"))
    if dark.mean() >= share:
        warnings.append(
            {
                "code": "video.too_dark",
                "message": f"The video is very dark (brightness {np.median(frame):.0f} "
                "of 255): landmarks are less reliable, so check the results. Turn "
                "on a light or face a window.",
                "t_s": _first_s(samples, dark),
            }
        )
    contrast = np.array([s.person_contrast for s in samples])
    # A bright frame alone is fine (a white studio wall); a washed-out person,
    # with little contrast left inside their box, is not.
    washed_out = (
        (frame >= float(config.get("lighting.overexposed_luma")))
        & np.isfinite(contrast)
        & (contrast <= float(config.get("lighting.washed_out_contrast")))
    )
    if washed_out.mean() >= share:
        warnings.append(
            {
                "code": "video.overexposed",
                "message": "The video is overexposed (brightness "
                f"{np.median(frame):.0f} "
                "of 255) and your body is washed out: landmarks are less reliable, "
                "so check the results. Avoid direct sunlight or lower the exposure.",
                "t_s": _first_s(samples, washed_out),
            }
        )
    person = np.array([s.person_luma for s in samples])
    background = np.array([s.background_luma for s in samples])
    with_person = np.array([s.has_person for s in samples])
    if with_person.any():
        background_min = float(config.get("lighting.backlit_background_luma"))
        ratio_max = float(config.get("lighting.backlit_ratio"))
        backlit = np.array([s.is_backlit(background_min, ratio_max) for s in samples])
        if backlit.sum() >= share * with_person.sum():
            warnings.append(
                {
                    "code": "video.backlit",
                    "message": "The light is behind you: your body is much darker "
                    f"than the background ({np.median(person[backlit]):.0f} vs "
                    f"{np.median(background[backlit]):.0f} of 255), so landmarks are "
                    "less reliable. Put the light in front of you, or film away from "
                    "the window.",
                    "t_s": _first_s(samples, backlit),
                }
            )
    return warnings


def _first_s(samples: list[LightSample], mask: npt.NDArray[np.bool_]) -> float:
    return round(samples[int(np.argmax(mask))].t_ms / 1000.0, 3)
