"""Helpers shared by the pages: the user's saved settings and temp folders."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import InputError
from ..outputs import write_bytes_atomic
from ..paths import data_dir
from ..settings import Config, check_user_settings, load_config


def user_config_path() -> Path:
    """Where the settings page saves the user's thresholds."""
    return data_dir() / "settings.toml"


def load_app_config(preset: str | None = None) -> Config:
    """Defaults, then the preset, then the user's saved settings."""
    path = user_config_path()
    return load_config(preset=preset, config_path=path if path.is_file() else None)


def save_user_settings(values: Mapping[str, Mapping[str, Any]]) -> Path:
    """Save ``{section: {key: value}}`` as the user's settings TOML (atomically).

    ``section`` is dotted (``"exercises.reverse_lunge"``); values may be any
    TOML value, lists of tables included (``app.ice_servers``).

    Raises:
        InputError: A key is unknown or a value has the wrong type (checked in
            memory before the old file is replaced).
    """
    tree: dict[str, Any] = {}
    for section, entries in values.items():
        if not entries:
            continue
        node = tree
        for part in section.split("."):
            node = node.setdefault(part, {})
        node.update(entries)
    check_user_settings(tree)
    text = "# Saved by the FormCoach settings page. Same layout as default.toml.\n\n"
    try:
        text += tomli_w.dumps(tree)
    except TypeError as exc:  # a value TOML cannot hold (None, an object)
        raise InputError(f"Cannot save these settings: {exc}") from exc
    path = user_config_path()
    write_bytes_atomic(path, text.encode(), overwrite=True)
    return path


def reset_user_settings() -> None:
    """Forget the saved settings (back to the defaults)."""
    user_config_path().unlink(missing_ok=True)


def new_work_dir() -> Path:
    """A private temporary folder for one analysis (uploads never leave it)."""
    return Path(tempfile.mkdtemp(prefix="formcoach-"))


def remove_dir(path: str | Path | None) -> None:
    """Delete a work folder and everything in it."""
    if path:
        shutil.rmtree(path, ignore_errors=True)


def check_upload_size(size_bytes: int, limit_mb: float) -> None:
    """Raise a clear error when an upload is over the configured limit."""
    if size_bytes > limit_mb * 1024 * 1024:
        raise InputError(
            f"The file is {size_bytes / 1024 / 1024:.0f} MB; the limit is "
            f"{limit_mb:.0f} MB (app.max_upload_mb). Trim the video or raise the limit "
            "in Settings."
        )
