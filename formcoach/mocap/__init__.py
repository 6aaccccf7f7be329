"""Landmark input: motion capture (``.bvh``) and other pose tools' ``.trc``.

Body points that already exist (from a mocap lab, or from Sports2D, Pose2Sim or
OpenCap) are read, mapped onto the 33 BlazePose points the coaches use, and
seen through a virtual camera, so the same coaches, rules and reports run on
them as on video:

* :mod:`.bvh` reads a BVH hierarchy and computes joint positions by forward
  kinematics;
* :mod:`.trc` reads (and writes) TRC marker trajectories;
* :mod:`.skeletons` maps the common joint and marker names onto BlazePose
  points, converts units, finds the up axis and derives missing heels;
* :mod:`.virtual_camera` projects the 3D points into
  :class:`~formcoach.pose.PoseFrame` objects;
* :mod:`.render` draws the stick figure for ``annotated.mp4``;
* :mod:`.analyze` is the landmark branch of ``formcoach analyze``.
"""

from __future__ import annotations

from pathlib import Path

#: File extensions read as landmarks instead of video.
LANDMARK_SUFFIXES = (".bvh", ".trc")


def is_landmark_file(path: str | Path) -> bool:
    """True when ``path`` names a landmark file (``.bvh`` or ``.trc``)."""
    return Path(path).suffix.lower() in LANDMARK_SUFFIXES
