"""Every input warning code is written literally next to its check."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import formcoach.input_checks as input_checks

SOURCE = Path(input_checks.__file__).read_text()


def _codes() -> list[str | None]:
    codes = []
    for node in ast.walk(ast.parse(SOURCE)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "InputWarning"
        ):
            first = node.args[0] if node.args else None
            is_literal = isinstance(first, ast.Constant) and isinstance(
                first.value, str
            )
            codes.append(first.value if is_literal else None)
    return codes


def test_each_input_warning_has_a_literal_code():
    codes = _codes()
    assert codes and None not in codes
    assert len(codes) == len(set(codes)), "one check per code"


def test_the_module_docstring_lists_every_code():
    documented = set(re.findall(r"``([a-z]+\.[a-z_]+)``", input_checks.__doc__ or ""))
    assert documented == set(_codes())
