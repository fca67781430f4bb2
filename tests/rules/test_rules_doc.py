"""docs/rules.md carries the catalogue of the data and security rules, rendered from the rules.

The part between the markers is generated from each rule's metadata and docstring, so the page
cannot drift from the code. To refresh it after editing a rule:

    REPOLENS_UPDATE_DOCS=1 pytest -q tests/rules/test_rules_doc.py
"""

from __future__ import annotations

import os
from pathlib import Path

from repolens.lint.registry import load_builtin_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
START, END = "<!-- catalogue:start (generated) -->", "<!-- catalogue:end -->"
CODES = ("RL101", "RL102", "RL103", "RL104", "RL105", "RL106", "RL107", "RL108", "RL501")


def render() -> str:
    rules = sorted((r for r in load_builtin_rules() if r.code in CODES), key=lambda r: r.code)
    parts = ["| id | name | severity | default | fix |", "| --- | --- | --- | --- | --- |"]
    for r in rules:
        parts.append(f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.severity.value} | "
                     f"{'on' if r.default_enabled else 'off'} | {r.fix_safety or '-'} |")
    for r in rules:
        body = r.doc().replace("## ", "#### ")
        parts += ["", f"### {r.code} {r.name}", "",
                  f"Severity **{r.severity.value}**, {'on' if r.default_enabled else 'off'} by default"
                  f"{', fix: ' + r.fix_safety if r.fix_safety else ''}. Source: {r.source}", "", body]
    return "\n".join(parts) + "\n"


def test_rules_doc_catalogue_matches_the_rules():
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    fresh = f"{head}{START}\n{render()}{END}{tail}"
    if os.environ.get("REPOLENS_UPDATE_DOCS"):
        DOC.write_text(fresh, encoding="utf-8")
    assert text == fresh, "docs/rules.md is stale: run REPOLENS_UPDATE_DOCS=1 pytest -q tests/rules/test_rules_doc.py"
