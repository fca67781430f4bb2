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
