"""Semgrep-style cases for the model / training / performance rules.

Each `cases/*.py` is a realistic file. `# ruleid: <name>` above a line means that line must
carry a finding of rule <name>; `# ok: <name>` above a line means it must not. Every finding of
a rule named in the file must be annotated (no unannotated extra findings), and when
`<case>.fixed.py` exists, applying all fixes (unsafe included) must produce it, idempotently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from repolens.lint.check import fix_text, lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import builtin_rules_dir, load_rules_from

CASES = Path(__file__).parent / "cases"
RULES = [r for d in ("model", "train", "perf") for r in load_rules_from(builtin_rules_dir() / d)]
BY_NAME = {r.name: r for r in RULES}
ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*([a-z0-9-]+)")


def _annotations(text: str) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    must, must_not = set(), set()
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        match = ANNOTATION.search(line)
        if match and not line.strip().startswith('"'):
            kind, name = match.groups()
            assert name in BY_NAME, f"line {number}: unknown rule name {name!r}"
            (must if kind == "ruleid" else must_not).add((number + 1, name))
    return must, must_not


def _case_files():
    return sorted(p for p in CASES.glob("*.py") if not p.name.endswith(".fixed.py"))


@pytest.mark.parametrize("case", _case_files(), ids=lambda p: p.stem)
def test_findings_match_ruleid_and_ok_annotations(case: Path) -> None:
    text = case.read_text()
    must, must_not = _annotations(text)
    named = {name for _, name in must | must_not}
    rules = [BY_NAME[n] for n in sorted(named)]
    _, reports = lint_text(text, case.name, rules, collect_facts({case.name: text}))
    found = {(r.position.start.line, BY_NAME_BY_CODE[r.code]) for r in reports}
    assert must - found == set(), "missed"
    assert found & must_not == set(), "fired at an `ok` line"
    assert found - must == set(), "unannotated findings"


BY_NAME_BY_CODE = {r.code: r.name for r in RULES}


@pytest.mark.parametrize("case", [p for p in _case_files() if p.with_suffix(".fixed.py").exists()],
                         ids=lambda p: p.stem)
def test_fixes_produce_the_fixed_file_idempotently(case: Path) -> None:
    text = case.read_text()
    expected = case.with_suffix(".fixed.py").read_text()
    must, must_not = _annotations(text)
    rules = [BY_NAME[n] for n in sorted({name for _, name in must | must_not})]
    facts = collect_facts({case.name: text})
    fixed = fix_text(text, case.name, rules, facts, unsafe=True)
    assert fixed == expected
    assert fix_text(fixed, case.name, rules, facts, unsafe=True) == fixed
