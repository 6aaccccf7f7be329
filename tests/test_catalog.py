"""The declarations: every cue one hop from its rule, rules resolvable, docs current."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from formcoach.catalog import SPECS
from formcoach.catalog.rules_table import as_markdown, rule_rows
from formcoach.settings import load_config

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "formcoach"


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == name
            ):
                found.append((path, node))
    return found


@pytest.mark.parametrize("name", ["Cue", "InputWarning"])
def test_every_code_is_written_literally(name):
    """A report's codes can be found by searching the source for them."""
    calls = _calls(name)
    assert calls, f"no {name}(...) calls found"
    for path, call in calls:
        first = call.args[0] if call.args else None
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        # A warning may reuse the code of the cue its rule raises (X.code).
        of_cue = isinstance(first, ast.Attribute) and first.attr == "code"
        assert literal or of_cue, f"{path.name}:{call.lineno}: {name} code not literal"


def test_every_cue_is_raised_by_exactly_one_rule():
    """Workouts may share a rule (the gait rules), never a cue between rules."""
    rules = {id(r): r for spec in SPECS.values() for r in spec.rules}
    codes = Counter(r.cue.code for r in rules.values())
    assert codes, "no rules declared"
    assert [c for c, n in codes.items() if n > 1] == []


@pytest.mark.parametrize("name", list(SPECS))
def test_rules_name_existing_thresholds(name):
    rows = rule_rows(load_config(), name)
    assert len(rows) == len(SPECS[name].rules)
    for row in rows:
        assert row.when
        for t in row.thresholds:
            assert isinstance(t.value, int | float), t.key
            assert t.source, f"{t.key} has no source"


@pytest.mark.parametrize("name", list(SPECS))
def test_columns_have_short_labels(name):
    """No header word longer than 10 letters: PDF tables never break a word."""
    spec = SPECS[name]
    columns = spec.rep_columns + spec.step_columns
    assert columns, f"{name} declares no table columns"
    for column in columns:
        assert all(len(word) <= 10 for word in column.header.split()), column


def test_docs_rules_md_is_generated_from_the_declarations():
    expected = as_markdown(rule_rows(load_config()))
    current = (ROOT / "docs" / "rules.md").read_text()
    assert current == expected, (
        "docs/rules.md is out of date: run "
        "`formcoach rules --markdown > docs/rules.md`"
    )


def test_rules_command():
    run = subprocess.run(
        [sys.executable, "-m", "formcoach.cli", "rules", "reverse-lunge", "--preset",
         "rehab"], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "lunge.too_deep" in run.stdout
    assert "exercises.reverse_lunge.front_knee_min_deg = 80.0 deg" in run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "formcoach.cli", "rules", "pushups"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "Unknown exercise 'pushups'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_no_codes_in_plain_dicts():
    """Warnings and cues are typed records, not dicts built inline."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    assert not isinstance(value, ast.Constant | ast.JoinedStr), (
                        f"{path.name}:{node.lineno}: a code in a plain dict"
                    )


@pytest.mark.parametrize("name", list(SPECS))
def test_each_coach_implements_its_declaration(name):
    """The coach raises exactly the declared rules and shows the declared tables."""
    from formcoach.exercises import EXERCISES

    coach, spec = EXERCISES[name], SPECS[name]
    assert (coach.name, coach.title, coach.section) == (
        spec.name,
        spec.title,
        spec.section,
    )
    assert [r.cue.code for r in coach.rules] == [r.cue.code for r in spec.rules]
    assert coach.rep_columns == spec.rep_columns
    assert coach.step_columns == spec.step_columns
    assert coach.plots == spec.plots



@pytest.mark.parametrize("name", list(SPECS))
def test_each_rule_carries_its_check_or_marks_where_the_coach_decides(name):
    """One mechanism for every workout: a rule's check sits next to it in the
    catalog; a rule decided inside a coach's algorithm (no check) is named at
    the place that decides it."""
    from formcoach.catalog import equipment, locomotion, reverse_lunge

    rule_names = {
        id(value): key
        for module in (reverse_lunge, locomotion, equipment)
        for key, value in vars(module).items()
        if key.endswith("_RULE")
    }
    coaches = "\n".join(
        path.read_text() for path in (PACKAGE / "exercises").rglob("*.py")
    )
    for rule in SPECS[name].rules:
        if rule.check is None:
            assert rule_names[id(rule)] in coaches, f"{rule.cue.code}: decided nowhere"
