"""Every embedded example of every built-in rule is a test (Fixit's convention)."""

from __future__ import annotations

import pytest

from repolens.lint.check import fix_text, lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules

RULES = load_builtin_rules()


def _cases(kind: str):
    for rule in RULES:
        for i, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{rule.name}-{kind}{i}")


def _run(rule, example):
    files = {**example.files, example.path: example.code}
    facts = collect_facts(files)
    options = {rule.code: dict(example.options)}
    _, reports = lint_text(example.code, example.path, [rule], facts, options)
    return facts, options, [r for r in reports if r.code == rule.code]


@pytest.mark.parametrize(("rule", "example"), list(_cases("valid")))
def test_valid_example_has_no_finding(rule, example):
    _, _, reports = _run(rule, example)
    assert reports == [], [f"{r.position.start.line}: {r.message}" for r in reports]


@pytest.mark.parametrize(("rule", "example"), list(_cases("invalid")))
def test_invalid_example_is_flagged_and_fixed_as_documented(rule, example):
    facts, options, reports = _run(rule, example)
    assert reports, f"{rule.code} found nothing in its invalid example"
    if example.fixed is not None:
        fixed = fix_text(example.code, example.path, [rule], facts, options, unsafe=True)
        assert fixed == example.fixed
        # A second fix changes nothing: fixes are idempotent.
        assert fix_text(fixed, example.path, [rule], facts, options, unsafe=True) == fixed
