"""BVH motion capture: the joint hierarchy, its motion, and forward kinematics.

A BVH file has a ``HIERARCHY`` (joints with an ``OFFSET`` from their parent
and ``CHANNELS``, ending in ``End Site`` leaves) and a ``MOTION`` block (one
line of channel values per frame). Joint positions come from forward
kinematics: each joint's local transform is a translation (its offset, or its
position channels when it has them) followed by its rotation channels
applied in the order they are listed (``Zrotation Xrotation Yrotation`` is
``Rz @ Rx @ Ry``, the BVH convention); a joint's world transform is its
parent's times its own.

BVH declares no unit: it is guessed from the figure's size (see
:func:`guess_unit_scale`). ``End Site`` points are named ``<joint>_End``;
zero-length End Sites (the joint itself) are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .motion import Motion

_AXES = {"x": 0, "y": 1, "z": 2}
#: Candidate units of a BVH file (metres per unit).
UNIT_SCALES_M = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254}


@dataclass
class Joint:
    """One node of the hierarchy.

    Attributes:
        name: Joint name (End Sites: ``<parent>_End``).
        parent: Index of the parent joint, -1 for a root.
        offset: Offset from the parent in file units.
        channels: Channel names, e.g. ``["Xposition", "Zrotation", ...]``.
        first_channel: Column of the first channel in a motion row.
        end_site: True for an End Site (no channels).
    """

    name: str
    parent: int
    offset: npt.NDArray[np.float64]
    channels: list[str]
    first_channel: int
    end_site: bool = False


def _error(path: Path, what: str) -> InputError:
    return InputError(f"{path} is not a readable BVH file: {what}")


def parse_hierarchy(tokens: list[str], path: Path) -> tuple[list[Joint], int]:
    """Parse the ``HIERARCHY`` tokens.

    Args:
        tokens: Whitespace-separated tokens of the file, starting at
            ``HIERARCHY``.
        path: The file (for messages).

    Returns:
        The joints in file order and the index of the ``MOTION`` token.

    Raises:
        InputError: The hierarchy is malformed.
    """
    if not tokens or tokens[0].upper() != "HIERARCHY":
        raise _error(path, "it does not start with HIERARCHY")
    joints: list[Joint] = []
    stack: list[int] = []
    channel_count = 0
    i = 1
    pending: Joint | None = None
    while i < len(tokens):
        tok = tokens[i]
        upper = tok.upper()
        if upper == "MOTION":
            if stack:
                raise _error(path, "the hierarchy is not closed (missing '}')")
            return joints, i
        if upper in ("ROOT", "JOINT"):
            if i + 1 >= len(tokens):
                raise _error(path, f"{tok} without a name")
            parent = stack[-1] if stack else -1
            if upper == "JOINT" and parent < 0:
                raise _error(path, f"JOINT {tokens[i + 1]} outside a ROOT")
            pending = Joint(tokens[i + 1], parent, np.zeros(3), [], channel_count)
            i += 2
        elif upper == "END":
            if not stack:
                raise _error(path, "End Site outside a joint")
            parent_name = joints[stack[-1]].name
            pending = Joint(
                f"{parent_name}_End", stack[-1], np.zeros(3), [], channel_count, True
            )
            i += 2  # "End Site"
        elif tok == "{":
            if pending is None:
                raise _error(path, "'{' without a joint")
            joints.append(pending)
            stack.append(len(joints) - 1)
            pending = None
            i += 1
        elif tok == "}":
            if not stack:
                raise _error(path, "unbalanced '}'")
            stack.pop()
            i += 1
        elif upper == "OFFSET":
            if not stack:
                raise _error(path, "OFFSET outside a joint")
            try:
                joints[stack[-1]].offset = np.array(
                    [float(t) for t in tokens[i + 1 : i + 4]], dtype=np.float64
                )
            except ValueError as exc:
                raise _error(path, f"bad OFFSET of {joints[stack[-1]].name}") from exc
            if joints[stack[-1]].offset.shape != (3,):
                raise _error(path, "OFFSET needs 3 numbers")
            i += 4
        elif upper == "CHANNELS":
            if not stack:
                raise _error(path, "CHANNELS outside a joint")
            try:
                n = int(tokens[i + 1])
            except (ValueError, IndexError) as exc:
                raise _error(path, "bad CHANNELS count") from exc
            names = tokens[i + 2 : i + 2 + n]
            for name in names:
                low = name.lower()
                if (
                    len(low) < 9
                    or low[0] not in _AXES
                    or low[1:]
                    not in (
                        "position",
                        "rotation",
                    )
                ):
                    raise _error(path, f"unknown channel {name!r}")
            joint = joints[stack[-1]]
            joint.channels = names
            joint.first_channel = channel_count
            channel_count += n
            i += 2 + n
        else:
            raise _error(path, f"unexpected {tok!r} in the hierarchy")
    raise _error(path, "no MOTION section (the file is truncated)")


def _rotation(axis: int, angle_rad: npt.NDArray[np.float64]) -> np.ndarray:
    """``(T, 3, 3)`` rotation matrices about one axis."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    out = np.zeros((len(angle_rad), 3, 3))
    out[:, axis, axis] = 1.0
    # Right-handed: about x turns y toward z, about y z toward x, about z x toward y.
    a, b = {0: (1, 2), 1: (2, 0), 2: (0, 1)}[axis]
    out[:, a, a] = c
    out[:, a, b] = -s
    out[:, b, a] = s
    out[:, b, b] = c
    return out


def forward_kinematics(
    joints: list[Joint], values: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """World positions of every joint (End Sites included).

    Args:
        joints: The hierarchy from :func:`parse_hierarchy` (parents first).
        values: ``(T, C)`` channel values (rotations in degrees).

    Returns:
        ``(T, J, 3)`` positions in file units.
    """
    t = len(values)
    rot = np.zeros((len(joints), t, 3, 3))
    pos = np.zeros((len(joints), t, 3))
    for j, joint in enumerate(joints):
        local_t = np.broadcast_to(joint.offset, (t, 3)).copy()
        local_r = np.broadcast_to(np.eye(3), (t, 3, 3)).copy()
        for k, channel in enumerate(joint.channels):
            col = values[:, joint.first_channel + k]
            axis = _AXES[channel[0].lower()]
            if channel.lower().endswith("position"):
                local_t[:, axis] = col
            else:
                local_r = local_r @ _rotation(axis, np.radians(col))
        if joint.parent < 0:
            rot[j], pos[j] = local_r, local_t
        else:
            p = joint.parent
            rot[j] = rot[p] @ local_r
            pos[j] = pos[p] + np.einsum("tij,tj->ti", rot[p], local_t)
    return pos.transpose(1, 0, 2)


def guess_unit_scale(xyz: npt.NDArray[np.float64]) -> tuple[str, float]:
    """The unit that makes the figure a plausible human size.

    The figure's size is the median over frames of its largest extent along
    any axis (standing height, about 1.5-1.9 m); the unit whose scale brings
    it nearest 1.7 m (on a log scale) wins.

    Args:
        xyz: ``(T, N, 3)`` positions in file units.

    Returns:
        ``(unit, metres_per_unit)``.
    """
    extent = np.nanmax(xyz, axis=1) - np.nanmin(xyz, axis=1)
    size = float(np.nanmedian(np.nanmax(extent, axis=1)))
    if not math.isfinite(size) or size <= 0:
        return "m", 1.0
    return min(UNIT_SCALES_M.items(), key=lambda kv: abs(math.log(size * kv[1] / 1.7)))


def read_bvh(path: str | Path) -> Motion:
    """Read a BVH file and compute every joint's position.

    Args:
        path: The ``.bvh`` file.

    Returns:
        A :class:`Motion` with one point per joint and per non-zero End Site,
        in metres, in the file's own axes.

    Raises:
        InputError: Missing, empty, truncated or malformed file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    tokens = text.split()
    if not tokens:
        raise InputError(f"{path} is empty")
    joints, m = parse_hierarchy(tokens, path)
    if not joints:
        raise _error(path, "the hierarchy has no joints")
    rest = tokens[m + 1 :]
    # "Frames: N" "Frame Time: dt"
    try:
        if rest[0].rstrip(":").lower() != "frames":
            raise ValueError
        n_frames = int(rest[1])
        if [r.rstrip(":").lower() for r in rest[2:4]] != ["frame", "time"]:
            raise ValueError
        frame_time = float(rest[4])
    except (ValueError, IndexError) as exc:
        raise _error(path, "the MOTION header (Frames, Frame Time) is missing") from exc
    if n_frames <= 0 or not frame_time > 0:
        raise _error(path, f"{n_frames} frames of {frame_time} s")
    n_channels = sum(len(j.channels) for j in joints)
    data = rest[5:]
    try:
        numbers = np.array([float(v) for v in data], dtype=np.float64)
    except ValueError as exc:
        raise _error(path, f"a motion value is not a number ({exc})") from exc
    if n_channels == 0:
        raise _error(path, "no joint has channels")
    if len(numbers) < n_frames * n_channels:
        found = len(numbers) // n_channels
        raise _error(
            path,
            f"the file is truncated: {n_frames} frames declared, "
            f"{found} complete frame(s) found",
        )
    if len(numbers) > n_frames * n_channels:
        raise _error(path, "more motion values than Frames x CHANNELS")
    if not np.isfinite(numbers).all():
        raise _error(path, "a motion value is not finite")
    values = numbers.reshape(n_frames, n_channels)
    xyz = forward_kinematics(joints, values)
    keep = [
        k
        for k, j in enumerate(joints)
        if not (j.end_site and np.allclose(j.offset, 0.0))
    ]
    _, scale = guess_unit_scale(xyz[:, keep])
    return Motion(
        names=tuple(joints[k].name for k in keep),
        xyz_m=xyz[:, keep] * scale,
        fps=1.0 / frame_time,
        source_format="bvh",
    )
