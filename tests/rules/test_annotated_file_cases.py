"""Semgrep-style single-file cases: `model_train/cases/*.py` and `model_more/cases/*.py`.

Each case is a realistic file annotated as `annotated_cases` describes. Every finding of a rule
named in the file must be annotated (no unannotated extra findings), and when `<case>.fixed.py`
exists, applying all fixes (unsafe included) must produce it, idempotently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated_cases import parse_annotations
from repolens.lint.check import fix_text, lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import builtin_rules_dir, load_builtin_rules, load_rules_from

HERE = Path(__file__).parent
CASES = sorted(p for folder in ("model_train", "model_more") for p in (HERE / folder / "cases").glob("*.py")
               if not p.name.endswith(".fixed.py"))
RULES = load_builtin_rules()
BY_NAME = {r.name: r for r in RULES}
NAME_OF = {r.code: r.name for r in RULES}


def _rules_named(text: str):
    must, must_not = parse_annotations(text, BY_NAME)
    return must, must_not, [BY_NAME[n] for n in sorted({name for _, name in must | must_not})]


def test_there_are_cases_in_both_folders():
    assert {p.parent.parent.name for p in CASES} == {"model_train", "model_more"}


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_findings_match_ruleid_and_ok_annotations(case: Path) -> None:
    text = case.read_text()
    must, must_not, rules = _rules_named(text)
    _, reports = lint_text(text, case.name, rules, collect_facts({case.name: text}))
    found = {(r.position.start.line, NAME_OF[r.code]) for r in reports}
    assert must - found == set(), "missed"
    assert found & must_not == set(), "fired at an `ok` line"
    assert found - must == set(), "unannotated findings"


@pytest.mark.parametrize("case", [p for p in CASES if p.with_suffix(".fixed.py").exists()],
                         ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_fixes_produce_the_fixed_file_idempotently(case: Path) -> None:
    text = case.read_text()
    _, _, rules = _rules_named(text)
    facts = collect_facts({case.name: text})
    fixed = fix_text(text, case.name, rules, facts, unsafe=True)
    assert fixed == case.with_suffix(".fixed.py").read_text()
    assert fix_text(fixed, case.name, rules, facts, unsafe=True) == fixed


def test_opinion_rules_are_off_by_default_and_info() -> None:
    opinions = load_rules_from(builtin_rules_dir() / "opinions")
    assert sorted(r.code for r in opinions) == [f"RL90{i}" for i in range(1, 8)]
    assert all(not r.default_enabled and r.severity.value == "info" and "notes.en.md" in r.source for r in opinions)
