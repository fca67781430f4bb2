"""docs/rules.md carries the catalogue of every built-in rule (code, name, severity, tier, fix) and
the full docs of the data and security rules, rendered from the rules.

The part between the markers is generated from each rule's metadata and docstring, so the page
cannot drift from the code. To refresh it after editing a rule:

    REPOLENS_UPDATE_DOCS=1 pytest -q tests/rules/test_rules_doc.py
"""

from __future__ import annotations

import os
from pathlib import Path

from repolens.cli.lint_cmd import tier_line
from repolens.lint.catalogue import RuleInfo
from repolens.lint.registry import load_builtin_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
START, END = "<!-- catalogue:start (generated) -->", "<!-- catalogue:end -->"
CODES = ("RL101", "RL102", "RL103", "RL104", "RL105", "RL106", "RL107", "RL108", "RL501")


def render() -> str:
    everything = sorted((RuleInfo.from_class(r) for r in load_builtin_rules()), key=lambda r: r.code)
    rules = [r for r in everything if r.code in CODES]
    parts = ["| id | name | severity | tier | fix | why this tier |", "| --- | --- | --- | --- | --- | --- |"]
    for r in everything:
        code = f"[{r.code}](#{r.code.lower()}-{r.name})" if r.code in CODES else r.code
        tier = r.tier + (f" (in {r.superseded_by})" if r.superseded_by else "")
        parts.append(f"| {code} | {r.name} | {r.severity.value} | {tier} | {r.fix_safety or '-'} | {r.tier_reason} |")
    for r in rules:
        body = r.doc().replace("## ", "#### ")
        parts += ["", f"### {r.code} {r.name}", "",
                  f"Severity **{r.severity.value}**, {'on' if r.default_enabled else 'off'} by default"
                  f"{', fix: ' + r.fix_safety if r.fix_safety else ''}. Source: {r.source}", "", tier_line(r), "", body]
    return "\n".join(parts) + "\n"


def test_rules_doc_catalogue_matches_the_rules():
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    fresh = f"{head}{START}\n{render()}{END}{tail}"
    if os.environ.get("REPOLENS_UPDATE_DOCS"):
        DOC.write_text(fresh, encoding="utf-8")
    assert text == fresh, "docs/rules.md is stale: run REPOLENS_UPDATE_DOCS=1 pytest -q tests/rules/test_rules_doc.py"
