"""Selection like ruff: codes, prefixes, names, ALL; defaults; specificity; CLI over config."""

from __future__ import annotations

import pytest

from repolens.lint.config import LintConfig
from repolens.lint.registry import load_rules_from
from repolens.lint.selection import SelectionLayer, select_rules, split_selectors
from repolens.lint.settings import resolve_settings


@pytest.fixture
def rules(tiny_rules):
    return sorted(load_rules_from(tiny_rules), key=lambda r: r.code)


def codes(rules, *layers):
    return [r.code for r in select_rules(rules, list(layers))]


def test_default_is_the_rules_that_are_on_by_default(rules):
    assert codes(rules) == ["TST001", "TST002", "TST003", "TST004"]


def test_select_by_code_prefix_and_name(rules):
    assert codes(rules, SelectionLayer(select=("TST001", "loader-pin"))) == ["TST001", "TST002"]
    assert codes(rules, SelectionLayer(select=("TST00",))) == ["TST001", "TST002", "TST003", "TST004"]


def test_off_by_default_rule_needs_explicit_selection(rules):
    assert "TST900" not in codes(rules, SelectionLayer(extend_select=("TST001",)))
    assert "TST900" in codes(rules, SelectionLayer(extend_select=("TST900",)))
    assert "TST900" in codes(rules, SelectionLayer(extend_select=("todo-name",)))
    assert "TST900" in codes(rules, SelectionLayer(select=("TST9",)))


def test_all_includes_off_by_default_rules(rules):
    assert codes(rules, SelectionLayer(select=("ALL",))) == [r.code for r in rules]


def test_more_specific_selector_wins_and_ties_go_to_ignore(rules):
    assert codes(rules, SelectionLayer(select=("TST",), ignore=("TST00",))) == ["TST900"]
    assert codes(rules, SelectionLayer(select=("TST001",), ignore=("TST",))) == ["TST001"]
    assert codes(rules, SelectionLayer(select=("TST001",), ignore=("TST001",))) == []


def test_command_line_select_replaces_config_select_and_ignore_adds(rules):
    config = SelectionLayer(select=("TST001", "TST002"))
    cli = SelectionLayer(select=("TST003",))
    assert codes(rules, config, cli) == ["TST003"]
    assert codes(rules, config, SelectionLayer(ignore=("TST002",))) == ["TST001"]
    assert codes(rules, config, SelectionLayer(extend_select=("TST004",))) == ["TST001", "TST002", "TST004"]


def test_cli_values_are_comma_separated_and_repeatable():
    assert split_selectors(["RL1,RL5", " RL202 "]) == ("RL1", "RL5", "RL202")
    assert split_selectors(None) is None


def test_syntax_error_findings_stay_on_unless_ignored_by_code(tmp_path, rules):
    cfg = LintConfig(root=tmp_path)
    assert resolve_settings(cfg, select=["TST001"], rules=rules).report_syntax_errors
    assert not resolve_settings(cfg, ignore=["RL000"], rules=rules).report_syntax_errors


def test_tier_groups_select_advice_and_opinion_rules():
    from repolens.lint.registry import load_builtin_rules

    builtin = sorted(load_builtin_rules(), key=lambda r: r.code)
    default = set(codes(builtin))
    advice = set(codes(builtin, SelectionLayer(select=("ADVICE",))))
    opinion = set(codes(builtin, SelectionLayer(select=("OPINION",))))
    assert {"RL309", "RL314", "RL107"} <= advice and not advice & default
    # superseded rules run only when named: ADVICE holds their combined form RL314 instead
    assert not advice & {"RL311", "RL313", "RL319", "RL320"}
    assert "RL320" in codes(builtin, SelectionLayer(extend_select=("RL320",)))
    assert opinion == {r.code for r in builtin if r.code.startswith("RL9")}
    assert not default & opinion and {"RL101", "RL201", "RL202", "RL104"} <= default
    # extend-select adds the group to the default; a prefix is more specific than a group
    extended = codes(builtin, SelectionLayer(extend_select=("ADVICE",)))
    assert set(extended) == default | advice
    assert "RL309" not in codes(builtin, SelectionLayer(extend_select=("ADVICE",), ignore=("RL3",)))
    assert "RL309" in codes(builtin, SelectionLayer(select=("RL309",), ignore=("ADVICE",)))


def test_no_two_default_rules_contradict_on_weight_decay():
    """RL309 (advice) never advises Adam's own weight_decay, which RL310 (default) flags."""
    from repolens.lint.check import lint_text
    from repolens.lint.registry import load_builtin_rules

    chosen = [r for r in load_builtin_rules() if r.code in ("RL309", "RL310")]
    _, reports = lint_text("import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n", "train.py", chosen)
    assert [r.code for r in reports] == ["RL309"] and "switch to AdamW" in reports[0].message
