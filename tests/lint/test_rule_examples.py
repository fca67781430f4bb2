"""Every embedded example of every built-in rule is a test (Fixit's convention), run through the
per-file pipeline and checked against what it states (`repolens.lint.examples`)."""

from __future__ import annotations

import pytest

from repolens.lint import Example, Expected
from repolens.lint.examples import example_problems
from repolens.lint.registry import load_builtin_rules, rule_problems

RULES = load_builtin_rules()


def _cases(kind: str):
    for rule in RULES:
        for i, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{rule.name}-{kind}{i}")


@pytest.mark.parametrize(("rule", "example"), list(_cases("valid")))
def test_valid_example_has_no_finding(rule, example):
    assert example_problems(rule, example, valid=True) == []


@pytest.mark.parametrize(("rule", "example"), list(_cases("invalid")))
def test_invalid_example_is_flagged_and_fixed_as_documented(rule, example):
    assert example_problems(rule, example, valid=False) == []


def test_some_rules_state_the_lines_and_messages_they_expect():
    stating = {r.code for r in RULES if any(e.expect for e in r.invalid)}
    assert len(stating) >= 4, stating


def _with_invalid(rule, example):
    return type(rule.__name__, (rule,), {"invalid": (example,), "__doc__": rule.__doc__})


def test_an_expectation_that_the_rule_does_not_meet_is_reported():
    rule = next(r for r in RULES if r.code == "RL501")
    code = "import torch\nsd = torch.load('m.pt')\n"
    assert example_problems(rule, Example(code, expect=[(2, "weights_only")]), valid=False) == []
    wrong_line = example_problems(rule, Example(code, expect=[(1, "weights_only")]), valid=False)
    assert any("expected a finding on line 1" in p for p in wrong_line)
    assert any("line 2: an unexpected finding" in p for p in wrong_line)
    wrong_message = example_problems(rule, Example(code, expect=[Expected(2, r"^pickle\b", regex=True)]), valid=False)
    assert any("matching '^pickle\\\\b'" in p for p in wrong_message)
    # a suppression comment silences the finding in an example, as it does for `repolens lint`
    suppressed = Example("import torch\nsd = torch.load('m.pt')  # repolens: ignore[RL501]\n")
    assert example_problems(rule, suppressed, valid=False) == ["RL501 found nothing in its invalid example"]


def test_the_registry_rejects_expectations_that_cannot_hold():
    rule = next(r for r in RULES if r.code == "RL501")
    bad = _with_invalid(rule, Example("import torch\ntorch.load(p)\n", expect=[(9, None), Expected(2, "(", regex=True)]))
    problems = rule_problems(bad, builtin=True)
    assert any("line 9, its code has 2" in p for p in problems)
    assert any("is not a regex" in p for p in problems)


def test_expectations_survive_the_catalogue_cache():
    example = Example("x\n", expect=[(1, "m"), Expected(1, "a|b", regex=True)])
    again = Example(**example.as_dict())
    assert again == example and again.expect[1].regex
