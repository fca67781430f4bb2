"""Semgrep-style cases for RL202-RL213 and the opinion rules RL901-RL907.

Each `cases/*.py` is a realistic file. `# ruleid: <name>` above a line means that line must
carry a finding of rule <name>; `# ok: <name>` above a line means it must not. Every finding of a
rule named in the file must be annotated, and when `<case>.fixed.py` exists, applying all fixes
(unsafe included) must produce it, idempotently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from repolens.lint.check import fix_text, lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import builtin_rules_dir, load_rules_from

CASES = Path(__file__).parent / "cases"
RULES = [r for d in ("model", "opinions") for r in load_rules_from(builtin_rules_dir() / d)]
BY_NAME = {r.name: r for r in RULES}
NAME_OF = {r.code: r.name for r in RULES}
ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*([a-z0-9-]+)")


def _annotations(text: str) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    must, must_not = set(), set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = ANNOTATION.search(line)
        if match:
            kind, name = match.groups()
            assert name in BY_NAME, f"line {number}: unknown rule name {name!r}"
            (must if kind == "ruleid" else must_not).add((number + 1, name))
    return must, must_not


def _case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("*.py") if not p.name.endswith(".fixed.py"))


def _rules_named(text: str):
    must, must_not = _annotations(text)
    return [BY_NAME[n] for n in sorted({name for _, name in must | must_not})]


@pytest.mark.parametrize("case", _case_files(), ids=lambda p: p.stem)
def test_findings_match_ruleid_and_ok_annotations(case: Path) -> None:
    text = case.read_text()
    must, must_not = _annotations(text)
    _, reports = lint_text(text, case.name, _rules_named(text), collect_facts({case.name: text}))
    found = {(r.position.start.line, NAME_OF[r.code]) for r in reports}
    assert must - found == set(), "missed"
    assert found & must_not == set(), "fired at an `ok` line"
    assert found - must == set(), "unannotated findings"


@pytest.mark.parametrize("case", [p for p in _case_files() if p.with_suffix(".fixed.py").exists()],
                         ids=lambda p: p.stem)
def test_fixes_produce_the_fixed_file_idempotently(case: Path) -> None:
    text = case.read_text()
    rules = _rules_named(text)
    facts = collect_facts({case.name: text})
    fixed = fix_text(text, case.name, rules, facts, unsafe=True)
    assert fixed == case.with_suffix(".fixed.py").read_text()
    assert fix_text(fixed, case.name, rules, facts, unsafe=True) == fixed


def test_opinion_rules_are_off_by_default_and_info() -> None:
    opinions = load_rules_from(builtin_rules_dir() / "opinions")
    assert sorted(r.code for r in opinions) == [f"RL90{i}" for i in range(1, 8)]
    assert all(not r.default_enabled and r.severity.value == "info" and "notes.en.md" in r.source for r in opinions)
