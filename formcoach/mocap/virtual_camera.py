"""A virtual camera: 3D body points seen as a video's pose landmarks.

The camera is static and pinhole, levelled, at hip height, and placed
relative to the person's *mean* facing over the clip: the facing is the
horizontal direction perpendicular to the hips' and shoulders' left-right
axis (its sign from the up axis: left × up points forward).

Views (where the camera stands, looking at the middle of the path):

* ``side``: on the person's right, so they face image-right;
* ``front``: in front of them; ``back``: behind them;
* ``oblique``: front-right, 45° between side and front.

Its distance keeps every point of the whole path inside the picture with a
margin (or is set by ``virtual_camera.distance_m``). Everything is computed
from the data alone, so the same input always gives the same frames.

Each frame becomes a :class:`~formcoach.pose.PoseFrame` as MediaPipe gives it:
``xy`` in pixels, ``z`` the depth relative to the hips in x-pixel scale
(smaller is nearer), ``world_xyz`` in metres with the origin between the hips,
x to the image right, y down and z away from the camera, and visibility and
presence 1 for points in front of the camera and inside the picture, else 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..landmarks import Landmark
from ..pose import PoseFrame
from .motion import Motion

CameraView = Literal["side", "front", "back", "oblique"]
#: Azimuth of the camera's position from the person's right toward their front.
VIEW_AZIMUTH_DEG: dict[str, float] = {
    "side": 0.0,
    "oblique": 45.0,
    "front": 90.0,
    "back": -90.0,
}


#: Below this spread (metres) along a horizontal axis the points are planar
#: (a 2D tool's output, e.g. Sports2D's TRC with Z = 0).
PLANAR_MAX_M = 0.01


@dataclass(frozen=True)
class CameraSettings:
    """The ``[virtual_camera]`` table of the config.

    Attributes:
        view: ``side``, ``front``, ``back`` or ``oblique``.
        width_px: Picture width.
        height_px: Picture height.
        fov_h_deg: Horizontal field of view.
        distance_m: Camera distance from the middle of the path (0 = far
            enough to keep the whole path in view).
        height_m: Camera height above the floor (0 = the person's mean hip
            height).
        margin: Fraction of the picture kept free around the path.
    """

    view: str = "side"
    width_px: int = 1280
    height_px: int = 720
    fov_h_deg: float = 60.0
    distance_m: float = 0.0
    height_m: float = 0.0
    margin: float = 0.12

    @classmethod
    def from_config(cls, config: Any) -> CameraSettings:
        """Read ``[virtual_camera]`` from a :class:`~formcoach.settings.Config`."""
        g = config.get
        settings = cls(
            view=str(g("virtual_camera.view")),
            width_px=int(g("virtual_camera.width_px")),
            height_px=int(g("virtual_camera.height_px")),
            fov_h_deg=float(g("virtual_camera.fov_h_deg")),
            distance_m=float(g("virtual_camera.distance_m")),
            height_m=float(g("virtual_camera.height_m")),
            margin=float(g("virtual_camera.margin")),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Raise :class:`InputError` for settings no camera can have."""
        if self.view not in VIEW_AZIMUTH_DEG:
            raise InputError(
                f"Unknown camera view {self.view!r}: choose side, front, back "
                "or oblique"
            )
        if not 1.0 <= self.fov_h_deg <= 170.0:
            raise InputError("virtual_camera.fov_h_deg must be between 1 and 170")
        if self.width_px < 16 or self.height_px < 16:
            raise InputError("virtual_camera.width_px/height_px must be at least 16")
        if self.distance_m < 0 or self.height_m < 0 or not 0 <= self.margin < 0.5:
            raise InputError(
                "virtual_camera.distance_m and height_m must be >= 0, margin in "
                "[0, 0.5)"
            )


@dataclass(frozen=True)
class VirtualCamera:
    """A placed camera.

    Attributes:
        position_m: ``(3,)`` camera centre (y up, metres).
        rotation: ``(3, 3)`` rows are the camera's x (image right), y (image
            down) and z (viewing direction) axes in world coordinates.
        focal_px: Focal length in pixels.
        resolution_wh: Picture size.
        view: The view it was placed for.
    """

    position_m: npt.NDArray[np.float64]
    rotation: npt.NDArray[np.float64]
    focal_px: float
    resolution_wh: tuple[int, int]
    view: str

    def to_camera(self, xyz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Points ``(..., 3)`` in camera coordinates (x right, y down, z ahead)."""
        return np.einsum("ij,...j->...i", self.rotation, xyz - self.position_m)

    def project(
        self, xyz: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Pixel ``(..., 2)`` positions and camera depths ``(...)`` of points."""
        cam = self.to_camera(xyz)
        w, h = self.resolution_wh
        with np.errstate(invalid="ignore", divide="ignore"):
            uv = self.focal_px * cam[..., :2] / cam[..., 2:3]
        uv = uv + np.array([w / 2.0, h / 2.0])
        return uv, cam[..., 2]


def facing_axes(
    xyz: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The person's mean horizontal left and forward directions (y up).

    Args:
        xyz: ``(T, 33, 3)`` BlazePose points, y up.

    Returns:
        Unit vectors ``(left, forward)``, both horizontal.

    Points from a 2D tool (Sports2D's TRC: one horizontal axis constant, the
    picture's plane) have no depth: there the left-right axis is the flat
    axis, turned so that the feet (heel to toe) point forward.

    Raises:
        InputError: Hips and shoulders never give a left-right direction.
    """
    up = np.array([0.0, 1.0, 0.0])
    points = xyz.reshape(-1, 3)
    points = points[np.isfinite(points).all(axis=1)]
    spread = np.ptp(points, axis=0) if len(points) else np.zeros(3)
    flat = [a for a in (0, 2) if spread[a] < PLANAR_MAX_M]
    if len(flat) == 1:
        left = np.zeros(3)
        left[flat[0]] = 1.0
        feet = np.concatenate(
            [
                xyz[:, Landmark.LEFT_FOOT_INDEX] - xyz[:, Landmark.LEFT_HEEL],
                xyz[:, Landmark.RIGHT_FOOT_INDEX] - xyz[:, Landmark.RIGHT_HEEL],
            ]
        )
        toes = np.nanmean(feet, axis=0)
        if np.cross(left, up) @ np.nan_to_num(toes) < 0:
            left = -left
        return left, np.cross(left, up)
    lr = (xyz[:, Landmark.LEFT_HIP] - xyz[:, Landmark.RIGHT_HIP]) + (
        xyz[:, Landmark.LEFT_SHOULDER] - xyz[:, Landmark.RIGHT_SHOULDER]
    )
    lr[:, 1] = 0.0
    norms = np.linalg.norm(lr, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        units = lr / norms
    left = np.nanmean(units, axis=0)
    size = float(np.linalg.norm(left))
    if not math.isfinite(size) or size < 1e-6:
        raise InputError(
            "The hips and shoulders give no left-right direction, so the person's "
            "facing (and where to put the camera) is unknown."
        )
    left = left / size
    forward = np.cross(left, up)
    return left, forward / np.linalg.norm(forward)


def place_camera(
    xyz: npt.NDArray[np.float64], settings: CameraSettings
) -> VirtualCamera:
    """Place a static camera that sees the whole path from the chosen view.

    Args:
        xyz: ``(T, 33, 3)`` BlazePose points in metres, y up, floor at 0.
        settings: View, picture size, field of view, distance and height.

    Returns:
        The camera.
    """
    settings.check()
    left, forward = facing_axes(xyz)
    right = -left
    az = math.radians(VIEW_AZIMUTH_DEG[settings.view])
    out_dir = math.cos(az) * right + math.sin(az) * forward  # camera side
    up = np.array([0.0, 1.0, 0.0])
    z_axis = -out_dir
    y_axis = -up
    x_axis = np.cross(y_axis, z_axis)
    rotation = np.stack([x_axis, y_axis, z_axis])
    hips = (xyz[:, Landmark.LEFT_HIP] + xyz[:, Landmark.RIGHT_HIP]) / 2
    hip_height = float(np.nanmean(hips[:, 1]))
    height = settings.height_m if settings.height_m > 0 else hip_height
    points = xyz.reshape(-1, 3)
    points = points[np.isfinite(points).all(axis=1)]
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = (lo + hi) / 2
    target = np.array([centre[0], height, centre[2]])
    w, h = settings.width_px, settings.height_px
    focal = (w / 2.0) / math.tan(math.radians(settings.fov_h_deg) / 2.0)
    if settings.distance_m > 0:
        distance = settings.distance_m
    else:
        # Every point p must satisfy |lateral| <= k * depth, depth = d + along.
        rel = points - target
        lateral_x = np.abs(rel @ x_axis)
        lateral_y = np.abs(rel @ y_axis)
        along = rel @ z_axis
        kx = (1 - 2 * settings.margin) * (w / 2.0) / focal
        ky = (1 - 2 * settings.margin) * (h / 2.0) / focal
        need = np.maximum(lateral_x / kx, lateral_y / ky) - along
        distance = max(float(need.max()), 0.5)
    position = target - distance * z_axis
    return VirtualCamera(
        position_m=position,
        rotation=rotation,
        focal_px=focal,
        resolution_wh=(w, h),
        view=settings.view,
    )


def pose_frames(motion: Motion, camera: VirtualCamera) -> list[PoseFrame]:
    """The motion as seen by ``camera``, one :class:`PoseFrame` per frame.

    Args:
        motion: BlazePose-indexed points (see
            :func:`~formcoach.mocap.skeletons.to_blazepose`).
        camera: From :func:`place_camera`.

    Returns:
        Frames with pixel, depth, world and visibility arrays as MediaPipe
        fills them; timestamps from the motion's frame rate.
    """
    xyz = motion.xyz_m
    uv, depth = camera.project(xyz)
    w, h = camera.resolution_wh
    finite = np.isfinite(uv).all(axis=-1) & np.isfinite(depth)
    inside = (
        finite
        & (depth > 0)
        & (uv[..., 0] >= 0)
        & (uv[..., 0] <= w)
        & (uv[..., 1] >= 0)
        & (uv[..., 1] <= h)
    )
    hips = (xyz[:, Landmark.LEFT_HIP] + xyz[:, Landmark.RIGHT_HIP]) / 2
    world = np.einsum("ij,tnj->tni", camera.rotation, xyz - hips[:, None, :])
    hip_depth = (depth[:, Landmark.LEFT_HIP] + depth[:, Landmark.RIGHT_HIP]) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        z_px = (depth - hip_depth[:, None]) * camera.focal_px / hip_depth[:, None]
    frames = []
    for i in range(motion.frame_count):
        if not finite[i].any():
            frames.append(PoseFrame.empty(i, 1000.0 * i / motion.fps, (w, h)))
            continue
        seen = inside[i].astype(np.float32)
        frames.append(
            PoseFrame(
                frame_index=i,
                timestamp_ms=1000.0 * i / motion.fps,
                resolution_wh=(w, h),
                xy=np.where(finite[i, :, None], uv[i], np.nan).astype(np.float32),
                z=z_px[i].astype(np.float32),
                world_xyz=world[i].astype(np.float32),
                visibility=seen,
                presence=seen.copy(),
            )
        )
    return frames
