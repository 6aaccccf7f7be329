"""TRC marker trajectories: read (Sports2D, Pose2Sim, OpenCap, mocap) and write.

The TRC layout (tab-separated)::

    PathFileType  4  (X/Y/Z)  name.trc
    DataRate  CameraRate  NumFrames  NumMarkers  Units  OrigDataRate  ...
    30  30  120  26  m  30  ...
    Frame#  Time  Hip  <tab>  <tab>  RHip ...
            X1  Y1  Z1  X2  Y2  Z2 ...
    1  0.000  0.01  0.95  1.20 ...

Missing values are empty fields or ``NaN``. Units are ``m`` or ``mm`` (``cm``
too); positions are converted to metres.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..outputs import write_bytes_atomic
from .motion import Motion

UNITS_M = {"m": 1.0, "meters": 1.0, "mm": 0.001, "millimeters": 0.001, "cm": 0.01}


def _error(path: Path, what: str) -> InputError:
    return InputError(f"{path} is not a readable TRC file: {what}")


def _number(text: str) -> float:
    text = text.strip()
    if not text or text.lower() in ("nan", "-nan", "na", "null"):
        return math.nan
    return float(text)


def read_trc(path: str | Path) -> Motion:
    """Read a TRC file.

    Args:
        path: The ``.trc`` file.

    Returns:
        A :class:`Motion` in metres, in the file's own axes; missing values
        are NaN.

    Raises:
        InputError: Missing, empty or malformed file, unknown units, or no
            frames.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError(f"{path} is empty")
    if len(lines) < 5:
        raise _error(path, "the header (5 lines) is incomplete")
    keys = [k.strip() for k in lines[1].split("\t")]
    values = [v.strip() for v in lines[2].split("\t")]
    header = dict(zip(keys, values, strict=False))
    try:
        rate = float(header.get("DataRate") or header.get("CameraRate") or "nan")
    except ValueError as exc:
        raise _error(path, "DataRate is not a number") from exc
    unit = header.get("Units", "m").lower()
    if unit not in UNITS_M:
        raise _error(path, f"unknown Units {unit!r} (m, mm or cm)")
    names_row = lines[3].split("\t")
    if len(names_row) < 3 or names_row[0].strip().lower() not in ("frame#", "frame"):
        raise _error(path, "the 4th line should start with Frame# and Time")
    names = [n.strip() for n in names_row[2:] if n.strip()]
    try:
        declared = int(float(header.get("NumMarkers", len(names))))
    except ValueError:
        declared = len(names)
    if not names:
        raise _error(path, "no marker names")
    if declared != len(names):
        raise _error(
            path, f"NumMarkers is {declared} but {len(names)} marker names are given"
        )
    rows = []
    for number, line in enumerate(lines[5:], start=6):
        if not line.strip():
            continue
        fields = line.split("\t")
        coords = fields[2 : 2 + 3 * len(names)]
        coords += [""] * (3 * len(names) - len(coords))
        try:
            time_s = _number(fields[1]) if len(fields) > 1 else math.nan
            rows.append([time_s, *(_number(c) for c in coords)])
        except ValueError as exc:
            raise _error(
                path, f"line {number} has a value that is not a number"
            ) from exc
    if not rows:
        raise _error(path, "it has no frames")
    data = np.array(rows, dtype=np.float64)
    times = data[:, 0]
    if not (math.isfinite(rate) and rate > 0):
        steps = np.diff(times[np.isfinite(times)])
        if not len(steps) or not np.median(steps) > 0:
            raise _error(path, "no DataRate and no usable Time column")
        rate = 1.0 / float(np.median(steps))
    xyz = data[:, 1:].reshape(len(rows), len(names), 3) * UNITS_M[unit]
    return Motion(names=tuple(names), xyz_m=xyz, fps=rate, source_format="trc")


def trc_text(
    names: Sequence[str],
    xyz_m: npt.NDArray[np.floating],
    times_s: npt.NDArray[np.floating],
    fps: float,
    file_name: str,
) -> str:
    """The TRC file for ``xyz_m`` in metres (NaN written as empty fields).

    Args:
        names: Marker names.
        xyz_m: ``(T, N, 3)`` positions in metres.
        times_s: ``(T,)`` time of each frame.
        fps: Frame rate written as DataRate and CameraRate.
        file_name: Name written in the first line.

    Returns:
        The file's text (tab-separated, ``\\n`` line ends).
    """
    t, n = xyz_m.shape[:2]
    out = io.StringIO()
    out.write(f"PathFileType\t4\t(X/Y/Z)\t{file_name}\n")
    out.write(
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
        "OrigDataStartFrame\tOrigNumFrames\n"
    )
    out.write(f"{fps:g}\t{fps:g}\t{t}\t{n}\tm\t{fps:g}\t1\t{t}\n")
    out.write("Frame#\tTime\t" + "\t\t\t".join(names) + "\t\t\n")
    out.write("\t\t" + "\t".join(f"X{k}\tY{k}\tZ{k}" for k in range(1, n + 1)) + "\n")
    out.write("\n")
    for i in range(t):
        cells = ["" if not math.isfinite(v) else f"{v:.5f}" for v in xyz_m[i].ravel()]
        out.write(f"{i + 1}\t{times_s[i]:.5f}\t" + "\t".join(cells) + "\n")
    return out.getvalue()


def write_trc(
    path: str | Path,
    names: Sequence[str],
    xyz_m: npt.NDArray[np.floating],
    times_s: npt.NDArray[np.floating],
    fps: float,
    *,
    overwrite: bool = False,
) -> None:
    """Write a TRC file atomically (see :func:`trc_text`).

    Raises:
        OutputError: The file exists (without ``overwrite``) or cannot be
            written.
    """
    path = Path(path)
    text = trc_text(names, xyz_m, times_s, fps, path.name)
    write_bytes_atomic(path, text.encode(), overwrite=overwrite)
