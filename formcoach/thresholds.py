"""Typed views of config sections: one frozen dataclass per table of thresholds.

A coach reads its thresholds once, when it is built, into a frozen dataclass
whose fields are exactly the keys of its config table (no defaults here: the
defaults live in ``default.toml`` only). A key the code expects but the table
lacks, or a key in the table the code does not know, fails right there with
both lists, instead of a ``KeyError`` half-way through an analysis::

    @dataclass(frozen=True)
    class RowSettings(SectionSettings):
        min_slide: float
        ...

    settings = RowSettings.from_config(config, "exercises.reverse_row")

A field typed ``float | None`` may be absent from the table (it is None then).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields
from typing import Any, Self

from .errors import InputError


def _optional(hint: Any) -> bool:
    return type(None) in typing.get_args(hint)


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """``value`` as the field's type (an int may stand for a float)."""
    if value is None:
        return None
    kind = next((h for h in typing.get_args(hint) if h is not type(None)), hint)
    if isinstance(value, bool) and kind is not bool:
        pass
    elif kind is float and isinstance(value, int | float):
        return float(value)
    elif isinstance(kind, type) and isinstance(value, kind):
        return value
    name = getattr(kind, "__name__", str(kind))
    raise InputError(f"Config key '{key}' expects {name}, got {value!r}")


@dataclass(frozen=True)
class SectionSettings:
    """Base of the typed settings: :meth:`from_config` checks the keys both ways."""

    @classmethod
    def from_config(cls, config: Any, section: str) -> Self:
        """The values of ``[section]`` of a :class:`~formcoach.settings.Config`.

        Raises:
            InputError: The table lacks a field's key, has a key that is no
                field, or a value of the wrong type.
        """
        try:
            values = config.section(section)
        except KeyError:
            raise InputError(f"Config table [{section}] is missing") from None
        hints = typing.get_type_hints(cls)
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in values and not _optional(hints[n])]
        unknown = sorted(set(values) - set(names))
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing key(s) {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown key(s) {', '.join(unknown)}")
            raise InputError(
                f"Config table [{section}] does not match {cls.__name__}: "
                + "; ".join(parts)
                + f". Known keys here: {', '.join(names)}"
            )
        return cls(
            **{n: _coerce(values.get(n), hints[n], f"{section}.{n}") for n in names}
        )
