"""Where FormCoach keeps a user's data on this machine."""

from __future__ import annotations

import os
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


def forget_everything() -> list[str]:
    """Delete all of this user's FormCoach data: history, saved videos, settings.

    Returns:
        The names of what was removed from the data folder.
    """
    folder = data_dir()
    removed = []
    for entry in sorted(folder.iterdir()):
        removed.append(entry.name)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return removed
