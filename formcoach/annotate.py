"""Drawing on frames: skeleton, joint angles, and the coach's panel and cue.

Each annotator draws **in place** on an RGB ``uint8`` image and returns it; pass
a copy if the original must be kept. Sizes scale with the frame height so the
overlay reads the same on a 480p webcam and a 1080p phone clip, and the cue
banner is large enough to read from about 3 m on a laptop screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from .landmarks import SKELETON_EDGES, Landmark
from .pose import PoseFrame
from .results import FrameFeedback

Image = npt.NDArray[np.uint8]
Color = tuple[int, int, int]

# Colour-blind-safe pair (Okabe-Ito): the person's left orange, right blue.
LEFT_COLOR: Color = (230, 159, 0)
RIGHT_COLOR: Color = (0, 114, 178)
CENTER_COLOR: Color = (240, 240, 240)
SEVERITY_COLORS: dict[str, Color] = {
    "safety": (213, 94, 0),
    "form": (230, 159, 0),
    "advice": (86, 180, 233),
    "good": (0, 158, 115),
}
_FONT = cv2.FONT_HERSHEY_DUPLEX


def _scale(image: Image) -> float:
    return image.shape[0] / 720.0


def _side_color(index: int) -> Color:
    name = Landmark(index).name
    if name.startswith("LEFT") or name.endswith("_LEFT"):
        return LEFT_COLOR
    if name.startswith("RIGHT") or name.endswith("_RIGHT"):
        return RIGHT_COLOR
    return CENTER_COLOR


_SIDE_COLORS: list[Color] = [_side_color(i) for i in range(len(Landmark))]
# An edge between the two sides (shoulders, hips) is drawn in the centre colour.
_EDGE_COLORS: dict[tuple[int, int], Color] = {
    (a, b): _SIDE_COLORS[a] if _SIDE_COLORS[a] == _SIDE_COLORS[b] else CENTER_COLOR
    for a, b in SKELETON_EDGES
}
_SKELETON_POINTS = sorted({i for edge in SKELETON_EDGES for i in edge})


def _ok(point: npt.NDArray[np.floating]) -> bool:
    return bool(np.all(np.isfinite(point)))


@dataclass
class SkeletonAnnotator:
    """Draws the body skeleton; points below ``min_visibility`` are left out."""

    min_visibility: float = 0.5
    thickness: int = 3
    radius: int = 4

    def annotate(self, scene: Image, pose: PoseFrame) -> Image:
        """Draw ``pose`` on ``scene`` in place and return it."""
        if pose.is_empty():
            return scene
        s = _scale(scene)
        thick = max(1, round(self.thickness * s))
        # Whole-array checks once, not per point: drawing runs on every frame.
        drawn = (pose.visibility >= self.min_visibility) & np.isfinite(
            pose.xy
        ).all(axis=1)
        points = np.zeros((len(pose.xy), 2), dtype=np.int64)
        points[drawn] = np.round(pose.xy[drawn]).astype(np.int64)
        at = points.tolist()
        for a, b in SKELETON_EDGES:
            if drawn[a] and drawn[b]:
                cv2.line(scene, at[a], at[b], _EDGE_COLORS[a, b], thick, cv2.LINE_AA)
        radius = max(2, round(self.radius * s))
        for i in _SKELETON_POINTS:
            if drawn[i]:
                cv2.circle(scene, at[i], radius, _SIDE_COLORS[i], -1, cv2.LINE_AA)
        return scene


def _text(
    scene: Image, text: str, org: tuple[int, int], size: float, color: Color
) -> None:
    """Text with a dark outline so it reads on any background."""
    thick = max(1, round(size * 2))
    cv2.putText(scene, text, org, _FONT, size, (0, 0, 0), thick + 3, cv2.LINE_AA)
    cv2.putText(scene, text, org, _FONT, size, color, thick, cv2.LINE_AA)


@dataclass
class AngleAnnotator:
    """Writes joint angles next to their joints."""

    font_scale: float = 0.8

    def annotate(self, scene: Image, pose: PoseFrame, feedback: FrameFeedback) -> Image:
        """Draw ``feedback.angles`` on ``scene`` in place and return it."""
        if pose.is_empty():
            return scene
        size = self.font_scale * _scale(scene)
        line_h = int(34 * _scale(scene))
        placed: list[tuple[int, int]] = []
        for label, (index, degrees) in feedback.angles.items():
            point = pose.xy[index]
            if not _ok(point) or math.isnan(degrees):
                continue
            x, y = int(point[0] + 12 * _scale(scene)), int(point[1])
            # Side views put both knees in one place: stack labels, never overlap.
            while any(
                abs(y - py) < line_h and abs(x - px) < 6 * line_h for px, py in placed
            ):
                y += line_h
            placed.append((x, y))
            _text(scene, f"{label} {degrees:.0f}", (x, y), size, (255, 255, 255))
        return scene


@dataclass
class CoachPanelAnnotator:
    """Top-left panel (exercise, phase, counter) and the active cue banner."""

    title: str = ""
    font_scale: float = 0.9

    def annotate(self, scene: Image, feedback: FrameFeedback) -> Image:
        """Draw the panel and cue on ``scene`` in place and return it."""
        s = _scale(scene)
        size = self.font_scale * s
        lines = [t for t in (self.title, feedback.phase, feedback.counter) if t]
        if lines:
            line_h = int(40 * s)
            width = max(cv2.getTextSize(t, _FONT, size, 2)[0][0] for t in lines) + int(
                24 * s
            )
            # Darken the panel's box only (a whole-frame blend cost 2-3 ms).
            box = scene[: line_h * len(lines) + int(16 * s) + 1, : width + 1]
            box[...] = cv2.convertScaleAbs(box, alpha=0.55)
            for i, text in enumerate(lines):
                _text(
                    scene,
                    text,
                    (int(12 * s), int((i + 1) * line_h)),
                    size,
                    (255, 255, 255),
                )
        cue = feedback.cue
        if cue is not None:
            big = 1.3 * s
            (tw, th), _ = cv2.getTextSize(cue.message, _FONT, big, 3)
            # Shrink long messages so they fit the width.
            if tw > scene.shape[1] * 0.94:
                big *= scene.shape[1] * 0.94 / tw
                (tw, th), _ = cv2.getTextSize(cue.message, _FONT, big, 3)
            pad = int(16 * s)
            y1 = scene.shape[0] - pad
            y0 = y1 - th - 2 * pad
            x0 = (scene.shape[1] - tw) // 2 - pad
            color = SEVERITY_COLORS.get(cue.severity, SEVERITY_COLORS["advice"])
            cv2.rectangle(
                scene,
                (max(0, x0), y0),
                (min(scene.shape[1], x0 + tw + 2 * pad), y1),
                color,
                -1,
            )
            _text(scene, cue.message, (x0 + pad, y1 - pad), big, (255, 255, 255))
        return scene


@dataclass
class FrameAnnotator:
    """Everything drawn on a coached frame: skeleton, angles, panel, cue."""

    title: str = ""
    min_visibility: float = 0.5

    def __post_init__(self) -> None:
        self._skeleton = SkeletonAnnotator(min_visibility=self.min_visibility)
        self._angles = AngleAnnotator()
        self._panel = CoachPanelAnnotator(title=self.title)

    def annotate(self, scene: Image, pose: PoseFrame, feedback: FrameFeedback) -> Image:
        """Draw on ``scene`` in place and return it."""
        self._skeleton.annotate(scene, pose)
        self._angles.annotate(scene, pose, feedback)
        self._panel.annotate(scene, feedback)
        return scene


__all__ = [
    "AngleAnnotator",
    "CoachPanelAnnotator",
    "FrameAnnotator",
    "SkeletonAnnotator",
]
