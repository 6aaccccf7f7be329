"""Helpers shared by the pages: the user's saved settings and temp folders."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..outputs import write_bytes_atomic
from ..paths import data_dir
from ..settings import Config, load_config


def user_config_path() -> Path:
    """Where the settings page saves the user's thresholds."""
    return data_dir() / "settings.toml"


def load_app_config(preset: str | None = None) -> Config:
    """Defaults, then the preset, then the user's saved settings."""
    path = user_config_path()
    return load_config(preset=preset, config_path=path if path.is_file() else None)


def _toml_value(value: Any) -> str:
    return json.dumps(value)  # numbers, strings and booleans are valid TOML as JSON


def save_user_settings(values: dict[str, dict[str, Any]]) -> Path:
    """Save ``{section: {key: value}}`` as the user's settings TOML (atomically).

    Raises:
        InputError: A key is unknown or a value has the wrong type (checked by
            loading the result before it replaces the old file).
    """
    lines = ["# Saved by the FormCoach settings page. Same layout as default.toml.", ""]
    for section, entries in values.items():
        if not entries:
            continue
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(v)}" for key, v in entries.items()]
        lines.append("")
    text = "\n".join(lines)
    tomllib.loads(text)
    path = user_config_path()
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as tmp:
        tmp.write(text)
    try:
        load_config(config_path=tmp.name)  # validates keys and types
    finally:
        os.unlink(tmp.name)
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
