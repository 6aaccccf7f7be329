"""One configuration: every threshold with its unit and source, presets, overrides.

The defaults live in ``formcoach/config/default.toml`` and nowhere else. A
threshold is written as an inline table so its reason travels with it::

    front_knee_min_deg = { value = 60, unit = "deg", source = "Escamilla 2008 ..." }

Plain values (paths, flags) are written as they are. Presets
(``[presets.NAME]``) are partial trees merged over the defaults; a user's TOML
file (``--config``) and dotted overrides (``--set a.b.c=value``) are merged
last, in that order. Unknown keys in user input are refused with the list of
known ones, so a typo never silently does nothing.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import InputError

_THRESHOLD_KEYS = {"value", "unit", "source"}


def _is_threshold(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= _THRESHOLD_KEYS


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InputError(f"Config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"Config file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise InputError(f"Cannot read config file {path}: {exc.strerror}") from exc


def _load_defaults() -> dict[str, Any]:
    """The default config, a fresh copy each call (callers merge into it)."""
    return copy.deepcopy(_parsed_defaults())


@functools.lru_cache(maxsize=1)
def _parsed_defaults() -> dict[str, Any]:
    # Parsed once a process: 10-20 ms each time, and a command asks 5 times.
    text = resources.files("formcoach.config").joinpath("default.toml").read_text()
    return tomllib.loads(text)


def _merge(base: dict[str, Any], update: Mapping[str, Any], where: str) -> None:
    """Merge ``update`` into ``base`` in place; unknown keys are an error."""
    for key, new in update.items():
        path = f"{where}.{key}" if where else key
        if key not in base:
            known = ", ".join(sorted(base)) or "(none)"
            raise InputError(f"Unknown config key '{path}'. Known keys here: {known}")
        old = base[key]
        if _is_threshold(old):
            if _is_threshold(new):
                old.update(new)
            elif isinstance(new, dict):
                raise InputError(f"Config key '{path}' takes a value, not a table")
            else:
                old["value"] = _coerce(new, old["value"], path)
                old["source"] = "set by the user"
        elif isinstance(old, dict):
            if not isinstance(new, Mapping):
                raise InputError(f"Config key '{path}' is a table; give keys inside it")
            _merge(old, new, path)
        else:
            base[key] = _coerce(new, old, path)


def _coerce(new: Any, old: Any, path: str) -> Any:
    """Check that an override has the default's type (ints may stand for floats)."""
    if isinstance(old, bool) or isinstance(new, bool):
        if isinstance(old, bool) and isinstance(new, bool):
            return new
    elif isinstance(old, float) and isinstance(new, int | float):
        return float(new)
    elif isinstance(old, int) and isinstance(new, int):
        return new
    elif isinstance(old, str) and isinstance(new, str):
        return new
    elif isinstance(old, list) and isinstance(new, list):
        return new
    raise InputError(f"Config key '{path}' expects {type(old).__name__}, got {new!r}")


def _parse_override(text: str) -> tuple[list[str], Any]:
    """Parse ``a.b.c=value`` where value is TOML (bare words become strings)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise InputError(f"Override '{text}' must look like section.key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip().split("."), value


@dataclass
class Config:
    """The resolved configuration tree.

    Attributes:
        tree: Nested dict as in ``default.toml`` after merging; thresholds keep
            their ``{value, unit, source}`` tables.
        preset: Name of the preset applied (``None`` for the plain defaults).
    """

    tree: dict[str, Any]
    preset: str | None = None
    sources: list[str] = field(default_factory=list)

    def _node(self, dotted: str) -> Any:
        node: Any = self.tree
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(dotted)
            node = node[part]
        return node

    def get(self, dotted: str) -> Any:
        """Value at ``dotted`` (``"pose.num_poses"``), thresholds unwrapped."""
        node = self._node(dotted)
        return node["value"] if _is_threshold(node) else node

    def source(self, dotted: str) -> str:
        """Where a threshold's value comes from ("" for plain settings)."""
        node = self._node(dotted)
        return str(node.get("source", "")) if _is_threshold(node) else ""

    def section(self, dotted: str) -> dict[str, Any]:
        """A table with every threshold unwrapped to its value."""
        return _unwrap(self._node(dotted))

    def thresholds(self, dotted: str) -> dict[str, dict[str, Any]]:
        """The thresholds under ``dotted`` with value, unit and source each."""
        out: dict[str, dict[str, Any]] = {}
        for key, node in self._node(dotted).items():
            if _is_threshold(node):
                out[key] = {"unit": "", "source": "", **node}
        return out

    def with_overrides(self, overrides: Iterable[str]) -> Config:
        """A copy with ``"section.key=value"`` overrides applied.

        Raises:
            InputError: Unknown key or wrong type.
        """
        tree = copy.deepcopy(self.tree)
        sources = list(self.sources)
        for text in overrides:
            keys, value = _parse_override(text)
            update: dict[str, Any] = {keys[-1]: value}
            for key in reversed(keys[:-1]):
                update = {key: update}
            _merge(tree, update, "")
            sources.append(f"--set {text}")
        return Config(tree=tree, preset=self.preset, sources=sources)

    def as_dict(self) -> dict[str, Any]:
        """Plain values only (for reports), without the presets table."""
        return {k: v for k, v in _unwrap(self.tree).items() if k != "presets"}


def _unwrap(node: Any) -> Any:
    if _is_threshold(node):
        return node["value"]
    if isinstance(node, dict):
        return {k: _unwrap(v) for k, v in node.items()}
    return node


def check_user_settings(user: Mapping[str, Any]) -> Config:
    """The configuration a user settings tree gives, checked in memory.

    ``user`` has the layout of a ``--config`` file (any subset of the default
    keys, plus optional ``[presets.NAME]`` tables); no file is needed.

    Raises:
        InputError: Unknown key or wrong type.
    """
    tree = _load_defaults()
    user = copy.deepcopy(dict(user))
    presets = user.pop("presets", {})
    if not isinstance(presets, Mapping) or not all(
        isinstance(p, Mapping) for p in presets.values()
    ):
        raise InputError("Config key 'presets' must be a table of tables")
    _merge(tree, user, "")
    return Config(tree=tree, sources=["defaults", "user settings"])


def preset_names() -> list[str]:
    """Names of the presets in the default config."""
    return sorted(_load_defaults().get("presets", {}))


def load_config(
    *,
    preset: str | None = None,
    config_path: str | Path | None = None,
    overrides: Iterable[str] = (),
) -> Config:
    """Build the configuration: defaults, then preset, user file, overrides.

    Args:
        preset: A preset name from ``[presets]`` (``None`` or ``"standard"``
            keeps the defaults).
        config_path: A user TOML file with any subset of the default keys; it
            may also define its own ``[presets.NAME]``.
        overrides: ``"section.key=value"`` strings.

    Returns:
        The merged :class:`Config`.

    Raises:
        InputError: Unknown preset or key, wrong type, unreadable file.
    """
    tree = _load_defaults()
    presets = copy.deepcopy(tree.get("presets", {}))
    sources = ["defaults"]
    user: dict[str, Any] = {}
    if config_path is not None:
        user = _read_toml(Path(config_path))
        presets.update(user.pop("presets", {}))
    if preset is not None:
        if preset not in presets:
            names = ", ".join(sorted(presets))
            raise InputError(f"Unknown preset '{preset}'. Choose one of: {names}")
        _merge(tree, presets[preset], "")
        sources.append(f"preset {preset}")
    if user:
        _merge(tree, user, "")
        sources.append(str(config_path))
    return Config(tree=tree, preset=preset, sources=sources).with_overrides(overrides)
