"""Typed reads of single config keys, for the settings classes' ``from_config``.

Each concern of the pipeline has a frozen settings dataclass (``PoseOptions``,
``SmoothingSettings``, ``LightingSettings``, ``AnalysisSettings``,
``ViewSettings``, ``VideoSettings``) built once from the
:class:`~formcoach.settings.Config` when an analysis or a live session starts.
Their fields have no defaults: the defaults live only in
``formcoach/config/default.toml``. These helpers read one key each and fail
with an :class:`~formcoach.errors.InputError` naming the key when it is
missing or of the wrong type, so a broken config fails at start-up, not in
the middle of an analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    from .settings import Config


def require(config: Config, dotted: str) -> Any:
    """The value at ``dotted``; an :class:`InputError` naming the key if missing."""
    try:
        return config.get(dotted)
    except KeyError:
        raise InputError(
            f"Config key '{dotted}' is missing. Every key of "
            "formcoach/config/default.toml must be present (load_config fills "
            "them in)."
        ) from None


def number(config: Config, dotted: str) -> float:
    """A float (ints accepted)."""
    value = require(config, dotted)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"Config key '{dotted}' must be a number, not {value!r}")
    return float(value)


def integer(config: Config, dotted: str) -> int:
    """An int."""
    value = require(config, dotted)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"Config key '{dotted}' must be an integer, not {value!r}")
    return value


def flag(config: Config, dotted: str) -> bool:
    """A bool."""
    value = require(config, dotted)
    if not isinstance(value, bool):
        raise InputError(f"Config key '{dotted}' must be true or false, not {value!r}")
    return value


def text(config: Config, dotted: str) -> str:
    """A string."""
    value = require(config, dotted)
    if not isinstance(value, str):
        raise InputError(f"Config key '{dotted}' must be a string, not {value!r}")
    return value
