"""`repolens rules` and `repolens explain`."""

from __future__ import annotations

import json

from repolens.cli.lint_cmd import explain_markdown
from repolens.lint.registry import load_rules_from


def test_rules_lists_the_catalogue_as_json(cli, project, monkeypatch):
    monkeypatch.chdir(project)  # its pyproject adds the tiny rules through extend-rules
    rows = json.loads(cli("rules", "--format", "json").stdout)
    by_code = {r["code"]: r for r in rows}
    assert by_code["RL000"]["name"] == "syntax-error"
    assert by_code["TST002"] == {"code": "TST002", "name": "loader-pin", "severity": "warning", "default": True,
                                 "tier": "default", "tier_reason": "", "superseded_by": None,
                                 "fixable": "safe", "summary": "Flags DataLoader calls without pin_memory; the fix "
                                 "adds pin_memory=True.", "source": ""}
    # A user's rule declares no tier: off by default reads as advice.
    assert by_code["TST900"]["default"] is False and by_code["TST900"]["tier"] == "advice"
    # Built-in rules declare theirs; superseded advice names the combined rule.
    assert by_code["RL101"]["tier"] == "default" and by_code["RL101"]["tier_reason"]
    assert by_code["RL309"]["tier"] == "advice" and by_code["RL309"]["default"] is False
    assert by_code["RL320"]["superseded_by"] == "RL314"
    assert {r["tier"] for r in rows if r["code"].startswith("RL9")} == {"opinion"}
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)


def test_rules_text_table_shows_code_name_and_tier(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    out = cli("rules").stdout
    line = next(l for l in out.splitlines() if l.startswith("TST900"))
    assert "todo-name" in line and " advice " in line
    assert " opinion " in next(l for l in out.splitlines() if l.startswith("RL901"))


def test_explain_states_the_tier_and_why(cli):
    out = cli("explain", "RL309").stdout
    assert "Tier: advice, because weight decay is a recipe choice" in " ".join(out.split())
    out = cli("explain", "RL320").stdout
    assert "RL314" in out and "only when named" in " ".join(out.split())


def test_explain_prints_the_doc_and_examples_by_code_or_name(cli, project, monkeypatch):
    monkeypatch.chdir(project)
    by_code = cli("explain", "TST002")
    by_name = cli("explain", "loader-pin")
    assert by_code.exit_code == 0 and by_code.stdout == by_name.stdout
    assert "What it does" in by_code.stdout and "pin_memory=True" in by_code.stdout


def test_explain_unknown_rule_exits_2(cli):
    result = cli("explain", "XX999")
    assert result.exit_code == 2 and "unknown rule" in result.stderr


def test_explain_markdown_holds_metadata_doc_and_examples(tiny_rules):
    rule = next(r for r in load_rules_from(tiny_rules) if r.code == "TST002")
    md = explain_markdown(rule)
    assert md.startswith("# TST002 loader-pin")
    assert "fix: **yes (safe)**" in md
    assert "## Flagged (from the rule's tests)" in md and "DataLoader(ds, pin_memory=True)" in md
