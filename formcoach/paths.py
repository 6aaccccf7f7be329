"""Where FormCoach keeps a user's data on this machine."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path


def data_dir() -> Path:
    """FormCoach's per-user folder: ``FORMCOACH_HOME``, else XDG data home.

    Settings, the history database and saved session files live here, and
    nowhere else.
    """
    base = os.environ.get("FORMCOACH_HOME") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"),
        "formcoach",
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


#: The file of the pose model's results in :func:`cache_dir` (SQLite; with
#: ``-wal`` and ``-shm`` files beside it while in use).
POSE_CACHE_FILE = "pose-cache.sqlite"

#: The start of the names of pose models kept trimmed in :func:`cache_dir`
#: (:func:`formcoach.pose_model_trim.kept_without_segmentation`).
TRIMMED_MODEL_PREFIX = "pose-model-without-mask-"


def cache_dir() -> Path:
    """Where the pose model's results are kept: ``FORMCOACH_CACHE``, else the
    data folder (:mod:`formcoach.pose_cache`)."""
    base = os.environ.get("FORMCOACH_CACHE")
    if not base:
        return data_dir()
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def forget_everything() -> list[str]:
    """Delete all of this user's FormCoach data: history, saved videos,
    settings, the pose model's kept results (and its trimmed copy).

    Returns:
        The names of what was removed.
    """
    folder = data_dir()
    removed = []
    for entry in sorted(folder.iterdir()):
        removed.append(entry.name)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    kept = [*cache_dir().glob(POSE_CACHE_FILE + "*")]
    kept += cache_dir().glob(TRIMMED_MODEL_PREFIX + "*")
    for entry in sorted(kept):
        removed.append(entry.name)
        entry.unlink()
    return removed


def sessions_dir() -> Path:
    """Where annotated videos the user chose to keep are saved."""
    return data_dir() / "sessions"


def inside(root: str | Path, path: str | Path) -> Path:
    """``path`` resolved, if it lies strictly inside ``root``.

    Symlinks are followed first, so a link that points out of ``root`` does
    not count as inside.

    Raises:
        ValueError: The path is ``root`` itself or escapes it.
    """
    root_resolved = Path(root).resolve()
    resolved = Path(path).resolve()
    if resolved == root_resolved or not resolved.is_relative_to(root_resolved):
        raise ValueError(f"{path} is outside {root}")
    return resolved


def upload_name(original: str) -> str:
    """A safe file name for an upload: ``upload`` plus a plain extension.

    The name a browser sends is the user's to choose (``../../x.mp4``, a NUL
    byte, a 200-character suffix); only letters and digits of its extension
    are kept, so the saved file always lands in the analysis folder.
    """
    suffix = Path(original.replace("\\", "/").replace("\x00", "")).suffix.lower()
    plain = re.sub(r"[^a-z0-9]", "", suffix)[:5]
    return "upload" + (f".{plain}" if plain else "")
